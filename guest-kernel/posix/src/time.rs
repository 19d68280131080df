//! Clocks and time values (clock_gettime(2), nanosleep(2), clock_nanosleep(2); POSIX XSH
//! `clock_getres`, `nanosleep`).

use linux_raw_sys::general::{
    CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE,
    CLOCK_MONOTONIC_RAW, CLOCK_PROCESS_CPUTIME_ID, CLOCK_REALTIME, CLOCK_REALTIME_ALARM,
    CLOCK_REALTIME_COARSE, CLOCK_TAI, CLOCK_THREAD_CPUTIME_ID,
};

use crate::Errno;

/// Nanoseconds per second.
pub const NSEC_PER_SEC: u64 = 1_000_000_000;

/// Clock ticks per second of `times(2)` and `clock_t` (Linux `USER_HZ`, what
/// `sysconf(_SC_CLK_TCK)` reports through `AT_CLKTCK`).
pub const USER_HZ: u64 = 100;

/// CPU time spent, in nanoseconds, split as `times(2)` and `getrusage(2)` report it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuTimes {
    /// Running user code.
    pub user_ns: u64,
    /// Running kernel code on the process's behalf (system calls, faults).
    pub system_ns: u64,
}

impl CpuTimes {
    /// The times of a thread that ran `total_ns` in all, `user_ns` of it in user mode
    /// (clamped: the two are measured at different points, so user time may exceed the
    /// total by the few instructions between them).
    pub fn from_total(total_ns: u64, user_ns: u64) -> CpuTimes {
        let user_ns = user_ns.min(total_ns);
        CpuTimes { user_ns, system_ns: total_ns - user_ns }
    }

    /// The sum of both (what CPU-time clocks report).
    pub fn total_ns(self) -> u64 {
        self.user_ns.saturating_add(self.system_ns)
    }

    /// `self + other`.
    pub fn plus(self, other: CpuTimes) -> CpuTimes {
        CpuTimes {
            user_ns: self.user_ns.saturating_add(other.user_ns),
            system_ns: self.system_ns.saturating_add(other.system_ns),
        }
    }

    /// `(user, system)` in clock ticks ([`USER_HZ`]), rounded down (`struct tms`).
    pub fn clock_ticks(self) -> (i64, i64) {
        let ticks = |ns: u64| (ns / (NSEC_PER_SEC / USER_HZ)) as i64;
        (ticks(self.user_ns), ticks(self.system_ns))
    }

    /// `(user, system)` as `timeval` pairs (seconds, microseconds; `struct rusage`).
    pub fn timevals(self) -> ([i64; 2], [i64; 2]) {
        let tv = |ns: u64| [(ns / NSEC_PER_SEC) as i64, ((ns % NSEC_PER_SEC) / 1000) as i64];
        (tv(self.user_ns), tv(self.system_ns))
    }
}

/// What a clock id measures, as far as this kernel tells them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// Wall-clock time (REALTIME and its variants, TAI: no leap-second offset is known).
    Realtime,
    /// Time since boot, never set (MONOTONIC, its raw and coarse variants, BOOTTIME: the
    /// guest never suspends).
    Monotonic,
    /// CPU time (user and system) of the calling process: all its threads, live and
    /// ended (CLOCK_PROCESS_CPUTIME_ID).
    ProcessCpuTime,
    /// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID).
    ThreadCpuTime,
}

impl Clock {
    /// The clock for a Linux clock id; EINVAL for unknown ids (dynamic clocks, negative
    /// ids for other processes' CPU clocks, and the AUX clocks are not supported).
    pub fn from_id(id: i32) -> Result<Clock, Errno> {
        let Ok(id) = u32::try_from(id) else { return Err(Errno::EINVAL) };
        match id {
            CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_REALTIME_ALARM | CLOCK_TAI => {
                Ok(Clock::Realtime)
            }
            CLOCK_MONOTONIC
            | CLOCK_MONOTONIC_RAW
            | CLOCK_MONOTONIC_COARSE
            | CLOCK_BOOTTIME
            | CLOCK_BOOTTIME_ALARM => Ok(Clock::Monotonic),
            CLOCK_PROCESS_CPUTIME_ID => Ok(Clock::ProcessCpuTime),
            CLOCK_THREAD_CPUTIME_ID => Ok(Clock::ThreadCpuTime),
            _ => Err(Errno::EINVAL),
        }
    }
}

/// A `struct timespec` as user space passes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timespec {
    /// Seconds.
    pub sec: i64,
    /// Nanoseconds.
    pub nsec: i64,
}

impl Timespec {
    /// `ns` nanoseconds.
    pub fn from_ns(ns: u64) -> Self {
        Timespec { sec: (ns / NSEC_PER_SEC) as i64, nsec: (ns % NSEC_PER_SEC) as i64 }
    }

    /// The value as nanoseconds, for a sleep or deadline: EINVAL if `nsec` is outside
    /// 0..1e9 or `sec` is negative (nanosleep(2) "EINVAL"); huge values saturate.
    pub fn to_ns(self) -> Result<u64, Errno> {
        if !(0..NSEC_PER_SEC as i64).contains(&self.nsec) || self.sec < 0 {
            return Err(Errno::EINVAL);
        }
        Ok((self.sec as u64).saturating_mul(NSEC_PER_SEC).saturating_add(self.nsec as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_ids() {
        assert_eq!(Clock::from_id(0), Ok(Clock::Realtime));
        assert_eq!(Clock::from_id(1), Ok(Clock::Monotonic));
        assert_eq!(Clock::from_id(7), Ok(Clock::Monotonic));
        assert_eq!(Clock::from_id(2), Ok(Clock::ProcessCpuTime));
        assert_eq!(Clock::from_id(3), Ok(Clock::ThreadCpuTime));
        assert_eq!(Clock::from_id(10), Err(Errno::EINVAL));
        assert_eq!(Clock::from_id(-6), Err(Errno::EINVAL));
    }

    #[test]
    fn cpu_times_split_convert_and_add() {
        let t = CpuTimes::from_total(3_000_000_000, 1_250_000_000);
        assert_eq!(t, CpuTimes { user_ns: 1_250_000_000, system_ns: 1_750_000_000 });
        assert_eq!(t.total_ns(), 3_000_000_000);
        assert_eq!(t.clock_ticks(), (125, 175));
        assert_eq!(t.timevals(), ([1, 250_000], [1, 750_000]));
        // User time measured a little past the total: all user, no negative system time.
        assert_eq!(CpuTimes::from_total(10, 12), CpuTimes { user_ns: 10, system_ns: 0 });
        let sum = t.plus(CpuTimes { user_ns: 1, system_ns: u64::MAX });
        assert_eq!(sum, CpuTimes { user_ns: 1_250_000_001, system_ns: u64::MAX });
        assert_eq!(CpuTimes { user_ns: 9_999_999, system_ns: 0 }.clock_ticks(), (0, 0));
    }

    #[test]
    fn timespec_checks() {
        assert_eq!(Timespec { sec: 1, nsec: 5 }.to_ns(), Ok(1_000_000_005));
        assert_eq!(Timespec { sec: 0, nsec: 1_000_000_000 }.to_ns(), Err(Errno::EINVAL));
        assert_eq!(Timespec { sec: -1, nsec: 0 }.to_ns(), Err(Errno::EINVAL));
        assert_eq!(Timespec { sec: 0, nsec: -1 }.to_ns(), Err(Errno::EINVAL));
        assert_eq!(Timespec { sec: i64::MAX, nsec: 0 }.to_ns(), Ok(u64::MAX));
        assert_eq!(Timespec::from_ns(2_500_000_000), Timespec { sec: 2, nsec: 500_000_000 });
    }
}
