//! The kernel's address-space layout: constants, the linker-script symbols, and the window
//! through which the kernel reaches physical memory.
//!
//! Virtual layout (4-level paging):
//!
//! | range                                       | what                                      |
//! |---------------------------------------------|-------------------------------------------|
//! | `0` .. `0x0000_7fff_ffff_ffff`              | user space (empty for now)                |
//! | `PHYS_OFFSET` (`0xffff_8000_0000_0000`) ..  | direct map of the memory map's memory     |
//! | `KERNEL_VMA` (`0xffff_ffff_8000_0000`) ..   | kernel image, at `KERNEL_VMA + physical`  |
//!
//! During early boot (before `paging::init`) the boot page tables map physical
//! `0..BOOT_WINDOW_SIZE` at `KERNEL_VMA` (and identity), and [`phys_to_virt`] uses that
//! window.
//!
//! Physical layout:
//!
//! | range                        | what                                                    |
//! |------------------------------|---------------------------------------------------------|
//! | `0` .. `LOW_MEMORY_END`      | never allocated: firmware areas and the loader's PVH     |
//! |                              | structures (start info, memory map, command line, and   |
//! |                              | the vmm's boot-report page)                             |
//! | `0x10_0000` ..               | the kernel image: `.boot` (32-bit entry, boot GDT, boot |
//! |                              | page tables), text, rodata, data (with the page-table   |
//! |                              | pool), bss, then the stacks, each above a guard page    |
//! | image end .. end of RAM      | the frame allocator's: the heap (1 MiB at boot), more   |
//! |                              | page tables, everything later                           |

use core::sync::atomic::{AtomicU64, Ordering};

/// Virtual address of physical address 0 in the kernel image mapping (Linux's
/// `__START_KERNEL_map`); the image is linked at `KERNEL_VMA` + its physical address.
pub const KERNEL_VMA: u64 = 0xffff_ffff_8000_0000;

/// Virtual address of physical address 0 in the direct map (PML4 slot 256, the start of
/// the higher half).
pub const PHYS_OFFSET: u64 = 0xffff_8000_0000_0000;

/// How much physical memory the boot page tables map at `KERNEL_VMA` (one PD of 2 MiB pages).
pub const BOOT_WINDOW_SIZE: u64 = 1 << 30;

/// Physical address where the image is loaded; everything below is left alone (BIOS data,
/// the PVH structures QEMU puts there, legacy holes).
pub const LOW_MEMORY_END: u64 = 0x10_0000;

/// Where device registers live: the gap between RAM below 4 GiB and 4 GiB (the vmm's RAM
/// stops at 3 GiB; its virtio-mmio windows start at `0xd000_0000`, QEMU microvm's at
/// `0xfeb0_0000`; the IOAPIC is at `0xfec0_0000`). The kernel maps registers only here.
pub const MMIO_GAP: core::ops::Range<u64> = 0xc000_0000..0x1_0000_0000;

/// Size of the boot CPU's kernel stack.
pub const BOOT_STACK_SIZE: usize = 64 * 1024;

/// Size of each interrupt stack (IST) for #DF, NMI and #MC.
pub const IST_STACK_SIZE: usize = 16 * 1024;

/// Start of the window to physical memory: `KERNEL_VMA` with the boot page tables, then
/// `PHYS_OFFSET` once the direct map is live.
static WINDOW: AtomicU64 = AtomicU64::new(KERNEL_VMA);

/// A kernel virtual address for physical `phys..phys + len`, or `None` if the current window
/// does not reach it (only possible before the direct map is live).
pub fn phys_to_virt(phys: u64, len: u64) -> Option<*mut u8> {
    let window = WINDOW.load(Ordering::Relaxed);
    if window == KERNEL_VMA && phys.checked_add(len).is_none_or(|end| end > BOOT_WINDOW_SIZE) {
        return None;
    }
    Some(window.wrapping_add(phys) as *mut u8)
}

/// Switches [`phys_to_virt`] to the direct map. Called by `paging::init` right after it
/// loads the page tables that contain the direct map.
pub fn use_direct_map() {
    WINDOW.store(PHYS_OFFSET, Ordering::Relaxed);
}

/// The physical address of a kernel-image virtual address (a static, a stack).
pub fn image_virt_to_phys(virt: u64) -> u64 {
    virt - KERNEL_VMA
}

/// The physical address of the kernel memory at `ptr..ptr + len`, if it is physically
/// contiguous: memory reached through the direct map (the heap, frames) or in the kernel
/// image (statics, stacks), or a task's kernel stack (`kstack`, physically contiguous).
/// `None` for anything else (user memory is per page).
pub fn virt_to_phys(ptr: *const u8, len: usize) -> Option<u64> {
    let virt = ptr as u64;
    let end = virt.checked_add(len as u64)?;
    if virt >= KERNEL_VMA {
        return Some(virt - KERNEL_VMA);
    }
    if virt >= super::kstack::AREA_START {
        return super::kstack::virt_to_phys(virt, len as u64);
    }
    let window = WINDOW.load(Ordering::Relaxed);
    // The direct map covers the lower half of the kernel half below the stacks.
    (window == PHYS_OFFSET && virt >= PHYS_OFFSET && end <= super::kstack::AREA_START)
        .then(|| virt - PHYS_OFFSET)
}

// Symbols defined by linker.ld and boot/entry.rs; only their addresses are meaningful.
unsafe extern "C" {
    static __image_phys_start: u8;
    static __image_phys_end: u8;
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __stacks_start: u8;
    static __boot_stack_guard: u8;
    static __boot_stack_top: u8;
    static __df_stack_guard: u8;
    static __df_stack_top: u8;
    static __nmi_stack_guard: u8;
    static __nmi_stack_top: u8;
    static __mc_stack_guard: u8;
    static __mc_stack_top: u8;
}

/// How a part of the kernel image is mapped (W^X).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Code: read and execute.
    Code,
    /// Constants: read only, no execute.
    Constants,
    /// Data and bss: read and write, no execute.
    Data,
}

/// One part of the kernel image: `[start, end)` virtual, page-aligned.
#[derive(Clone, Copy, Debug)]
pub struct ImagePart {
    /// First virtual address.
    pub start: u64,
    /// First virtual address past the part.
    pub end: u64,
    /// How it is mapped.
    pub access: Access,
}

/// The parts of the kernel image the kernel's page tables map, in address order, except the
/// stacks (see [`stacks`]). The `.boot` part (32-bit entry, boot page tables) is not among
/// them: it is only used before.
pub fn image_parts() -> [ImagePart; 3] {
    let addr = |sym: *const u8| sym as u64;
    [
        ImagePart {
            start: addr(&raw const __text_start),
            end: addr(&raw const __text_end),
            access: Access::Code,
        },
        ImagePart {
            start: addr(&raw const __rodata_start),
            end: addr(&raw const __rodata_end),
            access: Access::Constants,
        },
        ImagePart {
            start: addr(&raw const __data_start),
            end: addr(&raw const __stacks_start),
            access: Access::Data,
        },
    ]
}

/// Physical range `[start, end)` of the whole loaded image, `.boot` included.
pub fn image_phys_range() -> (u64, u64) {
    (&raw const __image_phys_start as u64, &raw const __image_phys_end as u64)
}

/// A stack with the guard page below it.
#[derive(Clone, Copy, Debug)]
pub struct StackArea {
    /// What the stack is for, for fault messages.
    pub name: &'static str,
    /// Virtual address of the guard page (never mapped).
    pub guard: u64,
    /// Initial stack pointer (the stack grows down from here to `guard + 4096`).
    pub top: u64,
}

/// The kernel's stacks (boot CPU stack and the three IST stacks), each right above its
/// guard page; together they fill the image's `.stacks` section.
pub fn stacks() -> [StackArea; 4] {
    let area = |name, guard: *const u8, top: *const u8| StackArea {
        name,
        guard: guard as u64,
        top: top as u64,
    };
    [
        area("boot", &raw const __boot_stack_guard, &raw const __boot_stack_top),
        area("double-fault", &raw const __df_stack_guard, &raw const __df_stack_top),
        area("NMI", &raw const __nmi_stack_guard, &raw const __nmi_stack_top),
        area("machine-check", &raw const __mc_stack_guard, &raw const __mc_stack_top),
    ]
}
