//! The kernel's page tables: a direct map of physical memory and the kernel image with
//! W^X permissions; no identity map (the lower half is for user space).
//!
//! * direct map at `PHYS_OFFSET`: every memory region of the memory map (RAM, ACPI, the
//!   vmm's report page; not reserved holes), grown to 2 MiB; 1 GiB pages where the CPU has
//!   them and a whole aligned GiB is covered, else 2 MiB pages; read/write, no-execute,
//!   global;
//! * kernel image at `KERNEL_VMA + phys` with 4 KiB pages: text read/execute, rodata
//!   read-only, data/bss/stacks read/write no-execute; stack guard pages left unmapped.
//!
//! Built once at boot while the boot page tables are live. The first table pages come from
//! a pool inside the kernel image that is zero in the ELF file, so the loader, not the
//! guest, pays for zeroing them; more (a big direct map, a big image) come from the frame
//! allocator, zeroed here and reached through the boot window (physical 0..1 GiB), which
//! holds because the frame allocator hands out the lowest frames first. Entries are written
//! in runs, one table walk per table rather than per page: the hypervisor on these
//! machines emulates the guest kernel's instructions, so the loops are kept tight.

use crate::arch::x86_64::cpu;
use crate::mm::frame;
use crate::mm::layout::{self, Access};
use crate::sync::BootCell;
use core::arch::asm;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use klib::memmap::{RangeList, Region, direct_map_ranges};
use klib::range::{PhysRange, align_down, align_up};

/// Entry bit: the entry is valid.
const PRESENT: u64 = 1 << 0;
/// Entry bit: writes allowed.
const WRITABLE: u64 = 1 << 1;
/// Entry bit: write-through (with `CACHE_DISABLE` and the reset PAT: uncached, for MMIO).
const WRITE_THROUGH: u64 = 1 << 3;
/// Entry bit: cache disabled.
const CACHE_DISABLE: u64 = 1 << 4;
/// Entry bits the CPU sets on use (accessed, dirty): not part of what a mapping says.
const ACCESSED_DIRTY: u64 = (1 << 5) | (1 << 6);
/// Entry bit: maps a 2 MiB / 1 GiB page rather than pointing at a table.
const HUGE: u64 = 1 << 7;
/// Entry bit: global (survives CR3 switches; CR4.PGE is on).
const GLOBAL: u64 = 1 << 8;
/// Entry bit: no instruction fetch (EFER.NXE is on).
const NO_EXECUTE: u64 = 1 << 63;
/// The physical-address bits of an entry.
const ADDRESS_MASK: u64 = 0x000f_ffff_ffff_f000;
/// Entries per table.
const ENTRIES: usize = 512;

/// Size of a 4 KiB page.
pub const SIZE_4K: u64 = 1 << 12;
/// Size of a 2 MiB page.
pub const SIZE_2M: u64 = 1 << 21;
/// Size of a 1 GiB page.
pub const SIZE_1G: u64 = 1 << 30;

/// Table pages in the image: PML4, direct-map PDPT and one PD (1 GiB of 2 MiB pages),
/// kernel PDPT, PD and one PT (2 MiB of image).
const POOL_PAGES: usize = 6;

/// One page-table page.
#[repr(C, align(4096))]
struct TablePage([u64; ENTRIES]);

/// The pool of zero table pages; in `.data` so the ELF file holds the zeros.
#[unsafe(link_section = ".data.pagetables")]
static POOL: BootCell<[TablePage; POOL_PAGES]> =
    BootCell::new([const { TablePage([0; ENTRIES]) }; POOL_PAGES]);
/// Pool pages handed out so far.
static POOL_USED: AtomicUsize = AtomicUsize::new(0);
/// Physical address of the kernel's PML4 once [`init`] has loaded it (0 before).
static ROOT: AtomicU64 = AtomicU64::new(0);

/// The page sizes, by the level of the table that holds their entries (1 = PT, 2 = PD,
/// 3 = PDPT).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PageSize {
    Size4K = 1,
    Size2M = 2,
    Size1G = 3,
}

impl PageSize {
    fn bytes(self) -> u64 {
        1 << (12 + 9 * (self as u32 - 1))
    }
}

/// Index into the level-`level` table (4 = PML4 ... 1 = PT) for `virt`.
fn index(virt: u64, level: u32) -> usize {
    ((virt >> (12 + 9 * (level - 1))) & 511) as usize
}

/// The entries of the table page at physical `table`.
fn entries(table: u64) -> *mut u64 {
    let Some(ptr) = layout::phys_to_virt(table, SIZE_4K) else {
        panic!("page table at {table:#x} is outside the boot window");
    };
    ptr.cast()
}

/// A zeroed table page: from the pool while it lasts, else a zeroed frame (a fresh one
/// needs no clearing). Once the kernel's tables are live, a frame for a page table
/// (`frame::alloc_table`: see there why memops-zeroed frames must not become tables).
fn new_table() -> Option<u64> {
    if ROOT.load(Ordering::Relaxed) != 0 {
        return frame::alloc_kernel_table();
    }
    let used = POOL_USED.fetch_add(1, Ordering::Relaxed);
    if used < POOL_PAGES {
        // SAFETY: only computes the address of pool page `used` (in bounds), no access.
        let page = unsafe { (&raw mut (*POOL.get())[used]) as u64 };
        return Some(layout::image_virt_to_phys(page));
    }
    frame::alloc_zeroed()
}

/// The table that entry `index` of `table` points at, created if missing (`None`: no
/// memory for it).
fn next_table(table: u64, index: usize) -> Option<u64> {
    // SAFETY: `table` is a table page of the tables under construction (not live yet),
    // mapped writable; `index < 512`.
    unsafe {
        let slot = entries(table).add(index);
        let current = slot.read();
        if current & PRESENT != 0 {
            assert!(current & HUGE == 0, "mapping over a huge page");
            return Some(current & ADDRESS_MASK);
        }
        let next = new_table()?;
        slot.write(next | PRESENT | WRITABLE);
        Some(next)
    }
}

/// Page tables under construction.
struct PageTables {
    pml4: u64,
    /// The last leaf table walked to: its level, the virtual address bits above what it
    /// covers, and its physical address. Consecutive runs usually share it.
    last_leaf: Option<(u32, u64, u64)>,
}

impl PageTables {
    fn new() -> Self {
        Self { pml4: new_table().expect("out of memory for page tables"), last_leaf: None }
    }

    /// The level-`level` table that maps `virt`, created (with its parents) if missing;
    /// `None` if there is no memory for a table.
    fn try_leaf_table(&mut self, virt: u64, level: u32) -> Option<u64> {
        let key = virt >> (12 + 9 * level);
        if let Some((l, k, table)) = self.last_leaf
            && (l, k) == (level, key)
        {
            return Some(table);
        }
        let mut table = self.pml4;
        for upper in (level + 1..=4).rev() {
            table = next_table(table, index(virt, upper))?;
        }
        self.last_leaf = Some((level, key, table));
        Some(table)
    }

    /// As [`try_leaf_table`](Self::try_leaf_table), at boot, where running out of memory
    /// is fatal.
    fn leaf_table(&mut self, virt: u64, level: u32) -> u64 {
        self.try_leaf_table(virt, level).expect("out of memory for page tables")
    }

    /// Maps `virt..end` to `phys..` with pages of `size` and `flags` (PRESENT added). All
    /// addresses are `size`-aligned.
    fn map_range(&mut self, mut virt: u64, end: u64, phys: u64, size: PageSize, flags: u64) {
        let level = size as u32;
        let step = size.bytes();
        let huge = if size == PageSize::Size4K { 0 } else { HUGE };
        // Flags sit outside the address bits, so adding `step` moves to the next page.
        let mut entry = phys | flags | huge | PRESENT;
        while virt < end {
            let table = self.leaf_table(virt, level);
            // One run: the entries of this table up to `end`.
            let first = index(virt, level);
            let count = ((ENTRIES - first) as u64).min((end - virt) / step) as usize;
            let slots = entries(table);
            for i in first..first + count {
                // SAFETY: `slots` is a table page under construction, `i < 512`.
                unsafe { slots.add(i).write(entry) };
                entry += step;
            }
            virt += count as u64 * step;
        }
    }

    /// Maps the physical `range` (2 MiB-aligned) into the direct map.
    fn map_direct(&mut self, range: PhysRange, gib_pages: bool) {
        let flags = WRITABLE | GLOBAL | NO_EXECUTE;
        let mut map = |start: u64, end: u64, size| {
            if start < end {
                self.map_range(
                    layout::PHYS_OFFSET + start,
                    layout::PHYS_OFFSET + end,
                    start,
                    size,
                    flags,
                );
            }
        };
        let (gib_start, gib_end) = (align_up(range.start, SIZE_1G), align_down(range.end, SIZE_1G));
        if gib_pages && gib_start < gib_end {
            map(range.start, gib_start, PageSize::Size2M);
            map(gib_start, gib_end, PageSize::Size1G);
            map(gib_end, range.end, PageSize::Size2M);
        } else {
            map(range.start, range.end, PageSize::Size2M);
        }
    }
}

/// Builds the kernel's page tables for the memory map `regions`, loads them and switches
/// `phys_to_virt` to the direct map. Runs once, on the boot CPU, after the frame allocator
/// exists and before anything else uses the direct map.
pub fn init(regions: &[Region]) {
    let mut tables = PageTables::new();

    let mut ranges = RangeList::new();
    direct_map_ranges(regions, SIZE_2M, &mut ranges)
        .expect("memory map too fragmented for the direct map");
    // Ask the CPU (a CPUID exit) only if a 1 GiB page could be used at all.
    let gib_pages = ranges.iter().any(|r| r.len() >= SIZE_1G) && cpu::has_1gib_pages();
    for range in ranges.iter() {
        tables.map_direct(*range, gib_pages);
    }

    for part in layout::image_parts() {
        let flags = match part.access {
            Access::Code => GLOBAL,
            Access::Constants => GLOBAL | NO_EXECUTE,
            Access::Data => GLOBAL | WRITABLE | NO_EXECUTE,
        };
        let phys = layout::image_virt_to_phys(part.start);
        tables.map_range(part.start, part.end, phys, PageSize::Size4K, flags);
    }
    // Each stack without the guard page below it.
    for stack in layout::stacks() {
        let bottom = stack.guard + SIZE_4K;
        let phys = layout::image_virt_to_phys(bottom);
        tables.map_range(bottom, stack.top, phys, PageSize::Size4K, GLOBAL | WRITABLE | NO_EXECUTE);
    }

    // SAFETY: the new tables map everything the kernel uses from here on: its code, data
    // and stacks at the same virtual addresses as the boot tables did (the GDT, IDT and TSS
    // are statics in the image), and physical memory through the direct map, which
    // `use_direct_map` switches to right away. Nothing refers to the identity map.
    unsafe { asm!("mov cr3, {}", in(reg) tables.pml4, options(nostack, preserves_flags)) };
    ROOT.store(tables.pml4, Ordering::Relaxed);
    layout::use_direct_map();
}

/// Physical address of the kernel's PML4 (0 before [`init`]). Its upper half (the direct map
/// and the image) is what every user address space shares.
pub fn kernel_root() -> u64 {
    ROOT.load(Ordering::Relaxed)
}

/// Maps the 4 KiB page at kernel address `virt` (in the upper half, outside the direct
/// map and the image: the task stacks' area) to `phys`, read/write, no-execute, global.
/// `virt` must not be mapped yet (so no TLB entry needs flushing). `None` if there is no
/// memory for a page table.
pub fn map_kernel_page(virt: u64, phys: u64) -> Option<()> {
    let root = ROOT.load(Ordering::Relaxed);
    let mut tables = PageTables { pml4: root, last_leaf: None };
    let table = tables.try_leaf_table(virt, PageSize::Size4K as u32)?;
    // SAFETY: `table` is a page table of the live kernel tables, mapped through the direct
    // map; `index < 512`. The slot is empty (the caller's contract), so no stale
    // translation exists. Every address space shares the kernel's tables below the PML4
    // (their PML4 upper halves are copies), so the page appears in all of them.
    unsafe {
        entries(table).add(index(virt, 1)).write(phys | WRITABLE | GLOBAL | NO_EXECUTE | PRESENT)
    };
    Some(())
}

/// Removes the mapping of the kernel page at `virt` (mapped by [`map_kernel_page`]) and
/// returns its frame; `None` if it was not mapped. Flushes its TLB entry.
pub fn unmap_kernel_page(virt: u64) -> Option<u64> {
    let root = ROOT.load(Ordering::Relaxed);
    let mut table = root;
    for level in (2..=4).rev() {
        // SAFETY: a table of the live kernel tables; `index < 512`; read only.
        let entry = unsafe { entries(table).add(index(virt, level)).read() };
        if entry & PRESENT == 0 || entry & HUGE != 0 {
            return None;
        }
        table = entry & ADDRESS_MASK;
    }
    // SAFETY: the leaf table of `virt` in the live kernel tables; `index < 512`.
    let old = unsafe {
        let slot = entries(table).add(index(virt, 1));
        let old = slot.read();
        slot.write(0);
        old
    };
    // SAFETY: INVLPG only drops a cached translation (a global one too).
    unsafe { asm!("invlpg [{}]", in(reg) virt, options(nostack, preserves_flags)) };
    (old & PRESENT != 0).then_some(old & ADDRESS_MASK)
}

/// Maps the device registers at physical `phys..phys + len` uncached into the direct map
/// and returns their virtual address, or `None` if the range is outside the MMIO gap below
/// 4 GiB ([`layout::MMIO_GAP`]) or overlaps something the direct map already maps
/// differently.
///
/// The range is mapped with the 2 MiB pages that cover it (uncached, no-execute): device
/// windows sit in the MMIO gap below 4 GiB, where nothing else is mapped, so neighbouring
/// registers in the same 2 MiB are mapped too, harmlessly (uncached accesses are never
/// speculative, and the kernel only touches registers it knows). Mapping a page twice (two
/// devices in one 2 MiB) rewrites the same entry. Runs on the boot CPU with interrupts off.
pub fn map_mmio(phys: u64, len: u64) -> Option<*mut u8> {
    let root = ROOT.load(Ordering::Relaxed);
    let end = phys.checked_add(len.max(1))?;
    if root == 0 || phys < layout::MMIO_GAP.start || end > layout::MMIO_GAP.end {
        return None;
    }
    let (start, end) = (align_down(phys, SIZE_2M), align_up(end, SIZE_2M));
    let flags = WRITABLE | WRITE_THROUGH | CACHE_DISABLE | HUGE | GLOBAL | NO_EXECUTE | PRESENT;
    let mut tables = PageTables { pml4: root, last_leaf: None };
    let mut page = start;
    while page < end {
        let virt = layout::PHYS_OFFSET + page;
        let table = tables.leaf_table(virt, PageSize::Size2M as u32);
        // SAFETY: `table` is a page directory of the live tables, mapped writable through
        // the direct map; `index` < 512. The entry is either empty (no TLB entry can exist
        // for it) or already this very mapping; anything else is refused below.
        unsafe {
            let slot = entries(table).add(index(virt, 2));
            let current = slot.read();
            if current & PRESENT != 0 && current & !ACCESSED_DIRTY != page | flags {
                return None;
            }
            slot.write(page | flags);
        }
        page += SIZE_2M;
    }
    layout::phys_to_virt(phys, len)
}
