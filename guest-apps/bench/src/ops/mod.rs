//! The measured operations, one small module per kind, and the table that names them.
//!
//! The names are the protocol's figure names (`result <name> ...`), shared with the harness
//! (`tools/src/bench`): change them together.

mod null;
mod pipe;
mod process;
mod signal;

use crate::measure::{self, Samples};

/// What the operations need from the command line.
pub struct Settings {
    /// A static `true` binary.
    pub true_path: String,
    /// A `#!` script whose interpreter is a static `true`.
    pub script_path: String,
    /// Samples for the process operations (fork, exec, spawn).
    pub iters: u32,
    /// Samples for the cheap operations (null syscall, clock, pipe, signal).
    pub syscall_iters: u32,
    /// `--exact N`: run the operation exactly N times, untimed, with no warm-up,
    /// calibration or batching, so that two runs differ by a known number of operations
    /// (the harness divides the difference of their kernel instruction counts by it).
    pub exact: Option<u32>,
    /// The clock's observed granularity (set once measured, before any operation runs).
    pub granularity_ns: u64,
}

/// Untimed warm-up runs before `iters` samples: a tenth, at least 1, at most 20.
fn warmup(iters: u32) -> u32 {
    (iters / 10).clamp(1, 20)
}

impl Settings {
    /// Times a process operation: `iters` samples of one call each (batched only if the
    /// clock is too coarse for one); in exact mode, exactly N untimed calls.
    pub fn time_process<F>(&self, op: F) -> Result<Samples, String>
    where
        F: FnMut() -> Result<(), String>,
    {
        if let Some(n) = self.exact {
            return measure::repeat(n, op);
        }
        measure::time(self.iters, warmup(self.iters), 1, self.granularity_ns, op)
    }

    /// Times a cheap operation: `syscall_iters` samples of at least `min_batch` calls; in
    /// exact mode, exactly N untimed calls.
    pub fn time_cheap<F>(&self, min_batch: u32, op: F) -> Result<Samples, String>
    where
        F: FnMut() -> Result<(), String>,
    {
        if let Some(n) = self.exact {
            return measure::repeat(n, op);
        }
        measure::time(
            self.syscall_iters,
            warmup(self.syscall_iters),
            min_batch,
            self.granularity_ns,
            op,
        )
    }
}

/// How one operation ended.
pub enum Outcome {
    /// It was measured.
    Measured(Samples),
    /// The kernel does not offer what it needs (only the signal round trip may say this,
    /// and the harness treats it as a failure: it is a safety net for other kernels).
    Unsupported(String),
}

/// A benchmark: its protocol name and the function that runs it.
pub struct Bench {
    /// Figure name.
    pub name: &'static str,
    /// Runs it; an `Err` is a failure that must stop the program.
    pub run: fn(&Settings) -> Result<Outcome, String>,
}

/// Every operation, in the order they run (cheapest first, signals last).
pub const ALL: [Bench; 8] = [
    Bench { name: "clock_gettime", run: null::clock },
    Bench { name: "getppid", run: null::getppid },
    Bench { name: "pipe_round_trip", run: pipe::round_trip },
    Bench { name: "fork_exit_wait", run: process::fork_exit_wait },
    Bench { name: "fork_exec_wait", run: process::fork_exec_wait },
    Bench { name: "posix_spawn_wait", run: process::posix_spawn_wait },
    Bench { name: "script_exec_wait", run: process::script_exec_wait },
    Bench { name: "signal_round_trip", run: signal::round_trip },
];
