//! Parsing and checking the bench program's output (the protocol is documented in
//! `guest-apps/bench/src/output.rs`).
//!
//! The output is accepted only if it is complete (`bench-begin` ... `bench-end`), names
//! exactly the operations asked for, has every sample of every figure, and its printed
//! summaries equal the ones recomputed from the samples. A figure whose total time per
//! sample is within 20 clock ticks is refused too: a coarse guest clock would otherwise
//! produce a confident wrong number. An `unsupported` line is refused as well: every
//! operation is required (the bench program keeps the line as a safety net).

use serde::{Deserialize, Serialize};

use super::stats::Summary;

/// The protocol version this harness understands.
pub const VERSION: u32 = 1;

/// A sample must span at least this many clock ticks to be trusted.
const MIN_TICKS_PER_SAMPLE: u64 = 20;

/// One measured operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// Protocol name (see [`ops::OPS`]).
    pub name: String,
    /// Operations per sample (1, or a batch for operations cheaper than a clock read).
    pub batch: u32,
    /// Statistics over the samples, per operation.
    pub stats: Summary,
    /// Every sample, nanoseconds per operation, in the order measured.
    pub samples_ns: Vec<u64>,
}

/// Everything one run of the bench program reported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchOutput {
    /// Smallest step of the monotonic clock the program observed.
    pub clock_granularity_ns: u64,
    /// Measured operations, in run order.
    pub figures: Vec<Figure>,
}

impl BenchOutput {
    /// The figure called `name`, if measured.
    pub fn figure(&self, name: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.name == name)
    }
}

/// `key=value` words after the first two of a line.
fn field(words: &[&str], key: &str) -> Result<u64, String> {
    words
        .iter()
        .find_map(|w| w.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .ok_or_else(|| format!("missing {key}="))?
        .parse()
        .map_err(|_| format!("{key}= is not a number"))
}

/// Parses and checks `stdout` of a run that was asked for `expected` operations.
pub fn parse(stdout: &str, expected: &[&str]) -> Result<BenchOutput, String> {
    let mut lines = stdout.lines().skip_while(|l| !l.starts_with("bench-begin"));
    let begin = lines.next().ok_or("no 'bench-begin' line: the bench program did not start")?;
    let version = field(&begin.split_whitespace().collect::<Vec<_>>(), "version")?;
    if version != u64::from(VERSION) {
        return Err(format!("protocol version {version}, this harness reads {VERSION}"));
    }
    let mut out = BenchOutput { clock_granularity_ns: 0, figures: vec![] };
    let mut ended = false;
    while let Some(line) = lines.next() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.first().copied() {
            Some("bench-end") => {
                ended = true;
                break;
            }
            Some("clock") => out.clock_granularity_ns = field(&words, "granularity_ns")?,
            Some("result") => {
                let figure = parse_result(&words, lines.next())?;
                out.figures.push(figure);
            }
            Some("unsupported") => return Err(unsupported(line)),
            _ => return Err(format!("unexpected line: {line:?}")),
        }
    }
    if !ended {
        return Err("no 'bench-end' line: the output is incomplete".into());
    }
    check(&out, expected)?;
    Ok(out)
}

/// The refusal of an `unsupported <name> reason=...` line: the bench program may still say
/// it (a safety net for kernels without signal handlers), but every operation is required
/// of this guest kernel, so it is a failure that quotes the program's reason.
pub fn unsupported(line: &str) -> String {
    let name = line.split_whitespace().nth(1).unwrap_or("(no name)");
    let reason = line.split_once("reason=").map_or("", |(_, r)| r).trim();
    format!("{name} reported unsupported, but every operation is required: {reason}")
}

/// Checks the output of `bench --ops <name> --exact <n>`: exactly the one line
/// `exact <name> n=<n>` (an `unsupported` line is refused like in [`parse`]).
pub fn parse_exact(stdout: &str, name: &str, n: u32) -> Result<(), String> {
    let lines: Vec<&str> = stdout.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let expected = format!("exact {name} n={n}");
    match lines.as_slice() {
        [line] if *line == expected => Ok(()),
        [line] if line.starts_with("unsupported ") => Err(unsupported(line)),
        _ => Err(format!("expected the one line {expected:?}, got {stdout:?}")),
    }
}

/// A `result` line and the `samples` line that must follow it.
fn parse_result(words: &[&str], samples_line: Option<&str>) -> Result<Figure, String> {
    let name = words.get(1).ok_or("result line without a name")?.to_string();
    let printed = Summary {
        n: field(words, "n")? as usize,
        min_ns: field(words, "min_ns")?,
        median_ns: field(words, "median_ns")?,
        p99_ns: field(words, "p99_ns")?,
        max_ns: field(words, "max_ns")?,
        mean_ns: field(words, "mean_ns")?,
    };
    let batch = u32::try_from(field(words, "batch")?).map_err(|_| "batch= too large")?;
    let samples_line = samples_line.ok_or_else(|| format!("{name}: no samples line"))?;
    let mut sw = samples_line.split_whitespace();
    if sw.next() != Some("samples") || sw.next() != Some(name.as_str()) {
        return Err(format!("{name}: expected 'samples {name} ...', got {samples_line:?}"));
    }
    let samples_ns: Vec<u64> = sw
        .map(|w| w.parse().map_err(|_| format!("{name}: sample {w:?} is not a number")))
        .collect::<Result<_, _>>()?;
    let stats = Summary::of(&samples_ns).ok_or_else(|| format!("{name}: no samples"))?;
    if stats != printed {
        return Err(format!(
            "{name}: the printed summary {printed:?} does not match its {} samples {stats:?}",
            samples_ns.len()
        ));
    }
    if batch == 0 {
        return Err(format!("{name}: batch=0"));
    }
    Ok(Figure { name, batch, stats, samples_ns })
}

/// Every expected operation exactly once, and every figure well above the clock's
/// granularity.
fn check(out: &BenchOutput, expected: &[&str]) -> Result<(), String> {
    let reported: Vec<&str> = out.figures.iter().map(|f| f.name.as_str()).collect();
    for name in expected {
        match reported.iter().filter(|r| *r == name).count() {
            1 => {}
            0 => return Err(format!("no figure for {name}")),
            n => return Err(format!("{name} reported {n} times")),
        }
    }
    if let Some(extra) = reported.iter().find(|r| !expected.contains(r)) {
        return Err(format!("unexpected figure {extra}"));
    }
    if out.clock_granularity_ns == 0 {
        return Err("no clock granularity reported".into());
    }
    for f in &out.figures {
        let per_sample = f.stats.median_ns * u64::from(f.batch);
        if per_sample < MIN_TICKS_PER_SAMPLE * out.clock_granularity_ns {
            return Err(format!(
                "{}: a sample ({per_sample} ns) spans fewer than {MIN_TICKS_PER_SAMPLE} ticks of \
                 the clock ({} ns): too coarse to time it",
                f.name, out.clock_granularity_ns
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "noise before\n\
        bench-begin version=1 ops=getppid,signal_round_trip\n\
        clock granularity_ns=30\n\
        result getppid n=3 batch=64 median_ns=200 p99_ns=300 min_ns=100 max_ns=300 mean_ns=200\n\
        samples getppid 100 200 300\n\
        result signal_round_trip n=2 batch=1 median_ns=900 p99_ns=1000 min_ns=900 max_ns=1000 mean_ns=950\n\
        samples signal_round_trip 1000 900\n\
        bench-end\n";

    #[test]
    fn accepts_complete_output() {
        let out = parse(GOOD, &["getppid", "signal_round_trip"]).unwrap();
        assert_eq!(out.clock_granularity_ns, 30);
        assert_eq!(out.figure("getppid").unwrap().stats.median_ns, 200);
        assert_eq!(out.figure("signal_round_trip").unwrap().samples_ns, [1000, 900]);
    }

    #[test]
    fn refuses_unsupported_signals() {
        let ops = ["getppid", "signal_round_trip"];
        let at = GOOD.find("result signal_round_trip").unwrap();
        let end = GOOD.find("bench-end").unwrap();
        let unsupported = format!(
            "{}unsupported signal_round_trip reason=kill(self, SIGUSR1) failed: ENOSYS (38)\n{}",
            &GOOD[..at],
            &GOOD[end..]
        );
        let err = parse(&unsupported, &ops).unwrap_err();
        assert!(err.contains("signal_round_trip reported unsupported"), "{err}");
        assert!(err.contains("ENOSYS (38)"), "{err}");
    }

    #[test]
    fn exact_runs() {
        assert!(parse_exact("exact getppid n=200\n", "getppid", 200).is_ok());
        assert!(parse_exact("exact getppid n=20\n", "getppid", 200).is_err());
        assert!(parse_exact("", "getppid", 200).is_err());
        assert!(parse_exact("exact getppid n=200\nexact getppid n=200\n", "getppid", 200).is_err());
        let refused = parse_exact("unsupported getppid reason=no\n", "getppid", 1).unwrap_err();
        assert!(refused.contains("required"), "{refused}");
    }

    #[test]
    fn refuses_bad_output() {
        let ops = ["getppid", "signal_round_trip"];
        let cut = GOOD.replace("bench-end\n", "");
        assert!(parse(&cut, &ops).unwrap_err().contains("incomplete"));
        assert!(parse("", &ops).unwrap_err().contains("did not start"));
        let wrong = GOOD.replace("median_ns=200", "median_ns=150");
        assert!(parse(&wrong, &ops).unwrap_err().contains("does not match"));
        let short = GOOD.replace("samples getppid 100 200 300", "samples getppid 100 200");
        assert!(parse(&short, &ops).is_err());
        assert!(parse(GOOD, &["getppid"]).unwrap_err().contains("unexpected figure"));
        let coarse = GOOD.replace("granularity_ns=30", "granularity_ns=1000000");
        assert!(parse(&coarse, &ops).unwrap_err().contains("too coarse"));
    }
}
