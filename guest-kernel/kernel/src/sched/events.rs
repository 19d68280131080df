//! Interrupts seen by the scheduler, the idle loop, and the work a task does on its way
//! back to user mode.
//!
//! Interrupt handlers only note what happened (`irq::EVENTS`). The notes are acted on
//! where no lock is held: in the idle loop, and in [`return_to_user`], which every system
//! call and every trap from user mode ends with. There, in order: wake the tasks the
//! interrupts concern (device waiters, expired deadlines), yield if the time slice is over
//! and others wait (preemption), act on pending signals. The common case, nothing to do,
//! costs two loads and a branch.

use super::{queue, switch, timer};
use crate::arch::x86_64::irq::{self, EVENT_DEVICE, EVENT_TIMER};
use crate::arch::x86_64::trap_entry::TrapFrame;
use crate::process::current;
use crate::process::task::work;
use crate::time;
use core::sync::atomic::Ordering;

/// Handles the interrupts noted since the last look. Returns whether the running task
/// should yield (its slice is over and others are ready).
pub fn poll() -> bool {
    let events = irq::EVENTS.swap(0, Ordering::Relaxed);
    if events == 0 {
        return false;
    }
    let mut s = queue::lock();
    if events & EVENT_DEVICE != 0 && s.wake_device() > 0 {
        timer::start_slice();
    }
    events & EVENT_TIMER != 0 && timer::expired(&mut s)
}

/// Nothing is ready: halts until an interrupt, then handles it. Without a working timer,
/// spins on the TSC until the armed deadline instead (and treats reaching it as the timer).
pub fn idle() {
    if timer::available() {
        irq::wait();
    } else {
        let deadline = timer::armed();
        if deadline != 0 && time::now() >= deadline {
            irq::EVENTS.fetch_or(EVENT_TIMER, Ordering::Relaxed);
        } else {
            core::hint::spin_loop();
        }
    }
    poll();
}

/// Gives the CPU to the next ready task, if any; the current one stays ready.
pub fn yield_now() {
    queue::lock().push_ready(current::task_arc());
    switch::schedule();
}

/// The last thing before a return to user mode with `frame` (not during a user-mode
/// assist, which is part of a system call): interrupts' work, preemption, signals.
pub fn return_to_user(frame: &mut TrapFrame) {
    loop {
        let pending = irq::EVENTS.load(Ordering::Relaxed);
        let task = current::task();
        let todo = task.work.load(Ordering::Relaxed);
        if pending == 0 && todo == 0 {
            return;
        }
        if pending != 0 && poll() {
            yield_now();
            continue;
        }
        if todo & (work::SIGNAL | work::INTERRUPT) != 0 {
            crate::process::signal::deliver(frame);
        }
        if irq::EVENTS.load(Ordering::Relaxed) == 0 {
            return;
        }
    }
}
