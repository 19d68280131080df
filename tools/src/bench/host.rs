//! The bench program run natively on the host: the yardstick for every guest figure.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::error::BenchError;
use super::proc;
use super::program::{self, BenchRun, Workload};

/// Runs `bench` with the host fixtures; `on_figure` is called as each figure completes.
pub fn run(
    bench: &Path,
    true_bin: &Path,
    script: &Path,
    workload: &Workload,
    timeout: Duration,
    on_figure: &(dyn Fn(&str) + Sync),
) -> Result<BenchRun, BenchError> {
    let mut cmd = Command::new(bench);
    cmd.args(program::args(workload, &true_bin.to_string_lossy(), &script.to_string_lossy()));
    let command = proc::command_line(&cmd);
    let done = proc::run(&mut cmd, "host run of the bench program", timeout, &mut |line| {
        if program::is_figure_line(line) {
            on_figure(line);
        }
    })?;
    program::accept("host run of the bench program", command, &done, workload)
}
