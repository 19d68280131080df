//! The console: port 0 (the host's stdin and stdout) behind `/dev/console`, `/dev/tty`
//! and init's descriptors 0 and 1, and port 1 (the host's stderr) behind descriptor 2.
//!
//! When the console is a terminal (`console.tty=1`, `crate::tty`), both ports are one
//! terminal with two outputs and every operation goes to `tty`. Otherwise (the default:
//! the vmm's stdin or stdout is a pipe or a file, like `docker run` without `-t`) it is
//! not a terminal: bytes pass unchanged both ways, with no echo and no line discipline,
//! and terminal requests fail with ENOTTY (so `isatty` is false); FIONREAD still counts
//! the input waiting, as on a pipe.
//!
//! Output is zero copy: the device is handed the physical pages of the caller's buffer
//! and the call returns when the host has written them. Input is handed over from the
//! receive buffer it arrived in (memops copy); what does not fit the caller's buffer is
//! kept for the next read.

use crate::drivers::virtio::console::{self as driver, Port};
use crate::fs::file::{POLLIN, POLLOUT};
use crate::fs::iobuf::{ReadBuf, WriteBuf};
use crate::fs::node::Stream;
use crate::fs::user::UserAccess;
use crate::fs::wait;
use crate::mm::layout;
use crate::mm::memops::Batch;
use crate::tty;
use alloc::sync::Arc;
use alloc::vec::Vec;
use posix::Errno;
use posix::tty::termios::FIONREAD;
use spin::mutex::SpinMutex;

/// Input received but not read yet (a read with a smaller buffer than what arrived).
static PENDING: SpinMutex<Vec<u8>> = SpinMutex::new(Vec::new());

/// One output port of the terminal.
pub struct Console {
    port: Port,
}

/// The terminal on port 0 (one object shared by every open).
pub fn terminal() -> Arc<dyn Stream> {
    Arc::new(Console { port: Port::Console })
}

/// The terminal's port 1 (the host's stderr).
pub fn stderr() -> Arc<dyn Stream> {
    Arc::new(Console { port: Port::Stderr })
}

impl Console {
    /// Hands what is pending or has arrived to `buf`; `None` if nothing has.
    fn take_input(&self, buf: &mut ReadBuf<'_>) -> Result<Option<usize>, Errno> {
        {
            let mut pending = PENDING.lock();
            if !pending.is_empty() {
                let n = pending.len().min(buf.len());
                buf.write_bytes(0, &pending[..n]);
                pending.drain(..n);
                return Ok(Some(n));
            }
        }
        let mut taken = 0;
        let mut failed = false;
        let got = driver::try_read_with(|data| {
            let n = data.len().min(buf.len());
            match layout::virt_to_phys(data.as_ptr(), n) {
                Some(phys) => {
                    let mut batch = Batch::new();
                    buf.copy_from_phys(&mut batch, 0, phys, n);
                    failed = batch.finish().is_err();
                }
                None => buf.write_bytes(0, &data[..n]),
            }
            PENDING.lock().extend_from_slice(&data[n..]);
            taken = n;
        })
        .map_err(|_| Errno::EIO)?;
        if failed {
            return Err(Errno::EFAULT);
        }
        Ok(got.map(|n| if n == 0 { 0 } else { taken }))
    }
}

impl Stream for Console {
    /// read(2) on a terminal: waits for input (unless O_NONBLOCK: EAGAIN), returns what
    /// came, up to the buffer's size; 0 once the host's input has ended.
    fn read(&self, buf: &mut ReadBuf<'_>, nonblock: bool) -> Result<usize, Errno> {
        if self.port != Port::Console {
            return Err(Errno::EBADF);
        }
        if tty::is_terminal() {
            return tty::read(buf, nonblock);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if let Some(n) = self.take_input(buf)? {
                return Ok(n);
            }
            if nonblock {
                return Err(Errno::EAGAIN);
            }
            wait::wait_for_device(|| !PENDING.lock().is_empty() || driver::input_ready())?;
        }
    }

    /// write(2): the device reads the caller's pages directly.
    fn write(&self, buf: &WriteBuf<'_>, _nonblock: bool) -> Result<usize, Errno> {
        if tty::is_terminal() {
            return tty::write(self.port, buf);
        }
        let segments: Vec<(u64, usize)> =
            buf.segments().iter().filter(|s| s.len > 0).map(|s| (s.phys, s.len)).collect();
        if segments.is_empty() {
            return Ok(0);
        }
        driver::write_phys(self.port, &segments).map_err(|_| Errno::EIO)?;
        Ok(buf.len())
    }

    fn poll(&self) -> u16 {
        if self.port == Port::Console && tty::is_terminal() {
            return if tty::readable() { POLLIN | POLLOUT } else { POLLOUT };
        }
        if self.port == Port::Console && (!PENDING.lock().is_empty() || driver::input_ready()) {
            POLLIN | POLLOUT
        } else {
            POLLOUT
        }
    }

    /// The terminal's requests (`tty::ioctl`); ENOTTY when the console is not a terminal,
    /// but for FIONREAD.
    fn ioctl(&self, request: u32, arg: usize, user: &mut dyn UserAccess) -> Result<isize, Errno> {
        if tty::is_terminal() {
            return tty::ioctl(request, arg, user);
        }
        if request != FIONREAD {
            return Err(Errno::ENOTTY);
        }
        if self.port == Port::Console {
            // What has come, without waiting (`take_input`'s first step keeps it).
            let n = PENDING.lock().len() as i32;
            user.copy_out(arg, &n.to_ne_bytes())?;
        } else {
            user.copy_out(arg, &0i32.to_ne_bytes())?;
        }
        Ok(0)
    }
}
