//! Kernel instructions per operation: what each operation costs the guest kernel, counted
//! instead of timed.
//!
//! On the hosts this project runs on, KVM emulates guest ring-0 code (about 1 µs per
//! instruction; `docs/DESIGN.md`, section 6) and counts every instruction it emulates
//! (`insn_emulation`, printed by `vmm run --timings`). So the cost of a kernel path is a
//! count, not a time, and a count does not move with the load of a shared machine.
//!
//! For each operation the guest is booted twice with the bench program in its exact mode
//! (`--ops OP --exact N`: exactly N untimed operations, no warm-up, batching or clock
//! probe) for a small N1 and a larger N2. Everything else in the two boots is the same
//! (boot, program start, the operation's setup, power-off), so
//! `(insns(N2) - insns(N1)) / (N2 - N1)` is the kernel's instructions per operation. What is
//! not identical is what depends on elapsed time: timer interrupts (up to ~1,000
//! instructions of spread between identical boots, under one per cheap operation after the
//! division) and the scheduling they drive, which moves process operations by ~1-2%.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::BenchError;
use super::ops;
use super::report::Part;
use super::{proc, program, protocol, setup, timings};

/// The KVM counter read from `--timings`.
pub const COUNTER: &str = "insn_emulation";

/// The operations measured in `--smoke` mode: the null system call and the caught signal
/// round trip, cheap enough to keep the smoke test fast.
pub const SMOKE_OPS: [&str; 2] = ["getppid", "signal_round_trip"];

/// (N1, N2) for an operation: process operations (fork, exec: ~15,000-40,000 instructions
/// each) get few, cheap ones many, so that N2 - N1 operations dwarf the run-to-run spread.
pub fn counts(cheap: bool, smoke: bool) -> (u32, u32) {
    match (cheap, smoke) {
        (true, false) => (200, 2200),
        (false, false) => (5, 45),
        (true, true) => (10, 110),
        (false, true) => (2, 6),
    }
}

/// One operation's count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpInsns {
    /// Protocol name (see [`ops::OPS`]).
    pub name: String,
    /// Operations in the smaller run.
    pub n_small: u32,
    /// Operations in the larger run.
    pub n_large: u32,
    /// `insn_emulation` of the whole smaller run (boot to power-off).
    pub insns_small: u64,
    /// `insn_emulation` of the whole larger run.
    pub insns_large: u64,
    /// `(insns_large - insns_small) / (n_large - n_small)`: kernel instructions per operation.
    pub per_op: f64,
    /// The larger run's command.
    pub command: Vec<String>,
}

/// The part's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KernelInsns {
    /// The KVM counter used ([`COUNTER`]).
    pub counter: String,
    /// One entry per measured operation, in the canonical order.
    pub figures: Vec<OpInsns>,
}

/// Where and how to boot.
pub struct Boot<'a> {
    /// The vmm binary.
    pub vmm: &'a Path,
    /// The bench disk image.
    pub image: &'a Path,
    /// Guest RAM, MiB.
    pub mem_mib: u64,
    /// Time limit of one boot.
    pub timeout: Duration,
}

/// What one exact boot gave: the counter (if the vmm printed it) and the command.
struct Counted {
    insns: Option<u64>,
    command: Vec<String>,
}

/// The operations this part measures for the requested `ops`.
pub fn selected(ops: &[&'static str], smoke: bool) -> Vec<&'static str> {
    ops.iter().copied().filter(|name| !smoke || SMOKE_OPS.contains(name)).collect()
}

/// Measures `names`; `tick` after each boot. Skipped (not failed) when the vmm prints no
/// `insn_emulation` counter: KVM without per-vCPU statistics.
pub fn measure(
    boot: &Boot<'_>,
    names: &[&'static str],
    smoke: bool,
    tick: &dyn Fn(&str),
) -> Part<KernelInsns> {
    let mut figures = Vec::new();
    for name in names {
        match measure_op(boot, name, smoke, tick) {
            Ok(Some(figure)) => figures.push(figure),
            Ok(None) => {
                return Part::Skipped {
                    reason: format!(
                        "`vmm run --timings` printed no `kvm: {COUNTER}` line (this KVM offers \
                         no per-vCPU statistics, see vmm/src/vstate/stats.rs), so kernel \
                         instructions cannot be counted"
                    ),
                };
            }
            Err(e) => return Part::Failed { error: e.to_string() },
        }
    }
    Part::Ok(KernelInsns { counter: COUNTER.into(), figures })
}

/// One operation: two boots. `Ok(None)` if the counter is missing from the first one.
fn measure_op(
    boot: &Boot<'_>,
    name: &'static str,
    smoke: bool,
    tick: &dyn Fn(&str),
) -> Result<Option<OpInsns>, BenchError> {
    let op = ops::find(name).ok_or_else(|| BenchError::Usage(format!("unknown op {name}")))?;
    let (n_small, n_large) = counts(op.cheap, smoke);
    let small = run_exact(boot, name, n_small)?;
    tick(&format!("insns {name} x{n_small}"));
    let Some(insns_small) = small.insns else { return Ok(None) };
    let large = run_exact(boot, name, n_large)?;
    tick(&format!("insns {name} x{n_large}"));
    let insns_large = large.insns.ok_or_else(|| BenchError::RunFailed {
        what: format!("kernel instructions of {name}"),
        detail: format!("the second boot printed no `kvm: {COUNTER}` line, the first did"),
    })?;
    let per_op = per_op(insns_small, insns_large, n_small, n_large).ok_or_else(|| {
        BenchError::RunFailed {
            what: format!("kernel instructions of {name}"),
            detail: format!("the larger run ({n_large}) is not larger than {n_small}"),
        }
    })?;
    Ok(Some(OpInsns {
        name: name.into(),
        n_small,
        n_large,
        insns_small,
        insns_large,
        per_op,
        command: large.command,
    }))
}

/// Instructions per operation between two runs: the difference over the extra operations
/// (`None` unless the larger run has more operations). An operation that never enters the
/// kernel (a clock read through the vDSO) leaves the two boots differing by noise alone,
/// timer interrupts worth a few hundred instructions either way: a larger run that counted
/// no more is 0 per operation, not an error.
pub fn per_op(insns_small: u64, insns_large: u64, n_small: u32, n_large: u32) -> Option<f64> {
    let extra_ops = n_large.checked_sub(n_small).filter(|d| *d > 0)?;
    let extra_insns = insns_large.saturating_sub(insns_small);
    Some(extra_insns as f64 / f64::from(extra_ops))
}

/// Boots the guest once with `bench --ops name --exact n` and checks the run.
fn run_exact(boot: &Boot<'_>, name: &str, n: u32) -> Result<Counted, BenchError> {
    let (bench, true_path, script) = setup::guest_paths();
    let mut cmd = Command::new(boot.vmm);
    cmd.args(["run", "--timings", "--mem", &boot.mem_mib.to_string()]);
    cmd.arg("--disk").arg(format!("{},ro", boot.image.display()));
    cmd.arg("--").arg(&bench).args(program::exact_args(name, n, &true_path, &script));
    let command = proc::command_line(&cmd);
    let what = format!("guest run of `bench --ops {name} --exact {n}`");
    let done = proc::run_quiet(&mut cmd, &what, boot.timeout)?;
    if done.status.code() != Some(0) {
        return Err(BenchError::RunFailed { what, detail: done.describe() });
    }
    protocol::parse_exact(&done.stdout, name, n).map_err(|detail| BenchError::Protocol {
        what: what.clone(),
        detail: format!("{detail} ({})", done.describe()),
    })?;
    Ok(Counted { insns: timings::kvm_counter(&done.stderr, COUNTER), command })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_op_is_the_difference_over_the_extra_operations() {
        assert_eq!(per_op(135_000, 385_000, 200, 2200), Some(125.0));
        assert_eq!(per_op(100, 100, 1, 2), Some(0.0));
        assert_eq!(per_op(200, 100, 1, 2), Some(0.0));
        assert_eq!(per_op(100, 200, 2, 2), None);
        assert_eq!(per_op(100, 200, 3, 2), None);
    }

    /// A stand-in vmm: a shell script that answers `bench --ops OP --exact N` with the
    /// exact line (or `$REPLY` if set) and, if `$PER_OP` is set, a `--timings` block
    /// counting 50,000 + PER_OP * N instructions. The test's settings are prepended.
    const FAKE_VMM: &str = r#"
eval "op=\${$(($# - 2))}"; eval "n=\${$#}"
if [ -n "$REPLY" ]; then echo "$REPLY"; else echo "exact $op n=$n"; fi
if [ -n "$PER_OP" ]; then
  printf 'vmm timings:\n    kvm: insn_emulation %12d\n  total wall (process) 1.0 us\n' \
    $((50000 + PER_OP * n)) >&2
fi
"#;

    /// Runs [`measure`] for `names` against the fake vmm with `settings` (shell variable
    /// assignments); `tag` names the test's own scratch directory (tests run in parallel).
    fn with_fake_vmm(tag: &str, settings: &str, names: &[&'static str]) -> Part<KernelInsns> {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("insns-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let vmm = dir.join("vmm");
        std::fs::write(&vmm, format!("#!/bin/sh\n{settings}\n{FAKE_VMM}")).unwrap();
        std::fs::set_permissions(&vmm, std::fs::Permissions::from_mode(0o755)).unwrap();
        let boot = Boot {
            vmm: &vmm,
            image: Path::new("/nonexistent.img"),
            mem_mib: 128,
            timeout: Duration::from_secs(20),
        };
        let part = measure(&boot, names, true, &|_| {});
        let _ = std::fs::remove_dir_all(&dir);
        part
    }

    #[test]
    fn counts_from_two_boots() {
        let part = with_fake_vmm("counted", "PER_OP=125", &["getppid", "signal_round_trip"]);
        let k = part.ok().unwrap_or_else(|| panic!("{part:?}"));
        assert_eq!(k.figures.len(), 2);
        let f = &k.figures[0];
        assert_eq!((f.n_small, f.n_large), counts(true, true));
        assert_eq!(f.insns_small, 50_000 + 125 * u64::from(f.n_small));
        assert_eq!(f.per_op, 125.0);
        assert!(f.command.ends_with(&["--exact".to_string(), f.n_large.to_string()]));
    }

    #[test]
    fn skipped_without_the_counter_and_failed_on_bad_output() {
        let part = with_fake_vmm("skipped", "", &["getppid"]);
        assert!(matches!(&part, Part::Skipped { reason } if reason.contains(COUNTER)), "{part:?}");
        let settings = "PER_OP=9 REPLY='unsupported signal_round_trip reason=ENOSYS'";
        let part = with_fake_vmm("refused", settings, &["signal_round_trip"]);
        assert!(matches!(&part, Part::Failed { error } if error.contains("required")), "{part:?}");
    }

    #[test]
    fn counts_and_smoke_selection() {
        for smoke in [false, true] {
            for cheap in [false, true] {
                let (a, b) = counts(cheap, smoke);
                assert!(0 < a && a < b);
            }
        }
        let all: Vec<&str> = ops::OPS.iter().map(|o| o.name).collect();
        assert_eq!(selected(&all, true), SMOKE_OPS);
        assert_eq!(selected(&all, false), all);
        assert_eq!(selected(&["getppid", "fork_exec_wait"], true), ["getppid"]);
    }
}
