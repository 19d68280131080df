//! Can the guest run programs yet? Two short boots decide: `vmm run -- /bin/echo <word>`
//! must print the word on stdout and exit 0, and `vmm run -- /bin/false` must exit 1. A
//! kernel that ignores the program (boots, prints its banner, powers off with 0) passes
//! neither, so a stand-in is measured and labelled instead of a wrong "program run".

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::BenchError;
use super::proc;

/// What the probe found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgramSupport {
    /// The guest ran both probe programs correctly.
    pub runs_programs: bool,
    /// What was seen, in words (for the report and error messages).
    pub evidence: String,
}

/// The word `echo` must print back.
const WORD: &str = "exec-bench-probe";

/// Runs the two probe boots with `vmm`.
pub fn probe(vmm: &Path, timeout: Duration) -> Result<ProgramSupport, BenchError> {
    let echo = proc::run_quiet(
        Command::new(vmm).args(["run", "--", "/bin/echo", WORD]),
        "probe: vmm run -- /bin/echo",
        timeout,
    )?;
    let expected = format!("{WORD}\n");
    if echo.status.code() != Some(0) || echo.stdout != expected {
        let what = if echo.status.code() == Some(0) && echo.stdout.is_empty() {
            "exited 0 without printing anything: the guest boots and powers off without running \
             the program"
                .to_owned()
        } else {
            format!("ended with {} and printed {:?} on stdout", echo.describe(), echo.stdout)
        };
        return Ok(ProgramSupport {
            runs_programs: false,
            evidence: format!("`vmm run -- /bin/echo {WORD}` {what}"),
        });
    }
    let fail = proc::run_quiet(
        Command::new(vmm).args(["run", "--", "/bin/false"]),
        "probe: vmm run -- /bin/false",
        timeout,
    )?;
    if fail.status.code() != Some(1) {
        return Ok(ProgramSupport {
            runs_programs: false,
            evidence: format!(
                "`vmm run -- /bin/false` ended with {} instead of exit status 1",
                fail.describe()
            ),
        });
    }
    Ok(ProgramSupport {
        runs_programs: true,
        evidence: "`vmm run -- /bin/echo` printed its argument and `/bin/false` exited 1".into(),
    })
}
