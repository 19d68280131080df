//! The terminal: console port 0 (the host's stdin and stdout) behind `/dev/console`,
//! `/dev/tty` and init's descriptors 0 and 1, and port 1 (the host's stderr) behind
//! descriptor 2. Both answer the terminal requests (termios, window size, foreground
//! process group) from one shared setting, as one terminal with two outputs.
//!
//! Output is zero copy: the device is handed the physical pages of the caller's buffer
//! and the call returns when the host has written them. Input is handed over from the
//! receive buffer it arrived in (memops copy); what does not fit the caller's buffer is
//! kept for the next read. There is no line discipline: the host's terminal is in raw
//! mode and input is passed on as it comes (echo and line editing are the program's, as
//! with a terminal in raw mode), whatever termios says.

use crate::drivers::virtio::console::{self as driver, Port};
use crate::fs::file::{POLLIN, POLLOUT};
use crate::fs::iobuf::{ReadBuf, WriteBuf};
use crate::fs::node::Stream;
use crate::fs::user::UserAccess;
use crate::fs::wait;
use crate::mm::layout;
use crate::mm::memops::Batch;
use alloc::sync::Arc;
use alloc::vec::Vec;
use posix::Errno;
use posix::fs::termios::{self as t, TERMIOS_SIZE, WINSIZE_SIZE};
use spin::mutex::SpinMutex;

/// The terminal's settings.
struct Settings {
    termios: [u8; TERMIOS_SIZE],
    winsize: [u8; WINSIZE_SIZE],
    /// Foreground process group (`TIOCGPGRP`/`TIOCSPGRP`), 0 until set.
    pgrp: i32,
}

static SETTINGS: SpinMutex<Option<Settings>> = SpinMutex::new(None);
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

fn with_settings<T>(f: impl FnOnce(&mut Settings) -> T) -> T {
    let mut guard = SETTINGS.lock();
    let s = guard.get_or_insert_with(|| Settings {
        termios: t::default_termios(),
        winsize: t::winsize(24, 80),
        pgrp: 0,
    });
    f(s)
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
        let segments: Vec<(u64, usize)> =
            buf.segments().iter().filter(|s| s.len > 0).map(|s| (s.phys, s.len)).collect();
        if segments.is_empty() {
            return Ok(0);
        }
        driver::write_phys(self.port, &segments).map_err(|_| Errno::EIO)?;
        Ok(buf.len())
    }

    fn poll(&self) -> u16 {
        if self.port == Port::Console && (!PENDING.lock().is_empty() || driver::input_ready()) {
            POLLIN | POLLOUT
        } else {
            POLLOUT
        }
    }

    /// The terminal requests of tty_ioctl(4) a program's start-up and a shell use.
    fn ioctl(&self, request: u32, arg: usize, user: &mut dyn UserAccess) -> Result<isize, Errno> {
        match request {
            t::TCGETS => {
                let termios = with_settings(|s| s.termios);
                user.copy_out(arg, &termios)?;
            }
            t::TCSETS | t::TCSETSW | t::TCSETSF => {
                let mut termios = [0u8; TERMIOS_SIZE];
                user.copy_in(arg, &mut termios)?;
                if request == t::TCSETSF {
                    PENDING.lock().clear();
                }
                with_settings(|s| s.termios = termios);
            }
            t::TIOCGWINSZ => {
                let w = with_settings(|s| s.winsize);
                user.copy_out(arg, &w)?;
            }
            t::TIOCSWINSZ => {
                let mut w = [0u8; WINSIZE_SIZE];
                user.copy_in(arg, &mut w)?;
                with_settings(|s| s.winsize = w);
            }
            t::TIOCGPGRP => {
                let pgrp = with_settings(|s| s.pgrp);
                user.copy_out(arg, &pgrp.to_ne_bytes())?;
            }
            t::TIOCSPGRP => {
                let mut v = [0u8; 4];
                user.copy_in(arg, &mut v)?;
                with_settings(|s| s.pgrp = i32::from_ne_bytes(v));
            }
            t::FIONREAD => {
                let n = PENDING.lock().len() as i32;
                user.copy_out(arg, &n.to_ne_bytes())?;
            }
            t::TIOCOUTQ => user.copy_out(arg, &0i32.to_ne_bytes())?,
            t::TIOCSCTTY | t::TIOCNOTTY | t::TCSBRK | t::TCXONC => {}
            t::TCFLSH => PENDING.lock().clear(),
            _ => return Err(Errno::ENOTTY),
        }
        Ok(0)
    }
}
