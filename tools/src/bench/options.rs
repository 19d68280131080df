//! The command line of `exec-bench`, and the counts it resolves to (explicit option, else
//! the `--smoke` value, else the full-run default).

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

use super::error::BenchError;
use super::ops::OPS;

/// The parts of the benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PartName {
    /// The bench program natively on the host.
    Host,
    /// The bench program inside the guest (`vmm run --disk IMG -- /bench/bench ...`).
    Guest,
    /// Cold start of `vmm run -- /bin/true` (wall time and `--timings`).
    Coldstart,
    /// QEMU booting the same kernel and disk, against the vmm.
    Qemu,
    /// Emulated guest-kernel instructions per operation (two `vmm run --timings` boots per
    /// operation; smoke: getppid and signal_round_trip only).
    Insns,
}

/// Measure exec latency in the guest against host Linux, VM cold start, and QEMU.
#[derive(Clone, Debug, Parser)]
#[command(name = "exec-bench")]
pub struct Options {
    /// Parts to run (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [PartName::Host, PartName::Guest, PartName::Coldstart, PartName::Qemu, PartName::Insns])]
    pub parts: Vec<PartName>,
    /// Fast pipeline check: a few iterations and boots (seconds, not minutes).
    #[arg(long)]
    pub smoke: bool,
    /// Samples per process operation (fork, exec, spawn) [default: 200; smoke: 5].
    #[arg(long, value_name = "N")]
    pub iters: Option<u32>,
    /// Samples per cheap operation (getppid, clock, pipe, signal) [default: 2000; smoke: 50].
    #[arg(long, value_name = "N")]
    pub syscall_iters: Option<u32>,
    /// Guest-side samples per process operation [default: --iters].
    #[arg(long, value_name = "N")]
    pub guest_iters: Option<u32>,
    /// Guest-side samples per cheap operation [default: --syscall-iters].
    #[arg(long, value_name = "N")]
    pub guest_syscall_iters: Option<u32>,
    /// Operations to run (comma-separated protocol names) [default: all].
    #[arg(long, value_delimiter = ',', value_name = "NAME")]
    pub ops: Vec<String>,
    /// Cold-start boots, and as many `--timings` boots [default: 30; smoke: 3].
    #[arg(long, value_name = "N")]
    pub runs: Option<u32>,
    /// QEMU boots, and as many vmm boots to compare [default: 10; smoke: 2].
    #[arg(long, value_name = "N")]
    pub qemu_runs: Option<u32>,
    /// Guest RAM in MiB, for the guest run and both sides of the QEMU comparison.
    #[arg(long, value_name = "MIB", default_value_t = 128)]
    pub mem: u64,
    /// Directory for the report, the chart and the work files [default: target/exec-bench].
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// JSON report path [default: OUT_DIR/report.json].
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// SVG chart path [default: OUT_DIR/latency.svg].
    #[arg(long, value_name = "PATH")]
    pub svg: Option<PathBuf>,
    /// Use this vmm binary instead of building it with `cargo build --release -p vmm`.
    #[arg(long, value_name = "PATH")]
    pub vmm: Option<PathBuf>,
    /// Kernel ELF for the QEMU comparison [default: $VMM_PREBUILT_KERNEL, else the guest
    /// kernel built now].
    #[arg(long, value_name = "PATH")]
    pub kernel: Option<PathBuf>,
    /// Time limit of one bench-program run, seconds [default: 900; smoke: 120].
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
}

/// Everything the harness needs, resolved.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// Parts to run.
    pub parts: Vec<PartName>,
    /// Smoke mode.
    pub smoke: bool,
    /// Host process-operation samples.
    pub host_iters: u32,
    /// Host cheap-operation samples.
    pub host_syscall_iters: u32,
    /// Guest process-operation samples.
    pub guest_iters: u32,
    /// Guest cheap-operation samples.
    pub guest_syscall_iters: u32,
    /// Operations, canonical order.
    pub ops: Vec<&'static str>,
    /// Cold-start boots.
    pub runs: u32,
    /// QEMU boots.
    pub qemu_runs: u32,
    /// Guest RAM, MiB.
    pub mem: u64,
    /// Output directory.
    pub out_dir: PathBuf,
    /// JSON report path.
    pub json: PathBuf,
    /// SVG chart path.
    pub svg: PathBuf,
    /// Explicit vmm binary.
    pub vmm: Option<PathBuf>,
    /// Explicit kernel.
    pub kernel: Option<PathBuf>,
    /// Bench-program run time limit, seconds.
    pub timeout_secs: u64,
}

impl Options {
    /// Applies defaults and checks the values.
    pub fn resolve(&self) -> Result<Resolved, BenchError> {
        let pick = |explicit: Option<u32>, smoke: u32, full: u32| {
            explicit.unwrap_or(if self.smoke { smoke } else { full })
        };
        let host_iters = pick(self.iters, 5, 200);
        let host_syscall_iters = pick(self.syscall_iters, 50, 2000);
        let runs = pick(self.runs, 3, 30);
        let qemu_runs = pick(self.qemu_runs, 2, 10);
        let guest_iters = self.guest_iters.unwrap_or(host_iters);
        let guest_syscall_iters = self.guest_syscall_iters.unwrap_or(host_syscall_iters);
        for (name, v) in [
            ("--iters", host_iters),
            ("--syscall-iters", host_syscall_iters),
            ("--guest-iters", guest_iters),
            ("--guest-syscall-iters", guest_syscall_iters),
            ("--runs", runs),
            ("--qemu-runs", qemu_runs),
        ] {
            if v == 0 {
                return Err(BenchError::Usage(format!("{name} must be at least 1")));
            }
        }
        if let Some(bad) = self.ops.iter().find(|o| !OPS.iter().any(|op| op.name == *o)) {
            let known: Vec<&str> = OPS.iter().map(|op| op.name).collect();
            return Err(BenchError::Usage(format!(
                "--ops: unknown operation '{bad}' (known: {})",
                known.join(", ")
            )));
        }
        let ops = OPS
            .iter()
            .map(|op| op.name)
            .filter(|name| self.ops.is_empty() || self.ops.iter().any(|o| o == name))
            .collect();
        let out_dir = self
            .out_dir
            .clone()
            .unwrap_or_else(|| crate::guest_build::repo_root().join("target").join("exec-bench"));
        let mut parts = self.parts.clone();
        parts.dedup();
        Ok(Resolved {
            parts,
            smoke: self.smoke,
            host_iters,
            host_syscall_iters,
            guest_iters,
            guest_syscall_iters,
            ops,
            runs,
            qemu_runs,
            mem: self.mem,
            json: self.json.clone().unwrap_or_else(|| out_dir.join("report.json")),
            svg: self.svg.clone().unwrap_or_else(|| out_dir.join("latency.svg")),
            out_dir,
            vmm: self.vmm.clone(),
            kernel: self.kernel.clone(),
            timeout_secs: self.timeout.unwrap_or(if self.smoke { 120 } else { 900 }),
        })
    }
}

impl Resolved {
    /// Whether `part` was asked for.
    pub fn wants(&self, part: PartName) -> bool {
        self.parts.contains(&part)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Resolved, BenchError> {
        Options::try_parse_from(std::iter::once("exec-bench").chain(args.iter().copied()))
            .map_err(|e| BenchError::Usage(e.to_string()))?
            .resolve()
    }

    #[test]
    fn smoke_and_explicit_counts() {
        let r = parse(&["--smoke", "--runs", "7"]).unwrap();
        assert_eq!((r.host_iters, r.guest_iters, r.runs, r.qemu_runs), (5, 5, 7, 2));
        let r = parse(&["--iters", "9", "--guest-iters", "3"]).unwrap();
        assert_eq!((r.host_iters, r.guest_iters, r.host_syscall_iters), (9, 3, 2000));
        assert_eq!(r.parts.len(), 5);
        assert!(r.wants(PartName::Insns));
    }

    #[test]
    fn parts_and_ops() {
        let r = parse(&["--parts", "host,qemu", "--ops", "getppid,fork_exit_wait"]).unwrap();
        assert!(r.wants(PartName::Host) && r.wants(PartName::Qemu) && !r.wants(PartName::Guest));
        assert!(!r.wants(PartName::Insns));
        assert_eq!(parse(&["--parts", "insns"]).unwrap().parts, [PartName::Insns]);
        assert_eq!(r.ops, ["getppid", "fork_exit_wait"]);
        assert!(parse(&["--ops", "nope"]).is_err());
        assert!(parse(&["--iters", "0"]).is_err());
    }
}
