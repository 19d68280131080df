//! Operations cheaper than a clock read, timed in batches: the null system call and the
//! clock itself (its cost is part of every other figure).

use std::time::Instant;

use super::{Outcome, Settings};
use crate::sys;

/// Calls per sample: enough that the two clock reads around a batch are noise.
const BATCH: u32 = 64;

/// `getppid()`: one round trip into the kernel and back.
pub fn getppid(s: &Settings) -> Result<Outcome, String> {
    let expected = sys::getppid();
    let samples = s.time_cheap(BATCH, || {
        let got = sys::getppid();
        if got == expected {
            Ok(())
        } else {
            Err(format!("getppid returned {got}, then {expected}"))
        }
    })?;
    Ok(Outcome::Measured(samples))
}

/// One `Instant::now()`: `clock_gettime(CLOCK_MONOTONIC)` as the program sees it (vDSO on
/// the host, a system call where there is none).
pub fn clock(s: &Settings) -> Result<Outcome, String> {
    let mut last = Instant::now();
    let samples = s.time_cheap(BATCH, || {
        let now = Instant::now();
        if now < last {
            return Err("the monotonic clock went backwards".into());
        }
        last = now;
        Ok(())
    })?;
    Ok(Outcome::Measured(samples))
}
