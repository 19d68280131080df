//! The current process: the owner of the task that runs on this CPU (`sched::current`).
//!
//! References handed out here are valid while the current task is (see `sched::current`):
//! until the next switch.

use super::Process;
use crate::sched::Task;

pub use crate::sched::current::{task, try_task};

/// The process `task` belongs to.
#[inline(always)]
pub fn process_of(task: &Task) -> &Process {
    let owner = task.owner();
    // SAFETY: every task is created by this layer (`fork`, `init`) with its `Process` as
    // the owner, so the data pointer of the owner trait object points at a `Process`, kept
    // alive by the task's reference.
    unsafe { &*(alloc::sync::Arc::as_ptr(owner) as *const Process) }
}

/// The current task's process, if there is a current task.
pub fn try_process() -> Option<&'static Process> {
    try_task().map(process_of)
}

/// The current process.
#[inline(always)]
pub fn process() -> &'static Process {
    process_of(task())
}
