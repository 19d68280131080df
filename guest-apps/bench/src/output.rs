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
//!
//! With `--exact N` (one operation, run exactly N times untimed: the harness measures the
//! kernel instructions of the run, not its time) the whole output is one line, printed
//! after the last of the N operations succeeded:
//!
//! ```text
//! exact <name> n=<N>
//! ```
//!
//! or the `unsupported` line above. No `bench-begin`/`bench-end` frame and no clock line:
//! measuring the clock's granularity reads it a varying number of times, and in a guest
//! without a vDSO each read is kernel work that would blur the count. The line itself
//! proves the run completed; the exit status is 0.

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

/// The only line of an `--exact N` run: `name` ran `n` times, every one checked.
pub fn exact(name: &str, n: u32) {
    emit(&format!("exact {name} n={n}"));
}

/// The last line.
pub fn end() {
    emit("bench-end");
}
