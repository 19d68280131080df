//! Device interrupts: vectors, what a handler does, and how the kernel sleeps until one
//! comes.
//!
//! Design (single CPU; the kernel itself is never preempted):
//! - GSI `n` (an I/O APIC pin) is routed to vector [`VECTOR_BASE`]` + n`, edge-triggered.
//! - In the kernel, interrupts are enabled only inside [`wait`] (`sti; hlt; cli`):
//!   everywhere else the kernel runs with IF clear, so a handler never interrupts a lock holder and needs no
//!   locks itself. `sti` takes effect after the next instruction, so an interrupt that
//!   became pending after the caller last checked its condition still wakes the `hlt`: no
//!   lost wake-ups.
//! - The handler is three steps: note the GSI in [`FIRED`], EOI (usually no exit, see
//!   `apic`), return. Drivers do their work in the woken context: they look at their used
//!   rings, which is plain memory, so an interrupt costs the trap path and nothing more.
//! - Interrupts are also on while user code runs. An interrupt taken from user mode or
//!   from the idle loop is noted in [`EVENTS`] (timer or device) and nothing else; the
//!   scheduler acts on the notes where no lock is held (`sched::events`): on the way back
//!   to user mode and in its idle loop. So handlers stay lock-free whatever they
//!   interrupt, including a driver waiting in [`wait`] with its lock held.

use super::{apic, ioapic};
use core::arch::asm;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// Vector of GSI 0; GSI `n` uses `VECTOR_BASE + n` (just above the 32 exception vectors).
pub const VECTOR_BASE: u8 = 0x20;

/// One bit per GSI whose interrupt arrived since the driver last looked ([`take_fired`]).
static FIRED: AtomicU32 = AtomicU32::new(0);
/// [`EVENTS`] bit: the LAPIC timer fired.
pub const EVENT_TIMER: u32 = 1;
/// [`EVENTS`] bit: a device interrupt arrived.
pub const EVENT_DEVICE: u32 = 2;

/// Interrupts not yet looked at by the scheduler (`EVENT_*` bits).
pub static EVENTS: AtomicU32 = AtomicU32::new(0);

/// Whether the local APIC is up (interrupts can be routed and waited for).
static READY: AtomicBool = AtomicBool::new(false);

/// Why interrupts are unavailable.
#[derive(Clone, Copy, Debug)]
pub enum IrqError {
    /// The local APIC could not be set up.
    Apic,
    /// The I/O APIC could not be mapped or has no such pin.
    IoApic(ioapic::IoApicError),
}

impl core::fmt::Display for IrqError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            IrqError::Apic => f.write_str("local APIC unavailable"),
            IrqError::IoApic(ioapic::IoApicError::Unmapped) => f.write_str("I/O APIC unmapped"),
            IrqError::IoApic(ioapic::IoApicError::NoSuchPin(gsi)) => {
                write!(f, "no I/O APIC pin {gsi}")
            }
        }
    }
}

/// Sets up the local APIC and the I/O APIC, once, before the first [`route`]. Costs a few
/// exits, so it runs only when a device needs it.
pub fn init(kvm_features: u32) -> Result<(), IrqError> {
    if READY.load(Ordering::Relaxed) {
        return Ok(());
    }
    apic::init(kvm_features).map_err(|_| IrqError::Apic)?;
    ioapic::init().map_err(IrqError::IoApic)?;
    READY.store(true, Ordering::Relaxed);
    Ok(())
}

/// Routes `gsi` to its vector; its interrupts then show up in [`take_fired`] and wake
/// [`wait`].
pub fn route(gsi: u32) -> Result<(), IrqError> {
    if !READY.load(Ordering::Relaxed) {
        return Err(IrqError::Apic);
    }
    if gsi >= ioapic::PINS {
        return Err(IrqError::IoApic(ioapic::IoApicError::NoSuchPin(gsi)));
    }
    ioapic::route(gsi, VECTOR_BASE + gsi as u8).map_err(IrqError::IoApic)
}

/// Whether an interrupt on `gsi` arrived since the last call (and forgets it).
pub fn take_fired(gsi: u32) -> bool {
    let bit = 1u32.checked_shl(gsi).unwrap_or(0);
    FIRED.fetch_and(!bit, Ordering::Relaxed) & bit != 0
}

/// Sleeps until an interrupt has been handled. Callers loop: check their condition (with
/// interrupts off), then `wait`. Returns with interrupts off again.
pub fn wait() {
    // SAFETY: `sti; hlt` sleeps with interrupts enabled for exactly the `hlt`; handlers
    // are short and lock-free (see the module docs), and `cli` restores the kernel's
    // interrupts-off state.
    unsafe { asm!("sti", "hlt", "cli", options(nomem, nostack)) };
}

/// Handles an interrupt vector (>= 32) from the trap path.
pub fn handle(vector: u8) {
    if vector == apic::SPURIOUS_VECTOR {
        return; // no EOI for spurious interrupts
    }
    if vector == apic::TIMER_VECTOR {
        EVENTS.fetch_or(EVENT_TIMER, Ordering::Relaxed);
    } else if let Some(gsi) =
        vector.checked_sub(VECTOR_BASE).filter(|&g| u32::from(g) < ioapic::PINS)
    {
        FIRED.fetch_or(1 << gsi, Ordering::Relaxed);
        EVENTS.fetch_or(EVENT_DEVICE, Ordering::Relaxed);
    }
    apic::eoi();
}
