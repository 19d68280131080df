//! `vmm run` in a real terminal (issue 14): driven through a pseudo-terminal the way a
//! person's terminal emulator drives it, and through pipes for comparison.
//!
//! - The guest is told it has a terminal (`console.tty=1`) only when the vmm's stdin and
//!   stdout are one, and then gets the terminal's size (VIRTIO_CONSOLE_F_SIZE) and its
//!   changes (SIGWINCH in the vmm → configuration change interrupt → the guest driver).
//! - The host terminal is back in its original mode however the vmm ends.
//!
//! Some tests check what a program sees (`stty size`, `isatty`, SIGWINCH) through the guest
//! kernel's terminal layer; the kernel's verbose log (`-v`) shows the command line and the
//! sizes the driver read, which the other tests check.
//!
//! The pty comes from `portable-pty` (docs/DESIGN.md, "Decisions"): it opens the pair,
//! makes the slave the vmm's controlling terminal in a new session (so the vmm is the
//! terminal's foreground process group, as in a shell), sizes and resizes it, and reads the
//! slave's termios through the master.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use integration_tests::elf::{code_triple_fault, pvh_kernel};
use integration_tests::{
    Libc, TempDir, c_programs, for_each_libc, image_with, require_kvm, vmm, vmm_bin,
};
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, SlavePty, native_pty_system};
use vmm_abi::exit::{STATUS_KERNEL_PANIC, STATUS_VM_CRASH};

/// How long one run in the pty may take.
const TIMEOUT: Duration = Duration::from_secs(60);

fn size(rows: u16, cols: u16) -> PtySize {
    PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }
}

/// The settings of a terminal that matter here: the flags and the control characters.
#[derive(Debug, PartialEq, Eq)]
struct Settings {
    flags: [libc::tcflag_t; 4],
    cc: [libc::cc_t; libc::NCCS],
}

/// The settings of the pty whose master is `master` (`tcgetattr` on a master reads the
/// slave's settings on Linux).
fn settings(master: &dyn MasterPty) -> Settings {
    let fd = master.as_raw_fd().expect("a Unix pty has an fd");
    // SAFETY: all-zero is a valid termios; tcgetattr fills it.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: a valid fd and a pointer to a writable termios.
    assert_eq!(unsafe { libc::tcgetattr(fd, &mut t) }, 0, "tcgetattr on the pty");
    Settings { flags: [t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag], cc: t.c_cc }
}

/// A `vmm` running with a pty as its stdin, stdout and stderr.
struct PtyRun {
    master: Box<dyn MasterPty + Send>,
    /// Kept open so the terminal (and its settings) outlive the vmm.
    _slave: Box<dyn SlavePty + Send>,
    child: Box<dyn Child + Send + Sync>,
    output: Arc<Mutex<Vec<u8>>>,
    /// The terminal's settings before the vmm started.
    before: Settings,
    /// The keyboard side (taken from the master on first use; it can be taken once).
    writer: Option<Box<dyn Write + Send>>,
}

impl PtyRun {
    /// Starts `vmm ARGS` on a new pty of `rows` x `cols`.
    fn start(args: &[&str], rows: u16, cols: u16) -> PtyRun {
        require_kvm();
        Self::start_program(vmm_bin(), args, rows, cols)
    }

    /// Starts `program ARGS` on a new pty of `rows` x `cols`, as the leader of a new
    /// session whose controlling terminal it is.
    fn start_program(program: &Path, args: &[&str], rows: u16, cols: u16) -> PtyRun {
        let pair = native_pty_system().openpty(size(rows, cols)).expect("openpty");
        let before = settings(&*pair.master);
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        let child = pair.slave.spawn_command(cmd).expect("spawn the vmm on the pty");
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let sink = output.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        PtyRun { master: pair.master, _slave: pair.slave, child, output, before, writer: None }
    }

    /// Everything the vmm wrote to the terminal so far.
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Waits until the output contains `needle`; fails the test after [`TIMEOUT`].
    fn wait_for(&mut self, needle: &str) {
        let deadline = Instant::now() + TIMEOUT;
        while !self.text().contains(needle) {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("no {needle:?} within {TIMEOUT:?}; output:\n{}", self.text());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the reader catch up with the last bytes before judging.
                std::thread::sleep(Duration::from_millis(200));
                assert!(
                    self.text().contains(needle),
                    "vmm exited ({status:?}) without printing {needle:?}; output:\n{}",
                    self.text()
                );
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Types `bytes` on the terminal (keys, control characters).
    fn type_keys(&mut self, bytes: &[u8]) {
        if self.writer.is_none() {
            self.writer = Some(self.master.take_writer().expect("pty writer"));
        }
        let writer = self.writer.as_mut().expect("taken above");
        writer.write_all(bytes).expect("typing on the pty");
        writer.flush().expect("flushing the pty");
    }

    /// Types `bytes` until `needle` has appeared `n` times, a few seconds apart: a ^C or ^Z
    /// typed before the job owns the guest's terminal reaches the shell, which ignores it,
    /// so typing again is what a person would do.
    fn type_until(&mut self, bytes: &[u8], needle: &str, n: usize) {
        for _ in 0..10 {
            self.type_keys(bytes);
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if self.count(needle) >= n {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        self.wait_for_nth(needle, n);
    }

    /// How many times `needle` appears in the output so far.
    fn count(&self, needle: &str) -> usize {
        self.text().matches(needle).count()
    }

    /// Waits until `needle` appears at least `n` times.
    fn wait_for_nth(&mut self, needle: &str, n: usize) {
        let deadline = Instant::now() + TIMEOUT;
        while self.count(needle) < n {
            if Instant::now() > deadline || self.child.try_wait().unwrap().is_some() {
                let _ = self.child.kill();
                panic!("{needle:?} not seen {n} times; output:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the vmm changed the terminal's settings (raw mode is on).
    fn wait_for_raw_mode(&mut self) {
        let deadline = Instant::now() + TIMEOUT;
        while settings(&*self.master) == self.before {
            assert!(Instant::now() < deadline, "the vmm never put the terminal in raw mode");
            assert!(self.child.try_wait().unwrap().is_none(), "the vmm exited early");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the vmm to exit and returns its status; fails after [`TIMEOUT`].
    fn wait(&mut self) -> u32 {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                std::thread::sleep(Duration::from_millis(100)); // the reader's last bytes
                return status.exit_code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the vmm did not exit within {TIMEOUT:?}; output:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `signo` to the vmm.
    fn signal(&self, signo: libc::c_int) {
        let pid = self.child.process_id().expect("the vmm's pid") as libc::pid_t;
        // SAFETY: kill(2) on our own child's pid; no memory is involved.
        assert_eq!(unsafe { libc::kill(pid, signo) }, 0);
    }

    /// Asserts the terminal is back as it was before the vmm started.
    fn assert_restored(&self, how: &str) {
        assert_eq!(
            settings(&*self.master),
            self.before,
            "terminal settings differ after {how}; output:\n{}",
            self.text()
        );
    }
}

/// An image with Debian's busybox-static as `/bin/busybox`.
fn busybox_image(dir: &TempDir) -> String {
    let busybox = Path::new("/bin/busybox");
    assert!(
        busybox.exists(),
        "this test needs Debian's busybox-static (apt-get install busybox-static)"
    );
    image_with(dir, "root.img", &[(busybox, "/bin/busybox")])
}

/// With a terminal, the kernel is told so and its console driver reads the terminal's size
/// (VIRTIO_CONSOLE_F_SIZE); the program's output reaches the terminal.
#[test]
fn a_terminal_is_announced_with_its_size() {
    let mut run = PtyRun::start(&["run", "-v", "--", "/bin/hello", "from-a-pty"], 33, 101);
    assert_eq!(run.wait(), 0, "output:\n{}", run.text());
    let text = run.text();
    let cmdline = text.lines().find(|l| l.contains("cmdline")).unwrap_or_default();
    assert!(cmdline.contains(" console.tty=1 "), "{cmdline}");
    assert!(text.contains("virtio-console: terminal 33x101"), "{text}");
    assert!(text.contains("argv[1] = from-a-pty"), "{text}");
    run.assert_restored("a normal exit");
}

/// Through pipes the kernel is not told of a terminal and the console offers no size: the
/// byte-exact pipe behaviour of every other test stays.
#[test]
fn pipes_are_not_a_terminal() {
    require_kvm();
    let run = vmm(&["run", "-v", "--", "/bin/hello"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    let cmdline = run.stderr.lines().find(|l| l.contains("cmdline")).unwrap_or_default();
    assert!(cmdline.contains("cmdline \"virtio_mmio"), "{cmdline}");
    assert!(!cmdline.contains("console.tty"), "{cmdline}");
    assert!(!run.stderr.contains("virtio-console: terminal"), "{}", run.stderr);
}

/// A resize of the host terminal while the guest runs reaches the guest's console driver:
/// SIGWINCH in the vmm, new `cols`/`rows` and a configuration change interrupt.
#[test]
fn a_resize_reaches_the_guest_driver() {
    let mut run = PtyRun::start(&["run", "-v", "--", "/bin/sleep", "4"], 24, 80);
    run.wait_for("virtio-console: terminal 24x80");
    run.master.resize(size(40, 120)).expect("resize the pty");
    run.wait_for("virtio-console: terminal resized to 40x120");
    assert_eq!(run.wait(), 0, "output:\n{}", run.text());
    run.assert_restored("a run with a resize");
}

/// The terminal's settings come back when the vmm is killed by SIGTERM, SIGINT or SIGHUP
/// (status 128+N, the shell's convention).
#[test]
fn signals_to_the_vmm_restore_the_terminal() {
    for (signo, name) in
        [(libc::SIGTERM, "SIGTERM"), (libc::SIGINT, "SIGINT"), (libc::SIGHUP, "SIGHUP")]
    {
        let mut run = PtyRun::start(&["run", "--", "/bin/sleep", "30"], 24, 80);
        run.wait_for_raw_mode();
        run.signal(signo);
        assert_eq!(run.wait(), 128 + signo as u32, "{name}; output:\n{}", run.text());
        run.assert_restored(name);
    }
}

/// A guest kernel panic (status 253, the `fast_exit` path) and a VM that cannot run on (a
/// triple fault: the vmm's error path, status 254) leave the terminal as they found it.
#[test]
fn guest_failures_restore_the_terminal() {
    let mut run = PtyRun::start(&["run", "--cmdline", "panic=now"], 24, 80);
    assert_eq!(run.wait(), u32::from(STATUS_KERNEL_PANIC), "output:\n{}", run.text());
    run.assert_restored("a guest kernel panic");

    let dir = TempDir::new("tty-triple");
    let kernel = dir.write("kernel", &pvh_kernel(&code_triple_fault(), true));
    let mut run = PtyRun::start(&["run", "--kernel", &kernel], 24, 80);
    assert_eq!(run.wait(), u32::from(STATUS_VM_CRASH), "output:\n{}", run.text());
    assert!(run.text().contains("guest triple fault"), "{}", run.text());
    run.assert_restored("a VM crash");
}

/// `stty size` in the guest prints the host terminal's size.
#[test]
fn stty_size_shows_the_host_terminal_size() {
    let dir = TempDir::new("tty-stty");
    let image = busybox_image(&dir);
    let mut run =
        PtyRun::start(&["run", "--disk", &image, "--", "/bin/busybox", "stty", "size"], 33, 101);
    assert_eq!(run.wait(), 0, "output:\n{}", run.text());
    assert!(run.text().contains("33 101"), "{}", run.text());
    run.assert_restored("stty size");
}

/// A program waiting for SIGWINCH gets it when the host terminal is resized, and then sees
/// the new size.
#[test]
fn a_resize_sends_sigwinch_to_the_program() {
    let dir = TempDir::new("tty-winch");
    let image = busybox_image(&dir);
    let script = "trap 'stty size; exit 7' WINCH; echo ready; while :; do sleep 1; done";
    let mut run =
        PtyRun::start(&["run", "--disk", &image, "--", "/bin/busybox", "sh", "-c", script], 24, 80);
    run.wait_for("ready");
    run.master.resize(size(40, 120)).expect("resize the pty");
    assert_eq!(run.wait(), 7, "output:\n{}", run.text());
    assert!(run.text().contains("40 120"), "{}", run.text());
    run.assert_restored("a SIGWINCH");
}

/// `isatty` in the guest: true on a terminal, false through pipes (as `docker run` with
/// and without `-t`).
#[test]
fn isatty_follows_the_host() {
    require_kvm();
    let dir = TempDir::new("tty-isatty");
    let image = busybox_image(&dir);
    let script = "test -t 0; a=$?; test -t 1; echo isatty $a $?";
    let args = ["run", "--disk", &image, "--", "/bin/busybox", "sh", "-c", script];
    let piped = vmm(&args);
    assert_eq!(piped.status, Some(0), "stderr: {}", piped.stderr);
    assert_eq!(piped.stdout, "isatty 1 1\n", "through pipes: not a terminal");
    let mut run = PtyRun::start(&args, 24, 80);
    assert_eq!(run.wait(), 0, "output:\n{}", run.text());
    assert!(run.text().contains("isatty 0 0"), "{}", run.text());
}

/// At an interactive shell's `prompt`: ^C interrupts a foreground `sleep` and the shell
/// prompts again; ^Z stops another, `jobs` lists it, `fg` resumes it and ^C ends it (status
/// 130); `exit STATUS` ends the run with that status.
fn job_control_session(run: &mut PtyRun, prompt: &str, status: u32) {
    let prompts = run.count(prompt);
    run.type_keys(b"sleep 100\r");
    std::thread::sleep(Duration::from_millis(1000));
    run.type_until(b"\x03", prompt, prompts + 1);
    run.type_keys(b"sleep 200\r");
    std::thread::sleep(Duration::from_millis(1000));
    run.type_until(b"\x1a", "Stopped", 1);
    run.type_keys(b"jobs\r");
    run.wait_for_nth("sleep 200", 3);
    let prompts = run.count(prompt);
    run.type_keys(b"fg\r");
    std::thread::sleep(Duration::from_millis(1000));
    run.type_until(b"\x03", prompt, prompts + 1);
    run.type_keys(b"echo status=$?\r");
    run.wait_for("status=130");
    run.type_keys(format!("exit {status}\r").as_bytes());
    assert_eq!(run.wait(), status, "output:\n{}", run.text());
}

/// Debian's busybox `sh` (ash) run interactively in the guest's terminal, driven as a person
/// would: typed text echoes and backspace edits it (the guest's line discipline in canonical
/// mode until ash's own line editing takes over), ^C interrupts a foreground `sleep` and the
/// shell survives, ^Z stops it and `jobs` lists it, `fg` resumes it and ^C ends it, and
/// `exit` ends the run with the shell's status. Exercises the controlling terminal, the
/// foreground group (tcsetpgrp), ISIG and SIGTSTP/SIGCONT through wait.
#[test]
fn busybox_sh_job_control_in_a_terminal() {
    let dir = TempDir::new("pty-ash");
    let image = busybox_image(&dir);
    let mut run = PtyRun::start(&["run", "--disk", &image, "--", "/bin/busybox", "sh"], 24, 80);
    run.wait_for("# ");
    // Echo and editing: "echo hellx" then backspace (DEL) and "o".
    run.type_keys(b"echo hellx\x7fo\r");
    run.wait_for("\nhello\r\n");
    job_control_session(&mut run, "# ", 3);
    run.assert_restored("after the shell exited");
}

/// `stty -a` (busybox) in the guest shows the terminal's settings: the size and the
/// canonical-mode flags and control characters Linux starts a terminal with.
#[test]
fn stty_shows_the_terminal_settings() {
    let dir = TempDir::new("pty-stty");
    let image = busybox_image(&dir);
    let mut run =
        PtyRun::start(&["run", "--disk", &image, "--", "/bin/busybox", "stty", "-a"], 30, 90);
    assert_eq!(run.wait(), 0, "output:\n{}", run.text());
    let text = run.text();
    for expected in
        ["rows 30; columns 90", "intr = ^C", "susp = ^Z", "erase = ^?", " icanon ", " echo "]
    {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
}

/// Job control on a terminal against the host's (`guest-apps/c/jobctl.c`, musl and glibc):
/// the same static program runs as a session leader on a pty natively and in the guest
/// (`vmm run` on a pty: init makes the program a session leader with the console as its
/// controlling terminal, in the foreground): tcsetpgrp/tcgetpgrp/tcgetsid/TIOCSCTTY and
/// their errors, SIGTTIN and SIGTTOU for a background group (EIO when SIGTTIN is ignored,
/// TOSTOP), /dev/tty without a controlling terminal.
fn job_control_matches_linux(libc: Libc) {
    require_kvm();
    let program = c_programs(libc).join("jobctl");
    let mut host = PtyRun::start_program(&program, &[], 24, 80);
    assert_eq!(host.wait(), 0, "host:\n{}", host.text());
    let host = host.text().replace('\r', "");
    let dir = TempDir::new("pty-jobctl");
    let image = image_with(&dir, "root.img", &[(&program, "/tests/jobctl")]);
    let mut guest = PtyRun::start(&["run", "--disk", &image, "--", "/tests/jobctl"], 24, 80);
    assert_eq!(guest.wait(), 0, "guest:\n{}", guest.text());
    assert_eq!(guest.text().replace('\r', ""), host, "guest and host disagree");
    assert!(host.contains("background read: stopped by signal 21"), "{host}");
    assert!(host.contains("background write, TOSTOP on: stopped by signal 22"), "{host}");
    assert!(host.contains("  open /dev/tty: ENXIO"), "{host}");
}

for_each_libc!(job_control_matches_linux);

/// Our own `/bin/sh` (guest-apps/sh), the default program of `vmm run`, interactive in the
/// guest's terminal: a prompt, ^C interrupts a foreground `sleep` and the shell survives,
/// ^Z stops it (`Stopped`), `jobs` lists it, `fg` resumes it and ^C ends it (status 130),
/// `exit` ends the run with its status.
#[test]
fn our_sh_job_control_in_a_terminal() {
    let mut run = PtyRun::start(&["run"], 24, 80);
    run.wait_for("$ ");
    job_control_session(&mut run, "$ ", 4);
    run.assert_restored("after the shell exited");
}

/// A raw-mode program in the guest's terminal: busybox `vi` switches the terminal to raw
/// mode (its own key handling and screen), a file typed in it is written, and once it exits
/// the terminal is back in canonical mode with echo (`stty -a` after it).
#[test]
fn a_raw_mode_program_works_and_the_terminal_is_restored() {
    let dir = TempDir::new("pty-vi");
    let image = busybox_image(&dir);
    let script = "busybox vi /tmp/f; echo after:; busybox stty -a; echo file:; busybox cat /tmp/f";
    let mut run =
        PtyRun::start(&["run", "--disk", &image, "--", "/bin/busybox", "sh", "-c", script], 24, 80);
    // vi draws its screen once it is up (the empty buffer's `~` lines).
    run.wait_for("~");
    run.type_keys(b"ihello from vi\x1b");
    std::thread::sleep(Duration::from_millis(500));
    run.type_keys(b":wq\r");
    assert_eq!(run.wait(), 0, "output:\n{}", run.text());
    let text = run.text();
    let after = &text[text.rfind("after:").expect("the script ran after vi")..];
    assert!(after.contains("isig icanon") && after.contains(" echo "), "{text}");
    let file = &text[text.rfind("file:").expect("the script went on")..];
    assert!(file.contains("hello from vi"), "{text}");
    run.assert_restored("after vi and the vmm exited");
}
