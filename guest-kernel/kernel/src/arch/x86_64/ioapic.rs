//! The I/O APIC at `0xfec0_0000` (KVM's in-kernel one, or QEMU's): routes device interrupt
//! lines (GSIs) to CPU vectors.
//!
//! Every route is edge-triggered, active high, fixed delivery to the boot CPU (APIC ID 0):
//! the vmm raises an edge through an irqfd for each interrupt, and QEMU's virtio-mmio raises
//! its line when InterruptStatus becomes non-zero (the driver acknowledges to lower it).
//! Edge triggering needs no EOI broadcast back to the I/O APIC, which is what lets KVM's
//! PV EOI skip the EOI exit (see `apic`).

use crate::arch::x86_64::paging;
use core::sync::atomic::{AtomicU64, Ordering};

/// Physical address of the I/O APIC's registers.
const IOAPIC_PHYS: u64 = 0xfec0_0000;
/// IOREGSEL: selects the register IOWIN reads and writes.
const IOREGSEL: u64 = 0x00;
/// IOWIN: the selected register.
const IOWIN: u64 = 0x10;
/// Index of the first redirection-table register (entry `n` is `0x10 + 2n`, low half first).
const IOREDTBL: u32 = 0x10;
/// Pins of the I/O APIC KVM and QEMU emulate.
pub const PINS: u32 = 24;

/// Virtual address of the registers, 0 until [`init`].
static REGS: AtomicU64 = AtomicU64::new(0);

/// Why a line cannot be routed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoApicError {
    /// The registers could not be mapped.
    Unmapped,
    /// The GSI is not a pin of this I/O APIC.
    NoSuchPin(u32),
}

/// Maps the registers (uncached). Entries stay masked (their reset state) until routed.
pub fn init() -> Result<(), IoApicError> {
    let regs = paging::map_mmio(IOAPIC_PHYS, 0x20).ok_or(IoApicError::Unmapped)?;
    REGS.store(regs as u64, Ordering::Relaxed);
    Ok(())
}

/// Routes pin `gsi` to `vector` on the boot CPU, edge-triggered, active high, unmasked.
/// Four MMIO writes (handled inside KVM).
pub fn route(gsi: u32, vector: u8) -> Result<(), IoApicError> {
    if gsi >= PINS {
        return Err(IoApicError::NoSuchPin(gsi));
    }
    let regs = REGS.load(Ordering::Relaxed);
    if regs == 0 {
        return Err(IoApicError::Unmapped);
    }
    let entry = IOREDTBL + 2 * gsi;
    // High half first (destination APIC ID 0), then the low half, which unmasks: fixed
    // delivery, physical destination, active high, edge (all zero bits), the vector.
    write(regs, entry + 1, 0);
    write(regs, entry, u32::from(vector));
    Ok(())
}

fn write(regs: u64, register: u32, value: u32) {
    // SAFETY: `regs` maps the I/O APIC's registers uncached; IOREGSEL then IOWIN is the
    // access protocol, and the callers only write redirection entries they own (interrupts
    // are off, and only the boot CPU routes lines, so the pair is not interleaved).
    unsafe {
        ((regs + IOREGSEL) as *mut u32).write_volatile(register);
        ((regs + IOWIN) as *mut u32).write_volatile(value);
    }
}
