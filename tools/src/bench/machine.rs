//! The machine the figures come from: CPU, memory, host kernel, and what kind of KVM
//! `/dev/kvm` is. The last matters most on these hosts: `kvm_pvm` is a software hypervisor
//! that emulates guest ring-0 code (about 1 µs per instruction) while guest user code runs
//! natively, so guest kernel paths cost orders of magnitude more than on hardware KVM
//! (docs/DESIGN.md, section 6).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Description of the machine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// `model name` from /proc/cpuinfo.
    pub cpu_model: String,
    /// Logical CPUs.
    pub cpus: usize,
    /// `MemTotal` from /proc/meminfo, KiB.
    pub mem_total_kib: u64,
    /// Host kernel release (`uname -r`).
    pub kernel: String,
    /// What `/dev/kvm` is.
    pub kvm: Kvm,
}

/// What `/dev/kvm` is, as far as the host tells.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kvm {
    /// The loaded KVM vendor module: `kvm_pvm`, `kvm_amd`, `kvm_intel`, or none found.
    pub module: Option<String>,
    /// The host is itself a virtual machine (`hypervisor` CPU flag): KVM is nested.
    pub nested: bool,
    /// The CPU offers hardware virtualization (`svm` or `vmx` flag).
    pub hardware_virtualization: bool,
    /// Parameters of `kvm_pvm`, when that is the module.
    pub pvm_parameters: BTreeMap<String, String>,
    /// One line for people.
    pub summary: String,
}

fn read(path: impl AsRef<Path>) -> String {
    fs::read_to_string(path).unwrap_or_default()
}

/// Describes this machine (missing files give empty or zero fields, never an error).
pub fn describe() -> Machine {
    let cpuinfo = read("/proc/cpuinfo");
    let value = |key: &str| {
        cpuinfo
            .lines()
            .find(|l| l.split(':').next().is_some_and(|k| k.trim() == key))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let flags = value("flags");
    let has_flag = |f: &str| flags.split_whitespace().any(|x| x == f);
    let meminfo = read("/proc/meminfo");
    let mem_total_kib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let module = ["kvm_pvm", "kvm_amd", "kvm_intel"]
        .into_iter()
        .find(|m| Path::new("/sys/module").join(m).exists())
        .map(str::to_owned);
    let mut pvm_parameters = BTreeMap::new();
    if module.as_deref() == Some("kvm_pvm")
        && let Ok(dir) = fs::read_dir("/sys/module/kvm_pvm/parameters")
    {
        for entry in dir.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            pvm_parameters.insert(name, read(entry.path()).trim().to_owned());
        }
    }
    let nested = has_flag("hypervisor");
    let hardware_virtualization = has_flag("svm") || has_flag("vmx");
    let summary = kvm_summary(module.as_deref(), nested, hardware_virtualization);
    Machine {
        cpu_model: value("model name"),
        cpus: cpuinfo.lines().filter(|l| l.starts_with("processor")).count(),
        mem_total_kib,
        kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
        kvm: Kvm { module, nested, hardware_virtualization, pvm_parameters, summary },
    }
}

fn kvm_summary(module: Option<&str>, nested: bool, hw: bool) -> String {
    let place = if nested { "inside a VM (nested)" } else { "on bare metal" };
    match module {
        Some("kvm_pvm") => format!(
            "kvm_pvm: software hypervisor, guest ring 0 emulated (~1 us per instruction), guest \
             ring 3 native; {place}"
        ),
        Some(m) if hw => format!("{m}: hardware virtualization; {place}"),
        Some(m) => format!("{m}; {place}"),
        None => format!("no KVM vendor module found in /sys/module; {place}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_this_machine() {
        let m = describe();
        assert!(m.cpus >= 1 && !m.kernel.is_empty() && m.mem_total_kib > 0, "{m:?}");
        assert!(!m.kvm.summary.is_empty());
    }

    #[test]
    fn summaries() {
        assert!(kvm_summary(Some("kvm_pvm"), true, false).contains("emulated"));
        assert!(kvm_summary(Some("kvm_amd"), false, true).contains("bare metal"));
    }
}
