//! Our `sh` (guest-apps/sh) with job control, run natively on the host in a
//! pseudo-terminal, the way a person meets it at `vmm run`'s console: ^Z stops the
//! foreground job and `jobs`, `fg`, `bg`, `kill %N`, `wait` and the job messages behave as
//! in bash and ash (POSIX XCU 2.11 "Job Control"). The shell is the pty's session leader
//! with it as its controlling terminal (rexpect's `PtyProcess`); `PATH` holds only the
//! guest programs (`sleep`, `cat`, ...), as in the guest image. The same binary runs in
//! the guest once its terminal has job control (issue 14).
//!
//! Signals typed at the terminal go to its foreground process group, so a test waits for
//! the job to own the terminal before typing ^Z or ^C: `typed_until` types again until
//! the expected answer appears (an early ^Z or ^C reaches the shell, which ignores or
//! catches it, and changes nothing).

use std::os::fd::AsRawFd;
use std::process::Command;
use std::time::{Duration, Instant};

use integration_tests::test_programs;
use rexpect::process::WaitStatus;
use rexpect::session::PtySession;

/// How long one expectation may take.
const TIMEOUT_MS: u64 = 20_000;

/// An interactive `sh` in a pty.
struct Shell {
    p: PtySession,
    /// The terminal's foreground group while the shell has it (the shell's own group).
    shell_pgrp: i32,
}

impl std::ops::Deref for Shell {
    type Target = PtySession;
    fn deref(&self) -> &PtySession {
        &self.p
    }
}

impl std::ops::DerefMut for Shell {
    fn deref_mut(&mut self) -> &mut PtySession {
        &mut self.p
    }
}

/// An interactive shell ignores SIGTERM (what rexpect ends its process with, for as long
/// as its timeout): hang it up instead, as closing a terminal window does.
impl Drop for Shell {
    fn drop(&mut self) {
        let _ = self.p.process_mut().kill(rexpect::process::Signal::SIGHUP);
    }
}

/// A fresh interactive `sh` in a pty, at its first prompt.
fn shell() -> Shell {
    let progs = test_programs();
    let mut cmd = Command::new(progs.join("sh"));
    cmd.env_clear().env("PATH", progs).env("HOME", "/");
    let mut p = rexpect::session::spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawning sh");
    p.exp_string("$ ").expect("the first prompt");
    let shell_pgrp = foreground_group(&p);
    Shell { p, shell_pgrp }
}

/// The pty's foreground process group (Linux answers `tcgetpgrp` on the master side too).
fn foreground_group(p: &PtySession) -> i32 {
    let master = p.process().get_file_handle().expect("the pty master");
    // SAFETY: tcgetpgrp only reads an integer through a descriptor we hold open.
    unsafe { libc::tcgetpgrp(master.as_raw_fd()) }
}

/// Waits until a job, not the shell, is the terminal's foreground group.
fn await_job_in_foreground(p: &Shell) {
    let deadline = Instant::now() + Duration::from_millis(TIMEOUT_MS);
    while foreground_group(p) == p.shell_pgrp {
        assert!(Instant::now() < deadline, "no job ever took the terminal");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Reads output until `needle` appears (true) or `wait` passes (false).
fn read_until(p: &mut PtySession, needle: &str, wait: Duration) -> bool {
    let deadline = Instant::now() + wait;
    let mut seen = String::new();
    while Instant::now() < deadline {
        match p.try_read() {
            Some(c) => {
                seen.push(c);
                if seen.ends_with(needle) {
                    return true;
                }
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    false
}

/// Types control character `c` (^c) at the job that has the terminal until `needle`
/// appears. Typed again after a second without an answer: the shell gives a new job the
/// terminal right after starting its first process, and until the other processes of a
/// pipeline have reached `exec` they catch (and drop) the terminal's signals, as the
/// shell does (docs/DESIGN.md section 7).
fn typed_until(p: &mut Shell, c: char, needle: &str) {
    await_job_in_foreground(p);
    for _ in 0..20 {
        p.send_control(c).expect("typing a control character");
        if read_until(p, needle, Duration::from_secs(1)) {
            return;
        }
    }
    panic!("^{c} never gave {needle:?}");
}

/// Runs `line` and returns what it printed before the next prompt.
fn run(p: &mut Shell, line: &str) -> String {
    p.send_line(line).expect("typing a line");
    p.exp_string("$ ").unwrap_or_else(|e| panic!("no prompt after {line:?}: {e}"))
}

#[test]
fn ctrl_z_stops_the_job_jobs_lists_it_fg_resumes_it_and_ctrl_c_ends_it() {
    let mut p = shell();
    p.send_line("sleep 100").unwrap();
    typed_until(&mut p, 'z', "[1]+  Stopped                 sleep 100");
    p.exp_string("$ ").unwrap();
    assert_eq!(run(&mut p, "echo status $?"), "status 148\r\n");
    assert_eq!(run(&mut p, "jobs"), "[1]+  Stopped                 sleep 100\r\n");
    p.send_line("fg").unwrap();
    p.exp_string("sleep 100\r\n").unwrap();
    typed_until(&mut p, 'c', "$ ");
    assert_eq!(run(&mut p, "echo status $?"), "status 130\r\n");
    // The job is gone; the shell still runs commands in the foreground.
    assert_eq!(run(&mut p, "jobs"), "");
    assert_eq!(run(&mut p, "echo a | cat"), "a\r\n");
    p.send_line("exit 7").unwrap();
    p.exp_eof().unwrap();
    let status = p.process().wait().unwrap();
    assert!(matches!(status, WaitStatus::Exited(_, 7)), "{status:?}");
}

#[test]
fn background_jobs_wait_and_their_done_message() {
    let mut p = shell();
    let started = run(&mut p, "sleep 100 &");
    assert!(started.starts_with("[1] ") && started.ends_with("\r\n"), "{started:?}");
    let pid: u32 = started[4..started.len() - 2].parse().expect("a pid");
    assert_eq!(run(&mut p, "echo $!"), format!("{pid}\r\n"));
    assert_eq!(
        run(&mut p, "kill $!; wait $!; echo status $?"),
        "status 143\r\n[1]+  Terminated              sleep 100\r\n"
    );
    // `wait` returns when the job ends; the message comes before the next prompt.
    let out = run(&mut p, "sleep 0.3 & wait; echo status $?");
    let (started, rest) = out.split_once("\r\n").expect("two lines");
    assert!(started.starts_with("[1] "), "{out:?}");
    assert_eq!(rest, "status 0\r\n[1]+  Done                    sleep 0.3\r\n");
    // A job that ends by itself is reported at the first prompt after it ended.
    run(&mut p, "sleep 0.1 &");
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(run(&mut p, ""), "[1]+  Done                    sleep 0.1\r\n");
    // `wait` for a job or a pid gives its status; an unknown pid, 127.
    // (On one line: a job that has ended is reported and forgotten at the next prompt.)
    let out = run(&mut p, "sh -c 'exit 3' & wait %1; echo status $?");
    let (_, rest) = out.split_once("\r\n").expect("two lines");
    assert_eq!(rest, "status 3\r\n[1]+  Exit 3                  sh -c 'exit 3'\r\n");
    let out = run(&mut p, "sh -c 'exit 4' & wait $!; echo status $?");
    let (_, rest) = out.split_once("\r\n").expect("two lines");
    assert_eq!(rest, "status 4\r\n[1]+  Exit 4                  sh -c 'exit 4'\r\n");
    assert_eq!(run(&mut p, "wait 1; echo status $?"), "status 127\r\n");
    // Two jobs: numbers, + and - markers.
    run(&mut p, "sleep 100 &");
    run(&mut p, "sleep 200 &");
    assert_eq!(
        run(&mut p, "jobs"),
        "[1]-  Running                 sleep 100 &\r\n[2]+  Running                 sleep 200 &\r\n"
    );
    assert_eq!(
        run(&mut p, "kill %1 %2; wait; echo status $?"),
        "status 0\r\n[1]-  Terminated              sleep 100\r\n[2]+  Terminated              sleep 200\r\n"
    );
}

#[test]
fn kill_takes_job_ids_pids_and_signal_names_or_numbers() {
    let mut p = shell();
    run(&mut p, "sleep 100 &");
    assert_eq!(
        run(&mut p, "kill -TERM %1; wait %1; echo status $?"),
        "status 143\r\n[1]+  Terminated              sleep 100\r\n"
    );
    run(&mut p, "sleep 100 &");
    assert_eq!(
        run(&mut p, "kill -9 $!; wait $!; echo status $?"),
        "status 137\r\n[1]+  Killed                  sleep 100\r\n"
    );
    run(&mut p, "sleep 100 &");
    assert_eq!(
        run(&mut p, "kill -s INT %sleep; wait; echo status $?"),
        "status 0\r\n[1]+  Interrupt               sleep 100\r\n"
    );
    let list = run(&mut p, "kill -l");
    assert!(list.starts_with("HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV"), "{list:?}");
    assert_eq!(run(&mut p, "kill -l 143; kill -l 9; kill -l TERM"), "TERM\r\nKILL\r\n15\r\n");
    assert_eq!(run(&mut p, "kill %9; echo status $?"), "sh: kill: %9: no such job\r\nstatus 1\r\n");
    assert_eq!(
        run(&mut p, "kill -NOPE 1; echo status $?"),
        "sh: kill: NOPE: invalid signal specification\r\nstatus 1\r\n"
    );
}

#[test]
fn bg_continues_a_stopped_pipeline_in_the_background() {
    let mut p = shell();
    p.send_line("sleep 100 | cat").unwrap();
    typed_until(&mut p, 'z', "[1]+  Stopped                 sleep 100 | cat");
    p.exp_string("$ ").unwrap();
    assert_eq!(run(&mut p, "bg"), "[1]+ sleep 100 | cat &\r\n");
    assert_eq!(run(&mut p, "jobs"), "[1]+  Running                 sleep 100 | cat &\r\n");
    assert_eq!(run(&mut p, "bg %1"), "sh: bg: job 1 already in background\r\n");
    // A stopped job killed with TERM is continued too, so it can die.
    p.send_line("fg %1").unwrap();
    p.exp_string("sleep 100 | cat\r\n").unwrap();
    typed_until(&mut p, 'z', "[1]+  Stopped                 sleep 100 | cat");
    p.exp_string("$ ").unwrap();
    assert_eq!(
        run(&mut p, "kill %1; wait %1; echo status $?"),
        "status 143\r\n[1]+  Terminated              sleep 100 | cat\r\n"
    );
    assert_eq!(run(&mut p, "fg"), "sh: fg: no current job\r\n");
}

/// A foreground program reads the terminal at once (the shell gives its group the
/// terminal just after starting it, then continues it in case it was stopped by SIGTTIN).
#[test]
fn a_foreground_program_reads_the_terminal() {
    let mut p = shell();
    for _ in 0..5 {
        p.send_line("cat").unwrap();
        await_job_in_foreground(&p);
        p.send_line("typed").unwrap();
        p.exp_string("typed\r\n").unwrap();
        p.send_control('d').unwrap();
        p.exp_string("$ ").unwrap();
        assert_eq!(run(&mut p, "echo status $?"), "status 0\r\n");
    }
}

#[test]
fn exit_with_stopped_jobs_warns_once() {
    let mut p = shell();
    p.send_line("sleep 100").unwrap();
    typed_until(&mut p, 'z', "Stopped");
    p.exp_string("$ ").unwrap();
    assert_eq!(run(&mut p, "exit"), "There are stopped jobs.\r\n");
    p.send_line("exit").unwrap();
    p.exp_eof().unwrap();
}

#[test]
fn ctrl_c_at_the_prompt_drops_the_line() {
    let mut p = shell();
    p.send("echo never").unwrap();
    p.flush().unwrap();
    // No job: ^C goes to the shell, blocked reading the line.
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(100));
        p.send_control('c').unwrap();
        if read_until(&mut p, "$ ", Duration::from_secs(1)) {
            break;
        }
    }
    assert_eq!(run(&mut p, "echo after"), "after\r\n");
}

/// Without a terminal the shell is not interactive: no prompt, no job messages, and
/// the job builtins still work on background jobs.
#[test]
fn without_a_terminal_nothing_is_printed_but_the_output() {
    let progs = test_programs();
    let sh = progs.join("sh");
    let script = "sleep 5 & kill %1; wait %1; echo status $?; sleep 0.1 & wait $!; echo $?; \
                  jobs; fg; echo fg $?";
    let out = Command::new(&sh).args(["-c", script]).env("PATH", progs).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "status 143\n0\nfg 1\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "sh: fg: no job control\n");
    let mut child = Command::new(&sh)
        .env("PATH", progs)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"echo hi\nsleep 0.1 &\nwait\necho done\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\ndone\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
