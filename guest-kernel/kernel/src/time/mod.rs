//! Time keeping: the TSC, with its frequency from kvm-clock; the clocks user space reads
//! (`clock`) and sleeping on the LAPIC timer (`sleep`).

pub mod clock;
pub mod pvclock;
pub mod sleep;
pub mod vdso;

pub use sleep::deadline_after_ns;

use crate::arch::x86_64::cpu;
use core::sync::atomic::{AtomicU64, Ordering};

/// The TSC frequency in kHz, 0 while unknown.
static TSC_KHZ: AtomicU64 = AtomicU64::new(0);

/// Records the TSC frequency (from [`pvclock::init`]).
pub fn set_tsc_khz(khz: u64) {
    TSC_KHZ.store(khz, Ordering::Relaxed);
}

/// The TSC frequency in kHz, 0 if unknown.
pub fn tsc_khz() -> u64 {
    TSC_KHZ.load(Ordering::Relaxed)
}

/// The current TSC value: the kernel's clock for measuring intervals (one `rdtsc`, about
/// 7 µs on these hosts, so not for tight loops).
pub fn now() -> u64 {
    cpu::rdtsc()
}

/// `ticks` TSC ticks in nanoseconds (0 if the frequency is unknown).
pub fn ticks_to_ns(ticks: u64) -> u64 {
    match tsc_khz() {
        0 => 0,
        khz => (u128::from(ticks) * 1_000_000 / u128::from(khz)) as u64,
    }
}
