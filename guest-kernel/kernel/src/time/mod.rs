//! Time keeping. For now: the TSC frequency from kvm-clock, for the boot report; the LAPIC
//! timer and clocks come later.

pub mod pvclock;
