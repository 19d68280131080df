//! `exec-bench`: the exec-latency benchmark harness (issue 6).
//!
//! It runs the bench program (`guest-apps/bench`) natively on the host and inside the
//! guest in the same run and compares them figure by figure; measures the cold start of a
//! whole VM (`vmm run -- /bin/true`) with the vmm's `--timings` breakdown; and boots the
//! same kernel and disk under QEMU for comparison. Output: a table, a JSON report, an SVG
//! chart. `docs/BENCHMARKS.md` explains every figure and records the reports.
//!
//! Files, in the order a run uses them:
//! - `options`: command line and defaults; `harness`: the run, top to bottom
//! - `setup`: builds and finds the binaries, fixtures and disk image; `probe`: can the
//!   guest run programs yet
//! - `proc`: running one child with a time limit and exact wall time
//! - `program`, `protocol`, `ops`, `stats`: the bench program's invocation, output
//!   protocol, operation names and statistics; `host`, `guest`: its two runs
//! - `coldstart`, `timings`: VM cold start and the `--timings` breakdown; `qemu`: QEMU
//! - `insns`: emulated kernel instructions per operation (KVM's counter, two boots each)
//! - `ratios`, `targets`, `machine`, `provenance`, `report`: the report's contents
//! - `table`, `chart`, `progress`: what a person sees

pub mod chart;
pub mod coldstart;
pub mod error;
pub mod guest;
pub mod harness;
pub mod host;
pub mod insns;
pub mod machine;
pub mod ops;
pub mod options;
pub mod probe;
pub mod proc;
pub mod program;
pub mod progress;
pub mod protocol;
pub mod provenance;
pub mod qemu;
pub mod ratios;
pub mod report;
pub mod setup;
pub mod stats;
pub mod table;
pub mod targets;
pub mod timings;

pub use error::BenchError;
pub use options::Options;
pub use report::Report;
/// Re-exported so the smoke test can check the JSON without a dependency of its own.
pub use serde_json;
