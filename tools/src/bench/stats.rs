//! Summary statistics, computed exactly as the bench program computes them (nearest-rank
//! percentiles over integer nanoseconds), so the harness can check the program's own
//! summary against the samples it printed and get identical integers.

use serde::{Deserialize, Serialize};

/// Median, p99 and friends of one set of samples, in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of samples.
    pub n: usize,
    /// Smallest sample.
    pub min_ns: u64,
    /// Nearest-rank 50th percentile.
    pub median_ns: u64,
    /// Nearest-rank 99th percentile.
    pub p99_ns: u64,
    /// Largest sample.
    pub max_ns: u64,
    /// Arithmetic mean, rounded down.
    pub mean_ns: u64,
}

/// Nearest-rank percentile `p` (1..=100) of sorted, non-empty `sorted`: the smallest
/// sample with at least p% of the samples at or below it.
pub fn percentile(sorted: &[u64], p: u64) -> u64 {
    let rank = (sorted.len() as u64 * p).div_ceil(100).max(1);
    sorted[rank as usize - 1]
}

impl Summary {
    /// Summarizes `samples`; `None` when there are none.
    pub fn of(samples: &[u64]) -> Option<Summary> {
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let (&min_ns, &max_ns) = (sorted.first()?, sorted.last()?);
        let sum: u128 = sorted.iter().map(|&v| u128::from(v)).sum();
        Some(Summary {
            n: sorted.len(),
            min_ns,
            median_ns: percentile(&sorted, 50),
            p99_ns: percentile(&sorted, 99),
            max_ns,
            mean_ns: (sum / sorted.len() as u128) as u64,
        })
    }
}

/// Median of non-empty `values` (nearest rank), for the `--timings` phases.
pub fn median_f64(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = sorted.len().div_ceil(2);
    sorted.get(rank.checked_sub(1)?).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_matches_the_bench_program() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!((percentile(&v, 50), percentile(&v, 99)), (50, 99));
        assert_eq!(percentile(&[7], 99), 7);
        let s = Summary::of(&[5, 1, 3, 2, 4]).unwrap();
        assert_eq!((s.n, s.min_ns, s.median_ns, s.p99_ns, s.max_ns, s.mean_ns), (5, 1, 3, 5, 5, 3));
        assert!(Summary::of(&[]).is_none());
    }

    #[test]
    fn median_of_floats() {
        assert_eq!(median_f64(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median_f64(&[4.0, 1.0]), Some(1.0));
        assert_eq!(median_f64(&[]), None);
    }
}
