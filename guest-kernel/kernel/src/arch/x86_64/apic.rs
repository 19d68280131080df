//! The local APIC: enabled, PIC input masked, and end-of-interrupt, in x2APIC mode (MSRs)
//! where the CPU has it, else xAPIC (MMIO at `0xfee0_0000`).
//!
//! End of interrupt uses KVM's paravirtual EOI when offered (`KVM_FEATURE_PV_EOI`): KVM
//! sets bit 0 of a guest word when it injects an interrupt whose EOI it does not need to
//! see (an edge-triggered one, like every interrupt this kernel routes); the handler then
//! clears the bit instead of writing the EOI register, which saves one VM exit per
//! interrupt. This is Linux's `kvm_guest_apic_eoi_write`. (On the project's hosts KVM
//! offers the feature but was never seen setting the bit, so there every interrupt still
//! costs the EOI write, an MSR exit; the check costs one load.)
//!
//! The LAPIC timer runs in TSC-deadline mode ([`set_deadline`]): one MSR write arms it for
//! an absolute TSC value, which is what sleeping needs (`time::sleep`).

use super::cpu;
use crate::arch::x86_64::paging;
use crate::mm::layout;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// IA32_APIC_BASE: enable bits and the xAPIC base address.
const IA32_APIC_BASE: u32 = 0x1b;
/// IA32_APIC_BASE: x2APIC mode.
const APIC_BASE_EXTD: u64 = 1 << 10;
/// IA32_APIC_BASE: the APIC is enabled.
const APIC_BASE_ENABLE: u64 = 1 << 11;
/// CPUID.01H:ECX bit 21: x2APIC.
const CPUID_X2APIC: u32 = 1 << 21;
/// Physical address of the xAPIC registers (the reset value of IA32_APIC_BASE).
const XAPIC_PHYS: u64 = 0xfee0_0000;

/// Register offsets in the xAPIC page; the x2APIC MSR is `0x800 + offset / 16`.
const REG_EOI: u32 = 0xb0;
const REG_SVR: u32 = 0xf0;
const REG_LVT_LINT0: u32 = 0x350;
const REG_LVT_TIMER: u32 = 0x320;

/// LVT timer mode bits 17-18: TSC-deadline.
const LVT_TSC_DEADLINE: u32 = 0b10 << 17;
/// CPUID.01H:ECX bit 24: TSC-deadline timer.
const CPUID_TSC_DEADLINE: u32 = 1 << 24;
/// IA32_TSC_DEADLINE: the absolute TSC value at which the timer fires (0 disarms).
const IA32_TSC_DEADLINE: u32 = 0x6e0;

/// The vector of the LAPIC timer (its handler only wakes the CPU: see `irq`).
pub const TIMER_VECTOR: u8 = 0xef;

/// Whether the timer is set up in TSC-deadline mode.
static DEADLINE_MODE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// Spurious-interrupt vector register: APIC software enable.
const SVR_ENABLE: u32 = 1 << 8;
/// LVT: masked.
const LVT_MASKED: u32 = 1 << 16;

/// `KVM_FEATURE_PV_EOI` (CPUID 0x4000_0001 EAX bit 6).
const KVM_FEATURE_PV_EOI: u32 = 1 << 6;
/// `MSR_KVM_PV_EOI_EN`: guest-physical address of the PV EOI word, bit 0 = enable.
const MSR_KVM_PV_EOI_EN: u32 = 0x4b56_4d04;

/// The vector of spurious interrupts (no EOI for those).
pub const SPURIOUS_VECTOR: u8 = 0xff;

/// 0 in x2APIC mode, else the virtual address of the xAPIC registers.
static XAPIC: AtomicU64 = AtomicU64::new(0);
/// The PV EOI word KVM writes (bit 0: "the EOI of the interrupt being handled is not
/// needed"); 4-byte aligned, in the kernel image, so its physical page stays reserved.
static PV_EOI: AtomicU32 = AtomicU32::new(0);

/// Why the local APIC could not be set up.
#[derive(Clone, Copy, Debug)]
pub struct ApicError;

/// Enables the boot CPU's local APIC: x2APIC if the CPU has it, software-enabled with
/// [`SPURIOUS_VECTOR`], LINT0 masked (KVM resets the boot CPU's LINT0 to ExtINT, which would
/// let the legacy PIC inject its own vectors), and PV EOI when KVM offers it
/// (`kvm_features` from kvm-clock's CPUID). About six exits, once.
pub fn init(kvm_features: u32) -> Result<(), ApicError> {
    let x2apic = cpu::cpuid(1).ecx & CPUID_X2APIC != 0;
    // SAFETY: IA32_APIC_BASE exists on every CPU with an APIC (all x86_64 ones).
    let base = unsafe { cpu::rdmsr(IA32_APIC_BASE) };
    if x2apic {
        // SAFETY: CPUID says x2APIC exists; switching an enabled xAPIC to x2APIC mode is
        // the architectural transition (EN then EXTD, both set here at once from EN).
        unsafe { cpu::wrmsr(IA32_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_EXTD) };
    } else {
        let regs = paging::map_mmio(XAPIC_PHYS, 4096).ok_or(ApicError)?;
        XAPIC.store(regs as u64, Ordering::Relaxed);
    }
    write(REG_LVT_LINT0, LVT_MASKED);
    write(REG_SVR, SVR_ENABLE | u32::from(SPURIOUS_VECTOR));
    if kvm_features & KVM_FEATURE_PV_EOI != 0 {
        let word = layout::image_virt_to_phys(PV_EOI.as_ptr() as u64);
        // SAFETY: `PV_EOI` is a kernel static (its page is reserved for good), 4-byte
        // aligned; KVM only ever sets or clears its bit 0.
        unsafe { cpu::wrmsr(MSR_KVM_PV_EOI_EN, word | 1) };
    }
    Ok(())
}

/// Puts the LAPIC timer in TSC-deadline mode on [`TIMER_VECTOR`], if the CPU has it (one
/// CPUID and one register write, once, after [`init`]). Returns whether it did.
pub fn init_timer() -> bool {
    if DEADLINE_MODE.load(Ordering::Relaxed) {
        return true;
    }
    if cpu::cpuid(1).ecx & CPUID_TSC_DEADLINE == 0 {
        return false;
    }
    write(REG_LVT_TIMER, LVT_TSC_DEADLINE | u32::from(TIMER_VECTOR));
    DEADLINE_MODE.store(true, Ordering::Relaxed);
    true
}

/// Arms the timer to interrupt when the TSC reaches `tsc` (0 disarms). Requires
/// [`init_timer`] to have succeeded.
pub fn set_deadline(tsc: u64) {
    // SAFETY: the LVT timer is in TSC-deadline mode (`init_timer`), where this MSR exists
    // and only schedules the timer interrupt.
    unsafe { cpu::wrmsr(IA32_TSC_DEADLINE, tsc) };
}

/// Signals the end of the interrupt being handled: clears the PV EOI flag if KVM set it
/// (no exit), else writes the EOI register (one exit).
pub fn eoi() {
    let flag = PV_EOI.load(Ordering::Relaxed);
    if flag & 1 != 0 {
        // KVM writes the word only while this vCPU is not running, so a plain store after
        // the load is atomic enough (Linux uses a non-atomic test-and-clear too).
        PV_EOI.store(flag & !1, Ordering::Relaxed);
        return;
    }
    write(REG_EOI, 0);
}

/// Writes an APIC register (xAPIC offset `reg`).
fn write(reg: u32, value: u32) {
    let xapic = XAPIC.load(Ordering::Relaxed);
    if xapic == 0 {
        // SAFETY: in x2APIC mode every register at xAPIC offset `reg` is MSR
        // 0x800 + reg / 16; the registers written here (EOI, SVR, LVT) take any value the
        // callers pass.
        unsafe { cpu::wrmsr(0x800 + reg / 16, u64::from(value)) };
    } else {
        // SAFETY: `xapic` maps the xAPIC page uncached; `reg` is a register offset in it,
        // 16-byte aligned.
        unsafe { ((xapic + u64::from(reg)) as *mut u32).write_volatile(value) };
    }
}
