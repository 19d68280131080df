//! Processes (issue 5): fork, vfork, posix_spawn, exit, wait, zombies, orphans, process
//! groups and sessions — differential tests against the host kernel, each run with the
//! musl and the glibc build of its programs (the Rust difftests, and C programs that go
//! through the C library's own fork, posix_spawn, system and popen) — plus the shell,
//! leak and fork-bomb checks that only make sense in the guest.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use integration_tests::{
    Libc, TempDir, c_programs, for_each_libc, image_for, require_kvm, run_native_in,
    test_programs_for, vmm, vmm_with_timeout,
};

for_each_libc!(
    fork_wait_and_friends_match_linux,
    process_groups_and_sessions_match_linux,
    shell_features_match_the_host,
    libc_fork_and_process_groups_match_linux,
    libc_spawn_system_and_popen_match_linux,
);

/// An image whose programs are the `libc` build, with the difftests programs at /tests
/// and the C programs at /c.
fn test_image_for(libc: Libc, dir: &TempDir) -> String {
    let progs = test_programs_for(libc);
    let c = c_programs(libc);
    let bins: Vec<(PathBuf, String)> = ["process", "pgrp", "forkloop", "forkbomb", "memhog"]
        .iter()
        .map(|p| (progs.join(p), format!("/tests/{p}")))
        .chain(["procgroups", "spawn"].iter().map(|p| (c.join(p), format!("/c/{p}"))))
        .collect();
    let extra: Vec<(&Path, &str)> = bins.iter().map(|(h, g)| (h.as_path(), g.as_str())).collect();
    image_for(libc, dir, "root.img", &extra)
}

/// The musl image of the guest-only tests.
fn test_image(dir: &TempDir) -> String {
    test_image_for(Libc::Musl, dir)
}

fn fork_wait_and_friends_match_linux(libc: Libc) {
    require_kvm();
    let dir = TempDir::new("proc-diff");
    let progs = test_programs_for(libc);
    let t = progs.join("true");
    let host = run_native_in(progs, "process", &[t.to_str().unwrap(), t.to_str().unwrap()]);
    let image = test_image_for(libc, &dir);
    let run = vmm(&[
        "run",
        "--disk",
        &image,
        "--env",
        "DIFFTEST_EXPECT_INIT_REAPER=1",
        "--",
        "/tests/process",
        "/bin/true",
        "/bin/true",
    ]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    // The guest also checks that orphans go to init (pid 1): one extra line.
    let expected = host.replace("done\n", "orphan's new parent is init: true\ndone\n");
    assert_eq!(run.stdout, expected, "guest and host disagree");
}

fn process_groups_and_sessions_match_linux(libc: Libc) {
    require_kvm();
    let dir = TempDir::new("pgrp-diff");
    let progs = test_programs_for(libc);
    let host = run_native_in(progs, "pgrp", &[progs.join("cat").to_str().unwrap()]);
    let image = test_image_for(libc, &dir);
    let run = vmm(&["run", "--disk", &image, "--", "/tests/pgrp", "/bin/cat"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, host, "guest and host disagree");
}

/// fork, waitpid, setpgid/getpgid (zombies too), kill of a group and setsid through the C
/// library's wrappers (glibc's fork is a clone with CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID).
fn libc_fork_and_process_groups_match_linux(libc: Libc) {
    require_kvm();
    let dir = TempDir::new("procgroups-diff");
    let host = run_native_in(c_programs(libc), "procgroups", &[]);
    let image = test_image_for(libc, &dir);
    let run = vmm(&["run", "--disk", &image, "--", "/c/procgroups"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, host, "guest and host disagree");
    assert!(host.ends_with("join the old group from a new session: EPERM\n"), "{host}");
}

/// posix_spawn (errors, file actions, new group or session), posix_spawnp, system, popen
/// and the shell's fork/setpgid/exec sequence through the C library.
fn libc_spawn_system_and_popen_match_linux(libc: Libc) {
    require_kvm();
    let dir = TempDir::new("spawn-diff");
    let progs = test_programs_for(libc);
    let (t, cat) = (progs.join("true"), progs.join("cat"));
    let host =
        run_native_in(c_programs(libc), "spawn", &[t.to_str().unwrap(), cat.to_str().unwrap()]);
    let image = test_image_for(libc, &dir);
    let run = vmm(&["run", "--disk", &image, "--", "/c/spawn", "/bin/true", "/bin/cat"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, host, "guest and host disagree");
    assert!(host.ends_with("fork, execvp with no match in PATH: exited 127\n"), "{host}");
}

#[test]
fn a_pipeline_and_an_exit_status_through_the_shell() {
    require_kvm();
    let run = vmm(&["run", "--", "/bin/sh", "-c", "echo a | cat | cat; exit 3"]);
    assert_eq!(run.status, Some(3), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "a\n");
}

/// The same shell script, run by our `sh` natively and in the guest, gives the same output
/// (the shell and the programs it runs from the same C library build).
fn shell_features_match_the_host(libc: Libc) {
    require_kvm();
    let progs = test_programs_for(libc);
    let script = concat!(
        "X='two words'; echo \"$X\" '$X' \\$X; ",
        "echo one > /tmp/shtest; echo two >> /tmp/shtest; cat < /tmp/shtest; ",
        "false && echo no || echo fallback; echo status $?; ",
        "cat /nonexistent 2>&1 | cat > /tmp/shtest.err; cat /tmp/shtest.err | cat; ",
        "sleep 0.05 & echo started; wait; echo waited $?; ",
        "cd /tmp && pwd; ",
        "sh -c 'exit 7'; echo inner $?; ",
        "A=1 env > /tmp/shtest.env; cat /tmp/shtest.env | cat > /dev/null; echo after; ",
        "exit 5",
    );
    let host =
        Command::new(progs.join("sh")).args(["-c", script]).env("PATH", progs).output().unwrap();
    let dir = TempDir::new("sh-diff");
    let image = image_for(libc, &dir, "root.img", &[]);
    let run = vmm(&["run", "--disk", &image, "--", "/bin/sh", "-c", script]);
    assert_eq!(run.status, host.status.code(), "stderr: {}", run.stderr);
    // Error messages name the program as it was found ("cat" on both) and say the same.
    assert_eq!(run.stdout, String::from_utf8_lossy(&host.stdout));
}

#[test]
fn fork_exec_wait_cycles_do_not_leak_memory() {
    require_kvm();
    let dir = TempDir::new("forkloop");
    let image = test_image(&dir);
    // About 60 ms per cycle on this project's hosts (docs/BENCHMARKS.md), so the 2,000
    // cycles the issue asks for take minutes, not the default limit's seconds.
    let run = vmm_with_timeout(
        &["run", "--disk", &image, "--", "/tests/forkloop", "2000", "/bin/true"],
        Duration::from_secs(900),
    );
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "cycles: 2000\nfree memory back to where it was: true\n");
}

#[test]
fn a_fork_bomb_gets_eagain_and_the_vm_survives() {
    require_kvm();
    let dir = TempDir::new("forkbomb");
    let image = test_image(&dir);
    let run = vmm(&["run", "--disk", &image, "--", "/bin/sh", "-c", "/tests/forkbomb; echo alive"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(
        run.stdout,
        "fork eventually failed with: EAGAIN\nchildren created before that: true\nall children reaped: true\nalive\n"
    );
}

#[test]
fn out_of_memory_in_a_page_fault_kills_the_process_not_the_kernel() {
    require_kvm();
    let dir = TempDir::new("memhog");
    let image = test_image(&dir);
    // 512 MiB in 64 MiB mappings in a 128 MiB guest: some write fault finds no frame. The
    // second, smaller run succeeds only if the killed process's memory came back. The last
    // asks for 512 MiB in one mapping, which the overcommit heuristic refuses (more than
    // the guest's RAM), as Linux does.
    let script = "/tests/memhog 512; echo status $?; /tests/memhog 64; echo status $?; \
                  /tests/memhog 512 512; echo status $?";
    let run = vmm(&["run", "--disk", &image, "--", "/bin/sh", "-c", script]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    // 137 = 128 + SIGKILL, what Linux's OOM killer leaves too.
    assert_eq!(run.stdout, "status 137\nsurvived\nstatus 0\nmmap: ENOMEM\nstatus 0\n");
}
