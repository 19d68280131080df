//! Memory-map arithmetic: from the firmware's (address, size, type) regions and the ranges the
//! kernel must keep, compute what the frame allocator may hand out and what to direct-map.

use crate::fixed_vec::{CapacityError, FixedVec};
use crate::range::PhysRange;

/// E820 / PVH memory-map region types (ACPI 6.5 table 15.1) the kernel distinguishes.
pub mod kind {
    /// Usable RAM.
    pub const RAM: u32 = 1;
    /// Reserved: never touch, never map.
    pub const RESERVED: u32 = 2;
    /// ACPI tables, reclaimable once read.
    pub const ACPI: u32 = 3;
    /// ACPI non-volatile storage.
    pub const NVS: u32 = 4;
    /// Memory with detected errors.
    pub const UNUSABLE: u32 = 5;
}

/// Size of the frames the kernel allocates and of the smallest page it maps.
pub const PAGE_SIZE: u64 = 4096;

/// How many memory-map regions the kernel keeps. PVH loaders pass a handful (QEMU 3,
/// Firecracker-style vmms up to 5); every slot costs boot time to initialize, so the list
/// is kept short.
pub const MAX_REGIONS: usize = 32;

/// How many disjoint ranges a computed range list may hold.
pub const MAX_RANGES: usize = 32;

/// One entry of the memory map, as `hvm_memmap_table_entry` describes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Region {
    /// Physical base address.
    pub addr: u64,
    /// Size in bytes.
    pub size: u64,
    /// One of [`kind`] or another (OEM) type.
    pub kind: u32,
}

impl Region {
    /// The region's addresses.
    pub const fn range(&self) -> PhysRange {
        PhysRange::from_base_size(self.addr, self.size)
    }

    /// Whether the region is usable RAM.
    pub const fn is_ram(&self) -> bool {
        self.kind == kind::RAM
    }

    /// Whether the region belongs in the kernel's direct map: anything that is memory (RAM,
    /// ACPI data, OEM types such as the vmm's boot-report page), not holes or bad memory.
    pub const fn is_mappable(&self) -> bool {
        !matches!(self.kind, kind::RESERVED | kind::UNUSABLE)
    }
}

/// The memory map as the kernel keeps it.
pub type RegionList = FixedVec<Region, MAX_REGIONS>;

/// A sorted list of disjoint, non-touching ranges.
pub type RangeList = FixedVec<PhysRange, MAX_RANGES>;

/// What the banner says about RAM.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RamSummary {
    /// Sum of the sizes of the RAM regions, in bytes.
    pub total_bytes: u64,
    /// Number of RAM regions.
    pub regions: usize,
}

/// Totals over the RAM regions of `regions`.
pub fn ram_summary(regions: &[Region]) -> RamSummary {
    regions.iter().filter(|r| r.is_ram()).fold(RamSummary::default(), |s, r| RamSummary {
        total_bytes: s.total_bytes.saturating_add(r.size),
        regions: s.regions + 1,
    })
}

/// Adds `range` to the sorted list `list`, merging it with every range it overlaps or touches.
/// Appending in address order (the usual case: memory maps are sorted) moves nothing.
pub fn insert_merged(list: &mut RangeList, range: PhysRange) -> Result<(), CapacityError> {
    if range.is_empty() {
        return Ok(());
    }
    // `list[first..last]` are the ranges `range` touches; they become one.
    let first = list.iter().position(|r| r.end >= range.start).unwrap_or(list.len());
    let mut last = first;
    let mut merged = range;
    while last < list.len() && list[last].start <= range.end {
        merged = PhysRange::new(merged.start.min(list[last].start), merged.end.max(list[last].end));
        last += 1;
    }
    list.replace(first..last, merged)
}

/// The page-aligned ranges of RAM that are free for the frame allocator: the RAM regions
/// shrunk to whole pages, minus every non-RAM region (firmware tables sometimes overlap) and
/// every range in `reserved` (both grown to whole pages).
///
/// The result goes into `free` (cleared first) rather than being returned, and the work is
/// one sweep over sorted, merged lists rather than repeated splitting: the kernel runs this
/// at boot, where every instruction counts (moving a list is a few hundred bytes of copy).
pub fn usable_ranges(
    regions: &[Region],
    reserved: &[PhysRange],
    free: &mut RangeList,
) -> Result<(), CapacityError> {
    free.clear();
    let mut ram = RangeList::new();
    let mut holes = RangeList::new();
    for r in regions {
        if r.is_ram() {
            insert_merged(&mut ram, r.range().align_inward(PAGE_SIZE))?;
        } else {
            insert_merged(&mut holes, r.range().align_outward(PAGE_SIZE))?;
        }
    }
    for hole in reserved {
        insert_merged(&mut holes, hole.align_outward(PAGE_SIZE))?;
    }
    let mut next_hole = 0;
    for range in ram.iter() {
        let mut start = range.start;
        // Holes are sorted and disjoint: skip those below this range, cut at the others.
        while next_hole < holes.len() && holes[next_hole].end <= start {
            next_hole += 1;
        }
        let mut h = next_hole;
        while h < holes.len() && holes[h].start < range.end {
            if holes[h].start > start {
                free.push(PhysRange::new(start, holes[h].start))?;
            }
            start = start.max(holes[h].end);
            h += 1;
        }
        if start < range.end {
            free.push(PhysRange::new(start, range.end))?;
        }
    }
    Ok(())
}

/// The ranges the kernel's direct map must cover, into `list` (cleared first): every
/// mappable region grown to `align` (the page size of the map), merged.
pub fn direct_map_ranges(
    regions: &[Region],
    align: u64,
    list: &mut RangeList,
) -> Result<(), CapacityError> {
    list.clear();
    for r in regions.iter().filter(|r| r.is_mappable()) {
        insert_merged(list, r.range().align_outward(align))?;
    }
    Ok(())
}

/// Total number of bytes in `ranges`.
pub fn total_bytes(ranges: &[PhysRange]) -> u64 {
    ranges.iter().map(PhysRange::len).fold(0, u64::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;

    const MIB: u64 = 1 << 20;

    fn region(addr: u64, size: u64, kind: u32) -> Region {
        Region { addr, size, kind }
    }

    fn usable(regions: &[Region], reserved: &[PhysRange]) -> RangeList {
        let mut list = RangeList::new();
        list.push(PhysRange::new(1, 2)).unwrap(); // cleared by the call
        usable_ranges(regions, reserved, &mut list).unwrap();
        list
    }

    /// The map QEMU's microvm gives a 128 MiB guest, roughly.
    fn qemu_like() -> [Region; 3] {
        [
            region(0, 0x9fc00, kind::RAM),
            region(0x9fc00, 0x400, kind::RESERVED),
            region(MIB, 127 * MIB, kind::RAM),
        ]
    }

    #[test]
    fn summary_counts_only_ram() {
        let s = ram_summary(&qemu_like());
        assert_eq!(s.regions, 2);
        assert_eq!(s.total_bytes, 0x9fc00 + 127 * MIB);
    }

    #[test]
    fn usable_excludes_reserved_and_partial_pages() {
        let kernel = PhysRange::new(MIB, MIB + 0x12345);
        let low = PhysRange::new(0, MIB);
        let list = usable(&qemu_like(), &[low, kernel]);
        assert_eq!(&*list, &[PhysRange::new(MIB + 0x13000, 128 * MIB)]);
        assert_eq!(total_bytes(&list), 127 * MIB - 0x13000);
    }

    #[test]
    fn reservation_in_the_middle_splits_a_range() {
        let map = [region(0, 16 * MIB, kind::RAM)];
        let list = usable(&map, &[PhysRange::new(4 * MIB + 1, 5 * MIB)]);
        assert_eq!(&*list, &[PhysRange::new(0, 4 * MIB), PhysRange::new(5 * MIB, 16 * MIB)]);
    }

    #[test]
    fn overlapping_and_unsorted_ram_regions_merge() {
        let map = [
            region(8 * MIB, 8 * MIB, kind::RAM),
            region(0, 4 * MIB, kind::RAM),
            region(2 * MIB, 7 * MIB, kind::RAM),
        ];
        let list = usable(&map, &[]);
        assert_eq!(&*list, &[PhysRange::new(0, 16 * MIB)]);
    }

    #[test]
    fn non_ram_region_overlapping_ram_is_removed() {
        let map = [
            region(0, 16 * MIB, kind::RAM),
            region(15 * MIB + 10, 100, kind::ACPI),
            region(0xf000_0000, 4096, 0xf000_0001),
        ];
        let list = usable(&map, &[]);
        assert_eq!(
            &*list,
            &[PhysRange::new(0, 15 * MIB), PhysRange::new(15 * MIB + 4096, 16 * MIB)]
        );
    }

    #[test]
    fn reservation_covering_everything_leaves_nothing() {
        let list = usable(&qemu_like(), &[PhysRange::new(0, u64::MAX)]);
        assert!(list.is_empty());
    }

    #[test]
    fn direct_map_rounds_out_and_skips_holes() {
        let map = [
            region(0, 0x9fc00, kind::RAM),
            region(0x9fc00, 0x400, kind::RESERVED),
            region(0xf0000, 0x10000, kind::RESERVED),
            region(MIB, 127 * MIB, kind::RAM),
            region(0x1_0000_0000, 4096, 0xf000_0001),
        ];
        let list = {
            let mut l = RangeList::new();
            direct_map_ranges(&map, 2 * MIB, &mut l).unwrap();
            l
        };
        assert_eq!(
            &*list,
            &[PhysRange::new(0, 128 * MIB), PhysRange::new(0x1_0000_0000, 0x1_0000_0000 + 2 * MIB)]
        );
    }

    #[test]
    fn too_many_ranges_is_an_error() {
        let mut list = RangeList::new();
        for i in 0..MAX_RANGES as u64 {
            insert_merged(&mut list, PhysRange::new(i * 2 * PAGE_SIZE, (i * 2 + 1) * PAGE_SIZE))
                .unwrap();
        }
        assert_eq!(
            insert_merged(&mut list, PhysRange::new(u64::MAX - PAGE_SIZE, u64::MAX)),
            Err(CapacityError)
        );
        // A reservation per page of one RAM region leaves more free ranges than fit.
        let map = [region(0, 2 * MAX_RANGES as u64 * PAGE_SIZE + PAGE_SIZE, kind::RAM)];
        let holes: std::vec::Vec<PhysRange> = (0..=MAX_RANGES as u64)
            .map(|i| PhysRange::from_base_size(i * 2 * PAGE_SIZE, 1))
            .collect();
        assert_eq!(usable(&map, &holes[..MAX_RANGES - 1]).len(), MAX_RANGES - 1);
        assert_eq!(usable_ranges(&map, &holes, &mut RangeList::new()), Err(CapacityError));
    }

    #[test]
    fn one_hole_across_two_ram_ranges() {
        let map = [region(0, 4 * MIB, kind::RAM), region(6 * MIB, 4 * MIB, kind::RAM)];
        let list = usable(&map, &[PhysRange::new(3 * MIB, 7 * MIB)]);
        assert_eq!(&*list, &[PhysRange::new(0, 3 * MIB), PhysRange::new(7 * MIB, 10 * MIB)]);
        let list = usable(&map, &[PhysRange::new(MIB, 2 * MIB), PhysRange::new(0, 10)]);
        assert_eq!(
            &*list,
            &[
                PhysRange::new(PAGE_SIZE, MIB),
                PhysRange::new(2 * MIB, 4 * MIB),
                PhysRange::new(6 * MIB, 10 * MIB)
            ]
        );
    }
}
