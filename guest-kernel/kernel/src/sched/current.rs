//! Which task runs on this CPU.
//!
//! Invariant: a task is current from the moment the scheduler makes it so until it
//! switches to another, and the static holds one strong reference to it meanwhile, so the
//! task (hence its process) is alive while current. References handed out by [`task`]
//! and [`process`] are valid until the current task changes, which happens only inside
//! the scheduler (`switch::schedule`): code that may block must not keep them across a
//! wait, except for the task's own `Arc`s.

use super::Task;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicPtr, Ordering};

/// The current task (from `Arc::into_raw`), null before the first.
static CURRENT: AtomicPtr<Task> = AtomicPtr::new(core::ptr::null_mut());

/// Makes `task` the current task and returns the previous one's reference (the scheduler
/// keeps it alive until the CPU has left the previous task's stack).
pub fn replace(task: Arc<Task>) -> Option<Arc<Task>> {
    let old = CURRENT.swap(Arc::into_raw(task).cast_mut(), Ordering::AcqRel);
    // SAFETY: a non-null `old` came from `Arc::into_raw` in an earlier `replace`, and
    // this takes that one reference back exactly once.
    (!old.is_null()).then(|| unsafe { Arc::from_raw(old) })
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

/// A counted reference to the current task (to keep across a wait, or to queue).
pub fn task_arc() -> Arc<Task> {
    let ptr = CURRENT.load(Ordering::Acquire);
    assert!(!ptr.is_null(), "no current task");
    // SAFETY: `ptr` came from `Arc::into_raw` and the static's reference keeps it alive;
    // adding a count before taking a new `Arc` from it leaves the static's own intact.
    unsafe {
        Arc::increment_strong_count(ptr);
        Arc::from_raw(ptr)
    }
}
