//! The vCPU state at the kernel's first instruction: the PVH boot ABI.
//!
//! PVH (Xen's "HVM direct boot", also used by QEMU and Firecracker) enters the kernel in 32-bit
//! protected mode with paging off: CS a flat 32-bit code segment, DS/ES/SS flat data, TR a
//! 32-bit TSS, EFLAGS.IF clear, and EBX holding the physical address of `hvm_start_info`
//! (xen/include/public/arch-x86/hvm/start_info.h, "PVH boot").

use super::gdt::{CODE32_FLAGS, DATA32_FLAGS, TSS32_FLAGS, descriptor, kvm_segment_from};
use super::layout::{BOOT_GDT_ADDR, BOOT_IDT_ADDR};
use kvm_bindings::{kvm_fpu, kvm_regs, kvm_sregs};

/// CR0.PE: protected mode.
const CR0_PE: u64 = 1 << 0;
/// CR0.ET: set on every CPU since the 486; KVM expects it.
const CR0_ET: u64 = 1 << 4;
/// EFLAGS bit 1 is reserved and always set.
const RFLAGS_RESERVED: u64 = 1 << 1;

/// The boot GDT written at `BOOT_GDT_ADDR`: null, code (0x08), data (0x10), TSS (0x18).
pub const BOOT_GDT: [u64; 4] = [
    0,
    descriptor(CODE32_FLAGS, 0, 0xfffff),
    descriptor(DATA32_FLAGS, 0, 0xfffff),
    descriptor(TSS32_FLAGS, 0, 0x67),
];

/// Special registers for the PVH entry, starting from the vCPU's current `sregs` (so fields
/// KVM owns, like the APIC base, are kept).
pub fn pvh_sregs(mut sregs: kvm_sregs) -> kvm_sregs {
    let code = kvm_segment_from(BOOT_GDT[1], 0x08);
    let data = kvm_segment_from(BOOT_GDT[2], 0x10);
    sregs.gdt.base = BOOT_GDT_ADDR;
    sregs.gdt.limit = (std::mem::size_of_val(&BOOT_GDT) - 1) as u16;
    sregs.idt.base = BOOT_IDT_ADDR;
    sregs.idt.limit = 7;
    sregs.cs = code;
    sregs.ds = data;
    sregs.es = data;
    sregs.fs = data;
    sregs.gs = data;
    sregs.ss = data;
    sregs.tr = kvm_segment_from(BOOT_GDT[3], 0x18);
    sregs.cr0 = CR0_PE | CR0_ET;
    sregs.cr3 = 0;
    sregs.cr4 = 0;
    sregs.efer = 0;
    sregs
}

/// General registers for the PVH entry at `entry` with `hvm_start_info` at `start_info`.
pub fn pvh_regs(entry: u64, start_info: u64) -> kvm_regs {
    kvm_regs { rip: entry, rbx: start_info, rflags: RFLAGS_RESERVED, ..Default::default() }
}

/// The x87/SSE state after `FNINIT` plus the default MXCSR, as a freshly reset CPU has.
pub fn initial_fpu() -> kvm_fpu {
    kvm_fpu { fcw: 0x37f, mxcsr: 0x1f80, ..Default::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pvh_state_is_flat_protected_mode() {
        let sregs = pvh_sregs(kvm_sregs::default());
        assert_eq!(sregs.cr0 & 0x8000_0001, 1, "PE set, PG clear");
        assert_eq!(sregs.cs.db, 1);
        assert_eq!(sregs.cs.l, 0);
        assert_eq!(sregs.cs.limit, 0xffff_ffff);
        assert_eq!(sregs.ss.selector, 0x10);
        assert_eq!(sregs.tr.type_, 0xb);
        assert_eq!(sregs.efer, 0);
    }

    #[test]
    fn pvh_regs_pass_start_info_in_ebx() {
        let regs = pvh_regs(0x10_0000, 0x6000);
        assert_eq!((regs.rip, regs.rbx, regs.rflags), (0x10_0000, 0x6000, 2));
    }
}
