//! The exec-latency harness in smoke mode (`exec-bench --smoke`): every figure is produced,
//! the JSON report is well-formed and complete, the chart and the table are written.
//!
//! The guest-side figures are checked as strictly as the host's: every operation, the
//! caught-signal round trip included (the kernel implements handlers), with the harness's
//! own explanation as the message when one is missing. The smoke run also counts the guest
//! kernel's instructions for getppid and the signal round trip (`insns` part).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use integration_tests::{TempDir, require_kvm, vmm_bin};
use tools::bench::insns::{self, SMOKE_OPS};
use tools::bench::ops::OPS;
use tools::bench::report::{Part, Report, SCHEMA};
use tools::bench::{qemu, serde_json};

/// The smoke run's sample counts (`--smoke` defaults).
const SMOKE_ITERS: usize = 5;
const SMOKE_SYSCALL_ITERS: usize = 50;
const SMOKE_RUNS: usize = 3;
const SMOKE_QEMU_RUNS: usize = 2;

/// The `exec-bench` binary of this build profile, built on first use (cargo builds a
/// package's binaries only for that package's own tests, like the vmm in `vmm_bin`).
fn exec_bench_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps");
    let profile = profile_dir.file_name().and_then(|n| n.to_str()).unwrap_or("debug");
    let profile_arg = if profile == "debug" { "dev" } else { profile };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "-p", "tools", "--bin", "exec-bench", "--profile", profile_arg])
        .arg("--target-dir")
        .arg(profile_dir.parent().expect("target dir"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("running cargo to build exec-bench");
    assert!(status.success(), "building exec-bench failed");
    profile_dir.join("exec-bench")
}

/// What one smoke run left behind.
struct Smoke {
    status: Option<i32>,
    stdout: String,
    stderr: String,
    json: String,
    report: Report,
    svg: String,
    _dir: TempDir,
}

/// Runs `exec-bench --smoke` once for all tests of this file.
fn smoke() -> &'static Smoke {
    static SMOKE: OnceLock<Smoke> = OnceLock::new();
    SMOKE.get_or_init(|| {
        require_kvm();
        let dir = TempDir::new("exec-bench");
        let out = Command::new(exec_bench_bin())
            .arg("--smoke")
            .arg("--vmm")
            .arg(vmm_bin())
            .arg("--out-dir")
            .arg(dir.path())
            .output()
            .expect("running exec-bench");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let json = std::fs::read_to_string(dir.path().join("report.json")).unwrap_or_else(|e| {
            panic!(
                "no report.json ({e}); status {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
                out.status
            )
        });
        let report = Report::from_json(&json)
            .unwrap_or_else(|e| panic!("report.json does not parse as a report: {e}\n{json}"));
        let svg = std::fs::read_to_string(dir.path().join("latency.svg")).expect("latency.svg");
        Smoke { status: out.status.code(), stdout, stderr, json, report, svg, _dir: dir }
    })
}

/// Asserts every operation has a figure with the smoke run's sample count.
fn assert_all_figures(
    side: &str,
    part: &Part<tools::bench::program::BenchRun>,
    iters: usize,
    syscall_iters: usize,
) {
    let run = match part {
        Part::Ok(run) => run,
        other => panic!("the {side} part produced no figures: {other:?}"),
    };
    for op in &OPS {
        let f =
            run.output.figure(op.name).unwrap_or_else(|| panic!("{side}: no figure {}", op.name));
        let expected = if op.cheap { syscall_iters } else { iters };
        assert_eq!(f.samples_ns.len(), expected, "{side} {}: sample count", op.name);
        assert_eq!(f.stats.n, expected);
        assert!(
            f.stats.min_ns > 0 && f.stats.min_ns <= f.stats.median_ns,
            "{side} {}: {:?}",
            op.name,
            f.stats
        );
        assert!(f.stats.median_ns <= f.stats.p99_ns && f.stats.p99_ns <= f.stats.max_ns);
    }
}

#[test]
fn json_report_is_well_formed_and_describes_the_run() {
    let s = smoke();
    let value: serde_json::Value = serde_json::from_str(&s.json).expect("valid JSON");
    for key in [
        "schema",
        "date",
        "git",
        "machine",
        "settings",
        "host",
        "guest",
        "ratios",
        "coldstart",
        "qemu",
        "insns",
        "targets",
    ] {
        assert!(value.get(key).is_some(), "report.json has no {key:?}");
    }
    let r = &s.report;
    assert_eq!(r.schema, SCHEMA);
    assert!(r.date.len() == 20 && r.date.ends_with('Z'), "date {:?}", r.date);
    assert!(!r.git.commit.is_empty());
    assert!(!r.machine.cpu_model.is_empty() && r.machine.cpus > 0 && !r.machine.kernel.is_empty());
    assert!(!r.machine.kvm.summary.is_empty());
    assert!(r.settings.smoke);
    assert_eq!(r.settings.ops.len(), OPS.len());
    assert_eq!(r.targets.len(), 3, "{:?}", r.targets);
    assert!(r.guest_programs.is_some(), "the probe did not run");
}

#[test]
fn host_figures_are_all_produced() {
    let s = smoke();
    assert_all_figures("host", &s.report.host, SMOKE_ITERS, SMOKE_SYSCALL_ITERS);
}

#[test]
fn cold_start_is_measured_with_its_breakdown() {
    let s = smoke();
    let c = match &s.report.coldstart {
        Part::Ok(c) => c,
        other => panic!("no cold-start figures: {other:?}\nstderr:\n{}", s.stderr),
    };
    assert_eq!(c.wall_samples_ns.len(), SMOKE_RUNS);
    assert!(c.wall.min_ns > 0);
    let runs_programs = s.report.guest_programs.as_ref().is_some_and(|p| p.runs_programs);
    assert_eq!(c.stand_in.is_none(), runs_programs, "stand-in label must follow the probe");
    let expected_tail: &[&str] =
        if runs_programs { &["--", "/bin/true"] } else { &["--cmdline", "exit=0"] };
    assert!(
        c.command.ends_with(&expected_tail.iter().map(|w| w.to_string()).collect::<Vec<_>>()),
        "{:?}",
        c.command
    );
    assert!(
        c.timings.iter().any(|p| p.label == "total wall (process)" && p.runs == SMOKE_RUNS),
        "--timings not parsed: {:?}",
        c.timings
    );
}

#[test]
fn qemu_is_compared_or_skipped_only_when_missing() {
    let s = smoke();
    match (&s.report.qemu, qemu::find()) {
        (Part::Ok(q), Some(_)) => {
            assert_eq!(q.qemu_samples_ns.len(), SMOKE_QEMU_RUNS);
            assert_eq!(q.vmm_samples_ns.len(), SMOKE_QEMU_RUNS);
            assert!(q.qemu_over_vmm > 0.0);
            assert!(q.qemu_command.iter().any(|w| w.contains("isa-debug-exit")));
        }
        (Part::Skipped { reason }, None) => assert!(reason.contains("apt-get install"), "{reason}"),
        (other, found) => panic!("QEMU installed: {}; QEMU part: {other:?}", found.is_some()),
    }
}

#[test]
fn chart_and_table_are_written() {
    let s = smoke();
    assert!(s.svg.starts_with("<svg") && s.svg.trim_end().ends_with("</svg>"), "not an SVG");
    for op in &OPS {
        assert!(s.svg.contains(op.label), "chart has no panel for {}", op.name);
        assert!(s.stdout.contains(op.label), "table has no row for {}", op.name);
    }
    assert!(s.stdout.contains("Targets"), "{}", s.stdout);
}

/// Every guest figure, its ratio to the host, and a clean exit status are required.
#[test]
fn guest_figures_are_all_produced() {
    let s = smoke();
    if let Part::Failed { error } = &s.report.guest {
        panic!("{error}");
    }
    assert_all_figures("guest", &s.report.guest, SMOKE_ITERS, SMOKE_SYSCALL_ITERS);
    let guest = s.report.guest.ok().expect("checked above");
    for f in &guest.output.figures {
        assert!(
            s.report.ratios.iter().any(|r| r.name == f.name),
            "no guest/host ratio for {}",
            f.name
        );
    }
    assert_eq!(s.status, Some(0), "exec-bench failed:\n{}\n{}", s.stdout, s.stderr);
}

/// The smoke run counts the guest kernel's instructions for getppid and the signal round
/// trip: both present, positive, from two boots that differ by a known number of operations.
#[test]
fn kernel_instructions_are_counted_for_the_smoke_ops() {
    let s = smoke();
    let k = match &s.report.insns {
        Part::Ok(k) => k,
        other => panic!("no kernel instruction counts: {other:?}\nstderr:\n{}", s.stderr),
    };
    assert_eq!(k.counter, insns::COUNTER);
    let names: Vec<&str> = k.figures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, SMOKE_OPS, "smoke mode counts exactly these operations");
    for f in &k.figures {
        let (n_small, n_large) = insns::counts(true, true);
        assert_eq!((f.n_small, f.n_large), (n_small, n_large), "{}", f.name);
        assert!(f.insns_large > f.insns_small, "{f:?}");
        let expected = (f.insns_large - f.insns_small) as f64 / f64::from(n_large - n_small);
        assert!(f.per_op > 0.0 && (f.per_op - expected).abs() < 1e-9, "{f:?}");
        assert!(f.command.iter().any(|w| w == "--exact"), "{:?}", f.command);
        assert!(s.stdout.contains("kernel insns/op"), "table has no insns section");
    }
    let value: serde_json::Value = serde_json::from_str(&s.json).expect("valid JSON");
    for name in SMOKE_OPS {
        let per_op = value["insns"]["figures"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["name"] == name))
            .and_then(|f| f["per_op"].as_f64());
        assert!(per_op.is_some_and(|v| v > 0.0), "JSON insns figure for {name}: {per_op:?}");
    }
}
