//! The bench program run inside the guest: `vmm run --disk IMG,ro -- /bench/bench ...`.
//! The guest's stdout (the virtio console) carries the protocol; the kernel's messages and
//! the program's stderr go to the vmm's stderr.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::error::BenchError;
use super::probe::ProgramSupport;
use super::program::{self, BenchRun, Workload};
use super::{proc, setup};

/// Boots `vmm` with `image` as root disk and runs the bench program in it.
/// `support` is the probe's verdict, used to explain a failure.
pub fn run(
    vmm: &Path,
    image: &Path,
    mem_mib: Option<u64>,
    workload: &Workload,
    support: &ProgramSupport,
    timeout: Duration,
    on_figure: &(dyn Fn(&str) + Sync),
) -> Result<BenchRun, BenchError> {
    let (bench, true_path, script) = setup::guest_paths();
    let mut cmd = Command::new(vmm);
    cmd.arg("run");
    if let Some(mib) = mem_mib {
        cmd.args(["--mem", &mib.to_string()]);
    }
    cmd.arg("--disk").arg(format!("{},ro", image.display()));
    cmd.arg("--").arg(&bench).args(program::args(workload, &true_path, &script));
    let command = proc::command_line(&cmd);
    let what = "guest run of the bench program";
    let done = proc::run(&mut cmd, what, timeout, &mut |line| {
        if program::is_figure_line(line) {
            on_figure(line);
        }
    })?;
    program::accept(what, command, &done, workload).map_err(|e| {
        if support.runs_programs {
            e
        } else {
            let ended = if done.status.code() == Some(0) && done.stdout.is_empty() {
                "the vmm exited 0 with no output from /bench/bench".to_owned()
            } else {
                format!("the vmm ended with {}", done.describe())
            };
            BenchError::NoGuestPrograms(format!("{ended}; probe: {}", support.evidence))
        }
    })
}
