//! The futex operation word: a command in the low bits, `FUTEX_PRIVATE_FLAG` and
//! `FUTEX_CLOCK_REALTIME` above it (futex(2), Linux `do_futex` and `futex_init_timeout`).

use crate::Errno;

/// `FUTEX_PRIVATE_FLAG`: the futex is not shared with another address space.
pub const PRIVATE_FLAG: u32 = 128;
/// `FUTEX_CLOCK_REALTIME`: `FUTEX_WAIT_BITSET`'s absolute timeout is on CLOCK_REALTIME.
pub const CLOCK_REALTIME: u32 = 256;
/// `FUTEX_BITSET_MATCH_ANY`: the bitset of plain `FUTEX_WAIT` and `FUTEX_WAKE`.
pub const MATCH_ANY: u32 = u32::MAX;

/// A futex command (`op & FUTEX_CMD_MASK`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    /// `FUTEX_WAIT` (0): relative timeout, any bitset.
    Wait,
    /// `FUTEX_WAKE` (1).
    Wake,
    /// `FUTEX_REQUEUE` (3).
    Requeue,
    /// `FUTEX_CMP_REQUEUE` (4).
    CmpRequeue,
    /// `FUTEX_WAKE_OP` (5).
    WakeOp,
    /// `FUTEX_WAIT_BITSET` (9): absolute timeout.
    WaitBitset,
    /// `FUTEX_WAKE_BITSET` (10).
    WakeBitset,
    /// The priority-inheritance commands (`FUTEX_LOCK_PI` 6, `UNLOCK_PI` 7, `TRYLOCK_PI`
    /// 8, `WAIT_REQUEUE_PI` 11, `CMP_REQUEUE_PI` 12, `LOCK_PI2` 13): not provided
    /// (ENOSYS, as a kernel built without `CONFIG_FUTEX_PI` answers); the number.
    Pi(u32),
}

/// A decoded operation word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Op {
    /// The command.
    pub cmd: Cmd,
    /// `FUTEX_PRIVATE_FLAG`: keyed by address space and address.
    pub private: bool,
    /// `FUTEX_CLOCK_REALTIME`.
    pub realtime: bool,
}

impl Op {
    /// Decodes `op`: ENOSYS for an unknown command, and for `FUTEX_CLOCK_REALTIME` with a
    /// command that takes no absolute timeout (Linux `do_futex`).
    pub fn decode(op: u32) -> Result<Op, Errno> {
        let private = op & PRIVATE_FLAG != 0;
        let realtime = op & CLOCK_REALTIME != 0;
        let raw = op & !(PRIVATE_FLAG | CLOCK_REALTIME);
        let cmd = match raw {
            0 => Cmd::Wait,
            1 => Cmd::Wake,
            3 => Cmd::Requeue,
            4 => Cmd::CmpRequeue,
            5 => Cmd::WakeOp,
            9 => Cmd::WaitBitset,
            10 => Cmd::WakeBitset,
            6..=8 | 11..=13 => Cmd::Pi(raw),
            _ => return Err(Errno::ENOSYS),
        };
        // WAIT_REQUEUE_PI and LOCK_PI2 also take the flag; they are ENOSYS anyway.
        if realtime && !matches!(cmd, Cmd::WaitBitset | Cmd::Pi(11 | 13)) {
            return Err(Errno::ENOSYS);
        }
        Ok(Op { cmd, private, realtime })
    }

    /// Whether the fourth argument is a timeout (a `struct timespec` pointer), read and
    /// checked (EFAULT, EINVAL) before anything else; otherwise it is a count
    /// (`val2`: the requeue limit, `FUTEX_WAKE_OP`'s second wake count).
    pub fn has_timeout(self) -> bool {
        // LOCK_PI, WAIT_REQUEUE_PI and LOCK_PI2 take one too (Linux `futex_cmd_has_timeout`).
        matches!(self.cmd, Cmd::Wait | Cmd::WaitBitset | Cmd::Pi(6 | 11 | 13))
    }

    /// Whether the timeout is relative (plain `FUTEX_WAIT`, on CLOCK_MONOTONIC) rather
    /// than an absolute time (on CLOCK_REALTIME with `FUTEX_CLOCK_REALTIME`, else
    /// CLOCK_MONOTONIC). Linux `futex_init_timeout`.
    pub fn relative_timeout(self) -> bool {
        self.cmd == Cmd::Wait
    }
}

/// How many waiters a wake count `n` (an `int` in Linux) wakes at most: Linux's loops
/// wake one before they compare (`if (++ret >= nr_wake) break`), so 0 and negative
/// counts wake one (`futex_wake`, `futex_wake_op`).
pub fn wake_count(n: u32) -> usize {
    (n as i32).max(1) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_flags() {
        let op = Op::decode(PRIVATE_FLAG).unwrap();
        assert_eq!(op, Op { cmd: Cmd::Wait, private: true, realtime: false });
        assert!(op.has_timeout() && op.relative_timeout());
        assert_eq!(Op::decode(1).unwrap().cmd, Cmd::Wake);
        assert_eq!(Op::decode(10 | PRIVATE_FLAG).unwrap().cmd, Cmd::WakeBitset);
        assert_eq!(Op::decode(6).unwrap().cmd, Cmd::Pi(6));
        assert!(Op::decode(6).unwrap().has_timeout() && !Op::decode(7).unwrap().has_timeout());
        assert_eq!(Op::decode(2), Err(Errno::ENOSYS)); // FUTEX_FD, gone since 2.6.26
        assert_eq!(Op::decode(14), Err(Errno::ENOSYS));
        assert_eq!(Op::decode(1 | 512), Err(Errno::ENOSYS));
    }

    #[test]
    fn realtime_only_with_absolute_waits() {
        let op = Op::decode(9 | CLOCK_REALTIME).unwrap();
        assert!(op.realtime && !op.relative_timeout());
        assert_eq!(Op::decode(CLOCK_REALTIME), Err(Errno::ENOSYS));
        assert_eq!(Op::decode(1 | CLOCK_REALTIME), Err(Errno::ENOSYS));
        assert_eq!(Op::decode(6 | CLOCK_REALTIME), Err(Errno::ENOSYS));
        assert!(Op::decode(13 | CLOCK_REALTIME).is_ok());
    }

    #[test]
    fn counts_are_not_timeouts() {
        for cmd in [1, 3, 4, 5, 10] {
            assert!(!Op::decode(cmd).unwrap().has_timeout());
        }
    }

    #[test]
    fn a_wake_count_of_zero_wakes_one() {
        assert_eq!(wake_count(0), 1);
        assert_eq!(wake_count(u32::MAX), 1);
        assert_eq!(wake_count(5), 5);
        assert_eq!(wake_count(i32::MAX as u32), i32::MAX as usize);
    }
}
