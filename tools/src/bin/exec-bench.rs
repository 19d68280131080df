//! `exec-bench [OPTIONS]`: the exec-latency benchmark harness. Measures the bench program
//! natively and in the guest, VM cold start, and QEMU on the same kernel; prints a table
//! and writes a JSON report and an SVG chart (see `docs/BENCHMARKS.md`).
//!
//! Exit status: 0 when every requested part was measured (or skipped with a note, like
//! QEMU when it is not installed), 1 when a part failed (the report says why), 2 when
//! nothing could be measured (bad options, a build failure).

use std::process::ExitCode;

use clap::Parser;
use tools::bench::{Options, harness};

fn main() -> ExitCode {
    let options = Options::parse();
    match harness::execute(&options) {
        Ok(report) if report.any_failed() => {
            eprintln!("exec-bench: some parts failed; see the table above and the report");
            ExitCode::from(1)
        }
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("exec-bench: error: {e}");
            ExitCode::from(2)
        }
    }
}
