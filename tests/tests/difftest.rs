//! Differential tests: the same static binary runs natively on the host Linux kernel and
//! inside the guest; their outputs (facts, never pids or addresses) must be identical.
//! Each runs twice, with the musl and the glibc build of the programs (the guest image's
//! own programs from the same build).

use integration_tests::fixtures::exec_fixtures;
use integration_tests::{
    Libc, TempDir, c_programs, for_each_libc, image_for, require_kvm, run_native_in,
    test_programs_for, vmm,
};

for_each_libc!(
    exec_errors_match_linux,
    wild_pointers_are_efault_and_the_program_survives,
    an_empty_argv_becomes_one_empty_argument,
    shared_mappings_are_shared,
    realtime_signals_match_linux,
    stop_and_continue_match_linux,
    alarms_match_linux,
    select_matches_linux,
    sigpipe_matches_linux,
    forged_sigreturn_frames_match_linux,
    signal_handlers_match_linux,
    credentials_match_linux,
    cpu_times_match_linux,
    interrupted_sleeps_match_linux,
    orphaned_groups_match_linux,
    cpu_timers_match_linux,
    file_attributes_match_linux,
    file_access_as_a_user_matches_linux,
    not_a_terminal_matches_linux,
    vdso_clocks_match_linux,
    futexes_match_linux,
);

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

fn an_empty_argv_becomes_one_empty_argument(libc: Libc) {
    require_kvm();
    let progs = test_programs_for(libc);
    let dir = TempDir::new("diff-argv0");
    let prog = progs.join("argv0");
    let host = run_native_in(progs, "argv0", &[prog.to_str().unwrap()]);
    let image = image_for(libc, &dir, "root.img", &[(&prog, "/tests/argv0")]);
    let run = vmm(&["run", "--disk", &image, "--", "/tests/argv0", "/tests/argv0"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, host, "guest and host disagree");
    assert!(host.contains("argc 1, argv[0] Some(\"\")"), "{host}");
}

fn shared_mappings_are_shared(libc: Libc) {
    require_kvm();
    let progs = test_programs_for(libc);
    let dir = TempDir::new("diff-shm");
    let host = run_native_in(progs, "shm", &[dir.path().to_str().unwrap()]);
    let image = image_for(libc, &dir, "root.img", &[(&progs.join("shm"), "/tests/shm")]);
    let run = vmm(&["run", "--disk", &image, "--", "/tests/shm", "/tmp"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, host, "guest and host disagree");
    assert!(!host.contains("false"), "{host}");
}

fn signal_handlers_match_linux(libc: Libc) {
    require_kvm();
    let progs = test_programs_for(libc);
    let dir = TempDir::new("diff-signals");
    let host = run_native_in(progs, "signals", &[]);
    let image = image_for(libc, &dir, "root.img", &[(&progs.join("signals"), "/tests/signals")]);
    let run = vmm(&["run", "--disk", &image, "--", "/tests/signals"]);
    assert_eq!(run.status, Some(0), "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert_eq!(run.stdout, host, "guest and host disagree");
    assert!(host.ends_with("done\n"), "{host}");
    assert!(host.contains("si_code SEGV_MAPERR, si_addr matches: true"), "{host}");
}

/// Runs the C test program `name` (`guest-apps/c/`, the `libc` build) on the host and
/// alone in a guest; asserts the guest's exit status is 0 and its output the host's, and
/// returns that output.
fn c_program_matches_linux(libc: Libc, name: &str) -> String {
    require_kvm();
    let progs = c_programs(libc);
    let dir = TempDir::new(&format!("diff-{name}"));
    let host = run_native_in(progs, name, &[]);
    let guest_path = format!("/tests/{name}");
    let image = image_for(libc, &dir, "root.img", &[(&progs.join(name), guest_path.as_str())]);
    let run = vmm(&["run", "--disk", &image, "--", &guest_path]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, host, "guest and host disagree");
    host
}

/// Descriptors that are not a terminal, in a session without a controlling terminal:
/// the console when the vmm's stdin and stdout are pipes, pipes, /dev/null; every terminal
/// request ENOTTY, /dev/tty ENXIO (`guest-apps/c/notatty.c`).
fn not_a_terminal_matches_linux(libc: Libc) {
    let host = c_program_matches_linux(libc, "notatty");
    assert!(host.contains("stdout: isatty 0 (ENOTTY)"), "{host}");
    assert!(host.contains("open /dev/tty without a controlling terminal: ENXIO"), "{host}");
    assert!(host.ends_with("child: exit 0\ndone\n"), "{host}");
}

/// Real-time signals: sigqueue's queue and values, their order, sigwaitinfo and
/// sigtimedwait, ppoll's mask, nanosleep's time left (`guest-apps/c/rtsignals.c`).
fn realtime_signals_match_linux(libc: Libc) {
    let host = c_program_matches_linux(libc, "rtsignals");
    assert!(host.contains("RT3/10 RT3/11 RT3/12 RT1/20 RT1/21 USR1/0"), "{host}");
}

/// Stop and continue as a parent sees them: wait statuses, waitid, SIGCHLD's codes,
/// SA_NOCLDSTOP (`guest-apps/c/stopcont.c`).
fn stop_and_continue_match_linux(libc: Libc) {
    let host = c_program_matches_linux(libc, "stopcont");
    let codes = "CLD_STOPPED CLD_CONTINUED CLD_STOPPED CLD_CONTINUED CLD_KILLED";
    assert!(host.contains(codes), "{host}");
}

/// ITIMER_VIRTUAL and ITIMER_PROF: fired by computing, not by sleeping; periodic; not
/// inherited; SIGPROF's default action (`guest-apps/c/cputimers.c`).
fn cpu_timers_match_linux(libc: Libc) {
    let host = c_program_matches_linux(libc, "cputimers");
    assert!(host.contains("while computing: SIGVTALRM 1, si_code SI_KERNEL yes"), "{host}");
    assert!(host.contains("over a 300 ms sleep: SIGVTALRM 0"), "{host}");
    assert!(!host.contains(" no\n"), "{host}");
}

/// The vDSO: AT_SYSINFO_EHDR, its exported clock functions, and clock reads through it
/// that agree with the system calls (`guest-apps/c/vdso.c`).
fn vdso_clocks_match_linux(libc: Libc) {
    let host = c_program_matches_linux(libc, "vdso");
    assert!(host.contains("AT_SYSINFO_EHDR: yes\n"), "{host}");
    assert!(host.contains("MONOTONIC: libc between system calls yes, vDSO yes"), "{host}");
    assert!(!host.contains(" no\n") && !host.contains(" no,"), "{host}");
}

/// A process group orphaned with a stopped member: SIGHUP then SIGCONT reach the member's
/// handlers (SI_KERNEL; the one sent last runs first) and it runs again; a terminal stop
/// signal is then discarded (`guest-apps/c/orphans.c`).
fn orphaned_groups_match_linux(libc: Libc) {
    let host = c_program_matches_linux(libc, "orphans");
    assert!(host.contains("in order: signal 18/SI_KERNEL SIGHUP/SI_KERNEL\n"), "{host}");
    assert!(host.contains("SIGTSTP in an orphaned group: still running"), "{host}");
}

/// Sleeps cut short: a stopped and continued relative sleep goes on for the time it had
/// left (restart_syscall), an absolute one ends when due, a caught signal gives EINTR and
/// the time left (`guest-apps/c/restart.c`).
fn interrupted_sleeps_match_linux(libc: Libc) {
    let host = c_program_matches_linux(libc, "restart");
    assert!(host.contains("nanosleep, stopped and continued: no error, about the time asked (not from the start again): yes"), "{host}");
    assert!(!host.contains(": no\n"), "{host}");
}

/// CPU-time accounting: times, getrusage, wait4's rusage, the CPU-time clocks, facts about
/// them with wide margins (`guest-apps/c/cputimes.c`).
fn cpu_times_match_linux(libc: Libc) {
    let host = c_program_matches_linux(libc, "cputimes");
    assert!(host.contains("busy loop: user ticks grew by 5 or more: yes"), "{host}");
    assert!(!host.contains(": no"), "{host}");
}

/// alarm and setitimer(ITIMER_REAL): SIGALRM to a handler and at its default action,
/// periodic timers, what getitimer and alarm report (`guest-apps/c/alarms.c`).
fn alarms_match_linux(libc: Libc) {
    let host = c_program_matches_linux(libc, "alarms");
    assert!(host.contains("periodic 50 ms timer: ok, fired 3"), "{host}");
    assert!(host.contains("default action: killed by SIGALRM"), "{host}");
}

/// select and pselect: timeouts, readiness of a pipe, EBADF, pselect's mask
/// (`guest-apps/c/select.c`).
fn select_matches_linux(libc: Libc) {
    let host = c_program_matches_linux(libc, "select");
    assert!(host.contains("a closed descriptor: -1 EBADF"), "{host}");
    assert!(host.contains("handler ran 1, blocked again 1"), "{host}");
}

/// SIGPIPE caught, ignored and at its default action (`guest-apps/c/sigpipe.c`).
fn sigpipe_matches_linux(libc: Libc) {
    let host = c_program_matches_linux(libc, "sigpipe");
    assert!(host.contains("caught: write EPIPE, handler ran 1, si_code SI_USER 1"), "{host}");
    assert!(host.contains("default: the writer killed by SIGPIPE"), "{host}");
}

/// rt_sigreturn with forged frames: a well-formed one resumes where it says; a
/// non-canonical RIP, a kernel code segment, IOPL and an unreadable frame end the process
/// with SIGSEGV, never the kernel (`guest-apps/c/sigreturn.c`).
fn forged_sigreturn_frames_match_linux(libc: Libc) {
    let host = c_program_matches_linux(libc, "sigreturn");
    assert!(host.contains("a well-formed frame: exited 0"), "{host}");
    assert_eq!(host.matches("killed by SIGSEGV").count(), 4, "{host}");
}

/// Credentials (issue 13): every set*id transition from root and from unprivileged ids,
/// the fs ids, supplementary groups, kill permission between users, RLIMIT_NPROC per real
/// uid and the ids and AT_SECURE after an exec (`guest-apps/c/setids.c`).
fn credentials_match_linux(libc: Libc) {
    let host = c_program_matches_linux(libc, "setids");
    assert!(host.contains("after: uid 1000 2000 0 fs 2000"), "{host}");
    assert!(host.contains("1000 -> 2000, SIGTERM: EPERM"), "{host}");
    assert!(host.contains("user, second child (zombie counted): EAGAIN"), "{host}");
    assert!(host.ends_with("AT_SECURE 1\ndone\n"), "{host}");
}

/// File access as user 1000 with a supplementary group: modes of files and directories,
/// sticky deletion, chmod/chown/utimensat by a non-owner, set-id bits a write clears, and
/// access() answering for the real id while AT_EACCESS uses the effective one
/// (`guest-apps/c/dac.c`).
fn file_access_as_a_user_matches_linux(libc: Libc) {
    let host = c_program_matches_linux(libc, "dac");
    assert!(host.contains("unlink root's file in a sticky 1777 dir: EPERM"), "{host}");
    assert!(
        host.contains("access(root's 0600, R_OK) EACCES\n  faccessat(AT_EACCESS) ok"),
        "{host}"
    );
    assert!(host.ends_with("cleaned up: ok\n"), "{host}");
}

/// File attributes as root: the creation mask, chmod and the set-id bits chown clears,
/// hard links and link counts, truncation with zero fill, explicit, omitted and current
/// times, access, and the errors of each (`guest-apps/c/fileattrs.c`).
fn file_attributes_match_linux(libc: Libc) {
    let host = c_program_matches_linux(libc, "fileattrs");
    assert!(host.contains("6755, chown -1:-1: mode 100755"), "{host}");
    assert!(host.contains("same inode 1, nlink 2 and 2, ctime advanced 1"), "{host}");
    assert!(host.contains("link to another file system: EXDEV"), "{host}");
    assert!(host.ends_with("done\n"), "{host}");
}

/// futex(2): waits, wakes, timeouts on both clocks, requeues, FUTEX_WAKE_OP, EINTR and
/// the errors, between forked children on a MAP_SHARED page and a CLONE_VM child, and the
/// wake of CLONE_CHILD_CLEARTID at exit (`guest-apps/c/futex.c`).
fn futexes_match_linux(libc: Libc) {
    let host = c_program_matches_linux(libc, "futex");
    assert!(host.contains("woken by the parent: 1\n"), "{host}");
    assert!(host.contains("CMP_REQUEUE wake 1 requeue 1: 2\n"), "{host}");
    assert!(host.contains("the joiner was woken: 1\n"), "{host}");
    assert!(host.contains("another mapping of the file, woken by the parent: 1\n"), "{host}");
    assert!(host.ends_with("WAIT interrupted by a handler: EINTR\ntimed WAIT interrupted by an SA_RESTART handler: EINTR\ndone\n"), "{host}");
}
