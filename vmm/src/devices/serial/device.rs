//! The COM1 device: a `vm-superio` UART on the port bus, its interrupt an irqfd.

use vm_superio::{Serial, Trigger, serial::NoEvents};
use vmm_sys_util::eventfd::EventFd;

use super::writer::BatchWriter;
use crate::devices::{BusDevice, DeviceAction};

/// The ISA interrupt line of COM1.
pub const COM1_IRQ: u32 = 4;

/// Raises the UART's interrupt by signalling an eventfd registered as a KVM irqfd.
pub struct IrqTrigger(pub EventFd);

impl Trigger for IrqTrigger {
    type E = std::io::Error;

    fn trigger(&self) -> std::io::Result<()> {
        self.0.write(1)
    }
}

/// COM1, writing the guest's output to a [`BatchWriter`].
pub struct SerialDevice {
    uart: Serial<IrqTrigger, NoEvents, BatchWriter>,
}

impl SerialDevice {
    /// A UART that raises its interrupt through `irq` and writes to `out`.
    pub fn new(irq: EventFd, out: BatchWriter) -> Self {
        SerialDevice { uart: Serial::new(IrqTrigger(irq), out) }
    }
}

impl BusDevice for SerialDevice {
    fn read(&mut self, offset: u64, data: &mut [u8]) {
        for byte in data.iter_mut() {
            *byte = self.uart.read(offset as u8);
        }
    }

    /// Each byte is a write to the register at `offset`; a `rep outsb` to the data register
    /// arrives as one call with the whole string.
    fn write(&mut self, offset: u64, data: &[u8]) -> DeviceAction {
        for &byte in data {
            // A failed host write or interrupt injection loses console output but must not
            // stop the guest.
            let _ = self.uart.write(offset as u8, byte);
        }
        DeviceAction::None
    }

    /// Writes out everything the guest sent during the last exit, in one `write(2)`.
    fn flush(&mut self) {
        self.uart.writer_mut().drain();
    }
}
