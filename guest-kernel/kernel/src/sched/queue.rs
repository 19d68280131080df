//! The scheduler's state: the run queue (tasks ready to run, first come first served) and
//! the waiters (blocked tasks, each with what it waits for).
//!
//! One lock for both, innermost of all kernel locks: it is taken for a few instructions at
//! a time, never across a switch or a wait, and nothing is called while it is held.

use super::task::{Task, state};
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use spin::mutex::SpinMutex;

/// What wakes a blocked task besides [`Sched::wake_task`] and its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A `wake` of its channel.
    Chan(usize),
    /// Any device interrupt (the condition depends on a device's rings).
    Device,
    /// Any `wake` and any device interrupt (`poll`, which watches many files at once).
    Any,
    /// Only its deadline, or a signal.
    Sleep,
}

/// A blocked task.
struct Waiter {
    task: Arc<Task>,
    kind: Kind,
    /// TSC value at which the wait ends anyway (0: none).
    deadline: u64,
}

/// The run queue and the waiters.
pub struct Sched {
    ready: VecDeque<Arc<Task>>,
    waiters: Vec<Waiter>,
}

static SCHED: SpinMutex<Sched> =
    SpinMutex::new(Sched { ready: VecDeque::new(), waiters: Vec::new() });

/// The scheduler's state, locked.
pub fn lock() -> spin::mutex::SpinMutexGuard<'static, Sched> {
    SCHED.lock()
}

impl Sched {
    /// Makes room for `tasks` tasks in both the run queue and the waiters, so that queueing
    /// and blocking never allocate (ENOMEM if there is no memory): at boot, for the most
    /// tasks there may be (the process limit). Every task is in at most one of the two at
    /// a time, and room is never given back.
    pub fn reserve_task(&mut self, tasks: usize) -> Result<(), posix::Errno> {
        let ready = tasks.saturating_sub(self.ready.len());
        let waiters = tasks.saturating_sub(self.waiters.len());
        self.ready.try_reserve(ready).map_err(|_| posix::Errno::ENOMEM)?;
        self.waiters.try_reserve(waiters).map_err(|_| posix::Errno::ENOMEM)
    }

    /// Appends `task` to the run queue (it must be neither queued nor waiting).
    pub fn push_ready(&mut self, task: Arc<Task>) {
        task.state.store(state::READY, Ordering::Relaxed);
        self.ready.push_back(task);
    }

    /// The next task to run, if any.
    pub fn pop_ready(&mut self) -> Option<Arc<Task>> {
        self.ready.pop_front()
    }

    /// Whether some task is ready to run.
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// Records `task` (the current one) as blocked on `kind` until `deadline` (0: none).
    pub fn add_waiter(&mut self, task: Arc<Task>, kind: Kind, deadline: u64) {
        task.state.store(state::BLOCKED, Ordering::Relaxed);
        self.waiters.push(Waiter { task, kind, deadline });
    }

    /// Moves the waiters `wakes` selects to the run queue; returns how many.
    fn wake_where(&mut self, mut wakes: impl FnMut(&Waiter) -> bool) -> usize {
        let mut woken = 0;
        let mut i = 0;
        while i < self.waiters.len() {
            if wakes(&self.waiters[i]) {
                let w = self.waiters.swap_remove(i);
                self.push_ready(w.task);
                woken += 1;
            } else {
                i += 1;
            }
        }
        woken
    }

    /// Wakes the tasks waiting on `chan` (and the `poll`ers).
    pub fn wake_chan(&mut self, chan: usize) -> usize {
        if self.waiters.is_empty() {
            return 0;
        }
        self.wake_where(|w| w.kind == Kind::Chan(chan) || w.kind == Kind::Any)
    }

    /// Wakes the tasks whose condition depends on devices.
    pub fn wake_device(&mut self) -> usize {
        self.wake_where(|w| matches!(w.kind, Kind::Device | Kind::Any))
    }

    /// Wakes `task` if it is blocked, whatever it waits for (a signal for it).
    pub fn wake_task(&mut self, task: &Task) -> bool {
        self.wake_where(|w| core::ptr::eq(&*w.task, task)) > 0
    }

    /// Wakes the waiters whose deadline is at or before `now`; returns the earliest
    /// deadline still pending (0: none).
    pub fn expire(&mut self, now: u64) -> u64 {
        self.wake_where(|w| w.deadline != 0 && w.deadline <= now);
        self.waiters.iter().map(|w| w.deadline).filter(|&d| d != 0).min().unwrap_or(0)
    }
}
