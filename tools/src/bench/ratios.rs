//! Guest against host, operation by operation: the ratio of medians (and of p99s), from
//! the two runs of the same bench program in the same harness run.

use serde::{Deserialize, Serialize};

use super::program::BenchRun;

/// One operation measured on both sides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ratio {
    /// Operation (protocol name).
    pub name: String,
    /// Host median, ns.
    pub host_median_ns: u64,
    /// Guest median, ns.
    pub guest_median_ns: u64,
    /// Guest median over host median: below 1 the guest is faster.
    pub guest_over_host: f64,
    /// Guest p99 over host p99.
    pub guest_over_host_p99: f64,
}

/// Ratios for every operation both runs measured, in the host run's order.
pub fn compute(host: &BenchRun, guest: &BenchRun) -> Vec<Ratio> {
    host.output
        .figures
        .iter()
        .filter_map(|h| {
            let g = guest.output.figure(&h.name)?;
            let ratio = |a: u64, b: u64| a as f64 / b.max(1) as f64;
            Some(Ratio {
                name: h.name.clone(),
                host_median_ns: h.stats.median_ns,
                guest_median_ns: g.stats.median_ns,
                guest_over_host: ratio(g.stats.median_ns, h.stats.median_ns),
                guest_over_host_p99: ratio(g.stats.p99_ns, h.stats.p99_ns),
            })
        })
        .collect()
}
