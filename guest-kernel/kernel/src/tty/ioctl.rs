//! The terminal's requests (tty_ioctl(4); Linux drivers/tty/tty_io.c `tty_ioctl`,
//! tty_ioctl.c `n_tty_ioctl_helper`, n_tty.c `n_tty_ioctl`), in Linux's order of checks:
//! a request that changes the terminal (TCSETS*, TCFLSH, TCSBRK, TCXONC, TIOCSPGRP) runs
//! the job-control check first, so a background caller gets SIGTTOU before anything else.
//!
//! TCXONC is accepted and does nothing, like TCSBRK on a console without breaks: flow
//! control (IXON, TCOOFF) is left out.

use super::{ctty, input, with};
use crate::fs::UserAccess;
use linux_raw_sys::general::{TCIFLUSH, TCIOFLUSH, TCOFLUSH};
use posix::Errno;
use posix::tty::termios::{
    FIONREAD, TCFLSH, TCGETS, TCSBRK, TCSETS, TCSETSF, TCSETSW, TCXONC, TERMIOS_SIZE, TIOCGPGRP,
    TIOCGSID, TIOCGWINSZ, TIOCNOTTY, TIOCOUTQ, TIOCSCTTY, TIOCSPGRP, TIOCSWINSZ, Termios,
    WINSIZE_SIZE,
};

/// Discards the input (the ring and what waits for room in it).
fn flush_input() {
    with(|t| {
        t.ldisc.flush();
        t.pending.clear();
    });
}

fn put_i32(user: &mut dyn UserAccess, arg: usize, v: i32) -> Result<(), Errno> {
    user.copy_out(arg, &v.to_ne_bytes())
}

/// ioctl(2) on the terminal.
pub fn ioctl(request: u32, arg: usize, user: &mut dyn UserAccess) -> Result<isize, Errno> {
    match request {
        TCGETS => {
            let termios = with(|t| t.termios.to_bytes()).ok_or(Errno::ENOTTY)?;
            user.copy_out(arg, &termios)?;
        }
        TCSETS | TCSETSW | TCSETSF => {
            ctty::check_access(false)?;
            let mut bytes = [0u8; TERMIOS_SIZE];
            user.copy_in(arg, &mut bytes)?;
            let new = Termios::from_bytes(&bytes);
            // Output is synchronous: TCSETSW and TCSETSF have nothing to wait for.
            if request == TCSETSF {
                flush_input();
            }
            with(|t| {
                let old = t.termios;
                t.termios.set_from(&new);
                let now = t.termios;
                t.ldisc.set_termios(Some(&old), &now);
            });
        }
        TCFLSH => {
            ctty::check_access(false)?;
            // Linux compares the whole argument (`tty_perform_flush`): no truncation.
            match u32::try_from(arg).unwrap_or(u32::MAX) {
                TCIFLUSH | TCIOFLUSH => flush_input(),
                TCOFLUSH => {}
                _ => return Err(Errno::EINVAL),
            }
        }
        TCSBRK | TCXONC => {
            ctty::check_access(false)?;
            if request == TCXONC && arg > 3 {
                return Err(Errno::EINVAL);
            }
        }
        TIOCGWINSZ => {
            let ws = with(|t| t.winsize).ok_or(Errno::ENOTTY)?;
            user.copy_out(arg, &ws)?;
        }
        TIOCSWINSZ => {
            let mut ws = [0u8; WINSIZE_SIZE];
            user.copy_in(arg, &mut ws)?;
            super::winsize::set(ws);
        }
        FIONREAD => {
            input::pull();
            let n = with(|t| t.ldisc.available()).unwrap_or(0);
            put_i32(user, arg, n as i32)?;
        }
        TIOCOUTQ => put_i32(user, arg, 0)?,
        TIOCGPGRP => {
            let pgrp = ctty::foreground()?;
            put_i32(user, arg, pgrp as i32)?;
        }
        TIOCSPGRP => {
            ctty::check_access(false)
                .map_err(|e| if e == Errno::EIO { Errno::ENOTTY } else { e })?;
            let mut v = [0u8; 4];
            user.copy_in(arg, &mut v)?;
            ctty::set_foreground(i32::from_ne_bytes(v))?;
        }
        TIOCGSID => {
            let sid = ctty::session()?;
            put_i32(user, arg, sid as i32)?;
        }
        TIOCSCTTY => ctty::set_controlling(arg)?,
        TIOCNOTTY => ctty::give_up()?,
        _ => return Err(Errno::ENOTTY),
    }
    Ok(0)
}
