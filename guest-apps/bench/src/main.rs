//! `bench`: exec-latency micro-benchmarks. The same static binary runs natively on the
//! host and inside the guest, so the host Linux kernel is the yardstick; the harness
//! (`cargo run --release -p tools --bin exec-bench`) runs both and compares.
//!
//! It measures fork+exit+wait, fork+exec+wait of a static `true`, musl's `posix_spawn` of
//! it, fork+exec+wait of a `#!` script, `getppid` (the null system call), a pipe round trip
//! between two processes, a caught-signal round trip, and the clock read itself. Every
//! operation is checked (exit status 0, the byte echoed back, the handler ran); the first
//! failure stops the program with a message naming the operation and iteration.

mod args;
mod measure;
mod ops;
mod output;
mod sys;

use ops::{ALL, Outcome};

fn main() {
    let mut args = match args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => fail(&format!("{e}\n{}", args::USAGE)),
    };
    // Instant::now() panics if the clock is missing; say so plainly instead.
    if let Err(e) = sys::clock_monotonic_ns() {
        fail(&format!("clock_gettime(CLOCK_MONOTONIC) failed: {e}; nothing can be timed"));
    }
    output::begin(&args.ops);
    match measure::clock_granularity_ns() {
        Ok(ns) => {
            args.settings.granularity_ns = ns;
            output::clock(ns);
        }
        Err(e) => fail(&e),
    }
    for bench in ALL.iter().filter(|b| args.ops.contains(&b.name)) {
        match (bench.run)(&args.settings) {
            Ok(Outcome::Measured(samples)) => output::result(bench.name, &samples),
            Ok(Outcome::Unsupported(reason)) => output::unsupported(bench.name, &reason),
            Err(e) => fail(&format!("{}: {e}", bench.name)),
        }
    }
    output::end();
}

fn fail(message: &str) -> ! {
    eprintln!("bench: error: {message}");
    std::process::exit(1)
}
