//! A worker: a `clone(CLONE_VM)` child of the supervisor that makes random system calls
//! until told to stop. It uses no allocator and no C library (see `sys.rs`); before each
//! call it records the call in its slot, so the supervisor can name the call a hung worker
//! is stuck in.
//!
//! Setup, in order: its own session (kill and setpgid cannot reach the supervisor's
//! group); root dropped when running natively; every signal that can be ignored ignored
//! (so no fuzzed kill, timer or SIGPIPE ends or stops it); its limits saved; its
//! scratch directory as working directory; scratch filled with random bytes; one
//! descriptor of every kind. Every `refresh_every` calls it puts back what the fuzzed
//! calls took away: limits, signal mask, umask, a fresh scratch directory (the old one
//! is renamed to `trash-*` for the supervisor to delete) and the descriptors.

use crate::args::{Ctx, Gen};
use crate::fds;
use crate::hk::Hk;
use crate::known;
use crate::layout::{REGION_SPAN, Region, SCRATCH_LEN};
use crate::rng;
use crate::shared::{self, SLOTS};
use crate::special;
use crate::sys;
use crate::table::{
    ARCH, CWD, FORK, MAP, PIPE, RET_FD, SLEEPS, Sys, TABLE, UNKNOWN, UNKNOWN_NUMBERS,
};
use crate::text::Text;
use core::sync::atomic::Ordering;

/// The descriptor the trace goes to (a copy of stderr out of the generator's reach).
pub const TRACE_FD: i32 = 1000;
/// Resources whose limits are saved at start and put back by a refresh.
const LIMITS: [u32; 13] = [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
/// Exit status of a worker whose setup failed (it wrote why to stderr).
pub const SETUP_FAILED: i32 = 3;

/// Everything a worker needs to know, made by the supervisor, which keeps it unchanged
/// until the worker has been reaped.
pub struct Setup {
    /// The worker's index (its slot and its memory region).
    pub index: usize,
    /// The seed of this incarnation.
    pub seed: u64,
    /// How many calls to make at most.
    pub budget: u64,
    /// Make only call number `only` (generate the others without making them).
    pub only: Option<u64>,
    /// Print every call to stderr before making it.
    pub trace: bool,
    /// Running in our guest.
    pub in_guest: bool,
    /// Give up root first (natively).
    pub drop_privileges: bool,
    /// The supervisor's pid.
    pub parent: i32,
    /// Calls between two refreshes.
    pub refresh_every: u64,
    /// The worker's scratch directory (absolute).
    pub wdir: Text<128>,
    /// The directory that holds all scratch directories.
    pub root: Text<128>,
    /// Rewrite calls that would trigger a known kernel bug (`known.rs`).
    pub avoid_known: bool,
    /// Table entries left out of this run (bit i: `TABLE[i]`), from `--exclude` and
    /// `--include`.
    pub disabled: [u64; 8],
}

impl Setup {
    /// Whether table entry `i` is drawn.
    pub fn enabled(&self, i: usize) -> bool {
        self.disabled.get(i / 64).is_none_or(|w| w & (1 << (i % 64)) == 0)
    }
}

/// The worker's entry point (see `sys::spawn_shared`).
pub extern "C" fn entry(arg: u64) -> ! {
    // SAFETY: `arg` is the address of a `Setup` the supervisor keeps alive and unchanged
    // until it has reaped this worker.
    let setup = unsafe { &*(arg as *const Setup) };
    sys::exit(run(setup))
}

/// A message to stderr (the worker's stderr is /dev/null after setup; this is for
/// failures before that).
fn complain(msg: &[u8]) {
    sys::write_all(2, msg);
}

/// What the worker saved at start and restores.
struct Saved {
    /// The limits of [`LIMITS`].
    limits: [Option<[u64; 2]>; LIMITS.len()],
    /// The FS base (the supervisor's thread pointer, shared).
    fs: u64,
}

/// Sets the worker up, then fuzzes; returns its exit status.
fn run(setup: &Setup) -> i32 {
    let slot = &SLOTS[setup.index];
    let hk = Hk { slot, index: setup.index };
    hk.setsid();
    if setup.drop_privileges && !sys::drop_to(65534) {
        complain(b"sysfuzz: a worker could not give up root\n");
        return SETUP_FAILED;
    }
    for sig in 1..=64 {
        // Not SIGKILL/SIGSTOP (impossible), nor SIGCHLD, SIGCONT, SIGURG, SIGWINCH,
        // whose default is already to ignore (SIGCHLD's keeps zombies for wait).
        if !matches!(sig, 9 | 17 | 18 | 19 | 23 | 28) {
            hk.ignore(sig);
        }
    }
    if setup.trace {
        hk.keep_stderr(TRACE_FD);
    }
    let mut limits = [None; LIMITS.len()];
    for (limit, &res) in limits.iter_mut().zip(&LIMITS) {
        *limit = hk.prlimit(res, None);
    }
    let saved = Saved { limits, fs: sys::fs_base() };
    let mut wdir = Text::<128>::new();
    wdir.push(setup.wdir.bytes());
    let err = hk.chdir(wdir.c_str());
    if err < 0 {
        let mut msg = Text::<200>::new();
        msg.push(b"sysfuzz: a worker cannot enter its scratch directory ")
            .push(setup.wdir.bytes())
            .push(b": errno ")
            .dec(err.unsigned_abs())
            .push(b"\n");
        complain(msg.bytes());
        return SETUP_FAILED;
    }
    let mut ctx = Ctx {
        region: Region::of(setup.index),
        in_guest: setup.in_guest,
        pid: sys::getpid(),
        parent: setup.parent,
        wdir: [0; 128],
        wdir_len: setup.wdir.bytes().len(),
        text: entry as extern "C" fn(u64) -> ! as usize as u64,
        rodata: c"sysfuzz".as_ptr() as u64,
    };
    ctx.wdir[..ctx.wdir_len].copy_from_slice(setup.wdir.bytes());
    let mut g = Gen::new(setup.seed, &ctx);
    g.fill_scratch();
    fds::refresh(&hk, setup.wdir.bytes(), setup.in_guest);
    fuzz(setup, &hk, &mut g, &saved);
    0
}

/// The loop: generate, record, call, clean up after the call.
fn fuzz(setup: &Setup, hk: &Hk, g: &mut Gen, saved: &Saved) {
    let slot = hk.slot;
    let weight = |i: usize| if setup.enabled(i) { u64::from(TABLE[i].weight) } else { 0 };
    let total: u64 = (0..TABLE.len()).map(weight).sum();
    let mut refreshes = 0u64;
    let mut k = 0u64;
    let mut refresh_now = false;
    while k < setup.budget && !slot.stop.load(Ordering::Acquire) {
        if setup.only.is_none() && (refresh_now || (k > 0 && k.is_multiple_of(setup.refresh_every)))
        {
            refreshes += 1;
            refresh(setup, hk, saved, refreshes);
            refresh_now = false;
        }
        let (index, nr, mut args) = generate(g, total, &weight);
        let s = &TABLE[index];
        if setup.avoid_known {
            known::avoid(nr, &mut args, g);
        }
        k += 1;
        if setup.only.is_some_and(|only| only != k) {
            continue;
        }
        slot.calls.store(k, Ordering::Relaxed);
        slot.record(nr, &args);
        if setup.trace {
            trace(setup.index, k, s, nr, &args);
        }
        let t0 = sys::rdtsc();
        slot.user_tsc.store(t0, Ordering::Relaxed);
        // SAFETY: the arguments come from `args/`/`special.rs`, whose pointers for the
        // kernel to write through are the worker's scratch and arena, or unwritable.
        let ret = unsafe { sys::fuzz_call(nr, args) };
        let t1 = sys::rdtsc();
        slot.user_tsc.store(t1, Ordering::Relaxed);
        if setup.trace {
            let mut line = Text::<64>::new();
            line.push(b"sysfuzz: w").dec(setup.index as u64).push(b" #").dec(k).push(b" = ");
            if (-4095..0).contains(&ret) {
                line.push(b"-").dec(ret.unsigned_abs());
            } else {
                line.hex(ret as u64);
            }
            sys::write_all(TRACE_FD, line.push(b"\n").bytes());
        }
        if s.flags & SLEEPS == 0 {
            // The time the call held the CPU: since it began, or since anyone else last
            // ran, whichever is later (on a non-preemptible kernel with one CPU, a long
            // call during which nobody else ran is the kernel's doing).
            let held = t1.saturating_sub(t0.max(shared::others_ran(setup.index)));
            slot.slowest.offer(held, k, setup.seed, nr, &args);
        }
        slot.issued.fetch_add(1, Ordering::Relaxed);
        slot.count(index, !(-4095..0).contains(&ret));
        after(s, &args, ret, hk, g.ctx, saved);
        if ret == -sys::errno::EMFILE {
            refresh_now = true;
        }
        if setup.only.is_some() {
            break;
        }
    }
}

/// Draws the next call and its arguments.
fn generate(g: &mut Gen, total: u64, weight: &dyn Fn(usize) -> u64) -> (usize, u64, [u64; 6]) {
    g.begin();
    let mut x = g.rng.below(total);
    let mut index = 0;
    for i in 0..TABLE.len() {
        if x < weight(i) {
            index = i;
            break;
        }
        x -= weight(i);
    }
    let chosen = &TABLE[index];
    let nr = if chosen.nr == UNKNOWN { g.rng.pick(&UNKNOWN_NUMBERS) } else { chosen.nr };
    let mut args = [0u64; 6];
    for i in 0..6 {
        args[i] = g.arg(chosen.args[i], &args, i);
    }
    special::fix(chosen, &mut args, g);
    (index, nr, args)
}

/// Undoes what a call may have done to the worker itself.
fn after(s: &Sys, a: &[u64; 6], ret: i64, hk: &Hk, ctx: &Ctx, saved: &Saved) {
    let ok = !(-4095..0).contains(&ret);
    if s.flags & FORK != 0 && ret > 0 && ret <= i64::from(i32::MAX) {
        hk.reap(ret as i32);
    }
    if s.flags & RET_FD != 0
        && (i64::from(fds::SWEEP)..1 << 31).contains(&ret)
        && ret != i64::from(TRACE_FD)
    {
        hk.close(ret as i32);
    }
    if s.nr == 43 && (0..1 << 31).contains(&ret) {
        hk.fcntl(ret as i32, 4, 0o4000);
    }
    if s.flags & PIPE != 0 && ret == 0 {
        let scratch = ctx.region.scratch();
        if (scratch..scratch + SCRATCH_LEN - 8).contains(&a[0]) {
            // SAFETY: the address is inside the worker's scratch (checked), where the
            // kernel just wrote the two descriptors.
            let fds = unsafe { core::ptr::read_unaligned(a[0] as *const [i32; 2]) };
            for fd in fds {
                hk.fcntl(fd, 4, 0o4000);
            }
        }
    }
    if s.flags & MAP != 0 && ok {
        let addr = ret as u64;
        let len = if s.nr == 25 { a[2] } else { a[1] };
        let r = ctx.region;
        if !(r.base..r.base + REGION_SPAN).contains(&addr) {
            hk.munmap(addr, len);
        }
    }
    if s.flags & CWD != 0 {
        let mut wdir = Text::<128>::new();
        wdir.push(ctx.wdir());
        hk.chdir(wdir.c_str());
    }
    if s.flags & ARCH != 0 && ret == 0 {
        match a[0] {
            0x1002 => {
                hk.arch_set(0x1002, saved.fs);
            }
            0x1001 => {
                hk.arch_set(0x1001, 0);
            }
            0x1012 => {
                hk.arch_set(0x1012, 1);
            }
            _ => {}
        }
    }
}

/// Puts back what fuzzed calls took away (see the module comment).
fn refresh(setup: &Setup, hk: &Hk, saved: &Saved, n: u64) {
    for (limit, &res) in saved.limits.iter().zip(&LIMITS) {
        if let Some(l) = limit {
            hk.prlimit(res, Some(*l));
        }
    }
    hk.unblock_all();
    hk.umask(0o022);
    let mut wdir = Text::<128>::new();
    wdir.push(setup.wdir.bytes());
    let mut trash = Text::<160>::new();
    trash
        .push(setup.root.bytes())
        .push(b"/trash-w")
        .dec(setup.index as u64)
        .push(b"-")
        .hex(rng::mix(setup.seed) & 0xffff)
        .push(b"-")
        .dec(n);
    hk.chmod(wdir.c_str(), 0o777);
    hk.rename(wdir.c_str(), trash.c_str());
    hk.mkdir(wdir.c_str(), 0o777);
    hk.chmod(wdir.c_str(), 0o777);
    hk.chdir(wdir.c_str());
    fds::refresh(hk, setup.wdir.bytes(), setup.in_guest);
}

/// Writes one trace line: `sysfuzz: wW #K name(args)`.
fn trace(index: usize, k: u64, s: &Sys, nr: u64, a: &[u64; 6]) {
    let mut line = Text::<256>::new();
    line.push(b"sysfuzz: w").dec(index as u64).push(b" #").dec(k).push(b" ");
    if s.nr == UNKNOWN {
        line.push(b"syscall_").dec(nr);
    } else {
        line.push(s.name.as_bytes());
    }
    line.push(b"(");
    for (i, &v) in a.iter().enumerate() {
        if i > 0 {
            line.push(b", ");
        }
        line.hex(v);
    }
    line.push(b")\n");
    sys::write_all(TRACE_FD, line.bytes());
}
