//! Robustness (issue 10): hostile programs must end the way Linux ends them, and leave a
//! VM that still works, with its memory back.
//!
//! Each test boots one VM (128 MiB, the default) per C library build of the programs in
//! `guest-apps/c/` and runs, under `/bin/sh -c`:
//! 1. a warm-up: `/bin/true` and `echo` (the shell's echo is `/bin/echo`), then `memfree`
//!    reading the programs that follow, so their pages are in the page cache before the
//!    first measurement (the cache keeps them);
//! 2. `memfree`: the kernel's free memory (sysinfo `freeram`) and process count;
//! 3. the hostile program(s), each followed by `echo == status $?`;
//! 4. `/bin/true && echo == fork+exec works`;
//! 5. `memfree` again;
//! 6. the hostile program(s) a second time, then `memfree`; and a third time, then `memfree`.
//!
//! Then it checks: the vmm did not end with 252/253/254 (kernel exception, panic, VM
//! failure) but with the shell's 0; each program ended as it does on Linux (and printed
//! what the host prints, where the host can run it safely: EMFILE, mmap ENOMEM, stack
//! overflow); fork+exec works afterwards; the process count is back; free memory after one
//! of the later rounds is exactly what it was after the round before, and the later rounds
//! together lost at most [`HIGH_WATER_KIB`] (nothing leaks: whatever the kernel kept, it
//! reuses; a leak loses memory in every round); and free memory came back after the first
//! round, except for what the kernel may keep as caches:
//! - [`HEAP_STEP_KIB`]: the kernel heap takes frames in steps of at least 1 MiB
//!   (`guest-kernel/kernel/src/mm/heap.rs`, `GROW_HEAP`) and keeps them, so a burst of
//!   kernel objects may leave one more step behind. More than one step is memory the
//!   kernel does not give back (Linux frees empty slab pages): reported, not tolerated.
//! - for programs that create processes, [`KERNEL_STACK_KIB`] per process that existed at
//!   once, up to [`STACK_POOL`]: the kernel keeps that many spare kernel stacks mapped for
//!   reuse and frees the rest (`mm/kstack.rs`, `POOL_MAX`); and [`HEAP_PER_PROCESS_KIB`]
//!   per such process: the heap keeps the memory its objects used (process, task, tables)
//!   for the next ones (measured: about 4 KiB each).
//!
//! Every check's outcome is collected and the numbers are printed before a test fails,
//! so one run shows everything that is wrong.

use std::time::Duration;

use integration_tests::{
    Libc, Run, TempDir, c_programs, for_each_libc, image_for, require_kvm, run_native_in,
    vmm_with_timeout,
};

/// What a later round may keep once beyond the round before: the kernel keeps what the
/// peak number of live processes needed (such as heap arenas and the kernel-stack area's
/// page tables), and that peak depends on scheduling,
/// so one round in some runs keeps a little more, once (measured: 32 to 64 KiB, with the
/// kernels before and after issue 11). A leak loses memory in every round.
const HIGH_WATER_KIB: u64 = 256;
/// One kernel stack (`guest-kernel/kernel/src/mm/kstack.rs`, `STACK_SIZE`).
const KERNEL_STACK_KIB: u64 = 32;
/// The kernel heap's growth step (`guest-kernel/kernel/src/mm/heap.rs`, `GROW_HEAP`).
const HEAP_STEP_KIB: u64 = 1024;
/// Spare kernel stacks the kernel keeps mapped (`guest-kernel/kernel/src/mm/kstack.rs`,
/// `POOL_MAX`).
const STACK_POOL: u64 = 32;
/// Heap the kernel may keep per process that existed at once (its high-water mark, reused;
/// see the module comment).
const HEAP_PER_PROCESS_KIB: u64 = 8;
/// The system-wide process limit of a 128 MiB guest (Linux's `max_threads` rule: kernel
/// stacks may take an eighth of memory; `posix::rlimit::max_threads`).
const MAX_PROCESSES: u64 = 512;

/// The C programs every test image carries, at `/c/<name>`.
const PROGRAMS: [&str; 7] =
    ["memfree", "forkbomb", "memhog", "emfile", "pipes", "mmaps", "recurse"];

for_each_libc!(
    fork_bomb_of_children_that_exit_at_once,
    fork_bomb_of_children_that_block,
    memory_hog_is_killed_and_its_memory_comes_back,
    open_until_emfile,
    pipes_until_the_kernel_refuses,
    mmap_until_enomem,
    unbounded_recursion_is_sigsegv,
    unmapping_a_sparse_huge_mapping_does_not_stall_the_vm,
    overwriting_the_vdso_reaches_no_other_process,
);

/// `memfree`'s report.
#[derive(Clone, Copy, Debug)]
struct Mem {
    free_kib: u64,
    procs: u64,
}

impl Mem {
    /// Parses "memfree: 118236 KiB free, 3 processes".
    fn parse(line: &str) -> Option<Mem> {
        let rest = line.strip_prefix("memfree: ")?;
        let (free, rest) = rest.split_once(" KiB free, ")?;
        let procs = rest.strip_suffix(" processes")?;
        Some(Mem { free_kib: free.parse().ok()?, procs: procs.parse().ok()? })
    }
}

/// What one program printed and its exit status as the shell saw it.
#[derive(Debug, Default)]
struct Step {
    output: String,
    status: Option<i32>,
}

impl Step {
    /// Whether the program printed exactly `line`.
    fn has(&self, line: &str) -> bool {
        self.output.lines().any(|l| l == line)
    }

    /// The rest of the line that starts with `prefix`.
    fn value(&self, prefix: &str) -> Option<&str> {
        self.output.lines().find_map(|l| l.strip_prefix(prefix))
    }
}

/// One VM's run of the sequence in the module comment.
struct Session {
    libc: Libc,
    name: &'static str,
    run: Run,
    before: Option<Mem>,
    after: Option<Mem>,
    /// After the second round.
    again: Vec<Mem>,
    steps: Vec<Step>,
    exec_works: bool,
    problems: Vec<String>,
}

impl Session {
    /// Boots a VM with the `libc` build of the C programs at `/c` (the image's own init,
    /// shell and coreutils are the musl build, the known-good ones) and runs `commands`
    /// (a program and its arguments each) in the sequence of the module comment; the VM
    /// is killed (and the test fails) after `timeout`.
    fn run(libc: Libc, name: &'static str, commands: &[&str], timeout: Duration) -> Session {
        require_kvm();
        let dir = TempDir::new(&format!("robust-{name}"));
        let progs = c_programs(libc);
        let bins: Vec<_> = PROGRAMS.iter().map(|p| (progs.join(p), format!("/c/{p}"))).collect();
        let extra: Vec<_> = bins.iter().map(|(h, g)| (h.as_path(), g.as_str())).collect();
        let image = image_for(Libc::Musl, &dir, "root.img", &extra);

        let mut used: Vec<&str> = commands.iter().map(|c| c.split(' ').next().unwrap()).collect();
        used.dedup();
        let mut script = format!(
            "/bin/true; echo warm-up; /c/memfree /bin/true /bin/echo {}; /c/memfree; ",
            used.join(" ")
        );
        for command in commands {
            script += &format!("{command}; echo == status $?; ");
        }
        script += "/bin/true && echo == fork+exec works; /c/memfree; ";
        for command in commands {
            script += &format!("{command} >/dev/null 2>&1; ");
        }
        script += "echo == again; /c/memfree; ";
        for command in commands {
            script += &format!("{command} >/dev/null 2>&1; ");
        }
        script += "echo == again; /c/memfree";
        let run =
            vmm_with_timeout(&["run", "--disk", &image, "--", "/bin/sh", "-c", &script], timeout);

        // The first memfree line is the warm-up's, the second the "before" measurement.
        let mut lines = run.stdout.lines().skip_while(|l| !l.starts_with("memfree: ")).skip(1);
        let before = lines.next().and_then(Mem::parse);
        let mut steps = Vec::new();
        let mut current = Step::default();
        let mut exec_works = false;
        let (mut after, mut again, mut rounds) = (None, Vec::new(), 1);
        for line in lines {
            if line == "== again" {
                rounds += 1;
            } else if rounds > 1 {
                if let Some(mem) = Mem::parse(line) {
                    again.push(mem);
                }
            } else if let Some(status) = line.strip_prefix("== status ") {
                current.status = status.parse().ok();
                steps.push(std::mem::take(&mut current));
            } else if line == "== fork+exec works" {
                exec_works = true;
            } else if exec_works && let Some(mem) = Mem::parse(line) {
                after = Some(mem);
            } else {
                current.output += line;
                current.output += "\n";
            }
        }
        let mut session = Session {
            libc,
            name,
            run,
            before,
            after,
            again,
            steps,
            exec_works,
            problems: Vec::new(),
        };
        session.check_vm(commands.len());
        session
    }

    /// Notes a problem unless `ok`.
    fn check(&mut self, ok: bool, problem: impl Into<String>) {
        if !ok {
            self.problems.push(problem.into());
        }
    }

    /// The VM ended normally, every step ran, fork+exec works, the process count is back.
    fn check_vm(&mut self, steps: usize) {
        let status = self.run.status;
        if matches!(status, Some(252..=254)) {
            let kernel: Vec<&str> = self
                .run
                .stderr
                .lines()
                .filter(|l| l.contains("PANIC") || l.contains("exception") || l.contains("vmm:"))
                .collect();
            self.problems.push(format!("the guest kernel failed (status {status:?}): {kernel:?}"));
        } else {
            self.check(status == Some(0), format!("the shell ended with {status:?}"));
        }
        let ran = self.steps.len();
        self.check(ran == steps, format!("{ran} of {steps} programs ran to the end"));
        self.check(self.exec_works, "fork+exec of /bin/true did not work afterwards");
        if let (Some(b), Some(a)) = (self.before, self.after) {
            self.check(
                a.procs == b.procs,
                format!("{} processes before, {} after", b.procs, a.procs),
            );
        }
    }

    /// Step `i` (an empty one if it never finished).
    fn step(&self, i: usize) -> &Step {
        static NONE: Step = Step { output: String::new(), status: None };
        self.steps.get(i).unwrap_or(&NONE)
    }

    /// Step `i` exited with `status`.
    fn expect_status(&mut self, i: usize, status: i32) {
        let got = self.step(i).status;
        self.check(
            got == Some(status),
            format!("step {i}: exit status {got:?}, expected {status}"),
        );
    }

    /// Step `i` printed exactly `line`.
    fn expect_line(&mut self, i: usize, line: &str) {
        let ok = self.step(i).has(line);
        self.check(ok, format!("step {i}: no line {line:?}"));
    }

    /// Step `i` printed what the host printed for the same program (lines starting with
    /// "# " are guest-only counts and left out on both sides).
    fn expect_host_output(&mut self, i: usize, program: &str, args: &[&str]) {
        let host = facts(&run_native_in(c_programs(self.libc), program, args));
        let guest = facts(&self.step(i).output);
        self.check(
            guest == host,
            format!("step {i}: guest and host disagree\n--- host\n{host}--- guest\n{guest}"),
        );
    }

    /// Free memory is back to `before` within one heap step plus `stacks` pooled kernel
    /// stacks (see the module comment).
    fn expect_memory_back(&mut self, stacks: u64) {
        let allowed = HEAP_STEP_KIB
            + stacks.min(STACK_POOL) * KERNEL_STACK_KIB
            + stacks * HEAP_PER_PROCESS_KIB;
        match (self.after, self.again.as_slice()) {
            (Some(a), [b, c]) => {
                let kib = [a.free_kib, b.free_kib, c.free_kib];
                println!(
                    "{} {}: free memory {} KiB after one round, {} KiB after two, {} KiB after three",
                    self.libc, self.name, kib[0], kib[1], kib[2]
                );
                self.check(
                    (kib[0] == kib[1] || kib[1] == kib[2])
                        && kib[0].saturating_sub(kib[2]) <= HIGH_WATER_KIB,
                    format!(
                        "free memory {} KiB after one round, {} after two, {} after three: \
                         no round returned to the level of the one before, or the later \
                         rounds lost more than {HIGH_WATER_KIB} KiB (a leak)",
                        kib[0], kib[1], kib[2]
                    ),
                );
            }
            _ => self.problems.push("no memfree reports after the second and third rounds".into()),
        }
        match (self.before, self.after) {
            (Some(b), Some(a)) => {
                let lost = b.free_kib.saturating_sub(a.free_kib);
                println!(
                    "{} {}: free memory {} KiB before, {} KiB after: {} KiB not returned \
                     (allowed {allowed} KiB)",
                    self.libc, self.name, b.free_kib, a.free_kib, lost
                );
                self.check(
                    lost <= allowed,
                    format!(
                        "free memory {} KiB before, {} KiB after: {lost} KiB not returned, \
                         more than the {allowed} KiB of caches allowed",
                        b.free_kib, a.free_kib
                    ),
                );
            }
            _ => self.problems.push("no free-memory figures (the run did not finish)".into()),
        }
    }

    /// Fails the test with every problem found, after printing what the guest said.
    fn finish(self) {
        println!("{} {}: guest stdout:\n{}", self.libc, self.name, self.run.stdout);
        if !self.problems.is_empty() {
            let tail: Vec<&str> = self.run.stderr.lines().rev().take(5).collect();
            panic!(
                "{} {}:\n- {}\n(last stderr lines, newest first: {tail:?})",
                self.libc,
                self.name,
                self.problems.join("\n- ")
            );
        }
    }
}

/// `output` without its "# " lines (guest-only counts).
fn facts(output: &str) -> String {
    output.lines().filter(|l| !l.starts_with("# ")).map(|l| format!("{l}\n")).collect()
}

/// The count on a "# children: N" line.
fn children(step: &Step) -> u64 {
    step.value("# children: ").and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// Common checks of both fork bombs: the root-only setrlimit worked, fork failed as on
/// Linux (EAGAIN at the process limit, zombies included; or ENOMEM), every child was
/// reaped and ended as expected.
fn check_fork_bomb(s: &mut Session) {
    s.expect_status(0, 0);
    s.expect_line(0, "setrlimit RLIMIT_NPROC 100000: ok");
    let failure = s.step(0).value("fork failed with: ").unwrap_or("(no line)").to_owned();
    s.check(
        failure == "EAGAIN" || failure == "ENOMEM",
        format!("fork failed with {failure}, expected EAGAIN (or ENOMEM)"),
    );
    s.expect_line(0, "every child reaped: true");
    s.expect_line(0, "every child ended as expected: true");
    let n = children(s.step(0));
    s.check(
        n <= MAX_PROCESSES,
        format!("{n} children before fork failed: more than the {MAX_PROCESSES}-process limit"),
    );
    s.expect_memory_back(n + 1);
}

/// Children that `_exit` at once and are not reaped until fork fails: zombies pile up and
/// count against the process limit, as on Linux.
fn fork_bomb_of_children_that_exit_at_once(libc: Libc) {
    let mut s =
        Session::run(libc, "forkbomb-exit", &["/c/forkbomb exit"], Duration::from_secs(180));
    check_fork_bomb(&mut s);
    s.finish();
}

/// Children that block in pause() until the parent SIGKILLs them all.
fn fork_bomb_of_children_that_block(libc: Libc) {
    let mut s =
        Session::run(libc, "forkbomb-block", &["/c/forkbomb block"], Duration::from_secs(180));
    s.expect_line(0, "pause blocks: true");
    check_fork_bomb(&mut s);
    s.finish();
}

/// malloc and touch 512 MiB in a 128 MiB guest: SIGKILL (137), as Linux's OOM killer;
/// then 64 MiB fit again.
fn memory_hog_is_killed_and_its_memory_comes_back(libc: Libc) {
    let mut s =
        Session::run(libc, "memhog", &["/c/memhog 512", "/c/memhog 64"], Duration::from_secs(180));
    s.expect_status(0, 137);
    let printed = s.step(0).output.clone();
    s.check(printed.is_empty(), format!("the hog printed {printed:?} (malloc should not fail)"));
    s.expect_status(1, 0);
    s.expect_line(1, "survived");
    s.expect_memory_back(0);
    s.finish();
}

/// open until EMFILE: with RLIMIT_NOFILE 256 compared with the host; with the default
/// limit (1024) in the guest only.
fn open_until_emfile(libc: Libc) {
    let mut s =
        Session::run(libc, "emfile", &["/c/emfile 256", "/c/emfile"], Duration::from_secs(120));
    s.expect_status(0, 0);
    s.expect_host_output(0, "emfile", &["256"]);
    s.expect_status(1, 0);
    s.expect_line(1, "open failed with: EMFILE");
    s.expect_line(1, "every descriptor below the limit is in use: true");
    s.expect_line(1, "pipe works again: ok");
    s.check(
        s.step(1).value("# opened ").is_some_and(|v| v.ends_with(" with RLIMIT_NOFILE 1024")),
        "the default RLIMIT_NOFILE is not 1024",
    );
    s.expect_memory_back(0);
    s.finish();
}

/// Full 64 KiB pipes, with RLIMIT_NOFILE raised to 1 Mi, until the kernel refuses.
fn pipes_until_the_kernel_refuses(libc: Libc) {
    let mut s = Session::run(libc, "pipes", &["/c/pipes"], Duration::from_secs(240));
    s.expect_status(0, 0);
    s.expect_line(0, "setrlimit RLIMIT_NOFILE 1048576: ok");
    let refused = s.step(0).value("refused: ").unwrap_or("(no line)").to_owned();
    let allowed = ["pipe EMFILE", "pipe ENFILE", "pipe ENOMEM", "write ENOMEM", "write short"];
    s.check(allowed.contains(&refused.as_str()), format!("refused with {refused:?}"));
    s.expect_line(0, "a new pipe takes 64 KiB again: true");
    s.expect_memory_back(0);
    s.finish();
}

/// mmap until ENOMEM: 1 TiB mappings until the address space is full, and one-page
/// mappings until the map count limit (65530 on Linux); both compared with the host.
fn mmap_until_enomem(libc: Libc) {
    let mut s = Session::run(
        libc,
        "mmaps",
        &["/c/mmaps huge", "/c/mmaps aslimit"],
        Duration::from_secs(180),
    );
    s.expect_status(0, 0);
    s.expect_host_output(0, "mmaps", &["huge"]);
    s.expect_status(1, 0);
    s.expect_host_output(1, "mmaps", &["aslimit"]);
    s.expect_memory_back(0);
    s.finish();
}

/// One-page mappings that cannot merge until `vm.max_map_count` (65,530) gives ENOMEM, then
/// all unmapped: a soak (`VMM_SOAK=1`), because each of the 131,060 calls costs about a
/// millisecond of emulated kernel work here, and each insertion moves the mappings above
/// it (see `posix::mm::RangeMap`), so a run takes far longer than the suite's budget.
#[test]
fn soak_mmap_until_max_map_count() {
    if std::env::var_os("VMM_SOAK").is_none() {
        println!("skipped: set VMM_SOAK=1 to run the max_map_count soak");
        return;
    }
    let mut s = Session::run(
        Libc::Musl,
        "mmaps-small",
        &["/c/mmaps small 7000"],
        Duration::from_secs(7200),
    );
    s.expect_status(0, 0);
    s.expect_host_output(0, "mmaps", &["small"]);
    s.expect_memory_back(0);
    s.finish();
}

/// Unbounded recursion: SIGSEGV when the stack reaches RLIMIT_STACK, compared with the
/// host; 139 under the shell.
fn unbounded_recursion_is_sigsegv(libc: Libc) {
    let mut s = Session::run(
        libc,
        "recurse",
        &["/c/recurse", "/c/recurse direct"],
        Duration::from_secs(120),
    );
    s.expect_status(0, 0);
    s.expect_host_output(0, "recurse", &[]);
    s.expect_status(1, 139);
    // The forked child is one more process than the warm-up had at once: one more
    // pooled kernel stack.
    s.expect_memory_back(1);
    s.finish();
}

/// A 1 TiB mapping with one page touched, unmapped: the work must follow the pages in
/// use, not the range's size (the kernel does not preempt itself: a long munmap freezes
/// the whole VM). Linux takes microseconds; 30 s is far beyond any sound implementation.
fn unmapping_a_sparse_huge_mapping_does_not_stall_the_vm(libc: Libc) {
    let mut s = Session::run(libc, "sparse", &["/c/mmaps sparse"], Duration::from_secs(30));
    s.expect_status(0, 0);
    s.expect_host_output(0, "mmaps", &["sparse"]);
    s.expect_memory_back(0);
    s.finish();
}

/// A program that makes its vDSO's pages writable and overwrites them, or unmaps them, in
/// children (`guest-apps/c/vdsoabuse.c`): the pages are the kernel image's, shared by every
/// process, so each writer must get a private copy; the parent's clock and a fresh exec's
/// stay right. Guest only: the host kernel seals its vDSO.
fn overwriting_the_vdso_reaches_no_other_process(libc: Libc) {
    require_kvm();
    let dir = TempDir::new("vdso-abuse");
    let program = c_programs(libc).join("vdsoabuse");
    let image = image_for(libc, &dir, "root.img", &[(&program, "/tests/vdsoabuse")]);
    let run = integration_tests::vmm(&["run", "--disk", &image, "--", "/tests/vdsoabuse"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    let agree = "the parent's clock agrees with the kernel's: yes";
    assert_eq!(run.stdout.matches(agree).count(), 3, "{}", run.stdout);
    assert!(
        run.stdout.contains("a fresh exec: vDSO present yes, clock agrees yes"),
        "{}",
        run.stdout
    );
}
