//! Sleeping: the CPU halts until the LAPIC timer (TSC-deadline mode) fires at the
//! deadline, waking for other interrupts in between; with no TSC-deadline timer it polls
//! the TSC instead.

use super::{now, tsc_khz};
use crate::arch::x86_64::{apic, irq};

/// The TSC value `ns` nanoseconds from now (saturating).
pub fn deadline_after_ns(ns: u64) -> u64 {
    let khz = tsc_khz().max(1);
    let ticks = (u128::from(ns) * u128::from(khz) / 1_000_000).min(u128::from(u64::MAX / 2)) as u64;
    now().saturating_add(ticks)
}

/// Whether interrupts and the TSC-deadline timer can be used (set up on first use).
fn timer_ready() -> bool {
    irq::init(crate::time::pvclock::kvm_features()).is_ok() && apic::init_timer()
}

/// Sleeps for `ns` nanoseconds (at least; the wake-up is at the next TSC check after the
/// deadline).
pub fn sleep_ns(ns: u64) {
    sleep_until_tsc(deadline_after_ns(ns));
}

/// Sleeps until the TSC reaches `deadline`.
pub fn sleep_until_tsc(deadline: u64) {
    let timer = timer_ready();
    if timer {
        // Armed once: other interrupts may wake the CPU first, the deadline stays set.
        apic::set_deadline(deadline);
    }
    while now() < deadline {
        if timer {
            irq::wait();
        } else {
            core::hint::spin_loop();
        }
    }
    if timer {
        apic::set_deadline(0);
    }
}

/// Halts until the next interrupt, or until the TSC reaches `deadline` if given (the
/// timer is armed for it). Callers loop, re-checking what they wait for.
pub fn wait_for_interrupt(deadline: Option<u64>) {
    if !timer_ready() {
        core::hint::spin_loop();
        return;
    }
    if let Some(d) = deadline {
        apic::set_deadline(d);
    }
    irq::wait();
    if deadline.is_some() {
        apic::set_deadline(0);
    }
}
