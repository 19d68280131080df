//! The CPUID the guest sees: what KVM supports on this host, with the fields a VMM must fill.
//!
//! `KVM_GET_SUPPORTED_CPUID` describes the host CPU as KVM can virtualize it, but leaves the
//! per-vCPU topology and a few feature bits that depend on VMM choices to user space
//! (Documentation/virt/kvm/api.rst, "KVM_GET_SUPPORTED_CPUID").

use kvm_bindings::kvm_cpuid_entry2;

/// CPUID.01H:ECX bit 24, TSC-deadline mode of the LAPIC timer.
const LEAF1_ECX_TSC_DEADLINE: u32 = 1 << 24;
/// CPUID.01H:ECX bit 31, "running under a hypervisor".
const LEAF1_ECX_HYPERVISOR: u32 = 1 << 31;

/// What the VMM decides about the vCPU that CPUID must report.
#[derive(Clone, Copy, Debug)]
pub struct VcpuTopology {
    /// This vCPU's (x2)APIC id.
    pub apic_id: u32,
    /// Number of logical processors in the VM.
    pub cpu_count: u32,
    /// Whether KVM's in-kernel LAPIC offers TSC-deadline mode (KVM_CAP_TSC_DEADLINE_TIMER).
    pub tsc_deadline: bool,
}

/// Adjusts the supported CPUID entries in place for one vCPU.
pub fn patch(entries: &mut [kvm_cpuid_entry2], topo: VcpuTopology) {
    for entry in entries.iter_mut() {
        match entry.function {
            0x1 => {
                // EBX[31:24] initial APIC id, EBX[23:16] logical processors per package.
                entry.ebx = (entry.ebx & 0x0000_ffff)
                    | (topo.apic_id << 24)
                    | ((topo.cpu_count & 0xff) << 16);
                entry.ecx |= LEAF1_ECX_HYPERVISOR;
                if topo.tsc_deadline {
                    entry.ecx |= LEAF1_ECX_TSC_DEADLINE;
                } else {
                    entry.ecx &= !LEAF1_ECX_TSC_DEADLINE;
                }
            }
            // Extended topology leaves: EDX is the x2APIC id of the executing processor.
            0xb | 0x1f => entry.edx = topo.apic_id,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(function: u32) -> kvm_cpuid_entry2 {
        kvm_cpuid_entry2 { function, ebx: 0xdead_beef, ..Default::default() }
    }

    #[test]
    fn leaf1_reports_apic_id_and_hypervisor() {
        let mut entries = [entry(0x1), entry(0xb), entry(0x7)];
        patch(&mut entries, VcpuTopology { apic_id: 3, cpu_count: 4, tsc_deadline: true });
        assert_eq!(entries[0].ebx >> 24, 3);
        assert_eq!((entries[0].ebx >> 16) & 0xff, 4);
        assert_eq!(entries[0].ebx & 0xffff, 0xbeef, "brand index and CLFLUSH size kept");
        assert_ne!(entries[0].ecx & LEAF1_ECX_HYPERVISOR, 0);
        assert_ne!(entries[0].ecx & LEAF1_ECX_TSC_DEADLINE, 0);
        assert_eq!(entries[1].edx, 3);
        assert_eq!(entries[2].ebx, 0xdead_beef, "other leaves untouched");
    }

    #[test]
    fn tsc_deadline_cleared_when_unsupported() {
        let mut entries =
            [kvm_cpuid_entry2 { function: 1, ecx: LEAF1_ECX_TSC_DEADLINE, ..Default::default() }];
        patch(&mut entries, VcpuTopology { apic_id: 0, cpu_count: 1, tsc_deadline: false });
        assert_eq!(entries[0].ecx & LEAF1_ECX_TSC_DEADLINE, 0);
    }
}
