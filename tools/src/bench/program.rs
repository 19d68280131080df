//! Running the bench program (`guest-apps/bench`) and accepting its output: the arguments
//! both sides get, and the checks every run must pass (exit status 0, complete protocol).

use serde::{Deserialize, Serialize};

use super::error::BenchError;
use super::proc::Finished;
use super::protocol::{self, BenchOutput};

/// One accepted run of the bench program.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchRun {
    /// The command that ran it.
    pub command: Vec<String>,
    /// Wall time of the whole run (on the guest side: the VM's boot and power-off too).
    pub wall_ms: f64,
    /// What it measured.
    pub output: BenchOutput,
}

/// Iteration counts and the operations to run.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Samples of each process operation.
    pub iters: u32,
    /// Samples of each cheap operation.
    pub syscall_iters: u32,
    /// Operations, by protocol name.
    pub ops: Vec<&'static str>,
}

/// The bench program's arguments for `workload`, with `true` and the script at the given
/// paths (host paths natively, guest paths in the guest).
pub fn args(workload: &Workload, true_path: &str, script: &str) -> Vec<String> {
    vec![
        "--true".into(),
        true_path.into(),
        "--script".into(),
        script.into(),
        "--iters".into(),
        workload.iters.to_string(),
        "--syscall-iters".into(),
        workload.syscall_iters.to_string(),
        "--ops".into(),
        workload.ops.join(","),
    ]
}

/// The arguments of an exact run: `name` exactly `n` times, untimed (`--exact`, see
/// `guest-apps/bench/src/output.rs`), with `true` and the script at the given paths.
pub fn exact_args(name: &str, n: u32, true_path: &str, script: &str) -> Vec<String> {
    let mut args = vec!["--true", true_path, "--script", script, "--ops", name, "--exact"];
    let n = n.to_string();
    args.push(&n);
    args.into_iter().map(String::from).collect()
}

/// Whether a stdout line announces a finished figure (for the progress bar).
pub fn is_figure_line(line: &str) -> bool {
    line.starts_with("result ") || line.starts_with("unsupported ")
}

/// Accepts a finished run: exit status 0 and output that passes [`protocol::parse`].
pub fn accept(
    what: &str,
    command: Vec<String>,
    done: &Finished,
    workload: &Workload,
) -> Result<BenchRun, BenchError> {
    if done.status.code() != Some(0) {
        return Err(BenchError::RunFailed { what: what.into(), detail: done.describe() });
    }
    let output =
        protocol::parse(&done.stdout, &workload.ops).map_err(|detail| BenchError::Protocol {
            what: what.into(),
            detail: format!("{detail} ({})", done.describe()),
        })?;
    Ok(BenchRun { command, wall_ms: done.wall.as_secs_f64() * 1e3, output })
}
