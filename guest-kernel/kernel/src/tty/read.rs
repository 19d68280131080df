//! read(2) of the terminal (Linux `n_tty_read`): a background process group is stopped
//! with SIGTTIN first (`ctty`); then canonical mode returns at most one line, waiting for
//! it; otherwise MIN and TIME decide (`posix::tty::read_plan`). A signal that ends the
//! wait returns what was read, or restarts the call when nothing was.

use super::{input, lock, with};
use crate::fs::ReadBuf;
use crate::sched::{self, Kind, WaitError};
use crate::time;
use posix::Errno;
use posix::tty::read_plan::plan;

/// Whether a read would find something now (poll's POLLIN), taking new input first.
pub fn readable() -> bool {
    input::pull();
    with(|t| t.ldisc.readable(1) || t.ended).unwrap_or(true)
}

/// How long the next wait may last.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Limit {
    /// Until input comes.
    Forever,
    /// Until the TSC reaches this.
    Until(u64),
    /// Not at all: return what there is.
    Never,
}

impl Limit {
    fn after(ns: Option<u64>) -> Self {
        match ns {
            None => Limit::Forever,
            Some(0) => Limit::Never,
            Some(ns) => Limit::Until(time::sleep::deadline_after_ns(ns).max(1)),
        }
    }
}

/// read(2): into `buf`; EAGAIN instead of waiting when `nonblock`.
pub fn read(buf: &mut ReadBuf<'_>, nonblock: bool) -> Result<usize, Errno> {
    super::ctty::check_access(true)?;
    if buf.is_empty() {
        return Ok(0);
    }
    let termios = with(|t| t.termios).ok_or(Errno::EIO)?;
    let icanon = termios.l(linux_raw_sys::general::ICANON);
    let plan = plan(&termios);
    let mut limit = Limit::after(plan.timeout);
    let mut copied = 0;
    while copied < buf.len() {
        input::pull();
        let got = {
            let mut guard = lock();
            let t = guard.as_mut().ok_or(Errno::EIO)?;
            if t.ldisc.readable(1) {
                let max = buf.len() - copied;
                let n = t.ldisc.read(max, &mut |bytes| {
                    buf.write_bytes(copied, bytes);
                    copied += bytes.len();
                });
                Some(n)
            } else if t.ended {
                break;
            } else {
                None
            }
        };
        if got.is_some() {
            // Room again: input held back may fit now.
            input::pull();
            if icanon || copied >= plan.minimum {
                break;
            }
            if plan.inter_byte.is_some() {
                limit = Limit::after(plan.inter_byte);
            }
            continue;
        }
        if limit == Limit::Never {
            break;
        }
        if nonblock {
            if copied == 0 {
                return Err(Errno::EAGAIN);
            }
            break;
        }
        let deadline = if let Limit::Until(d) = limit { d } else { 0 };
        let waited = sched::wait_until(Kind::Device, deadline, &mut || readable());
        match waited {
            Ok(()) => {}
            Err(WaitError::TimedOut) => limit = Limit::Never,
            Err(WaitError::Interrupted) => {
                if copied == 0 {
                    return Err(sched::ERESTARTSYS);
                }
                break;
            }
        }
    }
    Ok(copied)
}
