//! Guest-physical memory layout: where the vmm puts boot structures, and the RAM ranges.
//!
//! ```text
//! 0x0000_0500  boot GDT (PVH entry: flat 32-bit code/data + TSS)
//! 0x0000_0520  boot IDT (empty)
//! 0x0000_6000  hvm_start_info
//! 0x0000_7000  PVH memory map table (at most MEMMAP_MAX_ENTRIES entries)
//! 0x0000_8000  boot report page (vmm_abi::report)
//! 0x0000_9000  entropy page (vmm_abi::entropy)
//! 0x0002_0000  kernel command line (at most CMDLINE_MAX_SIZE bytes, NUL-terminated)
//! 0x0009_fc00  end of low RAM announced to the guest (legacy EBDA/VGA/BIOS hole above)
//! 0x0010_0000  kernel image (loaded at the ELF segments' physical addresses)
//! 0xc000_0000  start of the 1 GiB MMIO gap (devices, IOAPIC, LAPIC); RAM resumes at 4 GiB
//! 0xd000_0000  virtio-mmio devices, one 4 KiB window each (VIRTIO_MMIO_MAX_DEVICES of them)
//! ```

/// Boot GDT used for the PVH 32-bit entry state (the PVH spec does not require one in
/// memory, but a guest that reloads a selector before loading its own GDT then still works).
pub const BOOT_GDT_ADDR: u64 = 0x500;
/// Boot IDT: one empty entry, so a stray exception before the kernel's IDT triple-faults.
pub const BOOT_IDT_ADDR: u64 = 0x520;
/// Where `hvm_start_info` is written; its address is passed in EBX.
pub const START_INFO_ADDR: u64 = 0x6000;
/// Where the PVH memory map table is written.
pub const MEMMAP_ADDR: u64 = 0x7000;
/// Room for this many memory-map entries (24 bytes each) before the report page.
pub const MEMMAP_MAX_ENTRIES: usize = 0x1000 / 24;
/// The boot report page (announced in the memory map with `E820_TYPE_BOOT_REPORT`).
pub const BOOT_REPORT_ADDR: u64 = 0x8000;
/// The entropy page (vmm_abi::entropy), announced with `E820_TYPE_ENTROPY`.
pub const ENTROPY_ADDR: u64 = 0x9000;
/// Where the kernel command line is written.
pub const CMDLINE_ADDR: u64 = 0x2_0000;
/// Largest command line (with its NUL) the vmm passes; it must end below `LOW_RAM_END`.
pub const CMDLINE_MAX_SIZE: usize = 0x1_0000;
/// End of the low RAM the guest is told about (conventional 639 KiB).
pub const LOW_RAM_END: u64 = 0x9_fc00;
/// Lowest address a kernel segment may be loaded at (linux-loader's "high memory start").
pub const HIGH_MEMORY_START: u64 = 0x10_0000;
/// Start of the MMIO gap below 4 GiB; guest RAM above this goes to `HIGH_RAM_START`.
pub const MMIO_GAP_START: u64 = 0xc000_0000;
/// Where RAM continues above the MMIO gap.
pub const HIGH_RAM_START: u64 = 0x1_0000_0000;
/// KVM's TSS area (needed on Intel for real-mode emulation), placed in the MMIO gap.
pub const KVM_TSS_ADDR: usize = 0xfffb_d000;
/// Base of the first virtio-mmio device's register window; device `i` is at
/// `VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_SIZE`.
pub const VIRTIO_MMIO_BASE: u64 = 0xd000_0000;
/// Size of one virtio-mmio register window (registers up to 0x100, config space above).
pub const VIRTIO_MMIO_SIZE: u64 = 0x1000;
/// The IOAPIC pin (GSI) of the first virtio-mmio device; device `i` uses `VIRTIO_IRQ_BASE + i`.
/// 5 is the first ISA line after COM1 (4) that no legacy device of ours uses.
pub const VIRTIO_IRQ_BASE: u32 = 5;
/// How many virtio-mmio devices fit: GSIs 5..=20 of the IOAPIC's 24 pins.
pub const VIRTIO_MMIO_MAX_DEVICES: u32 = 16;

// The boot structures must not overlap each other or the legacy hole (checked at compile time).
const _: () = assert!(START_INFO_ADDR + 56 <= MEMMAP_ADDR);
const _: () = assert!(MEMMAP_ADDR + (MEMMAP_MAX_ENTRIES * 24) as u64 <= BOOT_REPORT_ADDR);
const _: () = assert!(BOOT_REPORT_ADDR + 0x1000 == ENTROPY_ADDR);
const _: () = assert!(CMDLINE_ADDR + CMDLINE_MAX_SIZE as u64 <= LOW_RAM_END);
// The virtio windows lie inside the MMIO gap, below the IOAPIC (0xfec0_0000), and their GSIs
// exist on KVM's 24-pin IOAPIC.
const _: () = assert!(VIRTIO_MMIO_BASE >= MMIO_GAP_START);
const _: () =
    assert!(VIRTIO_MMIO_BASE + VIRTIO_MMIO_MAX_DEVICES as u64 * VIRTIO_MMIO_SIZE <= 0xfec0_0000);
const _: () = assert!(VIRTIO_IRQ_BASE + VIRTIO_MMIO_MAX_DEVICES <= 24);

/// The guest-physical ranges backed by RAM for a guest of `mem_bytes` bytes: one range below
/// the MMIO gap and, for guests larger than the gap start, a second one above 4 GiB.
pub fn ram_ranges(mem_bytes: u64) -> Vec<(u64, u64)> {
    let low = mem_bytes.min(MMIO_GAP_START);
    let mut ranges = vec![(0, low)];
    if mem_bytes > low {
        ranges.push((HIGH_RAM_START, mem_bytes - low));
    }
    ranges
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_guest_is_one_range() {
        assert_eq!(ram_ranges(128 << 20), vec![(0, 128 << 20)]);
    }

    #[test]
    fn large_guest_skips_the_mmio_gap() {
        let ranges = ram_ranges(4 << 30);
        assert_eq!(ranges, vec![(0, MMIO_GAP_START), (HIGH_RAM_START, (4 << 30) - MMIO_GAP_START)]);
        assert_eq!(ranges.iter().map(|r| r.1).sum::<u64>(), 4 << 30);
    }
}
