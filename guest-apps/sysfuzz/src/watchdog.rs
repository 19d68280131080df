//! The supervisor: starts the workers, watches them and decides the verdict.
//!
//! Every 100 ms it reaps the workers that ended and looks at each live worker's
//! heartbeat. A worker whose heartbeat has not moved for the hang time is reported as
//! `HANG` with the call it is stuck in (its slot holds the number and the six
//! arguments), killed with SIGKILL, and must be gone within a few seconds — a worker that
//! cannot be killed is reported as `UNKILLABLE`. Both are failures. A worker killed by a
//! signal (a fault in its own code, most likely) is reported as `CRASH` and restarted
//! with the next seed: not a failure. A worker stopped by a signal is a failure (it
//! ignores every stop signal but SIGSTOP, which is never sent).

use crate::layout::Region;
use crate::rng;
use crate::shared::{HOUSEKEEPING, MAX_WORKERS, SLOTS};
use crate::sys;
use crate::table;
use crate::text::Text;
use crate::worker::{self, Setup};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// What the run was asked to do.
#[derive(Clone, Debug)]
pub struct Config {
    /// The run's seed.
    pub seed: u64,
    /// How long to fuzz.
    pub seconds: u64,
    /// How many workers.
    pub workers: usize,
    /// Stop after this many calls in total (spread over the workers).
    pub calls: Option<u64>,
    /// A worker without progress for this long is hung.
    pub hang_secs: u64,
    /// Print every call.
    pub trace: bool,
    /// Run one worker, with this index and seed (a reproduction).
    pub replay: Option<(usize, u64)>,
    /// Make only this call of the sequence.
    pub only: Option<u64>,
    /// Calls per incarnation: a worker is replaced by a fresh one after that many.
    pub incarnation_calls: u64,
    /// Calls between two refreshes inside a worker.
    pub refresh_every: u64,
    /// Table entries left out (bit i: `TABLE[i]`).
    pub disabled: [u64; 8],
    /// Do not avoid the known kernel bugs (`known.rs`).
    pub known_bugs: bool,
    /// Print per-call statistics at the end.
    pub stats: bool,
    /// The options that shape the call sequence (`--include`, `--exclude`,
    /// `--known-bugs`), repeated in reproduction hints.
    pub shape_args: String,
}

/// How the run went.
#[derive(Debug, Default)]
pub struct Report {
    /// System calls made by all workers.
    pub calls: u64,
    /// What went wrong (empty: the verdict is ok).
    pub failures: Vec<String>,
    /// Workers that died of a signal and were restarted.
    pub crashes: u64,
    /// The longest time the supervisor could not run.
    pub longest_stall: Duration,
    /// Free memory (bytes) when the workers started, and after they all ended.
    pub free_memory: (Option<u64>, Option<u64>),
    /// The slowest call of all: duration, worker index, and its description.
    pub slowest: Option<(Duration, usize, String)>,
}

/// One worker as the supervisor sees it.
struct Worker {
    /// Its index.
    index: usize,
    /// Its pid while it runs.
    pid: Option<i32>,
    /// Its incarnation (the number of its seed).
    incarnation: u64,
    /// The seed of this incarnation.
    seed: u64,
    /// What it was started with (kept until it has been reaped).
    setup: Box<Setup>,
    /// The heartbeat last seen and when it last moved.
    beat: (u64, Instant),
    /// Calls made by its earlier incarnations.
    calls_before: u64,
    /// Calls it may still make (over all incarnations), if the run counts calls.
    budget: Option<u64>,
}

/// The supervisor's state.
struct Supervisor {
    cfg: Config,
    in_guest: bool,
    drop_privileges: bool,
    root: String,
    workers: Vec<Worker>,
    report: Report,
    stopping: bool,
}

/// A supervisor tick this late means the machine was held (see `Supervisor::stalled`).
const STALL: Duration = Duration::from_secs(2);

/// `WNOHANG | WUNTRACED | __WALL`.
const WAIT_ANY: u32 = 1 | 2 | 0x4000_0000;

/// Runs the fuzzer.
pub fn run(cfg: Config) -> Report {
    let release = sys::uname_release();
    let release = release.split(|&b| b == 0).next().unwrap_or(&[]);
    let in_guest = release.ends_with(b"-vmm");
    let drop_privileges = !in_guest && sys::getuid() == 0;
    for sig in [1, 21, 22, 29] {
        // SIGHUP, SIGTTIN, SIGTTOU, SIGIO: nothing the workers do may stop the supervisor.
        sys::set_handler(sig, 1);
    }
    let root = format!("/tmp/sysfuzz-{}", sys::getpid());
    let mut sup = Supervisor {
        cfg,
        in_guest,
        drop_privileges,
        root,
        workers: Vec::new(),
        report: Report::default(),
        stopping: false,
    };
    if let Err(e) = sup.prepare() {
        sup.report.failures.push(e);
        return sup.report;
    }
    sup.watch();
    sup.finish();
    sup.report
}

impl Supervisor {
    /// Scratch directories, memory regions and the first incarnation of every worker.
    fn prepare(&mut self) -> Result<(), String> {
        let n = if self.cfg.replay.is_some() { 1 } else { self.cfg.workers };
        if n == 0 || n > MAX_WORKERS {
            return Err(format!("between 1 and {MAX_WORKERS} workers, not {n}"));
        }
        make_dir(&self.root)?;
        println!(
            "sysfuzz: seed {} ({:#x}), {} worker(s), {} s, hang after {} s, {}{}",
            self.cfg.seed,
            self.cfg.seed,
            n,
            self.cfg.seconds,
            self.cfg.hang_secs,
            if self.in_guest { "in the guest" } else { "natively" },
            if self.in_guest && !self.cfg.known_bugs {
                let names: Vec<&str> = crate::known::KNOWN.iter().map(|k| k.name).collect();
                format!(", avoiding known kernel bugs: {}", names.join(", "))
            } else {
                String::new()
            }
        );
        println!(
            "sysfuzz: a worker's calls are replayed by: sysfuzz --replay W:SEED [--calls K] [--only K] [--trace]{}",
            self.cfg.shape_args
        );
        let per_worker = self.cfg.calls.map(|c| c.div_ceil(n as u64));
        for i in 0..n {
            let (index, seed) = match self.cfg.replay {
                Some((index, seed)) => (index, seed),
                None => (i, rng::derive(self.cfg.seed, i as u64, 0)),
            };
            if index >= MAX_WORKERS {
                return Err(format!("worker index {index} is out of range"));
            }
            make_dir(&format!("{}/w{index}", self.root))?;
            Region::of(index).map(true)?;
            let setup = Box::new(self.setup(index, seed, per_worker));
            self.workers.push(Worker {
                index,
                pid: None,
                incarnation: 0,
                seed,
                setup,
                beat: (0, Instant::now()),
                calls_before: 0,
                budget: per_worker,
            });
            println!("sysfuzz: worker {index} seed {seed:#x}");
        }
        self.report.free_memory.0 = sys::sysinfo().map(|(free, _)| free);
        for i in 0..self.workers.len() {
            self.start(i)?;
        }
        Ok(())
    }

    /// The setup of a worker's incarnation.
    fn setup(&self, index: usize, seed: u64, budget: Option<u64>) -> Setup {
        let mut wdir = Text::new();
        wdir.push(format!("{}/w{index}", self.root).as_bytes());
        let mut root = Text::new();
        root.push(self.root.as_bytes());
        Setup {
            index,
            seed,
            budget: budget.unwrap_or(u64::MAX).min(self.cfg.incarnation_calls),
            only: self.cfg.only,
            trace: self.cfg.trace,
            in_guest: self.in_guest,
            drop_privileges: self.drop_privileges,
            parent: sys::getpid(),
            refresh_every: self.cfg.refresh_every,
            wdir,
            root,
            disabled: self.cfg.disabled,
            avoid_known: self.in_guest && !self.cfg.known_bugs,
        }
    }

    /// Starts worker `i` with its current setup.
    fn start(&mut self, i: usize) -> Result<(), String> {
        // The previous incarnation may have removed its scratch directory or taken its
        // permissions away (it runs as nobody natively).
        make_dir(&format!("{}/w{}", self.root, self.workers[i].index))?;
        let w = &mut self.workers[i];
        SLOTS[w.index].reset();
        let region = Region::of(w.index);
        let arg = &*w.setup as *const Setup as u64;
        // SAFETY: the region's stack is mapped and used by no one else (the previous
        // incarnation has been reaped); `worker::entry` uses neither the C library nor
        // the allocator; the setup outlives the worker (it is replaced only after the
        // worker has been reaped).
        let pid = unsafe { sys::spawn_shared(region.stack_top(), worker::entry, arg) };
        if pid < 0 {
            return Err(format!("starting worker {}: clone failed with {pid}", w.index));
        }
        w.pid = Some(pid as i32);
        w.beat = (0, Instant::now());
        Ok(())
    }

    /// Watches until every worker is done.
    fn watch(&mut self) {
        let start = Instant::now();
        let tsc_start = sys::rdtsc();
        let deadline = start + Duration::from_secs(self.cfg.seconds);
        let hang = Duration::from_secs(self.cfg.hang_secs);
        let mut last_progress = start;
        let mut last_cleanup = start;
        let mut last_tick = start;
        while self.workers.iter().any(|w| w.pid.is_some()) {
            sys::sleep_ms(100);
            crate::shared::SUPERVISOR_TSC.store(sys::rdtsc(), std::sync::atomic::Ordering::Relaxed);
            self.reap();
            let now = Instant::now();
            let gap = now.duration_since(last_tick);
            last_tick = now;
            if gap >= STALL {
                self.stalled(gap, now);
            }
            for i in 0..self.workers.len() {
                let w = &mut self.workers[i];
                let Some(_) = w.pid else { continue };
                let beat = SLOTS[w.index].beat.load(std::sync::atomic::Ordering::Acquire);
                if beat != w.beat.0 {
                    w.beat = (beat, now);
                } else if now.duration_since(w.beat.1) > hang {
                    self.hung(i);
                }
            }
            if !self.stopping && now >= deadline {
                self.stopping = true;
                for w in &self.workers {
                    SLOTS[w.index].stop.store(true, std::sync::atomic::Ordering::Release);
                }
            }
            if now.duration_since(last_progress) >= Duration::from_secs(5) {
                last_progress = now;
                self.progress(now.duration_since(start));
            }
            if now.duration_since(last_cleanup) >= Duration::from_secs(3) {
                last_cleanup = now;
                self.remove_trash();
            }
        }
        let ns = start.elapsed().as_nanos().max(1) as f64;
        self.slowest_calls(sys::rdtsc().wrapping_sub(tsc_start) as f64 / ns);
    }

    /// Reaps every worker that ended, and decides what happens next for each.
    fn reap(&mut self) {
        loop {
            let (pid, status) = sys::wait4(-1, WAIT_ANY);
            if pid <= 0 {
                return;
            }
            let Some(i) = self.workers.iter().position(|w| w.pid == Some(pid as i32)) else {
                continue; // a fuzzed clone(CLONE_PARENT) child
            };
            if status & 0xff == 0x7f {
                let sig = (status >> 8) & 0xff;
                self.fail(i, &format!("STOPPED by signal {sig}"));
                sys::kill(pid as i32, 9);
                continue;
            }
            self.ended(i, status, false);
        }
    }

    /// Worker `i` has been reaped with wait status `status` (`killed`: by the watchdog,
    /// already reported).
    fn ended(&mut self, i: usize, status: i32, killed: bool) {
        let w = &mut self.workers[i];
        w.pid = None;
        let slot = &SLOTS[w.index];
        let issued = slot.issued.load(std::sync::atomic::Ordering::Relaxed);
        self.report.calls += issued;
        w.calls_before += issued;
        if let Some(b) = &mut w.budget {
            *b = b.saturating_sub(issued);
        }
        let sig = status & 0x7f;
        if sig == 0 {
            let code = (status >> 8) & 0xff;
            if code != 0 {
                let msg =
                    format!("worker {} exited with status {code} (its setup failed)", w.index);
                println!("sysfuzz: FAIL {msg}");
                self.report.failures.push(msg);
                return;
            }
            let done = self.stopping || self.cfg.only.is_some() || w.budget == Some(0);
            if !done {
                self.restart(i, false);
            }
            return;
        }
        if killed {
            if !self.stopping && self.cfg.replay.is_none() {
                self.restart(i, true);
            }
            return;
        }
        let (nr, args) = slot.last();
        let k = slot.calls.load(std::sync::atomic::Ordering::Relaxed);
        println!(
            "sysfuzz: CRASH worker {} seed {:#x} killed by signal {sig} after call #{k}: {} (restarting; not a failure; reproduce: sysfuzz --replay {}:{:#x} --calls {k}{})",
            w.index,
            w.seed,
            describe(nr, &args),
            w.index,
            w.seed,
            self.cfg.shape_args
        );
        self.report.crashes += 1;
        if !self.stopping && self.cfg.replay.is_none() {
            self.restart(i, true);
        }
    }

    /// Starts the next incarnation of worker `i`.
    fn restart(&mut self, i: usize, crashed: bool) {
        let index = self.workers[i].index;
        let incarnation = self.workers[i].incarnation + 1;
        let seed = rng::derive(self.cfg.seed, index as u64, incarnation);
        if let Err(e) = Region::of(index).map(false) {
            self.report.failures.push(format!("worker {index}: {e}"));
            return;
        }
        let budget = self.workers[i].budget;
        let setup = Box::new(self.setup(index, seed, budget));
        let w = &mut self.workers[i];
        w.incarnation = incarnation;
        w.seed = seed;
        w.setup = setup;
        if crashed {
            println!("sysfuzz: worker {index} restarts with seed {seed:#x}");
        } else {
            eprintln!(
                "sysfuzz: worker {index} starts incarnation {incarnation} with seed {seed:#x}"
            );
        }
        if let Err(e) = self.start(i) {
            self.report.failures.push(e);
        }
    }

    /// Worker `i` made no progress for the hang time: report, kill, check it dies.
    fn hung(&mut self, i: usize) {
        let w = &self.workers[i];
        let Some(pid) = w.pid else { return };
        let slot = &SLOTS[w.index];
        let (nr, args) = slot.last();
        let k = slot.calls.load(std::sync::atomic::Ordering::Relaxed);
        let what = if nr & HOUSEKEEPING != 0 { " (the worker's own housekeeping)" } else { "" };
        let msg = format!(
            "HANG worker {} seed {:#x} call #{k}: {}{what}; reproduce: sysfuzz --replay {}:{:#x} --calls {k} --trace{}",
            w.index,
            w.seed,
            describe(nr, &args),
            w.index,
            w.seed,
            self.cfg.shape_args
        );
        println!("sysfuzz: {msg}");
        self.report.failures.push(msg);
        sys::kill(pid, 9);
        let killed = Instant::now();
        loop {
            let (r, status) = sys::wait4(pid, WAIT_ANY);
            if r == i64::from(pid) && status & 0xff != 0x7f {
                self.ended(i, status, true);
                return;
            }
            if killed.elapsed() > Duration::from_secs(5) {
                break;
            }
            sys::sleep_ms(50);
        }
        let index = self.workers[i].index;
        let msg = format!("UNKILLABLE worker {index} (pid {pid}): still there 5 s after SIGKILL");
        println!("sysfuzz: {msg}");
        self.report.failures.push(msg);
        self.workers[i].pid = None;
    }

    /// The supervisor itself did not run for `gap` (it sleeps 100 ms at a time): the
    /// whole machine was held by something — in our guest, whose kernel is not
    /// preemptible, one long system call. Reported with each worker's current call; the
    /// time is not held against the workers (none of them could run either).
    fn stalled(&mut self, gap: Duration, now: Instant) {
        let mut calls = String::new();
        for w in &mut self.workers {
            let slot = &SLOTS[w.index];
            let (nr, args) = slot.last();
            let k = slot.calls.load(std::sync::atomic::Ordering::Relaxed);
            let _ = write!(calls, "; w{} #{k} {}", w.index, describe(nr, &args));
            w.beat.1 = now;
        }
        println!("sysfuzz: STALL: nothing ran for {:.1} s{calls}", gap.as_secs_f64());
        self.report.longest_stall = self.report.longest_stall.max(gap);
    }

    /// Reports each worker's slowest call: the one that held the CPU longest while no one
    /// else ran (`cycles_per_ns`: the TSC's rate). On our guest's kernel, which is not
    /// preemptible, such a call holds every process.
    fn slowest_calls(&mut self, cycles_per_ns: f64) {
        for w in &self.workers {
            let s = &SLOTS[w.index].slowest;
            let cycles = s.cycles.load(std::sync::atomic::Ordering::Acquire);
            if cycles == 0 {
                continue;
            }
            let took = Duration::from_nanos((cycles as f64 / cycles_per_ns.max(1e-9)) as u64);
            let mut args = [0u64; 6];
            for (a, slot) in args.iter_mut().zip(&s.args) {
                *a = slot.load(std::sync::atomic::Ordering::Relaxed);
            }
            let nr = s.nr.load(std::sync::atomic::Ordering::Relaxed);
            let what = if nr & HOUSEKEEPING != 0 {
                format!("{} (the worker's own housekeeping)", describe(nr, &args))
            } else {
                format!(
                    "{} (call #{} of seed {:#x})",
                    describe(nr, &args),
                    s.k.load(std::sync::atomic::Ordering::Relaxed),
                    s.seed.load(std::sync::atomic::Ordering::Relaxed)
                )
            };
            println!(
                "sysfuzz: slowest call of worker {}: {:.1} ms: {what}",
                w.index,
                took.as_secs_f64() * 1e3
            );
            if self.report.slowest.as_ref().is_none_or(|(d, _, _)| took > *d) {
                self.report.slowest = Some((took, w.index, what));
            }
        }
    }

    /// Records a failure of worker `i`.
    fn fail(&mut self, i: usize, what: &str) {
        let w = &self.workers[i];
        let slot = &SLOTS[w.index];
        let (nr, args) = slot.last();
        let msg = format!(
            "{what}: worker {} seed {:#x}, last call {}",
            w.index,
            w.seed,
            describe(nr, &args)
        );
        println!("sysfuzz: {msg}");
        self.report.failures.push(msg);
    }

    /// One progress line on stderr.
    fn progress(&self, elapsed: Duration) {
        let mut calls = 0;
        let mut line = String::new();
        for w in &self.workers {
            let slot = &SLOTS[w.index];
            let issued = if w.pid.is_some() {
                slot.issued.load(std::sync::atomic::Ordering::Relaxed)
            } else {
                0
            };
            calls += w.calls_before + issued;
            let (nr, _) = slot.last();
            let _ = write!(
                line,
                "; w{} #{} {}",
                w.index,
                slot.calls.load(std::sync::atomic::Ordering::Relaxed),
                name(nr)
            );
        }
        let secs = elapsed.as_secs_f64();
        let memory = match sys::sysinfo() {
            Some((free, procs)) => format!(", {} MiB free, {procs} processes", free >> 20),
            None => String::new(),
        };
        eprintln!(
            "sysfuzz: {secs:.0}s {calls} calls ({:.0}/s), {} crash(es){memory}{line}",
            calls as f64 / secs.max(0.001),
            self.report.crashes
        );
    }

    /// Deletes the scratch trees the workers put aside.
    fn remove_trash(&self) {
        let Ok(entries) = std::fs::read_dir(&self.root) else { return };
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with("trash-") {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }

    /// After the last worker: statistics, and the scratch directories go.
    fn finish(&mut self) {
        self.report.free_memory.1 = sys::sysinfo().map(|(free, _)| free);
        if let (Some(before), Some(after)) = self.report.free_memory {
            println!(
                "sysfuzz: free memory {} KiB before the workers, {} KiB after (scratch directories still there)",
                before >> 10,
                after >> 10
            );
        }
        let (mut distinct, mut ok_total) = (0, 0u64);
        for (i, s) in table::TABLE.iter().enumerate() {
            let field = |f: fn(&crate::shared::Slot) -> &[std::sync::atomic::AtomicU32]| -> u64 {
                self.workers
                    .iter()
                    .map(|w| {
                        u64::from(f(&SLOTS[w.index])[i].load(std::sync::atomic::Ordering::Relaxed))
                    })
                    .sum()
            };
            let (made, ok) = (field(|s| &s.made), field(|s| &s.ok));
            if made > 0 {
                distinct += 1;
                ok_total += ok;
                if self.cfg.stats {
                    eprintln!("sysfuzz: stats {:<24} {made:>8} calls {ok:>8} ok", s.name);
                }
            }
        }
        println!(
            "sysfuzz: {distinct} different system calls, {ok_total} calls succeeded, {} worker crash(es), longest stall {:.1} s",
            self.report.crashes,
            self.report.longest_stall.as_secs_f64()
        );
        let _ = std::fs::remove_dir_all(&self.root);
        if self.report.calls == 0 && self.report.failures.is_empty() && self.cfg.only.is_none() {
            self.report.failures.push("no system call was made".to_owned());
        }
    }
}

/// Creates a directory everyone may write (workers run as nobody natively; in our guest
/// they stay root, so a failed chmod is no error).
fn make_dir(path: &str) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path).map_err(|e| format!("creating {path}: {e}"))?;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o777));
    Ok(())
}

/// The name of a recorded call.
fn name(nr: u64) -> String {
    let bare = nr & !HOUSEKEEPING;
    match table::name_of(bare) {
        "?" => format!("syscall_{bare}"),
        n => n.to_owned(),
    }
}

/// A recorded call as `name(args)`.
fn describe(nr: u64, args: &[u64; 6]) -> String {
    let list: Vec<String> = args.iter().map(|a| format!("{a:#x}")).collect();
    format!("{}({}) [nr {}]", name(nr), list.join(", "), nr & !HOUSEKEEPING)
}
