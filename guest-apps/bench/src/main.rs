//! `bench`: exec-latency micro-benchmarks. The same static binary runs natively on the
//! host and inside the guest, so the host Linux kernel is the yardstick; the harness
//! (`cargo run --release -p tools --bin exec-bench`) runs both and compares.
//!
//! It measures fork+exit+wait, fork+exec+wait of a static `true`, musl's `posix_spawn` of
//! it, fork+exec+wait of a `#!` script, `getppid` (the null system call), a pipe round trip
//! between two processes, a caught-signal round trip, and the clock read itself. Every
//! operation is checked (exit status 0, the byte echoed back, the handler ran); the first
//! failure stops the program with a message naming the operation and iteration.
//!
//! With `--exact N` it runs one operation exactly N times, untimed, and prints one line:
//! the harness counts the guest kernel's instructions around such runs.

mod args;
mod measure;
mod ops;
mod output;
mod sys;

use ops::{ALL, Bench, Outcome};

fn main() {
    let mut args = match args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => fail(&format!("{e}\n{}", args::USAGE)),
    };
    // Instant::now() panics if the clock is missing; say so plainly instead.
    if let Err(e) = sys::clock_monotonic_ns() {
        fail(&format!("clock_gettime(CLOCK_MONOTONIC) failed: {e}; nothing can be timed"));
    }
    let selected = ALL.iter().filter(|b| args.ops.contains(&b.name));
    if let Some(n) = args.settings.exact {
        // No protocol frame and no clock-granularity probe: that probe reads the clock a
        // varying number of times, and every read would be counted kernel work.
        for bench in selected {
            run_exact(bench, &args.settings, n);
        }
        return;
    }
    output::begin(&args.ops);
    match measure::clock_granularity_ns() {
        Ok(ns) => {
            args.settings.granularity_ns = ns;
            output::clock(ns);
        }
        Err(e) => fail(&e),
    }
    for bench in selected {
        match (bench.run)(&args.settings) {
            Ok(Outcome::Measured(samples)) => output::result(bench.name, &samples),
            Ok(Outcome::Unsupported(reason)) => output::unsupported(bench.name, &reason),
            Err(e) => fail(&format!("{}: {e}", bench.name)),
        }
    }
    output::end();
}

/// Runs `bench` exactly `n` times (the settings say so) and prints its one line.
fn run_exact(bench: &Bench, settings: &ops::Settings, n: u32) {
    match (bench.run)(settings) {
        Ok(Outcome::Measured(_)) => output::exact(bench.name, n),
        Ok(Outcome::Unsupported(reason)) => output::unsupported(bench.name, &reason),
        Err(e) => fail(&format!("{}: {e}", bench.name)),
    }
}

fn fail(message: &str) -> ! {
    eprintln!("bench: error: {message}");
    std::process::exit(1)
}
