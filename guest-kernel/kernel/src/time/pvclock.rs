//! kvm-clock (pvclock): KVM publishes the scale between TSC ticks and nanoseconds in a
//! structure the guest registers with an MSR. These machines are AMD EPYC, where CPUID leaf
//! 0x15 does not give the TSC frequency, so this is where the kernel learns it.
//!
//! Cost: two CPUIDs and one WRMSR, three VM exits handled inside KVM.

use crate::arch::x86_64::cpu;
use crate::mm::layout;
use crate::sync::BootCell;
use core::sync::atomic::{AtomicU32, Ordering, fence};

/// CPUID leaf with the hypervisor signature ("KVMKVMKVM\0\0\0" in EBX, ECX, EDX).
const KVM_CPUID_SIGNATURE: u32 = 0x4000_0000;
/// CPUID leaf with KVM's paravirtual features in EAX.
const KVM_CPUID_FEATURES: u32 = 0x4000_0001;
/// Feature bit: `MSR_KVM_SYSTEM_TIME_NEW` exists.
const KVM_FEATURE_CLOCKSOURCE2: u32 = 1 << 3;
/// MSR taking the guest-physical address of a [`VcpuTimeInfo`] (bit 0 = enable).
const MSR_KVM_SYSTEM_TIME_NEW: u32 = 0x4b56_4d01;

/// `struct pvclock_vcpu_time_info` (Linux `arch/x86/include/asm/pvclock-abi.h`). KVM
/// rewrites it, bumping `version` to odd before and to even after each update.
#[repr(C, align(32))]
struct VcpuTimeInfo {
    version: u32,
    pad0: u32,
    tsc_timestamp: u64,
    system_time: u64,
    tsc_to_system_mul: u32,
    tsc_shift: i8,
    flags: u8,
    pad: [u8; 2],
}

/// The boot CPU's time info, in `.bss`; KVM keeps writing it once registered.
static TIME_INFO: BootCell<VcpuTimeInfo> = BootCell::new(VcpuTimeInfo {
    version: 0,
    pad0: 0,
    tsc_timestamp: 0,
    system_time: 0,
    tsc_to_system_mul: 0,
    tsc_shift: 0,
    flags: 0,
    pad: [0; 2],
});

/// `MSR_KVM_WALL_CLOCK_NEW`: KVM writes the wall-clock time of kvm-clock's zero into the
/// [`WallClock`] at the address written.
const MSR_KVM_WALL_CLOCK_NEW: u32 = 0x4b56_4d00;

/// `struct pvclock_wall_clock`: seconds and nanoseconds since the epoch at kvm-clock 0.
#[repr(C, align(16))]
struct WallClock {
    version: u32,
    sec: u32,
    nsec: u32,
}

/// Where KVM writes the wall clock, in `.bss`.
static WALL_CLOCK: BootCell<WallClock> = BootCell::new(WallClock { version: 0, sec: 0, nsec: 0 });

/// KVM's paravirtual feature bits (CPUID 0x4000_0001 EAX), 0 when not running on KVM;
/// read once by [`init`], so other paravirtual features (PV EOI) cost no second CPUID.
static KVM_FEATURES: AtomicU32 = AtomicU32::new(0);

/// KVM's paravirtual feature bits (`KVM_FEATURE_*`), known after [`init`]; 0 if the
/// hypervisor is not KVM.
pub fn kvm_features() -> u32 {
    KVM_FEATURES.load(Ordering::Relaxed)
}

/// Whether the hypervisor is KVM with kvm-clock (`MSR_KVM_SYSTEM_TIME_NEW`); records KVM's
/// feature bits on the way.
fn available() -> bool {
    let signature = cpu::cpuid(KVM_CPUID_SIGNATURE);
    let kvm =
        [signature.ebx, signature.ecx, signature.edx] == [0x4b4d_564b, 0x564b_4d56, 0x0000_004d];
    if !kvm || signature.eax < KVM_CPUID_FEATURES {
        return false;
    }
    let features = cpu::cpuid(KVM_CPUID_FEATURES).eax;
    KVM_FEATURES.store(features, Ordering::Relaxed);
    features & KVM_FEATURE_CLOCKSOURCE2 != 0
}

/// Registers the boot CPU's kvm-clock and returns the TSC frequency in kHz, or 0 when
/// kvm-clock is not available.
pub fn init() -> u64 {
    if !available() {
        return 0;
    }
    let info = TIME_INFO.get();
    let phys = layout::image_virt_to_phys(info as u64);
    // SAFETY: `TIME_INFO` is a kernel static (so its physical page is reserved as part of
    // the image for good), 32-byte aligned so it does not cross a page; KVM fills it in
    // before the guest runs again.
    unsafe { cpu::wrmsr(MSR_KVM_SYSTEM_TIME_NEW, phys | 1) };
    // A consistent snapshot: retry while KVM is mid-update (odd or changed version).
    for _ in 0..1000 {
        // SAFETY: reads of a static that KVM writes concurrently; volatile so each read
        // happens, and the version protocol detects torn snapshots.
        let (v1, mul, shift, v2) = unsafe {
            let v1 = (&raw const (*info).version).read_volatile();
            fence(Ordering::Acquire);
            let mul = (&raw const (*info).tsc_to_system_mul).read_volatile();
            let shift = (&raw const (*info).tsc_shift).read_volatile();
            fence(Ordering::Acquire);
            (v1, mul, shift, (&raw const (*info).version).read_volatile())
        };
        if v1 == v2 && v1 % 2 == 0 && v1 != 0 {
            return klib::tsc_scale::tsc_khz(mul, shift);
        }
        core::hint::spin_loop();
    }
    0
}

/// kvm-clock's time (ns since its zero) at TSC value `tsc`: `system_time` plus the scaled
/// ticks since `tsc_timestamp` (Linux `pvclock_clocksource_read`). `None` without
/// kvm-clock.
pub fn kvmclock_ns(tsc: u64) -> Option<u64> {
    if KVM_FEATURES.load(Ordering::Relaxed) & KVM_FEATURE_CLOCKSOURCE2 == 0 {
        return None;
    }
    let info = TIME_INFO.get();
    for _ in 0..1000 {
        // SAFETY: reads of the static KVM writes (registered by `init`); volatile, and
        // the version protocol rejects torn snapshots.
        let (v1, stamp, system, mul, shift, v2) = unsafe {
            let v1 = (&raw const (*info).version).read_volatile();
            fence(Ordering::Acquire);
            let stamp = (&raw const (*info).tsc_timestamp).read_volatile();
            let system = (&raw const (*info).system_time).read_volatile();
            let mul = (&raw const (*info).tsc_to_system_mul).read_volatile();
            let shift = (&raw const (*info).tsc_shift).read_volatile();
            fence(Ordering::Acquire);
            (v1, stamp, system, mul, shift, (&raw const (*info).version).read_volatile())
        };
        if v1 == v2 && v1 % 2 == 0 && v1 != 0 {
            let delta = tsc.wrapping_sub(stamp);
            let delta = if shift >= 0 { delta << shift } else { delta >> -shift };
            return Some(system.wrapping_add(((u128::from(delta) * u128::from(mul)) >> 32) as u64));
        }
        core::hint::spin_loop();
    }
    None
}

/// The wall-clock time (ns since the Unix epoch) at kvm-clock's zero, from KVM
/// (`MSR_KVM_WALL_CLOCK_NEW`: one MSR write). `None` without kvm-clock.
pub fn wall_clock_at_zero_ns() -> Option<u64> {
    if KVM_FEATURES.load(Ordering::Relaxed) & KVM_FEATURE_CLOCKSOURCE2 == 0 {
        return None;
    }
    let wall = WALL_CLOCK.get();
    let phys = layout::image_virt_to_phys(wall as u64);
    // SAFETY: `WALL_CLOCK` is a kernel static (its page is reserved for good), 16-byte
    // aligned; KVM writes the structure during the MSR write.
    unsafe { cpu::wrmsr(MSR_KVM_WALL_CLOCK_NEW, phys) };
    // SAFETY: KVM finished writing before the WRMSR returned; volatile reads of a static.
    let (version, sec, nsec) = unsafe {
        (
            (&raw const (*wall).version).read_volatile(),
            (&raw const (*wall).sec).read_volatile(),
            (&raw const (*wall).nsec).read_volatile(),
        )
    };
    (version % 2 == 0 && sec != 0).then(|| u64::from(sec) * 1_000_000_000 + u64::from(nsec))
}
