//! The report: every figure, how it was measured and on what, as one JSON document
//! (`schema` names its version). Each part is either measured (`"status": "ok"` plus its
//! figures), failed (`"error"`: why, never a number), skipped (`"reason"`), or not
//! requested.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::coldstart::ColdStart;
use super::error::BenchError;
use super::insns::KernelInsns;
use super::machine::Machine;
use super::probe::ProgramSupport;
use super::program::BenchRun;
use super::provenance::Git;
use super::qemu::QemuComparison;
use super::ratios::Ratio;
use super::targets::Target;

/// The value of [`Report::schema`].
/// Version 2: `insns` added; `unsupported` dropped from the bench outputs (every
/// operation is required).
pub const SCHEMA: &str = "exec-bench/2";

/// How one part of the benchmark ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Part<T> {
    /// Measured.
    Ok(T),
    /// Tried and failed.
    Failed {
        /// Why.
        error: String,
    },
    /// Not possible on this machine (e.g. QEMU missing).
    Skipped {
        /// Why, and how to enable it.
        reason: String,
    },
    /// Left out by `--parts`.
    NotRequested,
}

impl<T> Part<T> {
    /// The figures, if measured.
    pub fn ok(&self) -> Option<&T> {
        match self {
            Part::Ok(t) => Some(t),
            _ => None,
        }
    }

    /// Whether this part failed.
    pub fn failed(&self) -> bool {
        matches!(self, Part::Failed { .. })
    }

    /// A finished attempt: measured, or failed with the error's message.
    pub fn from_result(result: Result<T, BenchError>) -> Part<T> {
        match result {
            Ok(t) => Part::Ok(t),
            Err(e) => Part::Failed { error: e.to_string() },
        }
    }
}

/// How the run was configured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// `--smoke` (tiny counts: checks the pipeline, not the machine).
    pub smoke: bool,
    /// Samples per process operation, host side.
    pub host_iters: u32,
    /// Samples per cheap operation, host side.
    pub host_syscall_iters: u32,
    /// Samples per process operation, guest side.
    pub guest_iters: u32,
    /// Samples per cheap operation, guest side.
    pub guest_syscall_iters: u32,
    /// Operations run by the bench program.
    pub ops: Vec<String>,
    /// Cold-start boots (and as many `--timings` boots).
    pub coldstart_runs: u32,
    /// QEMU boots (and as many vmm boots).
    pub qemu_runs: u32,
    /// Guest RAM, MiB.
    pub mem_mib: u64,
    /// The vmm binary.
    pub vmm: String,
}

/// The whole report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Format version ([`SCHEMA`]).
    pub schema: String,
    /// When it was measured (UTC).
    pub date: String,
    /// The source tree.
    pub git: Git,
    /// The machine.
    pub machine: Machine,
    /// The configuration.
    pub settings: Settings,
    /// Whether the guest could run programs, when that was checked.
    pub guest_programs: Option<ProgramSupport>,
    /// The bench program natively on the host.
    pub host: Part<BenchRun>,
    /// The bench program in the guest.
    pub guest: Part<BenchRun>,
    /// Guest/host ratio of every operation both sides measured.
    pub ratios: Vec<Ratio>,
    /// Cold start of a VM.
    pub coldstart: Part<ColdStart>,
    /// QEMU on the same kernel and disk.
    pub qemu: Part<QemuComparison>,
    /// Emulated guest-kernel instructions per operation (KVM's `insn_emulation`).
    pub insns: Part<KernelInsns>,
    /// The targets and where the figures stand.
    pub targets: Vec<Target>,
}

impl Report {
    /// Whether any requested part failed.
    pub fn any_failed(&self) -> bool {
        self.host.failed()
            || self.guest.failed()
            || self.coldstart.failed()
            || self.qemu.failed()
            || self.insns.failed()
    }

    /// Writes the report as pretty JSON to `path`.
    pub fn write(&self, path: &Path) -> Result<(), BenchError> {
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(path, text + "\n").map_err(|e| BenchError::io("writing", path, e))
    }

    /// Reads a report back (the smoke test uses this to check the JSON).
    pub fn from_json(text: &str) -> Result<Report, serde_json::Error> {
        serde_json::from_str(text)
    }
}
