//! Which task runs on this CPU.
//!
//! Invariant: a task is current from the moment it is set until another is, and a task
//! (hence its process) is kept alive while current: [`set`] holds one strong reference in
//! the static. References handed out by [`task`] and [`process`] must not be kept across a
//! switch of the current task (there is none yet: one task runs until the VM powers off).

use super::{Process, Task};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicPtr, Ordering};

/// The current task (from `Arc::into_raw`), null before the first.
static CURRENT: AtomicPtr<Task> = AtomicPtr::new(core::ptr::null_mut());

/// Makes `task` the current task; the previous one's reference is released.
pub fn set(task: Arc<Task>) {
    let old = CURRENT.swap(Arc::into_raw(task).cast_mut(), Ordering::AcqRel);
    if !old.is_null() {
        // SAFETY: `old` came from `Arc::into_raw` in an earlier `set`, and this drops that
        // one reference exactly once.
        drop(unsafe { Arc::from_raw(old) });
    }
}

/// The current task, if any.
pub fn try_task() -> Option<&'static Task> {
    let ptr = CURRENT.load(Ordering::Acquire);
    // SAFETY: a non-null pointer is the current task, kept alive by the reference the
    // static holds (see the module invariant).
    unsafe { ptr.as_ref() }
}

/// The current task. Only called from system calls and user traps, where there is one.
pub fn task() -> &'static Task {
    try_task().expect("no current task")
}

/// The current task's process, if there is a current task.
pub fn try_process() -> Option<&'static Process> {
    try_task().map(|t| &*t.process)
}

/// The current process.
pub fn process() -> &'static Process {
    &task().process
}
