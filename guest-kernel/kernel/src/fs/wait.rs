//! Blocking: how a read or write that must wait (an empty pipe, console input) gives the
//! CPU away. The fs never sleeps by itself; it calls [`wait_until`], which the scheduler
//! implements ([`install`]). No fs lock is held across a wait.
//!
//! Until a scheduler is installed there is one task, and waiting is the interrupt loop:
//! check the condition, sleep until an interrupt (`irq::wait`), check again.

use crate::arch::x86_64::irq;
use posix::Errno;
use spin::mutex::SpinMutex;

/// What the scheduler offers the fs.
pub trait Scheduler: Sync {
    /// Blocks the current task until `cond()` is true. `cond` may be evaluated any number
    /// of times and must be re-evaluated after every interrupt and every [`wake`] of
    /// `chan`. `Err(EINTR)` if a signal must be handled first.
    fn wait_until(&self, chan: usize, cond: &mut dyn FnMut() -> bool) -> Result<(), Errno>;
    /// A hint that tasks waiting on `chan` may now proceed.
    fn wake(&self, chan: usize);
}

static SCHEDULER: SpinMutex<Option<&'static dyn Scheduler>> = SpinMutex::new(None);

/// Makes `scheduler` the one blocking calls use (core calls this once).
#[allow(dead_code, reason = "core installs its scheduler when it has one")]
pub fn install(scheduler: &'static dyn Scheduler) {
    *SCHEDULER.lock() = Some(scheduler);
}

/// Blocks until `cond()` holds; `chan` names what is waited for (an object's address), so
/// [`wake`] can be targeted. `Err(EINTR)` if interrupted by a signal.
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

/// Tells the scheduler that waiters on `chan` may proceed.
pub fn wake(chan: usize) {
    let scheduler = *SCHEDULER.lock();
    if let Some(s) = scheduler {
        s.wake(chan);
    }
}
