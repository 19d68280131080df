//! The command line (kept dependency-free, like every guest program):
//!
//! ```text
//! bench --true PATH --script PATH [--iters N] [--syscall-iters N] [--ops NAME,NAME...]
//! bench --true PATH --script PATH --ops NAME --exact N
//! ```
//!
//! `--exact N` runs one operation exactly N times, untimed (see [`crate::ops::Settings`]):
//! the harness counts the kernel instructions of two such runs and needs to know exactly
//! how many operations lie between them.

use crate::ops::{ALL, Settings};

/// Usage text for errors.
pub const USAGE: &str = "usage: bench --true PATH --script PATH [--iters N] \
                         [--syscall-iters N] [--ops NAME,...] [--exact N (one op)]";

/// The parsed command line.
pub struct Args {
    /// What the operations need.
    pub settings: Settings,
    /// Which operations to run, in the canonical order.
    pub ops: Vec<&'static str>,
}

fn number(flag: &str, value: Option<String>) -> Result<u32, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    match value.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{flag}: '{value}' is not a positive number")),
    }
}

/// Parses the arguments after the program name.
pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut true_path, mut script_path) = (None, None);
    let (mut iters, mut syscall_iters) = (200, 2000);
    let mut exact = None;
    let mut ops: Vec<&'static str> = ALL.iter().map(|b| b.name).collect();
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--true" => true_path = args.next(),
            "--script" => script_path = args.next(),
            "--iters" => iters = number(&flag, args.next())?,
            "--syscall-iters" => syscall_iters = number(&flag, args.next())?,
            "--exact" => exact = Some(number(&flag, args.next())?),
            "--ops" => {
                let list = args.next().ok_or("--ops needs a value")?;
                let wanted: Vec<&str> = list.split(',').collect();
                if let Some(bad) = wanted.iter().find(|w| !ALL.iter().any(|b| b.name == **w)) {
                    return Err(format!("--ops: unknown operation '{bad}'"));
                }
                ops = ALL.iter().map(|b| b.name).filter(|n| wanted.contains(n)).collect();
            }
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    if exact.is_some() && ops.len() != 1 {
        return Err(format!("--exact needs exactly one operation in --ops, not {}", ops.len()));
    }
    let settings = Settings {
        true_path: true_path.ok_or("--true PATH is required")?,
        script_path: script_path.ok_or("--script PATH is required")?,
        iters,
        syscall_iters,
        exact,
        granularity_ns: 0,
    };
    Ok(Args { settings, ops })
}
