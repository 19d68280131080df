//! Differential tests: the same static binary runs natively on the host Linux kernel and
//! inside the guest; their outputs (facts, never pids or addresses) must be identical.

use integration_tests::fixtures::exec_fixtures;
use integration_tests::{TempDir, image_with, require_kvm, run_native, test_programs, vmm};

#[test]
fn exec_errors_match_linux() {
    require_kvm();
    let dir = TempDir::new("diff-exec");
    let fixtures = dir.path().join("fixtures");
    exec_fixtures(&fixtures, &test_programs().join("true"));
    let host = run_native("exec_errors", &[fixtures.to_str().unwrap()]);
    let image = image_with(
        &dir,
        "root.img",
        &[
            (&fixtures, "/fixtures/exec"),
            (&test_programs().join("exec_errors"), "/tests/exec_errors"),
        ],
    );
    let run = vmm(&["run", "--disk", &image, "--", "/tests/exec_errors", "/fixtures/exec"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, host, "guest and host disagree");
    assert!(host.ends_with("still running after every failure\n"));
}

#[test]
fn wild_pointers_are_efault_and_the_program_survives() {
    require_kvm();
    let dir = TempDir::new("diff-efault");
    let host = run_native("efault", &[test_programs().join("true").to_str().unwrap()]);
    let image = image_with(&dir, "root.img", &[(&test_programs().join("efault"), "/tests/efault")]);
    let run = vmm(&["run", "--disk", &image, "--", "/tests/efault", "/bin/true"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, host, "guest and host disagree");
    assert!(host.lines().filter(|l| l.ends_with("EFAULT")).count() == 7, "{host}");
}

#[test]
fn an_empty_argv_becomes_one_empty_argument() {
    require_kvm();
    let dir = TempDir::new("diff-argv0");
    let prog = test_programs().join("argv0");
    let host = run_native("argv0", &[prog.to_str().unwrap()]);
    let image = image_with(&dir, "root.img", &[(&prog, "/tests/argv0")]);
    let run = vmm(&["run", "--disk", &image, "--", "/tests/argv0", "/tests/argv0"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, host, "guest and host disagree");
    assert!(host.contains("argc 1, argv[0] Some(\"\")"), "{host}");
}

#[test]
fn shared_mappings_are_shared() {
    require_kvm();
    let dir = TempDir::new("diff-shm");
    let prog = test_programs().join("shm");
    let host = run_native("shm", &[dir.path().to_str().unwrap()]);
    let image = image_with(&dir, "root.img", &[(&prog, "/tests/shm")]);
    let run = vmm(&["run", "--disk", &image, "--", "/tests/shm", "/tmp"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, host, "guest and host disagree");
    assert!(!host.contains("false"), "{host}");
}
