//! `sysfuzz SEED SECONDS [WORKERS] [options]`: a system-call fuzzer. Several worker
//! processes make random system calls with random and boundary arguments for SECONDS
//! seconds, while a watchdog reports any worker that hangs (with the call it is stuck in,
//! reproducible from the worker's seed). It prints the number of calls made and a
//! verdict; the exit status is 0 only for `verdict: ok`.
//!
//! Options: `--calls N` (stop after N calls in total), `--hang SECS` (default 10),
//! `--trace` (print every call before making it), `--replay W:SEED` (one worker, index
//! W, with a seed a report printed), `--only K` (make only call K of the sequence: the
//! single call of a reproducer), `--incarnation N` (calls before a worker is replaced by
//! a fresh one, default 10000), `--refresh N` (calls between repairs, default 2048),
//! `--include NAME,...` (fuzz only these calls), `--exclude NAME,...` (leave these out),
//! `--known-bugs` (do not steer around the known kernel bugs listed in `known.rs`),
//! `--stats` (calls and successes per system call, on stderr at the end).
//!
//! Files: `watchdog.rs` the supervisor, `worker.rs` the fuzzing loop, `table.rs` the
//! calls, `args/` and `paths.rs` the arguments, `special.rs` the rules between
//! arguments, `fds.rs` the descriptors of every kind, `layout.rs` the workers' memory,
//! `shared.rs` what workers tell the supervisor, `hk.rs` the workers' own calls, `known.rs` temporary exclusions of known kernel bugs,
//! `sys.rs` raw system calls, `rng.rs` the seeded generator, `text.rs` fixed buffers.

/// Picks one of a list of values with `$rng`; the values are computed first (they may
/// draw from the same generator).
macro_rules! pick {
    ($rng:expr, [$($x:expr),* $(,)?]) => {{
        let items = [$($x),*];
        $rng.pick(&items)
    }};
}

mod args;
mod fds;
mod hk;
mod known;
mod layout;
mod paths;
mod rng;
mod shared;
mod special;
mod sys;
mod table;
mod text;
mod watchdog;
mod worker;

use watchdog::Config;

/// The usage line.
const USAGE: &str = "usage: sysfuzz SEED SECONDS [WORKERS] [--calls N] [--hang SECS] [--trace] \
                     [--replay W:SEED] [--only K] [--incarnation N] [--refresh N] \
                     [--include NAME,...] [--exclude NAME,...] [--known-bugs] [--stats]";

/// Parses a number, decimal or 0x-hexadecimal.
fn number(s: &str) -> Result<u64, String> {
    let parsed = match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    };
    parsed.map_err(|_| format!("not a number: {s}"))
}

/// Reads the command line.
fn parse(args: &[String]) -> Result<Config, String> {
    let mut cfg = Config {
        seed: 0,
        seconds: 0,
        workers: 3,
        calls: None,
        hang_secs: 10,
        trace: false,
        replay: None,
        only: None,
        incarnation_calls: 10_000,
        refresh_every: 2048,
        disabled: [0; 8],
        known_bugs: false,
        stats: false,
        shape_args: String::new(),
    };
    let mut include: Option<Vec<String>> = None;
    let mut exclude: Vec<String> = Vec::new();
    let mut positional = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--calls" => cfg.calls = Some(number(value()?)?),
            "--hang" => cfg.hang_secs = number(value()?)?,
            "--trace" => cfg.trace = true,
            "--stats" => cfg.stats = true,
            "--only" => cfg.only = Some(number(value()?)?),
            "--incarnation" => cfg.incarnation_calls = number(value()?)?.max(1),
            "--refresh" => cfg.refresh_every = number(value()?)?.max(1),
            "--include" => {
                let v = value()?;
                cfg.shape_args += &format!(" --include {v}");
                include.get_or_insert_with(Vec::new).extend(v.split(',').map(str::to_owned))
            }
            "--exclude" => {
                let v = value()?;
                cfg.shape_args += &format!(" --exclude {v}");
                exclude.extend(v.split(',').map(str::to_owned))
            }
            "--known-bugs" => {
                cfg.known_bugs = true;
                cfg.shape_args += " --known-bugs";
            }
            "--replay" => {
                let v = value()?;
                let (w, seed) = v.split_once(':').ok_or("--replay takes W:SEED")?;
                cfg.replay = Some((number(w)? as usize, number(seed)?));
            }
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            s => positional.push(s.to_owned()),
        }
    }
    match positional.as_slice() {
        [] if cfg.replay.is_some() => cfg.seconds = 3600,
        [seed, seconds] | [seed, seconds, _] => {
            cfg.seed = number(seed)?;
            cfg.seconds = number(seconds)?;
        }
        _ => return Err(USAGE.to_owned()),
    }
    if let [_, _, workers] = positional.as_slice() {
        cfg.workers = number(workers)? as usize;
    }
    for name in include.iter().flatten().chain(&exclude) {
        if !table::TABLE.iter().any(|s| s.name == name) {
            return Err(format!("no system call {name} in the table"));
        }
    }
    for (i, s) in table::TABLE.iter().enumerate() {
        let wanted = include.as_ref().is_none_or(|list| list.iter().any(|n| n == s.name));
        if !wanted || exclude.iter().any(|n| n == s.name) {
            cfg.disabled[i / 64] |= 1 << (i % 64);
        }
    }
    if (0..table::TABLE.len()).all(|i| cfg.disabled[i / 64] & (1 << (i % 64)) != 0) {
        return Err("every system call is excluded".to_owned());
    }
    Ok(cfg)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cfg = match parse(&args) {
        Ok(cfg) => cfg,
        Err(e) => {
            eprintln!("sysfuzz: {e}");
            std::process::exit(2);
        }
    };
    let report = watchdog::run(cfg);
    println!();
    println!("calls: {}", report.calls);
    if report.failures.is_empty() {
        println!("verdict: ok");
    } else {
        println!("verdict: FAIL {}", report.failures.join(" | "));
        std::process::exit(1);
    }
}
