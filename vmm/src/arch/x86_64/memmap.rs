//! The E820-style memory map handed to the guest in the PVH `hvm_start_info`.

use super::layout::{BOOT_REPORT_ADDR, ENTROPY_ADDR, HIGH_MEMORY_START, LOW_RAM_END, ram_ranges};
use vmm_abi::entropy::E820_TYPE_ENTROPY;
use vmm_abi::report::E820_TYPE_BOOT_REPORT;

/// E820 type of usable RAM (ACPI 6.5, table 15.1 "AddressRangeMemory").
pub const E820_RAM: u32 = 1;

/// One memory-map entry: `[addr, addr + size)` of type `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryRegion {
    /// Guest-physical start.
    pub addr: u64,
    /// Length in bytes.
    pub size: u64,
    /// E820 type.
    pub kind: u32,
}

/// Builds the memory map for a guest with `mem_bytes` of RAM (at least `HIGH_MEMORY_START`).
///
/// Low memory is RAM up to 639 KiB except the boot report and entropy pages, which get their
/// own types so the kernel neither allocates them nor needs a second channel to find them;
/// the legacy hole up to 1 MiB is left out, as on a PC; the rest follows
/// `layout::ram_ranges`.
pub fn build(mem_bytes: u64) -> Vec<MemoryRegion> {
    let mut map = vec![
        MemoryRegion { addr: 0, size: BOOT_REPORT_ADDR, kind: E820_RAM },
        MemoryRegion { addr: BOOT_REPORT_ADDR, size: 0x1000, kind: E820_TYPE_BOOT_REPORT },
        MemoryRegion { addr: ENTROPY_ADDR, size: 0x1000, kind: E820_TYPE_ENTROPY },
        MemoryRegion {
            addr: ENTROPY_ADDR + 0x1000,
            size: LOW_RAM_END - (ENTROPY_ADDR + 0x1000),
            kind: E820_RAM,
        },
    ];
    for (start, size) in ram_ranges(mem_bytes) {
        let end = start + size;
        let start = start.max(HIGH_MEMORY_START);
        if end > start {
            map.push(MemoryRegion { addr: start, size: end - start, kind: E820_RAM });
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::x86_64::layout::{HIGH_RAM_START, MMIO_GAP_START};

    fn ram_total(map: &[MemoryRegion]) -> u64 {
        map.iter().filter(|r| r.kind == E820_RAM).map(|r| r.size).sum()
    }

    #[test]
    fn map_for_128_mib() {
        let map = build(128 << 20);
        assert_eq!(map.len(), 5);
        assert_eq!(
            map[4],
            MemoryRegion { addr: 0x10_0000, size: (128 << 20) - 0x10_0000, kind: E820_RAM }
        );
        // All of RAM but the legacy hole, the report page and the entropy page.
        assert_eq!(ram_total(&map), (128 << 20) - (0x10_0000 - LOW_RAM_END) - 0x2000);
    }

    #[test]
    fn regions_are_sorted_and_disjoint() {
        for mib in [2, 64, 3072, 3073, 8192] {
            let map = build(mib << 20);
            for pair in map.windows(2) {
                assert!(pair[0].addr + pair[0].size <= pair[1].addr, "{mib} MiB: {pair:?}");
            }
        }
    }

    #[test]
    fn report_page_is_announced_once() {
        let map = build(64 << 20);
        let reports: Vec<_> = map.iter().filter(|r| r.kind == E820_TYPE_BOOT_REPORT).collect();
        assert_eq!(
            reports,
            [&MemoryRegion { addr: BOOT_REPORT_ADDR, size: 0x1000, kind: E820_TYPE_BOOT_REPORT }]
        );
    }

    #[test]
    fn large_guest_has_high_region() {
        let map = build(5 << 30);
        let last = map.last().unwrap();
        assert_eq!(last.addr, HIGH_RAM_START);
        assert_eq!(last.size, (5 << 30) - MMIO_GAP_START);
        assert!(map.iter().all(|r| r.addr + r.size <= MMIO_GAP_START || r.addr >= HIGH_RAM_START));
    }
}
