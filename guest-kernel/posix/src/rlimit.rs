//! Resource limits (getrlimit(2), prlimit(2); Linux include/asm-generic/resource.h
//! `INIT_RLIMITS`, kernel/sys.c `do_prlimit`).

use linux_raw_sys::general::{
    RLIM_NLIMITS, RLIMIT_CORE, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_NOFILE,
    RLIMIT_NPROC, RLIMIT_RTPRIO, RLIMIT_SIGPENDING, RLIMIT_STACK,
};

use crate::Errno;

/// "No limit" (`RLIM_INFINITY`, all ones).
pub const INFINITY: u64 = u64::MAX;

/// The largest hard limit on open files (`fs.nr_open`, Linux's default 1 Mi).
pub const NR_OPEN: u64 = 1 << 20;

/// The fewest processes the system allows (Linux `MIN_THREADS`).
pub const MIN_THREADS: u64 = 20;

/// The system-wide process limit for `ram_bytes` of memory and kernel stacks of
/// `kernel_stack` bytes (Linux kernel/fork.c `set_max_threads`: the stacks of all threads
/// may take at most an eighth of memory), and at least [`MIN_THREADS`]. Linux gives init
/// half of it as RLIMIT_NPROC ([`Rlimits::init_defaults`] takes that value).
pub fn max_threads(ram_bytes: u64, kernel_stack: u64) -> u64 {
    (ram_bytes / kernel_stack.max(1) / 8).max(MIN_THREADS)
}

/// One limit: soft (`rlim_cur`, what is enforced) and hard (`rlim_max`, the ceiling).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rlimit {
    /// The enforced value.
    pub cur: u64,
    /// The ceiling the soft value may be raised to.
    pub max: u64,
}

/// Every limit of a process, indexed by `RLIMIT_*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rlimits([Rlimit; RLIM_NLIMITS as usize]);

impl Rlimits {
    /// Linux's limits for init (`INIT_RLIMITS`): everything unlimited except the stack (8
    /// MiB soft), core dumps (0 soft), open files (1024 soft, 4096 hard), locked memory
    /// (8 MiB), message queues (800 KiB), nice and real-time priority (0), and processes
    /// and pending signals, which Linux sizes from memory (`nproc`, given here).
    pub fn init_defaults(nproc: u64) -> Self {
        let mut limits = [Rlimit { cur: INFINITY, max: INFINITY }; RLIM_NLIMITS as usize];
        let mut set = |r: u32, cur, max| limits[r as usize] = Rlimit { cur, max };
        set(RLIMIT_STACK, 8 << 20, INFINITY);
        set(RLIMIT_CORE, 0, INFINITY);
        set(RLIMIT_NPROC, nproc, nproc);
        set(RLIMIT_NOFILE, 1024, 4096);
        set(RLIMIT_MEMLOCK, 8 << 20, 8 << 20);
        set(RLIMIT_SIGPENDING, nproc, nproc);
        set(RLIMIT_MSGQUEUE, 819_200, 819_200);
        set(RLIMIT_NICE, 0, 0);
        set(RLIMIT_RTPRIO, 0, 0);
        Rlimits(limits)
    }

    /// Limit `resource`; EINVAL for an unknown resource.
    pub fn get(&self, resource: u32) -> Result<Rlimit, Errno> {
        self.0.get(resource as usize).copied().ok_or(Errno::EINVAL)
    }

    /// The soft limit of `resource` (a known `RLIMIT_*` constant).
    pub fn cur(&self, resource: u32) -> u64 {
        self.0[resource as usize].cur
    }

    /// Sets `resource` to `new` with do_prlimit's checks: unknown resource or soft above
    /// hard EINVAL; an open-file hard limit above [`NR_OPEN`] EPERM; raising a hard limit
    /// needs CAP_SYS_RESOURCE (`privileged`), else EPERM. Returns the old value.
    pub fn set(&mut self, resource: u32, new: Rlimit, privileged: bool) -> Result<Rlimit, Errno> {
        let old = self.get(resource)?;
        if new.cur > new.max {
            return Err(Errno::EINVAL);
        }
        if resource == RLIMIT_NOFILE && new.max > NR_OPEN {
            return Err(Errno::EPERM);
        }
        if new.max > old.max && !privileged {
            return Err(Errno::EPERM);
        }
        self.0[resource as usize] = new;
        Ok(old)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linux_raw_sys::general::{RLIMIT_AS, RLIMIT_CPU};

    #[test]
    fn defaults_match_linux() {
        let l = Rlimits::init_defaults(512);
        assert_eq!(l.get(RLIMIT_STACK), Ok(Rlimit { cur: 8 << 20, max: INFINITY }));
        assert_eq!(l.get(RLIMIT_NOFILE), Ok(Rlimit { cur: 1024, max: 4096 }));
        assert_eq!(l.get(RLIMIT_AS).unwrap().cur, INFINITY);
        assert_eq!(l.get(16), Err(Errno::EINVAL));
    }

    #[test]
    fn thread_limit_scales_with_memory() {
        assert_eq!(max_threads(128 << 20, 32 << 10), 512);
        assert_eq!(max_threads(1 << 20, 32 << 10), MIN_THREADS);
    }

    #[test]
    fn prlimit_rules() {
        let mut l = Rlimits::init_defaults(512);
        let bad = Rlimit { cur: 10, max: 5 };
        assert_eq!(l.set(RLIMIT_CPU, bad, true), Err(Errno::EINVAL));
        let too_many = Rlimit { cur: 10, max: NR_OPEN + 1 };
        assert_eq!(l.set(RLIMIT_NOFILE, too_many, true), Err(Errno::EPERM));
        let lower = Rlimit { cur: 100, max: 200 };
        assert_eq!(l.set(RLIMIT_NOFILE, lower, false), Ok(Rlimit { cur: 1024, max: 4096 }));
        let raise = Rlimit { cur: 100, max: 300 };
        assert_eq!(l.set(RLIMIT_NOFILE, raise, false), Err(Errno::EPERM));
        assert!(l.set(RLIMIT_NOFILE, raise, true).is_ok());
        assert_eq!(l.cur(RLIMIT_NOFILE), 100);
    }
}
