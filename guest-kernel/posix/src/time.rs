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

/// What a clock id measures, as far as this kernel tells them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// Wall-clock time (REALTIME and its variants, TAI: no leap-second offset is known).
    Realtime,
    /// Time since boot, never set (MONOTONIC, its raw and coarse variants, BOOTTIME: the
    /// guest never suspends).
    Monotonic,
    /// CPU time of the process or thread (the only thread, running whenever the
    /// process is: measured as time since the process started).
    CpuTime,
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
            CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => Ok(Clock::CpuTime),
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
        assert_eq!(Clock::from_id(2), Ok(Clock::CpuTime));
        assert_eq!(Clock::from_id(10), Err(Errno::EINVAL));
        assert_eq!(Clock::from_id(-6), Err(Errno::EINVAL));
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
