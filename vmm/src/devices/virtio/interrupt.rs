//! A device's interrupt line and the status the driver reads behind it.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use virtio_bindings::virtio_mmio::{VIRTIO_MMIO_INT_CONFIG, VIRTIO_MMIO_INT_VRING};
use vmm_sys_util::eventfd::EventFd;

/// Why a device interrupts the driver: the bits of the InterruptStatus register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterruptKind {
    /// The device put buffers in a used ring (bit 0).
    UsedBuffer,
    /// The device configuration changed, or the device needs a reset (bit 1).
    ConfigChange,
}

impl InterruptKind {
    fn bit(self) -> u32 {
        match self {
            InterruptKind::UsedBuffer => VIRTIO_MMIO_INT_VRING,
            InterruptKind::ConfigChange => VIRTIO_MMIO_INT_CONFIG,
        }
    }
}

/// The interrupt state one device shares between its transport (vCPU thread: reads and
/// acknowledges InterruptStatus, reads ConfigGeneration and the needs-reset flag) and the
/// device itself (event-loop thread: raises interrupts). Everything is atomic so neither side
/// waits for the other.
///
/// The interrupt is delivered by writing an eventfd that the attach step registers with KVM
/// as an irqfd on the device's IOAPIC pin (an edge: the guest handler reads InterruptStatus,
/// acknowledges what it saw, and a later trigger makes a new edge).
#[derive(Debug)]
pub struct Interrupt {
    status: AtomicU32,
    config_generation: AtomicU32,
    needs_reset: AtomicBool,
    irq: EventFd,
}

impl Interrupt {
    /// An interrupt line that fires by writing `irq`.
    pub fn new(irq: EventFd) -> Self {
        Interrupt {
            status: AtomicU32::new(0),
            config_generation: AtomicU32::new(0),
            needs_reset: AtomicBool::new(false),
            irq,
        }
    }

    /// Sets the status bit for `kind` and raises the interrupt. A failed eventfd write (the
    /// counter cannot overflow in practice) loses only this edge; the bit stays set for the
    /// driver's next look.
    pub fn trigger(&self, kind: InterruptKind) {
        self.status.fetch_or(kind.bit(), Ordering::SeqCst);
        let _ = self.irq.write(1);
    }

    /// Tells the driver its configuration space changed: bumps ConfigGeneration first so a
    /// driver woken by the interrupt sees the new generation.
    pub fn signal_config_change(&self) {
        self.config_generation.fetch_add(1, Ordering::SeqCst);
        self.trigger(InterruptKind::ConfigChange);
    }

    /// Marks the device as needing a reset (the driver broke the virtqueue protocol) and tells
    /// the driver with a configuration-change interrupt (virtio 1.2, 2.1.2: a device that sets
    /// DEVICE_NEEDS_RESET after DRIVER_OK must send a configuration change notification).
    pub fn set_needs_reset(&self) {
        if !self.needs_reset.swap(true, Ordering::SeqCst) {
            self.signal_config_change();
        }
    }

    /// Whether [`Self::set_needs_reset`] was called since the last [`Self::reset`].
    pub fn needs_reset(&self) -> bool {
        self.needs_reset.load(Ordering::SeqCst)
    }

    /// The InterruptStatus register.
    pub fn status(&self) -> u32 {
        self.status.load(Ordering::SeqCst)
    }

    /// InterruptACK: clears the bits the driver has handled.
    pub fn ack(&self, bits: u32) {
        self.status.fetch_and(!bits, Ordering::SeqCst);
    }

    /// The ConfigGeneration register.
    pub fn config_generation(&self) -> u32 {
        self.config_generation.load(Ordering::SeqCst)
    }

    /// Device reset: no pending interrupt, no reset needed. (The generation keeps counting,
    /// as the spec only asks that it change when the config does.)
    pub fn reset(&self) {
        self.status.store(0, Ordering::SeqCst);
        self.needs_reset.store(false, Ordering::SeqCst);
    }

    /// The eventfd behind the interrupt (registered as an irqfd; tests read it).
    pub fn irq_evt(&self) -> &EventFd {
        &self.irq
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vmm_sys_util::eventfd::EFD_NONBLOCK;

    #[test]
    fn trigger_sets_bits_and_fires_ack_clears() {
        let irq = Interrupt::new(EventFd::new(EFD_NONBLOCK).unwrap());
        irq.trigger(InterruptKind::UsedBuffer);
        assert_eq!(irq.status(), 1);
        assert_eq!(irq.irq_evt().read().unwrap(), 1);
        irq.signal_config_change();
        assert_eq!(irq.status(), 3);
        assert_eq!(irq.config_generation(), 1);
        irq.ack(1);
        assert_eq!(irq.status(), 2);
        irq.ack(2);
        assert_eq!(irq.status(), 0);
    }

    #[test]
    fn needs_reset_notifies_once() {
        let irq = Interrupt::new(EventFd::new(EFD_NONBLOCK).unwrap());
        irq.set_needs_reset();
        irq.set_needs_reset();
        assert!(irq.needs_reset());
        assert_eq!(irq.config_generation(), 1);
        assert_eq!(irq.irq_evt().read().unwrap(), 1);
        irq.reset();
        assert!(!irq.needs_reset());
        assert_eq!(irq.status(), 0);
    }
}
