//! The virtio console: the kernel's main console once it is up (log lines on port 1, the
//! vmm's stderr), and ports 0 and 1 for programs (stdin/stdout and stderr).
//!
//! Why not `virtio_drivers::device::console::VirtIOConsole`: it has no multiport (so no
//! stderr port and no end-of-input), queues of two entries and byte-at-a-time input. This
//! driver posts output in place (descriptors point at the caller's bytes or at the log line
//! formatted into DMA memory: the kernel copies nothing), hands input to readers in place,
//! and speaks the control protocol (`control.rs`, logic in `klib::virtio_console`).
//!
//! Files: `device.rs` the device, `tx.rs`/`rx.rs` its port queues, `log.rs` the kernel log
//! lines, `control.rs` the control queues, `size.rs` the window size and the tty's
//! interface to it ([`window_size`], [`poll_resize`]). This file holds the one console
//! the kernel uses and its entry points.

mod control;
mod device;
mod log;
mod rx;
mod size;
mod tx;

pub use device::{ConsoleError, Port, VirtioConsole};
#[allow(unused_imports, reason = "the tty's interface (issue 14): used once the tty calls it")]
pub use size::{poll_resize, window_size, window_size_now};

use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};
use spin::mutex::SpinMutex;

/// The console, once a device was found and brought up.
static CONSOLE: SpinMutex<Option<VirtioConsole>> = SpinMutex::new(None);
/// Whether [`CONSOLE`] holds a working device (a lock-free check for the log path).
static UP: AtomicBool = AtomicBool::new(false);

/// Makes `console` the kernel's console (the first one found wins); false if there is one.
pub fn install(console: VirtioConsole) -> bool {
    let mut slot = CONSOLE.lock();
    if slot.is_some() {
        return false;
    }
    *slot = Some(console);
    UP.store(true, Ordering::Release);
    true
}

/// Whether the virtio console is up, bringing it up on the first call (see
/// `drivers::virtio` on lazy bring-up).
pub fn is_up() -> bool {
    super::ensure_console();
    UP.load(Ordering::Acquire)
}

/// Runs `f` on the console; `None` if there is none. A failure marks it down, so the log
/// falls back to the UART.
fn with<T>(
    f: impl FnOnce(&mut VirtioConsole) -> Result<T, ConsoleError>,
) -> Option<Result<T, ConsoleError>> {
    if !UP.load(Ordering::Acquire) {
        return None;
    }
    let mut guard = CONSOLE.lock();
    let console = guard.as_mut()?;
    let result = f(console);
    if matches!(result, Err(ConsoleError::DeviceBroken)) {
        UP.store(false, Ordering::Release);
    }
    Some(result)
}

/// Writes one log line to port 1; false if the virtio console is not usable (the caller
/// prints on the UART instead).
pub fn log_line(args: fmt::Arguments<'_>) -> bool {
    matches!(with(|c| c.log_line(args)), Some(Ok(())))
}

/// Writes `data` to `port`, returning once the host has it.
pub fn write_all(port: Port, data: &[u8]) -> Result<(), ConsoleError> {
    with(|c| c.write_all(port, data)).unwrap_or(Err(ConsoleError::DeviceBroken))
}

/// Queues `data` on `port` without waiting for the host to take it.
pub fn write_static(port: Port, data: &'static [u8]) -> Result<(), ConsoleError> {
    with(|c| c.write_static(port, data)).unwrap_or(Err(ConsoleError::DeviceBroken))
}

/// Waits until the host has every byte written so far (before power-off). Does not bring
/// the console up: one that is not up has nothing queued.
pub fn flush() {
    let _ = with(VirtioConsole::flush);
}

/// The crash path's flush: polls for at most `ticks` TSC ticks, and not at all if the
/// console is in use (the crash may have happened inside it).
pub fn flush_for_crash(ticks: u64) {
    if !UP.load(Ordering::Acquire) {
        return;
    }
    if let Some(mut guard) = CONSOLE.try_lock()
        && let Some(console) = guard.as_mut()
    {
        console.flush_polling(ticks);
    }
}

/// Waits for input on port 0 and calls `f` with it (the bytes in place, in a receive
/// buffer that goes back to the device afterwards). Returns the bytes passed, or 0 at end
/// of input.
pub fn read_with(f: impl FnOnce(&[u8])) -> Result<usize, ConsoleError> {
    let buffer = with(VirtioConsole::receive).unwrap_or(Err(ConsoleError::DeviceBroken))?;
    let Some((id, ptr, len)) = buffer else { return Ok(0) };
    // SAFETY: the receive buffer `id` holds `len` bytes the device wrote and returned; it
    // stays ours (not posted again) until `release` below, and nothing else touches it.
    f(unsafe { core::slice::from_raw_parts(ptr, len) });
    let _ = with(|c| {
        c.release(id);
        Ok(())
    });
    Ok(len)
}

/// Reads port 0 input without waiting: `Some(n)` when `f` was called with `n > 0` bytes
/// (in place; the buffer goes back to the device afterwards), `Some(0)` at end of input,
/// `None` when nothing has come yet (the receive interrupt is then armed: `irq::wait`
/// returns when input comes).
pub fn try_read_with(f: impl FnOnce(&[u8])) -> Result<Option<usize>, ConsoleError> {
    if !is_up() {
        return Err(ConsoleError::DeviceBroken);
    }
    let buffer = with(VirtioConsole::try_receive).unwrap_or(Err(ConsoleError::DeviceBroken))?;
    let Some(buffer) = buffer else { return Ok(None) };
    let Some((id, ptr, len)) = buffer else { return Ok(Some(0)) };
    // SAFETY: as in `read_with`: the buffer is ours until `release`.
    f(unsafe { core::slice::from_raw_parts(ptr, len) });
    let _ = with(|c| {
        c.release(id);
        Ok(())
    });
    Ok(Some(len))
}

/// Writes the physical ranges `segments` (address, length) to `port` and returns once the
/// host has them (zero copy: the device reads the ranges themselves).
pub fn write_phys(port: Port, segments: &[(u64, usize)]) -> Result<(), ConsoleError> {
    if !is_up() {
        return Err(ConsoleError::DeviceBroken);
    }
    with(|c| c.write_phys(port, segments)).unwrap_or(Err(ConsoleError::DeviceBroken))
}

/// Whether port 0 has input (or its end) for [`try_read_with`]; arms the interrupt when
/// not, so the caller can sleep until it changes. A console that is not usable reports
/// ready (the read then fails instead of waiting forever).
pub fn input_ready() -> bool {
    if !is_up() {
        return true;
    }
    with(|c| Ok(c.input_ready())).is_none_or(|r| r.unwrap_or(true))
}
