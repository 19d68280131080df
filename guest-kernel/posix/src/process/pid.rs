//! Process id allocation (DragonFly BSD `proc_makepid`, Linux `alloc_pid`): ids are handed
//! out in increasing order, wrapping past [`PID_MAX`] back to [`PID_WRAP_TO`]; an id still
//! in use as a process, process-group or session id is skipped (so a new process can never
//! be confused with a group or session that outlived its leader), and a freed id is not
//! reused until [`REUSE_DELAY_NS`] has passed, so a stale pid held by a slow `kill` or
//! `wait` caller cannot hit a newcomer.

use alloc::collections::{BTreeMap, VecDeque};

use crate::Errno;

/// A process id.
pub type Pid = u32;

/// Largest pid (Linux's default `pid_max` minus one).
pub const PID_MAX: Pid = 32767;

/// Where allocation resumes after wrapping (Linux keeps low ids for early daemons; 300).
pub const PID_WRAP_TO: Pid = 300;

/// How long a freed id rests before it can be handed out again.
pub const REUSE_DELAY_NS: u64 = 1_000_000_000;

/// The allocator's state.
///
/// Cost matters (the kernel runs this on every fork, ~1 µs per instruction on the
/// project's hosts): resting ids are kept both in a map (the "is it resting?" question)
/// and in a queue in the order they were freed, so expiring them is popping the front
/// rather than scanning every resting id.
#[derive(Debug, Default)]
pub struct PidAllocator {
    last: Pid,
    /// Freed ids and when they were freed, until their delay has passed.
    resting: BTreeMap<Pid, u64>,
    /// The same ids in the order they were freed (times never decrease).
    order: VecDeque<(u64, Pid)>,
}

impl PidAllocator {
    /// A fresh allocator; the first id it hands out is 1 (init).
    pub const fn new() -> Self {
        Self { last: 0, resting: BTreeMap::new(), order: VecDeque::new() }
    }

    /// The next free id at time `now` (ns). `in_use(id)` says whether `id` is a live
    /// process, process-group or session id. EAGAIN when none is available.
    pub fn alloc(&mut self, now: u64, in_use: impl Fn(Pid) -> bool) -> Result<Pid, Errno> {
        while let Some(&(freed, pid)) = self.order.front() {
            if now.saturating_sub(freed) < REUSE_DELAY_NS {
                break;
            }
            self.order.pop_front();
            // A later free of the same id (after a reuse) keeps it resting.
            if self.resting.get(&pid) == Some(&freed) {
                self.resting.remove(&pid);
            }
        }
        let mut candidate = self.last;
        for _ in 0..PID_MAX {
            candidate = if candidate >= PID_MAX { PID_WRAP_TO } else { candidate + 1 };
            if !in_use(candidate) && !self.resting.contains_key(&candidate) {
                self.last = candidate;
                return Ok(candidate);
            }
        }
        Err(Errno::EAGAIN)
    }

    /// Records that `pid` stopped being a process id at time `now`.
    pub fn free(&mut self, pid: Pid, now: u64) {
        let now = self.order.back().map_or(now, |&(last, _)| now.max(last));
        self.resting.insert(pid, now);
        self.order.push_back((now, pid));
    }

    /// Number of ids resting (for tests and diagnostics).
    pub fn resting(&self) -> usize {
        self.resting.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn increasing_from_one() {
        let mut a = PidAllocator::new();
        assert_eq!(a.alloc(0, |_| false), Ok(1));
        assert_eq!(a.alloc(0, |_| false), Ok(2));
    }

    #[test]
    fn skips_ids_used_as_groups_or_sessions() {
        let mut a = PidAllocator::new();
        assert_eq!(a.alloc(0, |p| p == 1 || p == 2), Ok(3));
    }

    #[test]
    fn freed_ids_rest_before_reuse_even_after_wrapping() {
        let mut a = PidAllocator { last: PID_MAX - 1, ..PidAllocator::default() };
        a.free(PID_WRAP_TO, 100);
        assert_eq!(a.alloc(200, |_| false), Ok(PID_MAX));
        assert_eq!(a.alloc(300, |_| false), Ok(PID_WRAP_TO + 1), "still resting");
        a.last = PID_MAX;
        assert_eq!(a.alloc(100 + REUSE_DELAY_NS, |_| false), Ok(PID_WRAP_TO), "rested long enough");
    }

    #[test]
    fn expired_ids_leave_the_resting_set() {
        let mut a = PidAllocator::new();
        for t in 0..100u64 {
            let p = a.alloc(t * 20_000_000, |_| false).unwrap();
            a.free(p, t * 20_000_000);
        }
        // At 2 s, everything freed before 1 s has rested long enough.
        a.alloc(2_000_000_000, |_| false).unwrap();
        assert_eq!(a.resting(), 49, "freed at 1.02 s and later");
    }

    #[test]
    fn exhaustion_is_eagain() {
        let mut a = PidAllocator::new();
        assert_eq!(a.alloc(0, |_| true), Err(Errno::EAGAIN));
    }
}
