//! Blocking: a task sleeps until its condition holds, a deadline passes, or a signal
//! needs it; and waking the tasks that wait on something.
//!
//! The pattern (xv6's `sleep`/`wakeup` with a condition instead of a lock): check the
//! condition; if false, join the waiters and switch away; when woken, check again. No
//! wake-up can be lost between the check and joining: the kernel is not preemptible and
//! interrupts stay off in it, so whoever could make the condition true runs only after the
//! task has switched away, and then wakes it. Spurious wake-ups are harmless (the
//! condition is checked again).

use super::queue::{self, Kind};
use super::{Task, current};
use super::{switch, timer};
use crate::time;
use posix::Errno;

/// The kernel's "restart the system call" result (Linux's internal `ERESTARTSYS`): a wait
/// was cut short by a signal. It never reaches user space: on the way back the system call
/// is restarted (no handler runs yet: the signals issue adds EINTR for handlers), unless
/// the signal ended the process.
pub const ERESTARTSYS: Errno = Errno(512);

/// Linux's `ERESTARTNOHAND`: a call cut short by a signal that restarts only if no handler
/// runs (pause, poll, nanosleep: signal(7) says they fail with EINTR after a handler,
/// whatever SA_RESTART says).
pub const ERESTARTNOHAND: Errno = Errno(514);

/// Linux's `ERESTART_RESTARTBLOCK`: a call cut short by a signal that, if no handler runs,
/// goes on through `restart_syscall(2)` with what it noted in the task's restart block
/// (a relative sleep resumes for the time it had left, not from the start); EINTR if a
/// handler runs.
pub const ERESTART_RESTARTBLOCK: Errno = Errno(516);

/// How a system call a signal cut short ends, decided when the signal is acted on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// `ERESTARTSYS`: restarted, unless a handler without `SA_RESTART` runs (then EINTR).
    UnlessHandlerRefuses,
    /// `ERESTARTNOHAND`: restarted if no handler runs; EINTR if one does.
    UnlessHandler,
    /// `ERESTART_RESTARTBLOCK`: `restart_syscall(2)` runs instead if no handler runs;
    /// EINTR if one does.
    ThroughRestartBlock,
}

/// Why a wait ended without its condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitError {
    /// A signal must be acted on (the task terminates or stops).
    Interrupted,
    /// The deadline passed.
    TimedOut,
}

impl From<WaitError> for Errno {
    fn from(e: WaitError) -> Errno {
        match e {
            WaitError::Interrupted => ERESTARTSYS,
            WaitError::TimedOut => Errno::ETIMEDOUT,
        }
    }
}

/// Blocks the current task until `cond()` holds (`Ok`), a signal interrupts it, or the
/// TSC reaches `deadline` (0: no deadline). `kind` says what wakes it to check `cond`
/// again.
pub fn wait_until(
    kind: Kind,
    deadline: u64,
    cond: &mut dyn FnMut() -> bool,
) -> Result<(), WaitError> {
    let task = current::task();
    loop {
        if cond() {
            return Ok(());
        }
        if task.interrupted() {
            return Err(WaitError::Interrupted);
        }
        if deadline != 0 && time::now() >= deadline {
            return Err(WaitError::TimedOut);
        }
        queue::lock().add_waiter(current::task_arc(), kind, deadline);
        if deadline != 0 {
            timer::arm(deadline);
        }
        switch::schedule();
    }
}

/// Sleeps until the TSC reaches `deadline` (`Ok`) or a signal interrupts.
pub fn sleep_until(deadline: u64) -> Result<(), WaitError> {
    match wait_until(Kind::Sleep, deadline, &mut || false) {
        Err(WaitError::TimedOut) => Ok(()),
        other => other,
    }
}

/// Wakes the tasks waiting on `chan`.
pub fn wake(chan: usize) {
    let woken = queue::lock().wake_chan(chan);
    if woken > 0 {
        timer::start_slice();
    }
}

/// Wakes `task` from whatever it waits for (a signal must reach it).
pub fn wake_task(task: &Task) {
    if queue::lock().wake_task(task) {
        timer::start_slice();
    }
}

/// Makes a new task ready to run.
pub fn start(task: alloc::sync::Arc<Task>) {
    queue::lock().push_ready(task);
    timer::start_slice();
}
