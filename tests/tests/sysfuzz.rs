//! The system-call fuzzer (issue 10, part 5): `/bin/sysfuzz` makes random system calls with
//! random and boundary arguments from three processes at once; the guest kernel must not
//! panic, fault or hang, and the VM must still work afterwards. The fuzzer also runs
//! natively, where Linux must come out the same way and nothing outside its scratch
//! directory may change. A long soak (at least 1,000,000 calls) runs with `VMM_SOAK=1`.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use integration_tests::{TempDir, image_with, require_kvm, vmm_with_timeout};

/// The fuzzer binary, built once per test process.
fn sysfuzz() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let root = tools::guest_build::repo_root();
        tools::guest_build::apps(&root, &["sysfuzz"])
            .expect("building the sysfuzz guest program")
            .join("sysfuzz")
    })
}

/// A root image with the fuzzer at /bin/sysfuzz.
fn image(dir: &TempDir) -> String {
    image_with(dir, "root.img", &[(sysfuzz().as_path(), "/bin/sysfuzz")])
}

/// The number after `calls: ` on the fuzzer's summary line.
fn calls(stdout: &str) -> u64 {
    stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("calls: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no `calls:` line in the fuzzer's output: {stdout}"))
}

/// The last `n` characters of `s`.
fn tail(s: &str, n: usize) -> String {
    let skip = s.chars().count().saturating_sub(n);
    s.chars().skip(skip).collect()
}

/// The fuzzer's own report lines (its stdout also carries whatever fuzzed calls wrote
/// to the console).
fn report(stdout: &str) -> String {
    stdout
        .lines()
        .filter(|l| l.starts_with("sysfuzz:") || l.starts_with("verdict"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn twenty_seconds_of_fuzzing_leave_the_kernel_standing() {
    require_kvm();
    let dir = TempDir::new("sysfuzz");
    let image = image(&dir);
    let script = "/bin/sysfuzz 1 20; echo sysfuzz-status $?; /bin/true && echo alive";
    let run = vmm_with_timeout(
        &["run", "--disk", &image, "--", "/bin/sh", "-c", script],
        Duration::from_secs(300),
    );
    assert_eq!(
        run.status,
        Some(0),
        "the VM did not end normally; stderr ends: {}",
        tail(&run.stderr, 3000)
    );
    assert!(
        run.stdout.lines().any(|l| l == "verdict: ok"),
        "the fuzzer found a problem:\n{}",
        report(&run.stdout)
    );
    assert!(run.stdout.contains("\nsysfuzz-status 0\n"), "{}", report(&run.stdout));
    let n = calls(&run.stdout);
    assert!(n >= 2000, "only {n} system calls in 20 s of guest time");
    assert!(run.stdout.ends_with("alive\n"), "the VM did not run a program after fuzzing");
}

#[test]
fn the_fuzzer_runs_natively_too() {
    let dir = TempDir::new("sysfuzz-native");
    let out = Command::new(sysfuzz())
        .args(["7", "5"])
        .current_dir(dir.path())
        .output()
        .expect("running sysfuzz natively");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "native run failed:\n{}", report(&stdout));
    assert!(stdout.lines().any(|l| l == "verdict: ok"), "{}", report(&stdout));
    assert!(calls(&stdout) >= 1000, "{}", report(&stdout));
    assert!(
        stdout.lines().any(|l| l.starts_with("sysfuzz: worker 2 seed 0x")),
        "the derived worker seeds are printed"
    );
}

/// The long run: `VMM_SOAK=1 cargo test --release --test sysfuzz soak -- --nocapture`.
/// `VMM_SOAK_CALLS` and `VMM_SOAK_SEED` change its size and seed.
#[test]
fn soak_a_million_calls() {
    if std::env::var_os("VMM_SOAK").is_none() {
        eprintln!("soak_a_million_calls skipped: set VMM_SOAK=1 to run it (about an hour)");
        return;
    }
    require_kvm();
    let total: u64 =
        std::env::var("VMM_SOAK_CALLS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let seed = std::env::var("VMM_SOAK_SEED").unwrap_or_else(|_| "1".to_owned());
    let dir = TempDir::new("sysfuzz-soak");
    let image = image(&dir);
    let budget = total.to_string();
    let run = vmm_with_timeout(
        &["run", "--disk", &image, "--", "/bin/sysfuzz", &seed, "100000", "--calls", &budget],
        Duration::from_secs(6 * 3600),
    );
    let report = report(&run.stdout);
    eprintln!("{report}\nwall time {:?}", run.elapsed);
    assert_eq!(run.status, Some(0), "{report}\nstderr ends: {}", tail(&run.stderr, 3000));
    assert!(calls(&run.stdout) >= total, "{report}");
}
