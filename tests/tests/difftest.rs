//! Differential tests: the same static binary runs natively on the host Linux kernel and
//! inside the guest; their outputs (facts, never pids or addresses) must be identical.
//! Each runs twice, with the musl and the glibc build of the programs (the guest image's
//! own programs from the same build).

use integration_tests::fixtures::exec_fixtures;
use integration_tests::{
    Libc, TempDir, for_each_libc, image_for, require_kvm, run_native_in, test_programs_for, vmm,
};

for_each_libc!(exec_errors_match_linux, wild_pointers_are_efault_and_the_program_survives);

fn exec_errors_match_linux(libc: Libc) {
    require_kvm();
    let progs = test_programs_for(libc);
    let dir = TempDir::new("diff-exec");
    let fixtures = dir.path().join("fixtures");
    exec_fixtures(&fixtures, &progs.join("true"));
    let host = run_native_in(progs, "exec_errors", &[fixtures.to_str().unwrap()]);
    let image = image_for(
        libc,
        &dir,
        "root.img",
        &[(&fixtures, "/fixtures/exec"), (&progs.join("exec_errors"), "/tests/exec_errors")],
    );
    let run = vmm(&["run", "--disk", &image, "--", "/tests/exec_errors", "/fixtures/exec"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, host, "guest and host disagree");
    assert!(host.ends_with("still running after every failure\n"));
}

fn wild_pointers_are_efault_and_the_program_survives(libc: Libc) {
    require_kvm();
    let progs = test_programs_for(libc);
    let dir = TempDir::new("diff-efault");
    let host = run_native_in(progs, "efault", &[progs.join("true").to_str().unwrap()]);
    let image = image_for(libc, &dir, "root.img", &[(&progs.join("efault"), "/tests/efault")]);
    let run = vmm(&["run", "--disk", &image, "--", "/tests/efault", "/bin/true"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, host, "guest and host disagree");
    assert!(host.lines().filter(|l| l.ends_with("EFAULT")).count() == 7, "{host}");
}
