//! Model-specific registers set before the first instruction.
//!
//! KVM resets most MSRs to the architectural power-on values, which is what a kernel booting
//! from PVH expects; only the two below differ from what firmware would have left behind.

use kvm_bindings::{Msrs, kvm_msr_entry};
use vmm_sys_util::fam::FamStructWrapper;

/// IA32_MISC_ENABLE (Intel SDM vol. 4, table 2-2).
const MSR_IA32_MISC_ENABLE: u32 = 0x1a0;
/// IA32_MISC_ENABLE.FAST_STRINGS: lets `rep movs/stos` use fast strings, as firmware does.
const MISC_ENABLE_FAST_STRING: u64 = 1;
/// IA32_MTRR_DEF_TYPE.
const MSR_MTRR_DEF_TYPE: u32 = 0x2ff;
/// MTRRs enabled (bit 11) with write-back (6) as the default memory type.
const MTRR_ENABLE_WRITE_BACK: u64 = (1 << 11) | 6;

/// The MSR entries to set on the boot vCPU.
pub fn boot_msr_entries() -> Vec<kvm_msr_entry> {
    [(MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING), (MSR_MTRR_DEF_TYPE, MTRR_ENABLE_WRITE_BACK)]
        .into_iter()
        .map(|(index, data)| kvm_msr_entry { index, data, ..Default::default() })
        .collect()
}

/// The entries as KVM's variable-length `kvm_msrs`.
pub fn boot_msrs() -> Result<Msrs, vmm_sys_util::fam::Error> {
    FamStructWrapper::from_entries(&boot_msr_entries())
}
