//! The boot report: TSC stamps the kernel records so the vmm can show where boot time went.
//!
//! The vmm reserves one page of guest RAM for the report and announces it in the PVH memory
//! map as a region of type [`E820_TYPE_BOOT_REPORT`]. A kernel that finds such a region writes
//! a [`BootReport`] there with plain memory stores (no VM exits); a kernel booted by another
//! loader (QEMU) finds none and writes nothing. The vmm reads the page after power-off.

/// Memory-map type of the report page (an OEM-defined E820 type, ACPI 6.5 table 15.1).
pub const E820_TYPE_BOOT_REPORT: u32 = 0xf000_0001;

/// `BootReport::magic`: "VMMRPT01" in little-endian bytes.
pub const REPORT_MAGIC: u64 = u64::from_le_bytes(*b"VMMRPT01");

/// Number of stamp slots in a report.
pub const MAX_STAMPS: usize = 16;

/// Named stamp slots. A slot left at zero was not reached.
pub mod stamp {
    /// The kernel's first instruction (PVH 32-bit entry).
    pub const ENTRY: usize = 0;
    /// The kernel entered Rust code in 64-bit mode with paging on.
    pub const RUST_START: usize = 1;
    /// Early boot is done and the command line parsed (the banner line is written just
    /// before, when the kernel is verbose).
    pub const BANNER: usize = 2;
    /// Just before the write to the exit port.
    pub const POWER_OFF: usize = 3;
    /// The kernel's descriptor tables (GDT, TSS, IDT) are loaded.
    pub const CPU_TABLES: usize = 4;
    /// The frame allocator knows the usable memory (memory map read and reduced).
    pub const MEMORY: usize = 5;
    /// The kernel's own page tables (direct map, W^X image) are live.
    pub const PAGING: usize = 6;
    /// The kernel heap is ready.
    pub const HEAP: usize = 7;
    /// The TSC frequency is known (kvm-clock registered and read).
    pub const CLOCK: usize = 8;
}

/// The report page's contents. `#[repr(C)]`, every field little-endian `u64`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BootReport {
    /// [`REPORT_MAGIC`] once the kernel has written the report.
    pub magic: u64,
    /// The guest's TSC frequency in kHz as the kernel measured it (0 if unknown); the vmm
    /// prefers KVM's own figure and uses this only as a cross-check.
    pub tsc_khz: u64,
    /// Guest TSC values at the points named in [`stamp`]; 0 where not reached.
    pub stamps: [u64; MAX_STAMPS],
}

impl BootReport {
    /// Microseconds between two stamps given the TSC frequency, or `None` if either stamp
    /// is missing or they are out of order.
    pub fn micros_between(&self, from: usize, to: usize, tsc_khz: u64) -> Option<u64> {
        let (a, b) = (*self.stamps.get(from)?, *self.stamps.get(to)?);
        if a == 0 || b == 0 || b < a || tsc_khz == 0 {
            return None;
        }
        Some((b - a) * 1000 / tsc_khz)
    }
}

/// Size of [`BootReport`] in bytes; it must fit in the one page the vmm reserves.
pub const REPORT_SIZE: usize = core::mem::size_of::<BootReport>();
const _: () = assert!(REPORT_SIZE <= 4096);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_between_converts_with_frequency() {
        let mut r = BootReport::default();
        r.stamps[stamp::ENTRY] = 1_000;
        r.stamps[stamp::BANNER] = 3_001_000;
        // 3,000,000 cycles at 3 GHz (3,000,000 kHz) is 1,000 us.
        assert_eq!(r.micros_between(stamp::ENTRY, stamp::BANNER, 3_000_000), Some(1000));
    }

    #[test]
    fn micros_between_rejects_missing_or_reversed() {
        let mut r = BootReport::default();
        r.stamps[stamp::BANNER] = 5;
        assert_eq!(r.micros_between(stamp::ENTRY, stamp::BANNER, 1000), None);
        r.stamps[stamp::ENTRY] = 10;
        assert_eq!(r.micros_between(stamp::ENTRY, stamp::BANNER, 1000), None);
        assert_eq!(r.micros_between(stamp::ENTRY, 99, 1000), None);
    }
}
