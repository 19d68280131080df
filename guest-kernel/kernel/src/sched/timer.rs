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
    let next = match (next_wait, slice_end) {
        (0, s) | (s, 0) => s,
        (a, b) => a.min(b),
    };
    if next != 0 {
        arm(next);
    }
    resched
}
