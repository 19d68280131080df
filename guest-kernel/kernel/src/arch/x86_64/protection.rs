//! SMEP and SMAP: the CPU refuses to execute (SMEP) or access (SMAP) user pages from ring 0,
//! so a kernel bug cannot be steered into user memory.
//!
//! Both are enabled when CPUID leaf 7 offers them. The guest CPUID on the project's hosts
//! offers neither (docs/DESIGN.md section 6), so there they stay off and the kernel's own
//! discipline is what holds: every user access goes through `uaccess` (range-checked
//! against the user half, fault-tolerant copies). Under a hypervisor that offers them (QEMU
//! with `-cpu max`, hardware KVM) they are on, and `uaccess` opens the user window with
//! `stac`/`clac` around each copy; [`SMAP_ENABLED`] tells its assembly whether those
//! instructions exist.

use super::cpu;
use core::arch::asm;
use core::sync::atomic::{AtomicBool, Ordering};

/// CPUID.(EAX=7,ECX=0):EBX bit 7: SMEP.
const CPUID_SMEP: u32 = 1 << 7;
/// CPUID.(EAX=7,ECX=0):EBX bit 20: SMAP.
const CPUID_SMAP: u32 = 1 << 20;
/// CR4.SMEP.
const CR4_SMEP: u64 = 1 << 20;
/// CR4.SMAP.
const CR4_SMAP: u64 = 1 << 21;

/// Whether SMAP is on (then the user-copy routines bracket their accesses with
/// `stac`/`clac`). Read by assembly: one byte, 0 or 1.
#[unsafe(no_mangle)]
pub static SMAP_ENABLED: AtomicBool = AtomicBool::new(false);

/// Whether SMEP and SMAP were enabled, for the log.
#[derive(Clone, Copy, Debug)]
pub struct Protections {
    /// SMEP is on.
    pub smep: bool,
    /// SMAP is on.
    pub smap: bool,
}

/// Enables SMEP and SMAP where the CPU has them. Once, at boot (two CPUIDs, one CR4
/// write if anything is offered).
pub fn init() -> Protections {
    if cpu::cpuid(0).eax < 7 {
        return Protections { smep: false, smap: false };
    }
    // Leaf 7 exists (checked above).
    let ebx = core::arch::x86_64::__cpuid_count(7, 0).ebx;
    let smep = ebx & CPUID_SMEP != 0;
    let smap = ebx & CPUID_SMAP != 0;
    let bits = if smep { CR4_SMEP } else { 0 } | if smap { CR4_SMAP } else { 0 };
    if bits != 0 {
        // SAFETY: the bits are supported (CPUID); the kernel never executes user pages and
        // touches user memory only in `uaccess`, which sets RFLAGS.AC when SMAP is on.
        unsafe {
            asm!(
                "mov {tmp}, cr4",
                "or {tmp}, {bits}",
                "mov cr4, {tmp}",
                tmp = out(reg) _,
                bits = in(reg) bits,
                options(nostack, preserves_flags)
            );
        }
    }
    SMAP_ENABLED.store(smap, Ordering::Relaxed);
    Protections { smep, smap }
}
