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
    let start = Instant::now();
    for i in 0..CALIBRATION_CALLS {
        op().map_err(|e| format!("calibration call {i}: {e}"))?;
    }
    let cost = (start.elapsed().as_nanos() as u64 / u64::from(CALIBRATION_CALLS)).max(1);
    let needed = (MIN_TICKS_PER_SAMPLE * granularity_ns).div_ceil(cost);
    let batch = u32::try_from(needed).unwrap_or(u32::MAX).clamp(min_batch.max(1), 65_536);
    let mut ns = Vec::with_capacity(iters as usize);
    for i in 0..iters {
        let start = Instant::now();
        for _ in 0..batch {
            op().map_err(|e| format!("iteration {i}: {e}"))?;
        }
        let elapsed = start.elapsed().as_nanos() as u64;
        ns.push(elapsed / u64::from(batch));
    }
    Ok(Samples { batch, ns })
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
}
