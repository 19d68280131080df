//! Job control at the terminal (POSIX XBD 11.1.4 "Terminal Access Control"; Linux
//! drivers/tty/tty_jobctrl.c `__tty_check_change`): what happens when a process that is
//! not in the foreground process group reads its controlling terminal, writes it with
//! TOSTOP set, or changes its settings.

use crate::Errno;

/// The outcome of an access check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Go ahead.
    Allowed,
    /// Send the signal to the caller's process group and restart the call once it is
    /// continued (Linux returns `ERESTARTSYS` after `kill_pgrp`).
    SignalGroup,
    /// Fail with this error.
    Fail(Errno),
}

/// Who asks, as the check sees it.
#[derive(Clone, Copy, Debug)]
pub struct Caller {
    /// Whether the terminal is the caller's controlling terminal.
    pub controlling: bool,
    /// The caller's process group.
    pub pgrp: u32,
    /// Whether the caller blocks or ignores the signal the check would send.
    pub blocks_or_ignores: bool,
    /// Whether the caller's process group is orphaned.
    pub orphaned: bool,
}

/// The check for a read (`sig` = SIGTTIN) or a write under TOSTOP and a change of the
/// settings (`sig` = SIGTTOU) by `caller`, with `foreground` the terminal's foreground
/// process group (0: none). Only the controlling terminal is checked; a background
/// caller that blocks or ignores the signal may write and change settings but gets EIO
/// for a read; one in an orphaned group gets EIO (it would stay stopped for good).
pub fn check(caller: &Caller, foreground: u32, sig_is_ttin: bool) -> Access {
    if !caller.controlling || foreground == 0 || caller.pgrp == foreground {
        return Access::Allowed;
    }
    if caller.blocks_or_ignores {
        if sig_is_ttin { Access::Fail(Errno::EIO) } else { Access::Allowed }
    } else if caller.orphaned {
        Access::Fail(Errno::EIO)
    } else {
        Access::SignalGroup
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(controlling: bool, pgrp: u32, blocks: bool, orphaned: bool) -> Caller {
        Caller { controlling, pgrp, blocks_or_ignores: blocks, orphaned }
    }

    #[test]
    fn foreground_and_other_terminals_pass() {
        assert_eq!(check(&caller(true, 5, false, false), 5, true), Access::Allowed);
        assert_eq!(check(&caller(false, 5, false, false), 7, true), Access::Allowed);
        assert_eq!(check(&caller(true, 5, false, false), 0, true), Access::Allowed);
    }

    #[test]
    fn background_read() {
        assert_eq!(check(&caller(true, 5, false, false), 7, true), Access::SignalGroup);
        assert_eq!(check(&caller(true, 5, true, false), 7, true), Access::Fail(Errno::EIO));
        assert_eq!(check(&caller(true, 5, false, true), 7, true), Access::Fail(Errno::EIO));
    }

    #[test]
    fn background_write_or_change() {
        assert_eq!(check(&caller(true, 5, false, false), 7, false), Access::SignalGroup);
        assert_eq!(check(&caller(true, 5, true, false), 7, false), Access::Allowed);
        assert_eq!(check(&caller(true, 5, true, true), 7, false), Access::Allowed);
        assert_eq!(check(&caller(true, 5, false, true), 7, false), Access::Fail(Errno::EIO));
    }
}
