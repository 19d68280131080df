//! The targets, and where this run's figures stand against them. A target whose
//! figure could not be measured says why instead of guessing.

use serde::{Deserialize, Serialize};

use super::coldstart::ColdStart;
use super::qemu::QemuComparison;
use super::ratios::Ratio;
use super::report::Part;

/// Guest fork+exec+wait must take at most this fraction of the host's (5x faster).
pub const FORK_EXEC_MAX_RATIO: f64 = 0.2;
/// `vmm run -- /bin/true` wall median limit, ms.
pub const COLDSTART_MAX_MS: f64 = 10.0;
/// QEMU must take at least this many times as long as the vmm.
pub const QEMU_MIN_FACTOR: f64 = 10.0;

/// One target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// What is measured.
    pub name: String,
    /// The goal, in words.
    pub goal: String,
    /// The figure, in words, if there is one.
    pub measured: Option<String>,
    /// Met or not; `None` when it cannot be judged yet.
    pub met: Option<bool>,
    /// Why it cannot be judged, or what the figure stands for.
    pub note: String,
}

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

fn part_note<T>(part: &Part<T>) -> String {
    match part {
        Part::Ok(_) => String::new(),
        Part::Failed { error } => format!("not measured: {error}"),
        Part::Skipped { reason } => format!("skipped: {reason}"),
        Part::NotRequested => "not requested (--parts)".into(),
    }
}

/// Evaluates the three targets.
pub fn evaluate<H, G>(
    host: &Part<H>,
    guest: &Part<G>,
    ratios: &[Ratio],
    coldstart: &Part<ColdStart>,
    qemu: &Part<QemuComparison>,
) -> Vec<Target> {
    vec![fork_exec(host, guest, ratios), cold(coldstart), versus_qemu(qemu)]
}

fn fork_exec<H, G>(host: &Part<H>, guest: &Part<G>, ratios: &[Ratio]) -> Target {
    let mut t = Target {
        name: "guest fork+exec+wait of a static binary".into(),
        goal: "at least 5x faster than host Linux (guest/host <= 0.2)".into(),
        measured: None,
        met: None,
        note: String::new(),
    };
    match ratios.iter().find(|r| r.name == "fork_exec_wait") {
        Some(r) => {
            t.measured = Some(format!(
                "guest {:.3} ms, host {:.3} ms: guest/host = {:.2}",
                ms(r.guest_median_ns),
                ms(r.host_median_ns),
                r.guest_over_host
            ));
            t.met = Some(r.guest_over_host <= FORK_EXEC_MAX_RATIO);
        }
        None => {
            let mut notes = vec![part_note(guest), part_note(host)];
            notes.retain(|n| !n.is_empty());
            notes.dedup();
            t.note = notes.join("; ");
            if t.note.is_empty() {
                t.note = "fork_exec_wait was not among the --ops".into();
            }
        }
    }
    t
}

fn cold(coldstart: &Part<ColdStart>) -> Target {
    let mut t = Target {
        name: "`vmm run -- /bin/true` wall time, median".into(),
        goal: format!("under {COLDSTART_MAX_MS} ms"),
        measured: None,
        met: None,
        note: part_note(coldstart),
    };
    if let Part::Ok(c) = coldstart {
        let median = ms(c.wall.median_ns);
        match &c.stand_in {
            None => {
                t.measured = Some(format!("median {median:.2} ms over {} runs", c.wall.n));
                t.met = Some(median < COLDSTART_MAX_MS);
            }
            Some(_) => {
                t.measured =
                    Some(format!("stand-in `vmm run --cmdline exit=0`: median {median:.2} ms"));
                t.note = "cannot be judged until the guest runs programs; the stand-in boots the \
                          same kernel to its power-off without init or exec, so it is a lower \
                          bound"
                    .into();
            }
        }
    }
    t
}

fn versus_qemu(qemu: &Part<QemuComparison>) -> Target {
    let mut t = Target {
        name: "vmm against QEMU, same kernel and disk, to the same power-off".into(),
        goal: format!("at least {QEMU_MIN_FACTOR}x faster"),
        measured: None,
        met: None,
        note: part_note(qemu),
    };
    if let Part::Ok(q) = qemu {
        t.measured = Some(format!(
            "QEMU ({}) {:.2} ms, vmm {:.2} ms: {:.1}x",
            q.machine,
            ms(q.qemu.median_ns),
            ms(q.vmm.median_ns),
            q.qemu_over_vmm
        ));
        t.met = Some(q.qemu_over_vmm >= QEMU_MIN_FACTOR);
        if q.stand_in.is_some() {
            t.note = "both boot the stand-in (`exit=0`: boot to the kernel's power-off), since \
                      the guest cannot run programs yet"
                .into();
        }
    }
    t
}
