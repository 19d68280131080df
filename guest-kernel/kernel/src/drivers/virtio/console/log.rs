//! The kernel log on port 1: each line is formatted straight into a log slot (512 bytes of
//! DMA memory, eight slots in one page) and posted from there, so a log line is neither
//! copied nor waited for; a slot comes back with its descriptor.

use super::device::{ConsoleError, Port, VirtioConsole};
use super::tx::TxQueue;
use core::fmt::{self, Write};

/// Log slots: lines formatted in place, 512 bytes each, one page.
pub(super) const LOG_SLOTS: usize = 8;
/// Bytes per log slot; a longer line continues in the next slot.
pub(super) const LOG_SLOT_SIZE: usize = 512;

impl VirtioConsole {
    /// Writes one formatted line to port 1 (the kernel log): formatted straight into a log
    /// slot of DMA memory and posted from there, no copy and no wait for the device.
    pub fn log_line(&mut self, args: fmt::Arguments<'_>) -> Result<(), ConsoleError> {
        if !self.multiport {
            return Err(ConsoleError::NoLogPort);
        }
        let mut writer = LogWriter { console: self, slot: None, len: 0, error: None };
        let _ = writer.write_fmt(args);
        let _ = writer.write_str("\n");
        writer.finish()
    }

    /// A free log slot, waiting for the device to return one if needed.
    fn log_slot(&mut self) -> Result<u8, ConsoleError> {
        if self.log_free == 0 {
            self.wait_until(|c| c.log_free != 0)?;
        }
        let slot = self.log_free.trailing_zeros() as u8;
        self.log_free &= !(1 << slot);
        Ok(slot)
    }

    /// Sends log slot `slot`'s first `len` bytes to the log port.
    fn post_log(&mut self, slot: u8, len: usize) -> Result<(), ConsoleError> {
        let index = self.tx_index(Port::Stderr);
        if !self.tx[index].as_ref().is_some_and(TxQueue::has_room) {
            self.publish(index);
            self.wait_until(|c| c.tx[index].as_ref().is_some_and(TxQueue::has_room))?;
        }
        let phys = self.log.phys_at(usize::from(slot) * LOG_SLOT_SIZE);
        if let Some(tx) = self.tx[index].as_mut() {
            tx.post(phys, len as u32, slot);
        }
        self.publish(index);
        Ok(())
    }
}

/// Formats a log line into log slots, posting each as it fills.
struct LogWriter<'a> {
    console: &'a mut VirtioConsole,
    slot: Option<u8>,
    len: usize,
    error: Option<ConsoleError>,
}

impl LogWriter<'_> {
    fn finish(mut self) -> Result<(), ConsoleError> {
        if let Some(slot) = self.slot.take()
            && let Err(e) = self.console.post_log(slot, self.len)
        {
            self.error = Some(e);
        }
        self.error.map_or(Ok(()), Err)
    }
}

impl Write for LogWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s.as_bytes();
        while !rest.is_empty() {
            let slot = match self.slot {
                Some(slot) if self.len < LOG_SLOT_SIZE => slot,
                full => {
                    if let Some(slot) = full {
                        self.console.post_log(slot, self.len).map_err(|e| {
                            self.error = Some(e);
                            fmt::Error
                        })?;
                    }
                    let slot = self.console.log_slot().map_err(|e| {
                        self.error = Some(e);
                        fmt::Error
                    })?;
                    self.slot = Some(slot);
                    self.len = 0;
                    slot
                }
            };
            let n = rest.len().min(LOG_SLOT_SIZE - self.len);
            let at = usize::from(slot) * LOG_SLOT_SIZE + self.len;
            // SAFETY: the slot is this writer's (taken from `log_free`), `len + n` stays in
            // its 512 bytes, and the source is a distinct borrowed string.
            unsafe { core::ptr::copy_nonoverlapping(rest.as_ptr(), self.console.log.at(at), n) };
            self.len += n;
            rest = &rest[n..];
        }
        Ok(())
    }
}

const _: () = assert!(LOG_SLOTS * LOG_SLOT_SIZE <= 4096 && LOG_SLOTS <= 8);
