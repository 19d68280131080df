//! The clocks `clock_gettime` reads: monotonic time since boot from the TSC, and the wall
//! clock as KVM's wall-clock time at kvm-clock's zero plus kvm-clock's time now, so
//! `CLOCK_REALTIME` starts at the host's time of day (both fixed at boot: nothing sets the
//! clock yet). Without kvm-clock (no KVM), the wall clock starts at the epoch.
//!
//! One `rdtsc` per reading (~7 µs here: it is emulated), no VM exit.

use super::{now, pvclock, ticks_to_ns};
use core::sync::atomic::{AtomicU64, Ordering};

/// TSC value at [`init`]: monotonic time 0.
static BOOT_TSC: AtomicU64 = AtomicU64::new(0);
/// Wall-clock time (ns since the epoch) at [`init`].
static BOOT_WALL_NS: AtomicU64 = AtomicU64::new(0);

/// Fixes the clocks' origins. Once, at boot, after kvm-clock is known (`pvclock::init`).
pub fn init() {
    let tsc = now();
    BOOT_TSC.store(tsc, Ordering::Relaxed);
    let wall = pvclock::wall_clock_at_zero_ns()
        .zip(pvclock::kvmclock_ns(tsc))
        .map_or(0, |(zero, since)| zero.saturating_add(since));
    BOOT_WALL_NS.store(wall, Ordering::Relaxed);
    // The vDSO reads the same origins and rate, so its answers equal these functions'.
    super::vdso::publish(tsc, wall, super::tsc_khz());
}

/// Nanoseconds since boot.
pub fn monotonic_ns() -> u64 {
    ticks_to_ns(now().saturating_sub(BOOT_TSC.load(Ordering::Relaxed)))
}

/// Nanoseconds since the Unix epoch.
pub fn realtime_ns() -> u64 {
    BOOT_WALL_NS.load(Ordering::Relaxed).saturating_add(monotonic_ns())
}
