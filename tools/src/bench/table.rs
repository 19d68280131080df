//! The report as a table for the terminal: guest against host per operation, the guest
//! kernel's instructions per operation, cold start with its `--timings` breakdown, QEMU
//! against the vmm, and the targets.

use std::fmt::Write as _;

use super::ops::OPS;
use super::program::BenchRun;
use super::report::{Part, Report};
use super::stats::Summary;

/// A duration in the most readable unit.
pub fn fmt_ns(ns: u64) -> String {
    let v = ns as f64;
    match ns {
        0..1_000 => format!("{ns} ns"),
        1_000..1_000_000 => format!("{:.2} µs", v / 1e3),
        1_000_000..1_000_000_000 => format!("{:.2} ms", v / 1e6),
        _ => format!("{:.2} s", v / 1e9),
    }
}

fn part_status<T>(part: &Part<T>) -> Option<String> {
    match part {
        Part::Ok(_) => None,
        Part::Failed { error } => Some(format!("FAILED: {error}")),
        Part::Skipped { reason } => Some(format!("skipped: {reason}")),
        Part::NotRequested => Some("not requested".into()),
    }
}

fn summary_line(s: &Summary) -> String {
    format!(
        "min {}  median {}  p99 {}  max {}  (n={})",
        fmt_ns(s.min_ns),
        fmt_ns(s.median_ns),
        fmt_ns(s.p99_ns),
        fmt_ns(s.max_ns),
        s.n
    )
}

/// Median and p99 of `name` in `run`, or what stands in their place.
fn cells(run: Option<&BenchRun>, name: &str) -> (String, String) {
    let Some(run) = run else { return ("—".into(), "—".into()) };
    if let Some(f) = run.output.figure(name) {
        return (fmt_ns(f.stats.median_ns), fmt_ns(f.stats.p99_ns));
    }
    ("—".into(), "—".into())
}

/// Renders the whole report.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let dirty = if r.git.dirty { " (uncommitted changes)" } else { "" };
    let _ = writeln!(o, "exec-bench {}  commit {}{dirty}", r.date, r.git.commit);
    let m = &r.machine;
    let _ = writeln!(
        o,
        "machine: {}, {} CPUs, {} MiB, Linux {}\nkvm: {}{}\n",
        m.cpu_model,
        m.cpus,
        m.mem_total_kib / 1024,
        m.kernel,
        m.kvm.summary,
        if r.settings.smoke {
            "\nSMOKE RUN: tiny sample counts, figures not meaningful"
        } else {
            ""
        }
    );
    render_ops(&mut o, r);
    render_insns(&mut o, r);
    render_coldstart(&mut o, r);
    render_qemu(&mut o, r);
    let _ = writeln!(o, "Targets");
    for t in &r.targets {
        let mark = match t.met {
            Some(true) => "met    ",
            Some(false) => "NOT MET",
            None => "n/a    ",
        };
        let _ = writeln!(o, "  [{mark}] {}: {}", t.name, t.goal);
        if let Some(measured) = &t.measured {
            let _ = writeln!(o, "            measured: {measured}");
        }
        if !t.note.is_empty() {
            let _ = writeln!(o, "            {}", t.note);
        }
    }
    o
}

fn render_ops(o: &mut String, r: &Report) {
    let _ = writeln!(o, "Inside the guest against host Linux (same static binary, same run)");
    let _ = writeln!(
        o,
        "  {:<28} {:>12} {:>12} {:>12} {:>12} {:>10}",
        "operation", "host median", "host p99", "guest median", "guest p99", "guest/host"
    );
    for op in OPS.iter().filter(|op| r.settings.ops.iter().any(|n| n == op.name)) {
        let (hm, hp) = cells(r.host.ok(), op.name);
        let (gm, gp) = cells(r.guest.ok(), op.name);
        let ratio = r
            .ratios
            .iter()
            .find(|x| x.name == op.name)
            .map_or("—".into(), |x| format!("{:.2}", x.guest_over_host));
        let _ = writeln!(o, "  {:<28} {hm:>12} {hp:>12} {gm:>12} {gp:>12} {ratio:>10}", op.label);
    }
    for (side, part) in [("host", &r.host), ("guest", &r.guest)] {
        if let Some(status) = part_status(part) {
            let _ = writeln!(o, "  {side}: {status}");
        }
    }
    let _ = writeln!(o);
}

fn render_insns(o: &mut String, r: &Report) {
    let _ = writeln!(o, "Kernel instructions per operation (KVM insn_emulation, two boots each)");
    match &r.insns {
        Part::Ok(k) => {
            let _ = writeln!(
                o,
                "  {:<28} {:>16} {:>14} {:>24}",
                "operation", "kernel insns/op", "ops per boot", "boot insns"
            );
            for f in &k.figures {
                let label = super::ops::find(&f.name).map_or(f.name.as_str(), |op| op.label);
                let runs = format!("{} / {}", f.n_small, f.n_large);
                let boots = format!("{} / {}", f.insns_small, f.insns_large);
                let _ = writeln!(o, "  {label:<28} {:>16.1} {runs:>14} {boots:>24}", f.per_op);
            }
        }
        other => {
            let _ = writeln!(o, "  {}", part_status(other).unwrap_or_default());
        }
    }
    let _ = writeln!(o);
}

fn render_coldstart(o: &mut String, r: &Report) {
    let _ = writeln!(o, "Cold start");
    match &r.coldstart {
        Part::Ok(c) => {
            let _ = writeln!(o, "  command: {}", c.command.join(" "));
            if let Some(why) = &c.stand_in {
                let _ = writeln!(o, "  STAND-IN: {why}");
            }
            let _ = writeln!(o, "  wall: {}", summary_line(&c.wall));
            let _ = writeln!(o, "  --timings, median (min–max) over {} runs:", c.wall.n);
            for p in &c.timings {
                let _ = writeln!(
                    o,
                    "    {:<52} {:>9.1} µs  ({:.1}–{:.1})",
                    p.label, p.median_us, p.min_us, p.max_us
                );
            }
        }
        other => {
            let _ = writeln!(o, "  {}", part_status(other).unwrap_or_default());
        }
    }
    let _ = writeln!(o);
}

fn render_qemu(o: &mut String, r: &Report) {
    let _ = writeln!(o, "QEMU against the vmm (same kernel ELF, same disk, same power-off)");
    match &r.qemu {
        Part::Ok(q) => {
            let _ = writeln!(o, "  qemu -M {}: {}", q.machine, summary_line(&q.qemu));
            let _ = writeln!(o, "  vmm:          {}", summary_line(&q.vmm));
            let _ = writeln!(o, "  QEMU median / vmm median: {:.1}x", q.qemu_over_vmm);
            if let Some(why) = &q.stand_in {
                let _ = writeln!(o, "  STAND-IN (both): {why}");
            }
            if let Some(note) = &q.note {
                let _ = writeln!(o, "  note: {note}");
            }
        }
        other => {
            let _ = writeln!(o, "  {}", part_status(other).unwrap_or_default());
        }
    }
    let _ = writeln!(o);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(fmt_ns(999), "999 ns");
        assert_eq!(fmt_ns(1_500), "1.50 µs");
        assert_eq!(fmt_ns(12_340_000), "12.34 ms");
        assert_eq!(fmt_ns(2_000_000_000), "2.00 s");
    }
}
