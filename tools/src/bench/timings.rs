//! Reading what `vmm run --timings` prints on stderr:
//!
//! ```text
//! vmm timings:
//!   vm creation (checks, kvm, memory, vcpu, devices)   1478.7 us
//!   kernel load (elf, boot params)        165.6 us
//!     kernel entry -> banner            11413.8 us
//!   teardown                            deferred to a reaper process
//! ```
//!
//! Every indented line that ends in `<number> us` becomes a phase named by its text; the
//! others ("n/a", "deferred") are skipped. The parser does not know the labels, because
//! the vmm adds phases as the guest grows (boot to init, exec, ...): the report shows
//! whatever the vmm measured.

use serde::{Deserialize, Serialize};

use super::stats::median_f64;

/// One phase over several runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    /// The vmm's label (two extra leading spaces for guest-side sub-phases).
    pub label: String,
    /// Runs that reported it.
    pub runs: usize,
    /// Median, microseconds.
    pub median_us: f64,
    /// Fastest, microseconds.
    pub min_us: f64,
    /// Slowest, microseconds.
    pub max_us: f64,
}

/// The (label, microseconds) pairs of one run's `--timings` block, in order; empty if
/// there is no block.
pub fn parse(stderr: &str) -> Vec<(String, f64)> {
    let mut lines = stderr.lines().skip_while(|l| l.trim() != "vmm timings:");
    if lines.next().is_none() {
        return vec![];
    }
    lines
        .take_while(|l| l.starts_with("  "))
        .filter_map(|line| {
            let body = line.strip_prefix("  ")?.trim_end();
            let rest = body.strip_suffix(" us")?;
            let (label, number) = rest.trim_end().rsplit_once(char::is_whitespace)?;
            let value: f64 = number.parse().ok()?;
            Some((label.trim_end().to_owned(), value))
        })
        .collect()
}

/// The value of KVM counter `name` in one run's `--timings` block (a line
/// `  kvm: <name>   <value>`), if the vmm could read it: it prints the counters only when
/// KVM offers per-vCPU statistics (`KVM_GET_STATS_FD`, see `vmm/src/vstate/stats.rs`).
pub fn kvm_counter(stderr: &str, name: &str) -> Option<u64> {
    let mut lines = stderr.lines().skip_while(|l| l.trim() != "vmm timings:");
    lines.next()?;
    lines.take_while(|l| l.starts_with("  ")).find_map(|line| {
        let rest = line.trim().strip_prefix("kvm:")?.trim_start();
        let (label, value) = rest.split_once(char::is_whitespace)?;
        (label == name).then(|| value.trim().parse().ok())?
    })
}

/// Per-label statistics over several runs, in the order labels first appeared.
pub fn combine(runs: &[Vec<(String, f64)>]) -> Vec<Phase> {
    let mut labels: Vec<&str> = vec![];
    for (label, _) in runs.iter().flatten() {
        if !labels.contains(&label.as_str()) {
            labels.push(label);
        }
    }
    labels
        .into_iter()
        .filter_map(|label| {
            let values: Vec<f64> =
                runs.iter().flatten().filter(|(l, _)| l == label).map(|(_, v)| *v).collect();
            Some(Phase {
                label: label.to_owned(),
                runs: values.len(),
                median_us: median_f64(&values)?,
                min_us: values.iter().copied().fold(f64::INFINITY, f64::min),
                max_us: values.iter().copied().fold(0.0, f64::max),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "vmm-kernel 0.1.0: banner\n\
        vmm timings:\n\
        \x20 vm creation (checks, kvm, memory, vcpu, devices)   1478.7 us\n\
        \x20 kernel load (elf, boot params)        165.6 us\n\
        \x20   kernel entry -> banner            11413.8 us\n\
        \x20   vcpu start -> kernel entry              n/a (no guest report)\n\
        \x20   kvm: exits                               5123\n\
        \x20   kvm: insn_emulation                    135310\n\
        \x20 teardown                            deferred to a reaper process\n\
        \x20 total wall (process)                15940.1 us\n";

    #[test]
    fn reads_every_numeric_phase() {
        let phases = parse(SAMPLE);
        let labels: Vec<&str> = phases.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            labels,
            [
                "vm creation (checks, kvm, memory, vcpu, devices)",
                "kernel load (elf, boot params)",
                "  kernel entry -> banner",
                "total wall (process)"
            ]
        );
        assert_eq!(phases[2].1, 11413.8);
        assert!(parse("no timings here").is_empty());
    }

    #[test]
    fn reads_kvm_counters() {
        assert_eq!(kvm_counter(SAMPLE, "insn_emulation"), Some(135_310));
        assert_eq!(kvm_counter(SAMPLE, "exits"), Some(5_123));
        assert_eq!(kvm_counter(SAMPLE, "insn"), None);
        let without = SAMPLE.replace("    kvm: insn_emulation                    135310\n", "");
        assert_eq!(kvm_counter(&without, "insn_emulation"), None);
        let outside = "  kvm: insn_emulation 5\nvmm timings:\n  total wall (process) 1.0 us\n";
        assert_eq!(kvm_counter(outside, "insn_emulation"), None);
    }

    #[test]
    fn combines_runs() {
        let runs = vec![parse(SAMPLE), parse(&SAMPLE.replace("165.6", "100.0"))];
        let phases = combine(&runs);
        let load = phases.iter().find(|p| p.label.starts_with("kernel load")).unwrap();
        assert_eq!((load.runs, load.min_us, load.max_us, load.median_us), (2, 100.0, 165.6, 100.0));
    }
}
