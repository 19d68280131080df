//! Deadlines for sleeping: a duration from now as a TSC value, which the scheduler's
//! timer (`sched::timer`, the LAPIC in TSC-deadline mode) fires at.

use super::{now, tsc_khz};

/// The TSC value `ns` nanoseconds from now (saturating).
pub fn deadline_after_ns(ns: u64) -> u64 {
    let khz = tsc_khz().max(1);
    let ticks = (u128::from(ns) * u128::from(khz) / 1_000_000).min(u128::from(u64::MAX / 2)) as u64;
    now().saturating_add(ticks)
}
