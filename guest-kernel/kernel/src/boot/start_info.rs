//! `hvm_start_info`, the PVH boot structure (Xen's `arch-x86/hvm/start_info.h`): where the
//! memory map and the command line are.
//!
//! The structure and the memory map are read once at boot through the boot window; the
//! memory map is copied into a [`BootInfo`]. The command line is read later, through the
//! direct map, straight into a heap `String`: its pages (like those of the structure and the
//! memory map) are reserved from the frame allocator, so nothing overwrites it before then.

use crate::console;
use crate::mm::layout;
use alloc::string::String;
use alloc::vec::Vec;
use klib::memmap::{MAX_REGIONS, Region, RegionList};
use klib::range::PhysRange;

/// `hvm_start_info.magic`.
const HVM_START_MAGIC: u32 = 0x336e_c578;

/// Longest command line read, terminating NUL excluded: the vmm's limit (64 KiB with the
/// NUL, docs/DESIGN.md section 2), which carries init's arguments and environment (Linux
/// x86's `COMMAND_LINE_SIZE` is 2048, too small for those).
pub const CMDLINE_MAX: u64 = 65535;

/// `struct hvm_start_info`, version 1.
#[repr(C)]
#[derive(Clone, Copy)]
struct HvmStartInfo {
    magic: u32,
    version: u32,
    flags: u32,
    nr_modules: u32,
    modlist_paddr: u64,
    cmdline_paddr: u64,
    rsdp_paddr: u64,
    memmap_paddr: u64,
    memmap_entries: u32,
    reserved: u32,
}

/// `struct hvm_memmap_table_entry`.
#[repr(C)]
#[derive(Clone, Copy)]
struct HvmMemmapEntry {
    addr: u64,
    size: u64,
    kind: u32,
    reserved: u32,
}

/// What the kernel keeps from the loader.
pub struct BootInfo {
    /// The memory map.
    pub regions: RegionList,
    /// Physical address of the NUL-terminated command line, 0 if none.
    cmdline_phys: u64,
    /// Physical ranges of `hvm_start_info`, the memory map and the command line, for the
    /// frame allocator to leave alone.
    pub loader_ranges: [PhysRange; 3],
}

impl BootInfo {
    /// Physical address of the vmm's boot-report page, if the memory map has one that
    /// fits a report.
    pub fn report_page(&self) -> Option<u64> {
        self.regions
            .iter()
            .find(|r| {
                r.kind == vmm_abi::report::E820_TYPE_BOOT_REPORT
                    && r.size >= vmm_abi::report::REPORT_SIZE as u64
                    && r.addr % 8 == 0
            })
            .map(|r| r.addr)
    }

    /// Copies the command line onto the heap: at most [`CMDLINE_MAX`] bytes, invalid UTF-8
    /// replaced. Needs the direct map and the heap.
    pub fn read_cmdline(&self) -> String {
        let mut bytes = Vec::new();
        if self.cmdline_phys != 0 {
            let Some(start) = layout::phys_to_virt(self.cmdline_phys, CMDLINE_MAX) else {
                panic!("command line at {:#x} is not mapped", self.cmdline_phys);
            };
            for i in 0..CMDLINE_MAX as usize {
                // SAFETY: the loader put a NUL-terminated string at `cmdline_phys`, in
                // memory the direct map covers and the frame allocator leaves alone; the
                // loop stops at the NUL, so it reads no byte past the string.
                let byte = unsafe { start.add(i).read() };
                if byte == 0 {
                    break;
                }
                bytes.push(byte);
            }
        }
        match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }
}

/// Reads a `T` at physical `phys` through the boot window.
fn read_phys<T: Copy>(phys: u64, what: &str) -> T {
    let Some(ptr) = layout::phys_to_virt(phys, size_of::<T>() as u64) else {
        panic!("{what} at {phys:#x} is outside the first GiB, which the boot page tables map");
    };
    // SAFETY: the boot page tables map the first GiB, which holds `phys..phys + size_of::<T>()`;
    // the loader put a `T` there (checked by the caller's magic and version checks), `T` is
    // plain data valid for any bits, and the read is unaligned-safe.
    unsafe { ptr.cast::<T>().read_unaligned() }
}

impl BootInfo {
    /// An empty `BootInfo`, for [`read`] to fill in place (it holds the memory map, a few
    /// hundred bytes that are cheaper to fill than to move).
    pub fn new() -> Self {
        Self {
            regions: RegionList::new(),
            cmdline_phys: 0,
            loader_ranges: [PhysRange::default(); 3],
        }
    }
}

/// Reads the `hvm_start_info` at physical `phys` into `info` (memory map, where the command
/// line is). Runs before the kernel's page tables exist.
pub fn read(phys: u64, info: &mut BootInfo) {
    let start: HvmStartInfo = read_phys(phys, "hvm_start_info");
    assert!(
        start.magic == HVM_START_MAGIC,
        "no PVH start info at {phys:#x} (magic {:#x}): boot through the PVH entry",
        start.magic
    );
    assert!(
        start.version >= 1 && start.memmap_paddr != 0 && start.memmap_entries != 0,
        "PVH start info (version {}) has no memory map",
        start.version
    );

    let regions = &mut info.regions;
    let entries = start.memmap_entries as usize;
    let entry_size = size_of::<HvmMemmapEntry>() as u64;
    for i in 0..entries.min(MAX_REGIONS) {
        let e: HvmMemmapEntry = read_phys(start.memmap_paddr + i as u64 * entry_size, "memory map");
        // Cannot fail: at most MAX_REGIONS entries are read.
        let _ = regions.push(Region { addr: e.addr, size: e.size, kind: e.kind });
    }
    if entries > MAX_REGIONS {
        console::println!("boot: memory map has {entries} entries, using the first {MAX_REGIONS}");
    }

    info.cmdline_phys = start.cmdline_paddr;
    info.loader_ranges = [
        PhysRange::from_base_size(phys, size_of::<HvmStartInfo>() as u64),
        PhysRange::from_base_size(start.memmap_paddr, entries as u64 * entry_size),
        // The length is not known before reading it; reserve the longest one.
        PhysRange::from_base_size(start.cmdline_paddr, CMDLINE_MAX + 1),
    ];
}
