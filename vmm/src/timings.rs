//! `--timings`: where the time of one run went.
//!
//! Host phases are measured with the monotonic clock. Guest phases come from TSC stamps the
//! kernel writes into the boot report page (`vmm_abi::report`), converted with the guest TSC
//! frequency KVM reports; the guest TSC read just before the first `KVM_RUN` anchors the
//! "vCPU start to first instruction" figure.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use vmm_abi::report::{BootReport, stamp};

/// Host-side phase durations of one run, plus what the guest reported.
#[derive(Clone, Debug, Default)]
pub struct Timings {
    /// Input checks, then opening KVM through attaching devices (memory, VM, irqchip,
    /// vCPU, legacy and virtio devices).
    pub vm_create: Duration,
    /// Reading/checking the kernel, loading it and writing the boot structures.
    pub kernel_load: Duration,
    /// From the first `KVM_RUN` to the power-off exit.
    pub guest_run: Duration,
    /// Guest TSC frequency in kHz (from KVM_GET_TSC_KHZ).
    pub tsc_khz: Option<u32>,
    /// Guest TSC just before the first `KVM_RUN`.
    pub guest_tsc_at_run: Option<u64>,
    /// The kernel's boot report, if it wrote one.
    pub report: Option<BootReport>,
    /// KVM's counters for the run (exits, emulated instructions, ...), if available.
    pub kvm_stats: Vec<(&'static str, u64)>,
}

/// A stopwatch for consecutive phases.
pub struct Lap(Instant);

impl Lap {
    /// Starts timing now.
    pub fn start() -> Self {
        Lap(Instant::now())
    }

    /// Time since the last lap (or start), restarting the watch.
    pub fn lap(&mut self) -> Duration {
        let now = Instant::now();
        let elapsed = now - self.0;
        self.0 = now;
        elapsed
    }
}

fn micros(d: Duration) -> String {
    format!("{:>9.1} us", d.as_secs_f64() * 1e6)
}

impl Timings {
    /// Guest-side microseconds between two report stamps, with the first-`KVM_RUN` anchor
    /// standing in for a missing `from` stamp.
    fn guest_micros(&self, from: Option<u64>, to: usize) -> Option<f64> {
        let report = self.report.as_ref()?;
        let khz = f64::from(self.tsc_khz?);
        let (a, b) = (from?, *report.stamps.get(to)?);
        (a != 0 && b >= a && khz > 0.0).then(|| (b - a) as f64 * 1000.0 / khz)
    }

    /// The report as printed by `vmm run --timings`; `wall` is the whole process so far.
    pub fn render(&self, wall: Duration) -> String {
        let mut out = String::from("vmm timings:\n");
        let mut line = |name: &str, value: String| {
            let _ = writeln!(out, "  {name:<34}{value}");
        };
        line("vm creation (kvm, memory, devices)", micros(self.vm_create));
        line("kernel load (elf, boot params)", micros(self.kernel_load));
        line("guest run (first KVM_RUN to exit)", micros(self.guest_run));
        let stamps = self.report.as_ref().map(|r| r.stamps).unwrap_or_default();
        let guest = [
            ("  vcpu start -> kernel entry", self.guest_tsc_at_run, stamp::ENTRY),
            ("  kernel entry -> banner", Some(stamps[stamp::ENTRY]), stamp::BANNER),
            ("  banner -> power-off", Some(stamps[stamp::BANNER]), stamp::POWER_OFF),
            ("  kernel entry -> power-off", Some(stamps[stamp::ENTRY]), stamp::POWER_OFF),
        ];
        for (name, from, to) in guest {
            match self.guest_micros(from, to) {
                Some(us) => line(name, format!("{us:>9.1} us")),
                None => line(name, "      n/a (no guest report)".into()),
            }
        }
        for (name, value) in &self.kvm_stats {
            line(&format!("  kvm: {name}"), format!("{value:>9}"));
        }
        line("teardown", "  deferred to a reaper process".into());
        line("total wall (process)", micros(wall));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_guest_phases_from_stamps() {
        let mut report = BootReport::default();
        report.stamps[stamp::ENTRY] = 2_000;
        report.stamps[stamp::BANNER] = 5_000;
        report.stamps[stamp::POWER_OFF] = 6_000;
        let t = Timings {
            tsc_khz: Some(1_000_000), // 1 GHz: 1000 cycles per microsecond
            guest_tsc_at_run: Some(1_000),
            report: Some(report),
            ..Default::default()
        };
        let text = t.render(Duration::from_micros(1500));
        let figure = |label: &str| -> f64 {
            let line = text.lines().find(|l| l.contains(label)).unwrap();
            line.split_whitespace().rev().nth(1).unwrap().parse().unwrap()
        };
        assert_eq!(figure("vcpu start -> kernel entry"), 1.0, "{text}");
        assert_eq!(figure("kernel entry -> banner"), 3.0, "{text}");
        assert_eq!(figure("banner -> power-off"), 1.0, "{text}");
        assert_eq!(figure("kernel entry -> power-off"), 4.0, "{text}");
        assert_eq!(figure("total wall"), 1500.0, "{text}");
    }

    #[test]
    fn missing_report_says_so() {
        let text = Timings::default().render(Duration::ZERO);
        assert!(text.contains("n/a (no guest report)"));
    }
}
