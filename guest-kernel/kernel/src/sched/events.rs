//! Interrupts seen by the scheduler, and the idle loop.
//!
//! Interrupt handlers only note what happened (`irq::EVENTS`). The notes are acted on
//! where no lock is held: in the idle loop, and by the task loop (`entry`) before every
//! return to user mode, through [`poll`]: wake the tasks the interrupts concern (device
//! waiters, expired deadlines) and say whether the time slice is over with others waiting
//! (then the task yields: preemption).

use super::current;
use super::{queue, switch, timer};
use crate::arch::x86_64::irq::{self, EVENT_DEVICE, EVENT_TIMER};
use crate::time;
use core::sync::atomic::Ordering;

/// Handles the interrupts noted since the last look. Returns whether the running task
/// should yield (its slice is over and others are ready).
pub fn poll() -> bool {
    let events = irq::EVENTS.swap(0, Ordering::Relaxed);
    if events == 0 {
        return false;
    }
    let resched = {
        let mut s = queue::lock();
        if events & EVENT_DEVICE != 0 && s.wake_device() > 0 {
            timer::start_slice();
        }
        events & EVENT_TIMER != 0 && timer::expired(&mut s)
    };
    timer::run_client_if_due();
    resched
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
