//! Interrupts seen by the scheduler, and the idle loop.
//!
//! Interrupt handlers only note what happened (`irq::EVENTS`). The notes are acted on
//! where no lock is held: in the idle loop, and by the task loop (`entry`) before every
//! return to user mode, through [`poll`]: wake the tasks the interrupts concern (device
//! waiters, expired deadlines) and say whether the time slice is over with others waiting
//! (then the task yields: preemption). A layer above that must see device input even
//! when nobody waits for it (the terminal's signal characters) hands down a hook
//! ([`set_device_hook`]) run after each device interrupt, with no scheduler lock held.

use super::current;
use super::{queue, switch, timer};
use crate::arch::x86_64::irq::{self, EVENT_DEVICE, EVENT_TIMER};
use crate::time;
use core::sync::atomic::{AtomicPtr, Ordering};

/// What a layer above runs after device interrupts (handed down at boot).
pub type DeviceHook = fn();

/// The installed [`DeviceHook`] (null: none).
static DEVICE_HOOK: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

/// Installs the hook run after device interrupts. Once, at boot.
pub fn set_device_hook(hook: DeviceHook) {
    DEVICE_HOOK.store(hook as *mut (), Ordering::Relaxed);
}

fn run_device_hook() {
    let hook = DEVICE_HOOK.load(Ordering::Relaxed);
    if !hook.is_null() {
        // SAFETY: a non-null value was stored by `set_device_hook` from a `DeviceHook`.
        let hook = unsafe { core::mem::transmute::<*mut (), DeviceHook>(hook) };
        hook();
    }
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
        run_device_hook();
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
