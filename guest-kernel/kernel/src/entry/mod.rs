//! The task loop: the one way into the kernel from user mode and the one way out.
//!
//! Every task runs [`run`] on its kernel stack, for as long as it lives:
//!
//! 1. `arch::enter_user` runs user code until it enters the kernel and says why;
//! 2. the reason is dispatched: a system call to `syscall::dispatch`, an exception to
//!    `process::fault::user_exception`; an interrupt needs nothing more here (`arch`
//!    acknowledged it and noted it for the scheduler);
//! 3. then, at exactly one point before user mode resumes ([`before_user`]): the
//!    interrupts' work and preemption (`sched::poll`, `sched::yield_now`), and pending
//!    signals (`process::signal::deliver`).
//!
//! A system call or fault that ends the process does not return to the loop (the task
//! switches away for good); exec changes the context in place and the loop goes on with
//! the new program. A new task starts in [`task_start`] (fork's child, and PID 1).
//!
//! This is the top floor of the kernel: it calls down into `syscall`, `process`, `sched`
//! and `arch`, and nothing calls up into it (docs/DESIGN.md, "Kernel structure").

use crate::arch::x86_64::irq;
use crate::arch::{ReturnReason, UserContext, enter_user};
use crate::process::{current, task::work};
use crate::sched::Restart;
use crate::{sched, syscall};
use core::sync::atomic::Ordering;

/// Runs the current task's user program for good.
fn run(ctx: &mut UserContext) -> ! {
    loop {
        let restart = match enter_user(ctx) {
            ReturnReason::Syscall => syscall::dispatch(ctx),
            ReturnReason::Exception => {
                let e = ctx.exception();
                crate::process::fault::user_exception(ctx, e);
                None
            }
            ReturnReason::Interrupt => None,
        };
        before_user(ctx, restart);
    }
}

/// The last thing before every return to user mode: the interrupts' work, preemption,
/// signals, and the end of a system call a signal cut short (`restart`). The common case,
/// nothing to do, costs two loads and a branch or two.
#[inline(always)]
fn before_user(ctx: &mut UserContext, restart: Option<Restart>) {
    let pending = irq::EVENTS.load(Ordering::Relaxed);
    let todo = current::task().work.load(Ordering::Relaxed);
    if pending != 0 || todo != 0 || restart.is_some() {
        work_before_user(ctx, restart);
    }
}

/// [`before_user`] when there is something to do: in order, wake the tasks the interrupts
/// concern and yield if the time slice is over (preemption), then act on pending signals;
/// again until nothing is left. An interrupted system call that no handler claimed is
/// restarted last (signal(7): without a handler, the call resumes as if nothing happened).
#[inline(never)]
fn work_before_user(ctx: &mut UserContext, mut restart: Option<Restart>) {
    if current::task().work.load(Ordering::Relaxed) & work::CPU_TIMER != 0 {
        crate::process::cpu_timer::check();
    }
    let task = current::task();
    loop {
        if irq::EVENTS.load(Ordering::Relaxed) != 0 && sched::poll() {
            sched::yield_now();
            continue;
        }
        // Read after the interrupts' work: it may have sent a signal (an expired alarm's
        // SIGALRM to a program computing in user mode, which would otherwise not enter the
        // kernel again to take it).
        let signals = task.work.load(Ordering::Relaxed) & (work::SIGNAL | work::INTERRUPT);
        if signals != 0 {
            crate::process::signal::deliver(ctx, &mut restart);
        }
        // Done when no interrupt came meanwhile and delivery left nothing to act on
        // (`deliver` clears the bits once nothing unblocked is pending). CPU_TIMER stays
        // set while a timer is armed: it was looked at above.
        let left = task.work.load(Ordering::Relaxed) & (work::SIGNAL | work::INTERRUPT);
        if irq::EVENTS.load(Ordering::Relaxed) == 0 && left == 0 {
            break;
        }
    }
    match restart {
        Some(Restart::ThroughRestartBlock) => ctx.restart_syscall_as(syscall::RESTART_SYSCALL),
        Some(_) => ctx.restart_syscall(),
        None => {}
    }
    // rt_sigsuspend's mask, if no handler took it over.
    crate::process::signal::deliver::restore_saved_mask();
}

/// Where every task starts (its first switch lands here, see
/// `arch::x86_64::switch::prepare_stack`): finish the switch, do the start-up work
/// (`CLONE_CHILD_SETTID`; signals sent before it ran), then run the user program whose
/// context its creator wrote at the top of its stack.
pub extern "C" fn task_start() -> ! {
    sched::switch::finish_switch();
    let task = current::task();
    let tid_addr = task.set_child_tid.swap(0, Ordering::Relaxed);
    if tid_addr != 0 {
        // Linux `schedule_tail`: a fault is ignored.
        let _ = crate::uaccess::write(tid_addr, &task.tid);
    }
    // SAFETY: the task's own context, used by this task alone from here on (its creator
    // wrote it before the task first ran).
    let ctx = unsafe { task.user_context() };
    before_user(ctx, None);
    run(ctx)
}
