//! The output protocol, one fact per line, parsed by the harness (`tools/src/bench`):
//!
//! ```text
//! bench-begin version=1 ops=<name,...>
//! clock granularity_ns=<n>
//! result <name> n=<n> batch=<k> median_ns=<n> p99_ns=<n> min_ns=<n> max_ns=<n> mean_ns=<n>
//! samples <name> <ns> <ns> ...
//! unsupported <name> reason=<text to the end of the line>
//! bench-end
//! ```
//!
//! Every sample is printed so the harness can recompute the statistics (and catch a
//! truncated or garbled line) and draw the distributions; `bench-end` proves the output is
//! complete. Errors go to stderr as `bench: error: ...` with exit status 1.

use std::io::Write;

use crate::measure::{Samples, Summary};

/// Protocol version: bump on any incompatible change, together with the harness.
pub const VERSION: u32 = 1;

fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    // A closed stdout means nobody is listening for the figures: stop.
    if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
        std::process::exit(1);
    }
}

/// The first line.
pub fn begin(ops: &[&str]) {
    emit(&format!("bench-begin version={VERSION} ops={}", ops.join(",")));
}

/// The clock line.
pub fn clock(granularity_ns: u64) {
    emit(&format!("clock granularity_ns={granularity_ns}"));
}

/// A measured figure: its summary, then every sample.
pub fn result(name: &str, samples: &Samples) {
    let s = Summary::of(&samples.ns);
    emit(&format!(
        "result {name} n={} batch={} median_ns={} p99_ns={} min_ns={} max_ns={} mean_ns={}",
        s.n, samples.batch, s.median, s.p99, s.min, s.max, s.mean
    ));
    let values: Vec<String> = samples.ns.iter().map(u64::to_string).collect();
    emit(&format!("samples {name} {}", values.join(" ")));
}

/// A figure the kernel cannot produce yet.
pub fn unsupported(name: &str, reason: &str) {
    emit(&format!("unsupported {name} reason={}", reason.replace('\n', " ")));
}

/// The last line.
pub fn end() {
    emit("bench-end");
}
