//! Choosing the next task and switching to it; the idle loop; the end of a task.
//!
//! A switch changes, in this order: the user FPU/SSE registers (saved for the task left,
//! loaded for the next: `fxsave64`/`fxrstor64`), the address space (CR3, only if the next
//! task's owner has another one), the kernel stack entries from user mode use (per-CPU
//! area and TSS), a note that the FS/GS bases may differ (`arch::enter_user` loads the
//! next task's when it goes to user mode, and only those that differ), the current-task
//! pointer, and last the kernel stack itself (`arch::x86_64::switch::context_switch`). About 60
//! emulated instructions plus the CR3 load.
//!
//! A task that is left for good (it exited) cannot free its own stack or address space
//! while running on them: the switch keeps them in [`Deferred`] and the next task drops
//! them right after the switch ([`finish_switch`]).

use super::task::state;
use super::{Task, current, events, queue};
use crate::arch::x86_64::fpu;
use crate::arch::x86_64::percpu;
use crate::arch::x86_64::switch::context_switch;
use crate::mm::vm::{Mm, space};
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use spin::mutex::SpinMutex;

/// What the last switch left behind for the next task to drop.
struct Deferred {
    /// The task switched away from for good.
    task: Option<Arc<Task>>,
    /// The address space it used (its process keeps an empty one).
    mm: Option<Arc<Mm>>,
}

static DEFERRED: SpinMutex<Deferred> = SpinMutex::new(Deferred { task: None, mm: None });

/// Runs the next ready task; returns when the current task is chosen again. The caller
/// has already put the current task where it will be found: in the run queue (yield,
/// preemption), among the waiters (a wait), or nowhere because it is dead (exit). With
/// nothing ready the CPU halts until an interrupt (the idle loop, on the current task's
/// stack).
pub fn schedule() {
    // CPU-time accounting: the current task's turn ends now; the next one's starts when
    // it is picked (time spent idle is nobody's).
    let mut now = crate::time::now();
    current::task().off_cpu(now);
    loop {
        let next = queue::lock().pop_ready();
        if let Some(next) = next {
            next.on_cpu(now);
            switch_to(next);
            return;
        }
        events::idle();
        now = crate::time::now();
    }
}

/// Switches from the current task to `next` (taken off the run queue).
fn switch_to(next: Arc<Task>) {
    let prev = current::task();
    next.state.store(state::RUNNING, Ordering::Relaxed);
    if core::ptr::eq(prev, &*next) {
        return;
    }
    let dead = prev.is_dead();
    // SAFETY: `prev` is the running task and `next` is not running: nothing else touches
    // their FPU images now (one CPU, interrupts off).
    unsafe {
        if !dead {
            fpu::save(&mut *prev.fpu.get());
        }
        fpu::restore(&*next.fpu.get());
    }
    space::switch_root(next.owner().address_space_root());
    percpu::set_kernel_stack(next.kernel_stack_top);
    crate::arch::x86_64::context::bases_changed();
    let save = prev.saved_rsp.get();
    // SAFETY: `next` is not running, so its saved stack pointer is stable.
    let load = unsafe { *next.saved_rsp.get() };
    let old = current::replace(next);
    if dead {
        DEFERRED.lock().task = old;
    } else {
        // The run queue or the waiter list holds `prev`.
        debug_assert!(prev.state.load(Ordering::Relaxed) != state::RUNNING);
        drop(old);
    }
    // SAFETY: `save` is the left task's slot (it stays alive: held by the run queue, the
    // waiters, or `DEFERRED`); `load` is the stack pointer saved by the switch away from
    // `next` (or prepared by `prepare_stack` for a new task), on its live kernel stack.
    unsafe { context_switch(save, load) };
    finish_switch();
}

/// Drops what the previous switch left behind (runs on the new task's stack). A new task
/// calls it first thing (its first switch did not return here).
pub fn finish_switch() {
    let (task, mm) = {
        let mut d = DEFERRED.lock();
        (d.task.take(), d.mm.take())
    };
    drop(mm);
    drop(task);
}

/// Ends the current task: it never runs again. `mm` is the address space it left (its
/// process now holds an empty one), dropped once the CPU has switched away from it.
pub fn exit_current(mm: Arc<Mm>) -> ! {
    current::task().state.store(state::DEAD, Ordering::Relaxed);
    DEFERRED.lock().mm = Some(mm);
    schedule();
    unreachable!("a dead task was scheduled again");
}

/// Leaves the boot code for the first task (PID 1), already made current and prepared
/// (`Task::prepare_first_run`): its first switch, from a stack nothing uses again.
pub fn start_first() -> ! {
    let task = current::task();
    task.on_cpu(crate::time::now());
    let mut boot_rsp = 0u64;
    // SAFETY: the task never ran, so its saved stack pointer is the prepared one; the boot
    // stack's context is saved into a slot nobody loads (the boot code never resumes).
    unsafe { context_switch(&mut boot_rsp, *task.saved_rsp.get()) };
    unreachable!("the boot code was resumed")
}
