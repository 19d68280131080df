//! Choosing the next task and switching to it; the idle loop; the end of a task.
//!
//! A switch changes, in this order: the user FPU/SSE registers (saved for the task left,
//! loaded for the next: `fxsave64`/`fxrstor64`), the address space (CR3, only if the next
//! task's process has another one), the kernel stack entries from user mode use (per-CPU
//! area and TSS), the FS/GS bases (only if they differ), the current-task pointer, and
//! last the kernel stack itself (`arch::x86_64::switch::context_switch`). About 60
//! emulated instructions plus the CR3 load.
//!
//! A task that is left for good (it exited) cannot free its own stack or address space
//! while running on them: the switch keeps them in [`Deferred`] and the next task drops
//! them right after the switch ([`finish_switch`]).

use super::{events, queue};
use crate::arch::x86_64::cpu;
use crate::arch::x86_64::fpu;
use crate::arch::x86_64::percpu;
use crate::arch::x86_64::switch::context_switch;
use crate::arch::x86_64::trap_entry::TrapFrame;
use crate::mm::vm::{Mm, space};
use crate::process::task::state;
use crate::process::{Task, current};
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use spin::mutex::SpinMutex;

const IA32_FS_BASE: u32 = 0xc000_0100;
const IA32_GS_BASE: u32 = 0xc000_0101;

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
    loop {
        let next = queue::lock().pop_ready();
        if let Some(next) = next {
            switch_to(next);
            return;
        }
        events::idle();
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
    space::switch_root(next.process.mm_root());
    percpu::set_kernel_stack(next.kernel_stack_top);
    let (fs, gs) = (next.fs_base.load(Ordering::Relaxed), next.gs_base.load(Ordering::Relaxed));
    // SAFETY: the FS and GS bases only affect user-mode segment-relative accesses (the
    // kernel uses neither; GS holds the user's value whenever Rust code runs).
    unsafe {
        if fs != prev.fs_base.load(Ordering::Relaxed) {
            cpu::wrmsr(IA32_FS_BASE, fs);
        }
        if gs != prev.gs_base.load(Ordering::Relaxed) {
            cpu::wrmsr(IA32_GS_BASE, gs);
        }
    }
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

/// Drops what the previous switch left behind (runs on the new task's stack).
fn finish_switch() {
    let (task, mm) = {
        let mut d = DEFERRED.lock();
        (d.task.take(), d.mm.take())
    };
    drop(mm);
    drop(task);
}

/// A new task's first instructions in the kernel: finish the switch to it, do its
/// start-up work (`CLONE_CHILD_SETTID`; signals sent before it ran), then go to user mode
/// with `frame` (called from `arch::x86_64::switch::task_first_entry`).
pub extern "C" fn first_run(frame: &mut TrapFrame) {
    finish_switch();
    let task = current::task();
    let tid_addr = task.set_child_tid.swap(0, Ordering::Relaxed);
    if tid_addr != 0 {
        // Linux `schedule_tail`: a fault is ignored.
        let _ = crate::uaccess::write(tid_addr, &task.tid);
    }
    events::return_to_user(frame);
}

/// Ends the current task: it never runs again. `mm` is the address space it left (its
/// process now holds an empty one), dropped once the CPU has switched away from it.
pub fn exit_current(mm: Arc<Mm>) -> ! {
    current::task().state.store(state::DEAD, Ordering::Relaxed);
    DEFERRED.lock().mm = Some(mm);
    schedule();
    unreachable!("a dead task was scheduled again");
}
