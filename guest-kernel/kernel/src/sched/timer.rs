//! The LAPIC timer (TSC-deadline mode) as the scheduler uses it: one deadline armed at a
//! time, the earliest of the blocked tasks' deadlines (sleeps, timeouts) and the end of
//! the current time slice.
//!
//! Time slices exist only while tasks compete for the CPU: the slice timer is armed when a
//! task becomes ready while another runs, and when it fires with tasks still waiting in
//! the run queue the running task is preempted on its way back to user mode (the kernel
//! itself is never preempted). A CPU-bound program therefore gets [`SLICE_NS`] at a time
//! and cannot starve the others; a program that blocks often never sees the timer.
//! Arming costs an `rdtsc` and a `wrmsr` (an exit), so it happens at most once per slice.

use super::queue::Sched;
use crate::arch::x86_64::apic;
use crate::time;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Length of a time slice.
pub const SLICE_NS: u64 = 10_000_000;

/// The deadline the timer is armed for (0: none).
static ARMED: AtomicU64 = AtomicU64::new(0);
/// End of the current time slice (0: no slice running).
static SLICE_END: AtomicU64 = AtomicU64::new(0);
/// Whether the TSC-deadline timer works (set by [`init`]).
static READY: AtomicBool = AtomicBool::new(false);
/// The earliest deadline of the timers the layers above keep (`setitimer`, `alarm`;
/// 0: none), which the timer also fires for.
static CLIENT_DEADLINE: AtomicU64 = AtomicU64::new(0);
/// Whether [`CLIENT_DEADLINE`] passed and the client has not been told yet.
static CLIENT_DUE: AtomicBool = AtomicBool::new(false);

/// What the layers above run when their deadline passes: handed down at boot (the
/// scheduler calls nothing above it by name), called with no scheduler lock held, with
/// the current TSC value; returns the next deadline (0: none).
pub type ClientHook = fn(now: u64) -> u64;

/// The installed [`ClientHook`] (null: none).
static CLIENT_HOOK: core::sync::atomic::AtomicPtr<()> =
    core::sync::atomic::AtomicPtr::new(core::ptr::null_mut());

/// Installs the hook that runs the upper layers' timers. Once, at boot.
pub fn set_client_hook(hook: ClientHook) {
    CLIENT_HOOK.store(hook as *mut (), Ordering::Relaxed);
}

/// Makes the timer fire at or before `deadline` for the upper layers' timers too.
pub fn add_client_deadline(deadline: u64) {
    let current = CLIENT_DEADLINE.load(Ordering::Relaxed);
    if current == 0 || deadline < current {
        CLIENT_DEADLINE.store(deadline, Ordering::Relaxed);
    }
    arm(deadline);
}

/// Runs the client hook if its deadline passed (from `events::poll`, after the scheduler's
/// lock is released) and arms the timer for its next deadline.
pub fn run_client_if_due() {
    if !CLIENT_DUE.swap(false, Ordering::Relaxed) {
        return;
    }
    let hook = CLIENT_HOOK.load(Ordering::Relaxed);
    if hook.is_null() {
        return;
    }
    // SAFETY: a non-null value was stored by `set_client_hook` from a `ClientHook`.
    let hook = unsafe { core::mem::transmute::<*mut (), ClientHook>(hook) };
    let next = hook(time::now());
    CLIENT_DEADLINE.store(0, Ordering::Relaxed);
    if next != 0 {
        add_client_deadline(next);
    }
}

/// Sets up the LAPIC and its timer (once, before the first process).
pub fn init() {
    let ok =
        crate::arch::x86_64::irq::init(time::pvclock::kvm_features()).is_ok() && apic::init_timer();
    READY.store(ok, Ordering::Relaxed);
}

/// Whether deadlines can fire (without a timer the idle loop polls the TSC instead).
pub fn available() -> bool {
    READY.load(Ordering::Relaxed)
}

/// Makes sure the timer fires at or before TSC value `deadline`.
pub fn arm(deadline: u64) {
    let armed = ARMED.load(Ordering::Relaxed);
    if armed != 0 && armed <= deadline {
        return;
    }
    ARMED.store(deadline, Ordering::Relaxed);
    if available() {
        apic::set_deadline(deadline);
    }
}

/// The deadline currently armed (0: none), for the idle loop without a timer.
pub fn armed() -> u64 {
    ARMED.load(Ordering::Relaxed)
}

/// Starts a time slice if none is running (a task became ready while another runs).
pub fn start_slice() {
    if SLICE_END.load(Ordering::Relaxed) != 0 {
        return;
    }
    let end = time::deadline_after_ns(SLICE_NS);
    SLICE_END.store(end, Ordering::Relaxed);
    arm(end);
}

/// The timer fired: wakes the blocked tasks whose deadline passed, and says whether the
/// running task's slice is over with others waiting to run (then it must yield). Re-arms
/// for what is still pending.
pub fn expired(s: &mut Sched) -> bool {
    let now = time::now();
    ARMED.store(0, Ordering::Relaxed);
    let next_wait = s.expire(now);
    let mut slice_end = SLICE_END.load(Ordering::Relaxed);
    let mut resched = false;
    if slice_end != 0 && now >= slice_end {
        resched = s.has_ready();
        // Another slice for whoever runs next, if tasks still compete.
        slice_end = if resched { time::deadline_after_ns(SLICE_NS) } else { 0 };
        SLICE_END.store(slice_end, Ordering::Relaxed);
    } else if slice_end == 0 && s.has_ready() {
        // Tasks whose deadline just passed compete with the running one from now on: without
        // a slice a CPU-bound task would keep them waiting forever.
        slice_end = time::deadline_after_ns(SLICE_NS);
        SLICE_END.store(slice_end, Ordering::Relaxed);
    }
    let mut client = CLIENT_DEADLINE.load(Ordering::Relaxed);
    if client != 0 && now >= client {
        // Run outside the lock (`run_client_if_due`), which re-arms for the next one.
        CLIENT_DUE.store(true, Ordering::Relaxed);
        client = 0;
    }
    let earliest = |a: u64, b: u64| match (a, b) {
        (0, x) | (x, 0) => x,
        (a, b) => a.min(b),
    };
    let next = earliest(earliest(next_wait, slice_end), client);
    if next != 0 {
        arm(next);
    }
    resched
}
