//! CPU identification and control that is not a descriptor table or a page table.

use core::arch::asm;
use core::arch::x86_64::{__cpuid, CpuidResult};

/// Reads the time-stamp counter. Not serializing: good enough for boot stamps, which are
/// microseconds apart.
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC has no side effects; CR4.TSD is clear, so it is allowed at CPL 0.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Executes CPUID for `leaf` (subleaf 0). Every CPUID is a VM exit, so callers ask once.
pub fn cpuid(leaf: u32) -> CpuidResult {
    __cpuid(leaf)
}

/// Whether the CPU can map 1 GiB pages (CPUID 0x8000_0001 EDX bit 26, "pdpe1gb").
pub fn has_1gib_pages() -> bool {
    cpuid(0x8000_0001).edx & (1 << 26) != 0
}

/// Writes the model-specific register `msr`.
///
/// # Safety
/// The caller must know the MSR's effect; for example a guest-physical address given to a
/// paravirtual MSR must stay reserved for what KVM writes there.
pub unsafe fn wrmsr(msr: u32, value: u64) {
    // SAFETY: the caller vouches for the MSR and the value.
    unsafe {
        asm!(
            "wrmsr",
            in("ecx") msr,
            in("eax") value as u32,
            in("edx") (value >> 32) as u32,
            options(nostack, preserves_flags)
        )
    };
}

/// Reads the model-specific register `msr`.
///
/// # Safety
/// The MSR must exist (reading a non-existent MSR raises #GP).
pub unsafe fn rdmsr(msr: u32) -> u64 {
    let (low, high): (u32, u32);
    // SAFETY: the caller vouches that the MSR exists; RDMSR has no other effect.
    unsafe {
        asm!(
            "rdmsr",
            in("ecx") msr,
            out("eax") low,
            out("edx") high,
            options(nomem, nostack, preserves_flags)
        )
    };
    u64::from(high) << 32 | u64::from(low)
}

/// Stops this CPU for good: interrupts off, then `hlt` in a loop (an NMI would wake it).
pub fn halt_forever() -> ! {
    loop {
        // SAFETY: `cli; hlt` only stops the CPU; nothing is left to run.
        unsafe { asm!("cli", "hlt", options(nomem, nostack)) };
    }
}
