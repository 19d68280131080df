//! Why a benchmark part, or the whole harness, could not produce its figures.
//!
//! Every failure is a message a person can act on: which run, what was expected, what came
//! back (exit status and the tail of what the program printed). The harness never turns a
//! failed or garbled run into a number.

use std::path::PathBuf;

use crate::guest_build::BuildError;
use crate::image::ImageError;

/// A failure of the harness or of one of its parts.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A guest workspace (programs or kernel) did not build.
    #[error("{0}")]
    GuestBuild(#[from] BuildError),
    /// `cargo build --release -p vmm` failed.
    #[error(
        "building the vmm failed ({0}); if the guest kernel is mid-change, build it with \
         VMM_PREBUILT_KERNEL=<kernel.elf> cargo build --release -p vmm, or pass --vmm PATH"
    )]
    VmmBuild(String),
    /// A file the harness needs is not there.
    #[error("{what} not found at {}", path.display())]
    Missing {
        /// What it is.
        what: &'static str,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The bench disk image could not be made.
    #[error("building the bench disk image: {0}")]
    Image(#[from] ImageError),
    /// A file operation failed.
    #[error("{what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// On which path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A program could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A run took longer than its time limit and was killed.
    #[error("{what} did not finish within {secs} s and was killed")]
    Timeout {
        /// The run.
        what: String,
        /// The limit.
        secs: u64,
    },
    /// A run ended with the wrong status or printed the wrong thing.
    #[error("{what} failed: {detail}")]
    RunFailed {
        /// The run.
        what: String,
        /// Status, expectation and the tail of its output.
        detail: String,
    },
    /// The bench program's output broke the protocol (incomplete, inconsistent).
    #[error("{what}: bad bench output: {detail}")]
    Protocol {
        /// Which run.
        what: String,
        /// What was wrong.
        detail: String,
    },
    /// The guest cannot run programs, so guest-side figures cannot exist.
    #[error("guest run failed: the guest cannot run programs yet ({0})")]
    NoGuestPrograms(String),
    /// The report could not be serialized.
    #[error("writing the JSON report: {0}")]
    Json(#[from] serde_json::Error),
    /// The chart could not be drawn.
    #[error("drawing the chart: {0}")]
    Chart(String),
    /// An option is not usable.
    #[error("{0}")]
    Usage(String),
}

impl BenchError {
    /// Wraps an I/O error with what was being done to which path.
    pub fn io(what: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        BenchError::Io { what, path: path.into(), source }
    }
}
