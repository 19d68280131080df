//! Cold start of a whole VM: the external wall time of `vmm run -- /bin/true` (process
//! start to exit status, as a shell sees it) over N runs, and the vmm's own `--timings`
//! breakdown over N more runs (kept separate so printing the breakdown is not in the wall
//! time).
//!
//! Until the guest can run programs (see [`super::probe`]) the same is measured for
//! `vmm run --cmdline exit=0` (boot, banner, power-off) and labelled as that stand-in.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::BenchError;
use super::probe::ProgramSupport;
use super::proc;
use super::stats::Summary;
use super::timings::{self, Phase};

/// What was measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColdStart {
    /// The measured command.
    pub command: Vec<String>,
    /// Why a stand-in was measured instead of `vmm run -- /bin/true`, if it was.
    pub stand_in: Option<String>,
    /// Wall time statistics.
    pub wall: Summary,
    /// Every wall time, nanoseconds.
    pub wall_samples_ns: Vec<u64>,
    /// The `--timings` phases.
    pub timings: Vec<Phase>,
}

/// The vmm arguments of a cold start: the real program run, or the stand-in.
pub fn vmm_args(support: &ProgramSupport) -> Vec<String> {
    let words: &[&str] = if support.runs_programs {
        &["run", "--", "/bin/true"]
    } else {
        &["run", "--cmdline", "exit=0"]
    };
    words.iter().map(|w| w.to_string()).collect()
}

/// The stand-in note, if the guest cannot run programs.
pub fn stand_in_note(support: &ProgramSupport) -> Option<String> {
    (!support.runs_programs).then(|| {
        format!(
            "`vmm run --cmdline exit=0` (boot to the kernel's power-off) stands in for \
             `vmm run -- /bin/true`: {}",
            support.evidence
        )
    })
}

/// One checked boot: exit status 0 and nothing on stdout.
pub fn boot_once(cmd: &mut Command, what: &str) -> Result<proc::Finished, BenchError> {
    let done = proc::run_quiet(cmd, what, Duration::from_secs(60))?;
    if done.status.code() != Some(0) || !done.stdout.is_empty() {
        let detail = format!(
            "expected exit status 0 and no stdout, got {} and stdout {:?}",
            done.describe(),
            done.stdout
        );
        return Err(BenchError::RunFailed { what: what.into(), detail });
    }
    Ok(done)
}

/// Measures `runs` cold starts and `runs` `--timings` breakdowns; `tick` after each boot.
pub fn measure(
    vmm: &Path,
    support: &ProgramSupport,
    runs: u32,
    tick: &dyn Fn(&str),
) -> Result<ColdStart, BenchError> {
    let args = vmm_args(support);
    let mut cmd = Command::new(vmm);
    cmd.args(&args);
    let command = proc::command_line(&cmd);
    let what = format!("cold start `vmm {}`", args.join(" "));
    let mut wall_samples_ns = Vec::new();
    for _ in 0..runs {
        let done = boot_once(Command::new(vmm).args(&args), &what)?;
        wall_samples_ns.push(done.wall.as_nanos() as u64);
        tick("cold start");
    }
    let mut with_timings = args.clone();
    with_timings.insert(1, "--timings".into());
    let mut parsed = Vec::new();
    for _ in 0..runs {
        let done = boot_once(Command::new(vmm).args(&with_timings), &what)?;
        let phases = timings::parse(&done.stderr);
        if phases.is_empty() {
            let detail = format!("no `vmm timings:` block on stderr ({})", done.describe());
            return Err(BenchError::RunFailed { what: what.clone(), detail });
        }
        parsed.push(phases);
        tick("cold start --timings");
    }
    let wall = Summary::of(&wall_samples_ns)
        .ok_or_else(|| BenchError::Usage("--runs must be at least 1".into()))?;
    Ok(ColdStart {
        command,
        stand_in: stand_in_note(support),
        wall,
        wall_samples_ns,
        timings: timings::combine(&parsed),
    })
}
