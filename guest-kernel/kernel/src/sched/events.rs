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
use core::sync::atomic::{AtomicPtr, Ordering};

/// What a driver runs after device interrupts, where no lock is held (the console's
/// window-size check): handed down by the driver when it comes up, since the scheduler
/// calls nothing by name. Called from [`poll`] whenever a device interrupt was noted.
pub type DeviceHook = fn();

/// The installed [`DeviceHook`] (null: none).
static DEVICE_HOOK: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

/// Installs the hook run after device interrupts (one; a later call replaces it).
pub fn set_device_hook(hook: DeviceHook) {
    DEVICE_HOOK.store(hook as *mut (), Ordering::Relaxed);
}

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
    if events & EVENT_DEVICE != 0 {
        let hook = DEVICE_HOOK.load(Ordering::Relaxed);
        if !hook.is_null() {
            // SAFETY: a non-null value was stored by `set_device_hook` from a `DeviceHook`.
            let hook = unsafe { core::mem::transmute::<*mut (), DeviceHook>(hook) };
            hook();
        }
    }
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
