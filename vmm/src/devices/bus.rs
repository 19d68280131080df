//! Routing of port-I/O and MMIO exits to devices by address range.
//!
//! Accesses that hit no device behave like an empty bus on a PC: reads return all ones,
//! writes are dropped. That is what guests probing for hardware expect, and it means a
//! guest poking at random ports cannot stop the vmm.

use vmm_abi::exit::ExitRequest;

/// What the run loop must do after a device handled an access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceAction {
    /// Keep running the guest.
    None,
    /// Stop the VM with this request.
    Exit(ExitRequest),
}

/// A device reachable on a bus. `offset` is relative to the device's base address.
pub trait BusDevice: Send {
    /// Handles a read of `data.len()` bytes.
    fn read(&mut self, offset: u64, data: &mut [u8]);
    /// Handles a write; for a string instruction (`rep outsb`) `data` holds every element.
    fn write(&mut self, offset: u64, data: &[u8]) -> DeviceAction;
    /// Called once after each VM exit has been handled, so a device can push out what it
    /// collected during that exit (the serial console writes its batch here).
    fn flush(&mut self) {}
}

/// One device on a bus.
struct Slot {
    base: u64,
    len: u64,
    device: Box<dyn BusDevice>,
}

/// The port-I/O and MMIO buses of one VM.
#[derive(Default)]
pub struct Bus {
    pio: Vec<Slot>,
    mmio: Vec<Slot>,
}

/// Why a device could not be placed on a bus.
#[derive(Debug, thiserror::Error)]
#[error("device range {base:#x}+{len:#x} overlaps another device or is empty")]
pub struct BusError {
    /// Requested base.
    pub base: u64,
    /// Requested length.
    pub len: u64,
}

fn insert(
    slots: &mut Vec<Slot>,
    base: u64,
    len: u64,
    device: Box<dyn BusDevice>,
) -> Result<(), BusError> {
    let end = base.checked_add(len).filter(|_| len > 0).ok_or(BusError { base, len })?;
    if slots.iter().any(|s| base < s.base + s.len && s.base < end) {
        return Err(BusError { base, len });
    }
    slots.push(Slot { base, len, device });
    slots.sort_by_key(|s| s.base);
    Ok(())
}

fn find(slots: &mut [Slot], addr: u64) -> Option<(&mut dyn BusDevice, u64)> {
    slots
        .iter_mut()
        .find(|s| addr >= s.base && addr - s.base < s.len)
        .map(|s| (s.device.as_mut() as &mut dyn BusDevice, addr - s.base))
}

impl Bus {
    /// Places `device` on the port bus at `[base, base + len)`.
    pub fn add_pio(
        &mut self,
        base: u16,
        len: u16,
        device: Box<dyn BusDevice>,
    ) -> Result<(), BusError> {
        insert(&mut self.pio, u64::from(base), u64::from(len), device)
    }

    /// Places `device` on the MMIO bus at `[base, base + len)`.
    pub fn add_mmio(
        &mut self,
        base: u64,
        len: u64,
        device: Box<dyn BusDevice>,
    ) -> Result<(), BusError> {
        insert(&mut self.mmio, base, len, device)
    }

    /// Routes a port read.
    pub fn pio_read(&mut self, port: u16, data: &mut [u8]) {
        match find(&mut self.pio, u64::from(port)) {
            Some((device, offset)) => device.read(offset, data),
            None => data.fill(0xff),
        }
    }

    /// Routes a port write.
    pub fn pio_write(&mut self, port: u16, data: &[u8]) -> DeviceAction {
        match find(&mut self.pio, u64::from(port)) {
            Some((device, offset)) => device.write(offset, data),
            None => DeviceAction::None,
        }
    }

    /// Lets every device push out what it collected during the last exit.
    pub fn flush(&mut self) {
        for slot in self.pio.iter_mut().chain(self.mmio.iter_mut()) {
            slot.device.flush();
        }
    }

    /// Routes an MMIO read.
    pub fn mmio_read(&mut self, addr: u64, data: &mut [u8]) {
        match find(&mut self.mmio, addr) {
            Some((device, offset)) => device.read(offset, data),
            None => data.fill(0xff),
        }
    }

    /// Routes an MMIO write.
    pub fn mmio_write(&mut self, addr: u64, data: &[u8]) -> DeviceAction {
        match find(&mut self.mmio, addr) {
            Some((device, offset)) => device.write(offset, data),
            None => DeviceAction::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    type WriteLog = Arc<Mutex<Vec<(u64, Vec<u8>)>>>;

    #[derive(Default)]
    struct Recorder(WriteLog);

    impl BusDevice for Recorder {
        fn read(&mut self, offset: u64, data: &mut [u8]) {
            data.fill(offset as u8);
        }
        fn write(&mut self, offset: u64, data: &[u8]) -> DeviceAction {
            self.0.lock().unwrap().push((offset, data.to_vec()));
            DeviceAction::None
        }
    }

    #[test]
    fn routes_by_range_with_relative_offsets() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut bus = Bus::default();
        bus.add_pio(0x3f8, 8, Box::new(Recorder(log.clone()))).unwrap();
        bus.pio_write(0x3f9, &[1, 2]);
        let mut byte = [0];
        bus.pio_read(0x3fa, &mut byte);
        assert_eq!(byte, [2]);
        assert_eq!(*log.lock().unwrap(), vec![(1, vec![1, 2])]);
    }

    #[test]
    fn unclaimed_reads_are_all_ones() {
        let mut bus = Bus::default();
        let mut data = [0u8; 4];
        bus.mmio_read(0xd000_0000, &mut data);
        assert_eq!(data, [0xff; 4]);
        assert_eq!(bus.pio_write(0x80, &[1]), DeviceAction::None);
    }

    #[test]
    fn overlapping_and_empty_ranges_are_refused() {
        let mut bus = Bus::default();
        bus.add_mmio(0x1000, 0x100, Box::new(Recorder::default())).unwrap();
        assert!(bus.add_mmio(0x10ff, 0x10, Box::new(Recorder::default())).is_err());
        assert!(bus.add_mmio(0x2000, 0, Box::new(Recorder::default())).is_err());
        assert!(bus.add_mmio(u64::MAX, 2, Box::new(Recorder::default())).is_err());
        bus.add_mmio(0x1100, 0x10, Box::new(Recorder::default())).unwrap();
    }
}
