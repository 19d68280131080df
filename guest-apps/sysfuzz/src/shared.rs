//! What a worker tells the supervisor, through memory they share (workers are
//! `clone(CLONE_VM)` children): before each system call, the call's number and arguments;
//! a heartbeat that moves with every call; and, from the supervisor, the order to stop.
//! Plain stores, no system call: the record costs nothing per call.

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

/// The most workers a run may have.
pub const MAX_WORKERS: usize = 16;

/// Entries of the per-call statistics (at least the table's length).
pub const STATS: usize = 320;

/// Set in [`Slot::nr`] when the call is the worker's own housekeeping, not a fuzzed one.
pub const HOUSEKEEPING: u64 = 1 << 63;

/// One worker's record.
pub struct Slot {
    /// Moves with every system call the worker starts (fuzzed or housekeeping).
    pub beat: AtomicU64,
    /// The number, in the incarnation's sequence, of the fuzzed call made last.
    pub calls: AtomicU64,
    /// Fuzzed calls made in this incarnation.
    pub issued: AtomicU64,
    /// The system call in progress (with [`HOUSEKEEPING`] for the worker's own).
    pub nr: AtomicU64,
    /// Its six arguments.
    pub args: [AtomicU64; 6],
    /// Set by the supervisor: finish the current call and exit.
    pub stop: AtomicBool,
    /// The TSC when the worker last ran in user mode (before and after each call).
    pub user_tsc: AtomicU64,
    /// The slowest fuzzed call so far (over all incarnations): how long it held the CPU
    /// (TSC cycles during which no other worker nor the supervisor ran), number in its sequence, the seed of that sequence, system call and
    /// arguments.
    pub slowest: Slowest,
    /// Per table entry: calls made (over all incarnations).
    pub made: [AtomicU32; STATS],
    /// Per table entry: calls that succeeded (returned no error).
    pub ok: [AtomicU32; STATS],
}

impl Slot {
    /// An empty record.
    pub const fn new() -> Slot {
        Slot {
            beat: AtomicU64::new(0),
            calls: AtomicU64::new(0),
            issued: AtomicU64::new(0),
            nr: AtomicU64::new(0),
            args: [const { AtomicU64::new(0) }; 6],
            stop: AtomicBool::new(false),
            user_tsc: AtomicU64::new(0),
            slowest: Slowest::new(),
            made: [const { AtomicU32::new(0) }; STATS],
            ok: [const { AtomicU32::new(0) }; STATS],
        }
    }

    /// Counts a call of table entry `i` and whether it succeeded.
    pub fn count(&self, i: usize, ok: bool) {
        if let Some(made) = self.made.get(i) {
            made.fetch_add(1, Ordering::Relaxed);
            if ok {
                self.ok[i].fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Clears the record for a new incarnation (the statistics stay).
    pub fn reset(&self) {
        self.beat.store(0, Ordering::Relaxed);
        self.calls.store(0, Ordering::Relaxed);
        self.issued.store(0, Ordering::Relaxed);
        self.nr.store(0, Ordering::Relaxed);
        for a in &self.args {
            a.store(0, Ordering::Relaxed);
        }
        self.stop.store(false, Ordering::Release);
    }

    /// Records the call about to be made.
    #[inline(always)]
    pub fn record(&self, nr: u64, args: &[u64; 6]) {
        self.nr.store(nr, Ordering::Relaxed);
        for (slot, &a) in self.args.iter().zip(args) {
            slot.store(a, Ordering::Relaxed);
        }
        self.beat.fetch_add(1, Ordering::Release);
    }

    /// The call last recorded: (number, arguments).
    pub fn last(&self) -> (u64, [u64; 6]) {
        let _ = self.beat.load(Ordering::Acquire);
        let mut args = [0u64; 6];
        for (a, slot) in args.iter_mut().zip(&self.args) {
            *a = slot.load(Ordering::Relaxed);
        }
        (self.nr.load(Ordering::Relaxed), args)
    }
}

impl Default for Slot {
    fn default() -> Self {
        Slot::new()
    }
}

/// The slowest call of a worker.
pub struct Slowest {
    /// Its duration in TSC cycles.
    pub cycles: AtomicU64,
    /// Its number in its incarnation's sequence.
    pub k: AtomicU64,
    /// The seed of that incarnation.
    pub seed: AtomicU64,
    /// The system call.
    pub nr: AtomicU64,
    /// Its arguments.
    pub args: [AtomicU64; 6],
}

impl Slowest {
    /// Nothing yet.
    const fn new() -> Slowest {
        Slowest {
            cycles: AtomicU64::new(0),
            k: AtomicU64::new(0),
            seed: AtomicU64::new(0),
            nr: AtomicU64::new(0),
            args: [const { AtomicU64::new(0) }; 6],
        }
    }

    /// Keeps call `k` of the sequence of `seed` if it took longer than the slowest so
    /// far (only the worker writes).
    pub fn offer(&self, cycles: u64, k: u64, seed: u64, nr: u64, args: &[u64; 6]) {
        if cycles <= self.cycles.load(Ordering::Relaxed) {
            return;
        }
        self.k.store(k, Ordering::Relaxed);
        self.seed.store(seed, Ordering::Relaxed);
        self.nr.store(nr, Ordering::Relaxed);
        for (slot, &a) in self.args.iter().zip(args) {
            slot.store(a, Ordering::Relaxed);
        }
        self.cycles.store(cycles, Ordering::Release);
    }
}

/// The TSC at the supervisor's last tick (it ticks every 100 ms).
pub static SUPERVISOR_TSC: AtomicU64 = AtomicU64::new(0);

/// The latest time anyone but worker `me` ran in user mode.
pub fn others_ran(me: usize) -> u64 {
    let mut latest = SUPERVISOR_TSC.load(Ordering::Relaxed);
    for (i, slot) in SLOTS.iter().enumerate() {
        if i != me {
            latest = latest.max(slot.user_tsc.load(Ordering::Relaxed));
        }
    }
    latest
}

/// The records of all workers.
pub static SLOTS: [Slot; MAX_WORKERS] = [const { Slot::new() }; MAX_WORKERS];
