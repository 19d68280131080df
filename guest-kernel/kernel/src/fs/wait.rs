//! Blocking: how a read or write that must wait (an empty pipe, console input) gives the
//! CPU away. The fs never sleeps by itself; it calls [`wait_until`] or [`wait_for_device`],
//! which the scheduler implements ([`install`]). No fs lock is held across a wait.
//!
//! Until a scheduler is installed there is one task, and waiting is the interrupt loop:
//! check the condition, sleep until an interrupt (`irq::wait`), check again.

use crate::arch::x86_64::irq;
use posix::Errno;
use spin::mutex::SpinMutex;

/// What the scheduler offers the fs.
pub trait Scheduler: Sync {
    /// Blocks the current task until `cond()` is true. `cond` may be evaluated any number
    /// of times and is re-evaluated after every [`wake`] of `chan`. An error if a signal
    /// must be handled first (the scheduler's "restart" errno, which the system-call layer
    /// turns into a restart or EINTR).
    fn wait_until(&self, chan: usize, cond: &mut dyn FnMut() -> bool) -> Result<(), Errno>;
    /// As `wait_until` for a condition that a device makes true: re-evaluated after every
    /// device interrupt.
    fn wait_device(&self, cond: &mut dyn FnMut() -> bool) -> Result<(), Errno>;
    /// A hint that tasks waiting on `chan` may now proceed.
    fn wake(&self, chan: usize);
}

static SCHEDULER: SpinMutex<Option<&'static dyn Scheduler>> = SpinMutex::new(None);

/// Makes `scheduler` the one blocking calls use (core calls this once).
pub fn install(scheduler: &'static dyn Scheduler) {
    *SCHEDULER.lock() = Some(scheduler);
}

/// Blocks until `cond()` holds; `chan` names what is waited for (an object's address), so
/// [`wake`] can be targeted. An error if interrupted by a signal.
pub fn wait_until(chan: usize, mut cond: impl FnMut() -> bool) -> Result<(), Errno> {
    let scheduler = *SCHEDULER.lock();
    match scheduler {
        Some(s) => s.wait_until(chan, &mut cond),
        None => {
            while !cond() {
                irq::wait();
            }
            Ok(())
        }
    }
}

/// Blocks until `cond()` holds, where a device interrupt is what makes it true (console
/// input). An error if interrupted by a signal.
pub fn wait_for_device(mut cond: impl FnMut() -> bool) -> Result<(), Errno> {
    let scheduler = *SCHEDULER.lock();
    match scheduler {
        Some(s) => s.wait_device(&mut cond),
        None => {
            while !cond() {
                irq::wait();
            }
            Ok(())
        }
    }
}

/// Tells the scheduler that waiters on `chan` may proceed.
pub fn wake(chan: usize) {
    let scheduler = *SCHEDULER.lock();
    if let Some(s) = scheduler {
        s.wake(chan);
    }
}
