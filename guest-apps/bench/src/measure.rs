//! Timing loops and summary statistics.
//!
//! Every sample is the wall time of one operation (or, for operations cheaper than a clock
//! read, the mean over a fixed batch), read with `std::time::Instant`, i.e.
//! `clock_gettime(CLOCK_MONOTONIC)`: through the vDSO on the host, a system call in a guest
//! without one. Percentiles are nearest-rank on the sorted samples, so the harness can
//! recompute them from the printed samples and must get the same integers.

use std::time::Instant;

/// What one benchmark produced: per-operation nanoseconds, one entry per sample.
pub struct Samples {
    /// Operations per sample (1, or the batch size for very cheap operations).
    pub batch: u32,
    /// Nanoseconds per operation, in the order measured (empty for [`repeat`]).
    pub ns: Vec<u64>,
}

/// A sample must span at least this many clock ticks (the harness refuses fewer than 20):
/// the error of one reading is about one tick, whether the tick is the clock's resolution
/// or the cost of reading it (a system call in a guest without a vDSO).
pub const MIN_TICKS_PER_SAMPLE: u64 = 25;

/// Calls timed together to estimate an operation's cost before choosing its batch.
const CALIBRATION_CALLS: u32 = 8;

/// Calibration rounds at most; the cheapest round's mean is the cost. One preempted round
/// (a loaded host, a guest timer interrupt) would otherwise overestimate the cost, choose
/// too small a batch, and leave samples under the harness's 20 ticks.
const CALIBRATION_ROUNDS: u32 = 3;

/// The largest batch.
const MAX_BATCH: u32 = 65_536;

/// Times the samples again, with a larger batch, at most this often when the median
/// sample still spans fewer than [`MIN_TICKS_PER_SAMPLE`] ticks: calibration is a handful
/// of calls, and on a loaded machine (or a guest whose vCPU the host preempts) they can all
/// be slow, so only the samples themselves prove the batch was large enough.
const RETIMES: u32 = 2;

/// Runs `op` `warmup` times untimed, then `iters` timed samples. A sample is a batch of at
/// least `min_batch` calls, more if needed so that it spans [`MIN_TICKS_PER_SAMPLE`] ticks
/// of a clock with `granularity_ns`. Stops at the first failure, which names the iteration.
pub fn time<F>(
    iters: u32,
    warmup: u32,
    min_batch: u32,
    granularity_ns: u64,
    mut op: F,
) -> Result<Samples, String>
where
    F: FnMut() -> Result<(), String>,
{
    for i in 0..warmup {
        op().map_err(|e| format!("warm-up iteration {i}: {e}"))?;
    }
    let target_ns = MIN_TICKS_PER_SAMPLE * granularity_ns;
    let min_batch = min_batch.clamp(1, MAX_BATCH);
    let mut batch = batch_for(target_ns, calibrate(target_ns, &mut op)?, min_batch);
    let mut retimes = 0;
    loop {
        let ns = samples(iters, batch, &mut op)?;
        let median = Summary::of(&ns).median.max(1);
        let spans = median.saturating_mul(u64::from(batch));
        if spans >= target_ns || retimes == RETIMES || batch == MAX_BATCH {
            return Ok(Samples { batch, ns });
        }
        retimes += 1;
        batch = batch_for(target_ns, median, batch.saturating_mul(2));
    }
}

/// The batch that makes calls of `cost_ns` span `target_ns`, at least `at_least`.
fn batch_for(target_ns: u64, cost_ns: u64, at_least: u32) -> u32 {
    let needed = target_ns.div_ceil(cost_ns.max(1));
    u32::try_from(needed).unwrap_or(u32::MAX).clamp(at_least.min(MAX_BATCH), MAX_BATCH)
}

/// `iters` samples of `batch` calls each, nanoseconds per call.
fn samples<F>(iters: u32, batch: u32, op: &mut F) -> Result<Vec<u64>, String>
where
    F: FnMut() -> Result<(), String>,
{
    let mut ns = Vec::with_capacity(iters as usize);
    for i in 0..iters {
        let start = Instant::now();
        for _ in 0..batch {
            op().map_err(|e| format!("iteration {i}: {e}"))?;
        }
        let elapsed = start.elapsed().as_nanos() as u64;
        ns.push(elapsed / u64::from(batch));
    }
    Ok(ns)
}

/// The cost of one call of `op` in nanoseconds: the smallest mean over up to
/// [`CALIBRATION_ROUNDS`] rounds of [`CALIBRATION_CALLS`] calls. Stops after a round whose
/// calls each span four times `target_ns` (a process operation needs no batch, and its
/// rounds are expensive; four times, so one slow round of a cheap operation does not stop
/// it).
fn calibrate<F>(target_ns: u64, op: &mut F) -> Result<u64, String>
where
    F: FnMut() -> Result<(), String>,
{
    let mut cost = u64::MAX;
    for round in 0..CALIBRATION_ROUNDS {
        let start = Instant::now();
        for i in 0..CALIBRATION_CALLS {
            op().map_err(|e| format!("calibration round {round} call {i}: {e}"))?;
        }
        let mean = start.elapsed().as_nanos() as u64 / u64::from(CALIBRATION_CALLS);
        cost = cost.min(mean.max(1));
        if cost >= target_ns.saturating_mul(4) {
            break;
        }
    }
    Ok(cost)
}

/// Runs `op` exactly `n` times with nothing else around it: no warm-up, no calibration, no
/// clock reads (each would be a system call in a guest without a vDSO). The samples are
/// empty; what counts is that the kernel saw exactly `n` operations.
pub fn repeat<F>(n: u32, mut op: F) -> Result<Samples, String>
where
    F: FnMut() -> Result<(), String>,
{
    for i in 0..n {
        op().map_err(|e| format!("iteration {i}: {e}"))?;
    }
    Ok(Samples { batch: 1, ns: Vec::new() })
}

/// Median, p99 and friends of a sample set.
pub struct Summary {
    /// Number of samples.
    pub n: usize,
    /// Smallest sample.
    pub min: u64,
    /// Nearest-rank 50th percentile.
    pub median: u64,
    /// Nearest-rank 99th percentile.
    pub p99: u64,
    /// Largest sample.
    pub max: u64,
    /// Arithmetic mean, rounded down.
    pub mean: u64,
}

/// Nearest-rank percentile `p` (0 < p <= 100) of sorted, non-empty `sorted`: the smallest
/// sample with at least p% of the samples at or below it.
pub fn percentile(sorted: &[u64], p: u64) -> u64 {
    let rank = (sorted.len() as u64 * p).div_ceil(100).max(1);
    sorted[rank as usize - 1]
}

impl Summary {
    /// Summarizes non-empty `ns`.
    pub fn of(ns: &[u64]) -> Summary {
        let mut sorted = ns.to_vec();
        sorted.sort_unstable();
        Summary {
            n: sorted.len(),
            min: sorted[0],
            median: percentile(&sorted, 50),
            p99: percentile(&sorted, 99),
            max: sorted[sorted.len() - 1],
            mean: (sorted.iter().map(|&v| u128::from(v)).sum::<u128>() / sorted.len() as u128)
                as u64,
        }
    }
}

/// The clock's observed granularity: the smallest non-zero step between two consecutive
/// reads, over 50 steps: the clock's resolution or the cost of one read, whichever is
/// larger. A guest clock that ticks coarsely would make small
/// figures meaningless; the harness compares each median with this.
pub fn clock_granularity_ns() -> Result<u64, String> {
    let mut best = u64::MAX;
    let mut steps = 0;
    let mut reads: u64 = 0;
    let mut last = Instant::now();
    while steps < 50 {
        let now = Instant::now();
        reads += 1;
        let step = now.duration_since(last).as_nanos() as u64;
        if step > 0 {
            best = best.min(step);
            steps += 1;
            last = now;
        } else if reads > 100_000 {
            return Err("the monotonic clock does not advance".into());
        }
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50), 50);
        assert_eq!(percentile(&v, 99), 99);
        assert_eq!(percentile(&[7], 99), 7);
        assert_eq!(percentile(&[1, 2, 3], 50), 2);
        let s = Summary::of(&[5, 1, 3, 2, 4]);
        assert_eq!((s.n, s.min, s.median, s.p99, s.max, s.mean), (5, 1, 3, 5, 5, 3));
    }

    #[test]
    fn batches() {
        assert_eq!(batch_for(1000, 10, 1), 100);
        assert_eq!(batch_for(1000, 10, 200), 200);
        assert_eq!(batch_for(1000, 0, 1), 1000);
        assert_eq!(batch_for(u64::MAX, 1, 1), MAX_BATCH);
        assert_eq!(batch_for(10, 1000, 1), 1);
    }

    #[test]
    fn a_too_small_batch_is_retimed() {
        // The clock's granularity asks for samples of 25 ms. Calibration (3 rounds of 8
        // calls) sees 5 ms per call and picks a batch of 5; the calls then take 1 ms, so
        // the first samples span 5 ms and must be timed again with a larger batch.
        let mut calls = 0;
        let op = || {
            calls += 1;
            let ms = if calls <= 3 * CALIBRATION_CALLS { 5 } else { 1 };
            std::thread::sleep(std::time::Duration::from_millis(ms));
            Ok(())
        };
        let s = time(3, 0, 1, 1_000_000, op).unwrap();
        assert_eq!(s.ns.len(), 3);
        assert!(s.batch > 5, "batch {}", s.batch);
    }
}
