//! The boot report (`vmm_abi::report`): TSC stamps of boot milestones, written into the
//! page the vmm announces in the memory map, right before power-off.
//!
//! Stamps are kept in kernel statics until then, so recording one costs a `rdtsc` and a
//! store; the report page itself is written once, with plain stores (no VM exit). Under
//! QEMU there is no report page and nothing is written.

use crate::arch::x86_64::cpu;
use crate::mm::layout;
use core::sync::atomic::{AtomicU64, Ordering};
use vmm_abi::report::{BootReport, MAX_STAMPS, REPORT_MAGIC, REPORT_SIZE};

/// Stamps recorded so far (0 = not reached).
static STAMPS: [AtomicU64; MAX_STAMPS] = [const { AtomicU64::new(0) }; MAX_STAMPS];
/// Physical address of the report page, 0 if the memory map has none.
static LOCATION: AtomicU64 = AtomicU64::new(0);
/// The TSC frequency in kHz, 0 if unknown.
static TSC_KHZ: AtomicU64 = AtomicU64::new(0);

/// Records `tsc` as stamp `slot` (one of `vmm_abi::report::stamp`).
pub fn record(slot: usize, tsc: u64) {
    STAMPS[slot].store(tsc, Ordering::Relaxed);
}

/// Records the current TSC as stamp `slot`.
pub fn stamp(slot: usize) {
    record(slot, cpu::rdtsc());
}

/// Sets where the report goes (from the memory map), `None` for nowhere.
pub fn set_location(phys: Option<u64>) {
    LOCATION.store(phys.unwrap_or(0), Ordering::Relaxed);
}

/// Sets the TSC frequency the report carries.
pub fn set_tsc_khz(khz: u64) {
    TSC_KHZ.store(khz, Ordering::Relaxed);
}

/// The report as it stands.
pub fn current() -> BootReport {
    BootReport {
        magic: REPORT_MAGIC,
        tsc_khz: TSC_KHZ.load(Ordering::Relaxed),
        stamps: core::array::from_fn(|i| STAMPS[i].load(Ordering::Relaxed)),
    }
}

/// Writes the report into the report page, if there is one and it is mapped.
pub fn publish() {
    let phys = LOCATION.load(Ordering::Relaxed);
    if phys == 0 {
        return;
    }
    if let Some(ptr) = layout::phys_to_virt(phys, REPORT_SIZE as u64) {
        // SAFETY: the memory map reserves this page for the report (it is not RAM, so the
        // frame allocator never hands it out) and it is mapped writable; `BootReport` is
        // plain data and the page is 4 KiB-aligned, so the write is aligned.
        unsafe { ptr.cast::<BootReport>().write_volatile(current()) };
    }
}
