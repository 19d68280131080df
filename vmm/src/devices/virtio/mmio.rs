//! The virtio-mmio transport, register layout version 2 (virtio 1.2, 4.2.2).
//!
//! One [`MmioTransport`] per device sits on the MMIO bus; `offset`s below are relative to the
//! device's base. Registers below 0x100 are 32 bits wide and accessed with 32-bit accesses
//! only (other widths read as zero and are ignored on write); the device-specific
//! configuration space starts at 0x100 and takes any width.
//!
//! Status rules enforced here (virtio 1.2, 2.1 and 3.1):
//! - writing 0 resets the device: its queues, negotiated features and interrupt state go back
//!   to their initial values and the device drops guest memory;
//! - bits are only ever added, in order: DRIVER needs ACKNOWLEDGE, FEATURES_OK needs DRIVER,
//!   DRIVER_OK needs FEATURES_OK; a write that clears a bit (other than the reset) or skips a
//!   step is ignored; FAILED is accepted at any time;
//! - FEATURES_OK sticks only if the driver's features are a subset of the device's and
//!   include VIRTIO_F_VERSION_1 (this transport has no legacy mode); otherwise the bit stays
//!   clear, which is how the driver learns the features were refused;
//! - DRIVER_OK activates the device; a queue the driver made ready with a bad size or rings
//!   outside guest memory, or a device that refuses to start, sets DEVICE_NEEDS_RESET instead;
//! - DEVICE_NEEDS_RESET is also set when a device finds a malformed ring while running (the
//!   device raises it through [`Interrupt::set_needs_reset`]).

use std::sync::{Arc, Mutex, MutexGuard};

use virtio_bindings::virtio_config::{
    VIRTIO_CONFIG_S_ACKNOWLEDGE, VIRTIO_CONFIG_S_DRIVER, VIRTIO_CONFIG_S_DRIVER_OK,
    VIRTIO_CONFIG_S_FAILED, VIRTIO_CONFIG_S_FEATURES_OK, VIRTIO_CONFIG_S_NEEDS_RESET,
};
use virtio_bindings::virtio_mmio::*;
use virtio_queue::{Queue, QueueT};
use vm_memory::{GuestAddress, GuestMemoryMmap};
use vmm_sys_util::eventfd::EventFd;

use super::{Interrupt, VIRTIO_F_VERSION_1, VIRTIO_RING_F_EVENT_IDX, VirtioDevice};
use crate::devices::{BusDevice, DeviceAction};

/// "virt" in little-endian: the MagicValue register.
pub const MMIO_MAGIC_VALUE: u32 = 0x7472_6976;
/// The register layout version this transport implements (2: virtio 1.x, no legacy).
pub const MMIO_VERSION: u32 = 2;
/// The VendorID register. The spec leaves it to the implementation; Linux ignores it.
/// ASCII "VMM\0" read as a little-endian word.
pub const MMIO_VENDOR_ID: u32 = 0x004d_4d56;

/// Register offsets as u64 (the bus hands out 64-bit offsets; the bindings are u32).
mod reg {
    use super::*;
    pub const MAGIC_VALUE: u64 = VIRTIO_MMIO_MAGIC_VALUE as u64;
    pub const VERSION: u64 = VIRTIO_MMIO_VERSION as u64;
    pub const DEVICE_ID: u64 = VIRTIO_MMIO_DEVICE_ID as u64;
    pub const VENDOR_ID: u64 = VIRTIO_MMIO_VENDOR_ID as u64;
    pub const DEVICE_FEATURES: u64 = VIRTIO_MMIO_DEVICE_FEATURES as u64;
    pub const DEVICE_FEATURES_SEL: u64 = VIRTIO_MMIO_DEVICE_FEATURES_SEL as u64;
    pub const DRIVER_FEATURES: u64 = VIRTIO_MMIO_DRIVER_FEATURES as u64;
    pub const DRIVER_FEATURES_SEL: u64 = VIRTIO_MMIO_DRIVER_FEATURES_SEL as u64;
    pub const QUEUE_SEL: u64 = VIRTIO_MMIO_QUEUE_SEL as u64;
    pub const QUEUE_NUM_MAX: u64 = VIRTIO_MMIO_QUEUE_NUM_MAX as u64;
    pub const QUEUE_NUM: u64 = VIRTIO_MMIO_QUEUE_NUM as u64;
    pub const QUEUE_READY: u64 = VIRTIO_MMIO_QUEUE_READY as u64;
    pub const QUEUE_NOTIFY: u64 = VIRTIO_MMIO_QUEUE_NOTIFY as u64;
    pub const INTERRUPT_STATUS: u64 = VIRTIO_MMIO_INTERRUPT_STATUS as u64;
    pub const INTERRUPT_ACK: u64 = VIRTIO_MMIO_INTERRUPT_ACK as u64;
    pub const STATUS: u64 = VIRTIO_MMIO_STATUS as u64;
    pub const QUEUE_DESC_LOW: u64 = VIRTIO_MMIO_QUEUE_DESC_LOW as u64;
    pub const QUEUE_DESC_HIGH: u64 = VIRTIO_MMIO_QUEUE_DESC_HIGH as u64;
    pub const QUEUE_DRIVER_LOW: u64 = VIRTIO_MMIO_QUEUE_AVAIL_LOW as u64;
    pub const QUEUE_DRIVER_HIGH: u64 = VIRTIO_MMIO_QUEUE_AVAIL_HIGH as u64;
    pub const QUEUE_DEVICE_LOW: u64 = VIRTIO_MMIO_QUEUE_USED_LOW as u64;
    pub const QUEUE_DEVICE_HIGH: u64 = VIRTIO_MMIO_QUEUE_USED_HIGH as u64;
    pub const SHM_LEN_LOW: u64 = VIRTIO_MMIO_SHM_LEN_LOW as u64;
    pub const SHM_BASE_HIGH: u64 = VIRTIO_MMIO_SHM_BASE_HIGH as u64;
    pub const CONFIG_GENERATION: u64 = VIRTIO_MMIO_CONFIG_GENERATION as u64;
    pub const CONFIG: u64 = VIRTIO_MMIO_CONFIG as u64;
}

/// The offset of QueueNotify, where the attach step registers each queue's ioeventfd.
pub const QUEUE_NOTIFY_OFFSET: u64 = reg::QUEUE_NOTIFY;

/// The driver-side setup of one queue, kept by the transport until DRIVER_OK hands a copy to
/// the device (and afterwards so reads of QueueReady return what the driver wrote).
struct QueueSetup {
    queue: Queue,
    /// Which of the driver's last writes the queue had to refuse (`BAD_*` bits): a size that
    /// is not a power of two within 1..=QueueNumMax, or a ring address that breaks the ring's
    /// alignment. A later valid write of the same field clears its bit; a queue made ready
    /// with any bit set cannot be used.
    bad: u8,
}

const BAD_SIZE: u8 = 1;
const BAD_DESC: u8 = 2;
const BAD_AVAIL: u8 = 4;
const BAD_USED: u8 = 8;

impl QueueSetup {
    fn flag(&mut self, bit: u8, bad: bool) {
        if bad {
            self.bad |= bit;
        } else {
            self.bad &= !bit;
        }
    }
}

/// One device's virtio-mmio register file.
///
/// Owns the transport state (status, feature negotiation, queue setup) and shares the device
/// itself with the event loop. Put it on the bus as `Arc<Mutex<MmioTransport>>` (see the
/// `BusDevice` impl for `Arc<Mutex<T>>` below) so the vmm can still reach it.
pub struct MmioTransport {
    device: Arc<Mutex<dyn VirtioDevice>>,
    device_type: u32,
    avail_features: u64,
    queue_evts: Vec<EventFd>,
    memory: GuestMemoryMmap,
    interrupt: Arc<Interrupt>,
    status: u32,
    device_features_sel: u32,
    driver_features_sel: u32,
    driver_features: u64,
    queue_sel: u32,
    queues: Vec<QueueSetup>,
}

/// Locks a mutex even if a thread panicked while holding it: device state stays usable (a
/// poisoned device at worst misbehaves for its guest) instead of taking down the vCPU thread.
pub(crate) fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn new_queues(max_sizes: &[u16]) -> Vec<QueueSetup> {
    max_sizes
        .iter()
        .map(|&max| QueueSetup {
            // Devices declare power-of-two sizes <= 32768; anything else is a programming
            // error caught by the transport tests, and degrades to a queue of one entry.
            queue: Queue::new(max).unwrap_or_else(|_| Queue::new(1).expect("1 is a valid size")),
            bad: 0,
        })
        .collect()
}

impl MmioTransport {
    /// A transport for `device`, whose queues live in `memory` and whose interrupt is
    /// `interrupt`. Fails only if the device's queue eventfds cannot be duplicated (the
    /// transport keeps copies to forward QueueNotify writes that reach it as MMIO exits).
    pub fn new(
        device: Arc<Mutex<dyn VirtioDevice>>,
        memory: GuestMemoryMmap,
        interrupt: Arc<Interrupt>,
    ) -> std::io::Result<Self> {
        let (device_type, avail_features, queues, queue_evts) = {
            let d = lock(&device);
            let evts = d.queue_events().iter().map(EventFd::try_clone).collect::<Result<_, _>>()?;
            (d.device_type(), d.avail_features(), new_queues(d.queue_max_sizes()), evts)
        };
        Ok(MmioTransport {
            device,
            device_type,
            avail_features,
            queue_evts,
            memory,
            interrupt,
            status: 0,
            device_features_sel: 0,
            driver_features_sel: 0,
            driver_features: 0,
            queue_sel: 0,
            queues,
        })
    }

    /// The device status as the driver reads it (DEVICE_NEEDS_RESET included).
    pub fn status(&self) -> u32 {
        if self.interrupt.needs_reset() {
            self.status | VIRTIO_CONFIG_S_NEEDS_RESET
        } else {
            self.status
        }
    }

    /// The features the driver wrote (accepted once FEATURES_OK is set).
    pub fn driver_features(&self) -> u64 {
        self.driver_features
    }

    /// The device's interrupt state.
    pub fn interrupt(&self) -> &Arc<Interrupt> {
        &self.interrupt
    }

    /// The shared device.
    pub fn device(&self) -> &Arc<Mutex<dyn VirtioDevice>> {
        &self.device
    }

    fn selected_queue(&mut self) -> Option<&mut QueueSetup> {
        self.queues.get_mut(self.queue_sel as usize)
    }

    /// Queue setup registers may change only between FEATURES_OK and DRIVER_OK (3.1.1 step 7).
    fn queue_setup_allowed(&self) -> bool {
        self.status
            & (VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK | VIRTIO_CONFIG_S_FAILED)
            == VIRTIO_CONFIG_S_FEATURES_OK
    }

    fn read_register(&self, offset: u64) -> u32 {
        let selected = self.queues.get(self.queue_sel as usize);
        match offset {
            reg::MAGIC_VALUE => MMIO_MAGIC_VALUE,
            reg::VERSION => MMIO_VERSION,
            reg::DEVICE_ID => self.device_type,
            reg::VENDOR_ID => MMIO_VENDOR_ID,
            reg::DEVICE_FEATURES => match self.device_features_sel {
                0 => self.avail_features as u32,
                1 => (self.avail_features >> 32) as u32,
                _ => 0,
            },
            // QueueNumMax reads 0 for a queue the device does not have (4.2.2.1).
            reg::QUEUE_NUM_MAX => selected.map_or(0, |q| u32::from(q.queue.max_size())),
            reg::QUEUE_NUM => selected.map_or(0, |q| u32::from(q.queue.size())),
            reg::QUEUE_READY => selected.map_or(0, |q| u32::from(q.queue.ready())),
            reg::INTERRUPT_STATUS => self.interrupt.status(),
            reg::STATUS => self.status(),
            reg::QUEUE_DESC_LOW => selected.map_or(0, |q| q.queue.desc_table() as u32),
            reg::QUEUE_DESC_HIGH => selected.map_or(0, |q| (q.queue.desc_table() >> 32) as u32),
            reg::QUEUE_DRIVER_LOW => selected.map_or(0, |q| q.queue.avail_ring() as u32),
            reg::QUEUE_DRIVER_HIGH => selected.map_or(0, |q| (q.queue.avail_ring() >> 32) as u32),
            reg::QUEUE_DEVICE_LOW => selected.map_or(0, |q| q.queue.used_ring() as u32),
            reg::QUEUE_DEVICE_HIGH => selected.map_or(0, |q| (q.queue.used_ring() >> 32) as u32),
            reg::CONFIG_GENERATION => self.interrupt.config_generation(),
            // No shared memory regions: every SHMSel names a non-existent one, whose length
            // and base read as -1 (4.2.2).
            reg::SHM_LEN_LOW..=reg::SHM_BASE_HIGH => u32::MAX,
            // Write-only and unknown registers read as zero.
            _ => 0,
        }
    }

    fn write_register(&mut self, offset: u64, value: u32) {
        match offset {
            reg::DEVICE_FEATURES_SEL => self.device_features_sel = value,
            reg::DRIVER_FEATURES_SEL => self.driver_features_sel = value,
            // Only while negotiating: after DRIVER, before FEATURES_OK.
            reg::DRIVER_FEATURES
                if self.status & (VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK)
                    == VIRTIO_CONFIG_S_DRIVER =>
            {
                let value = u64::from(value);
                match self.driver_features_sel {
                    0 => self.driver_features = (self.driver_features & !0xffff_ffff) | value,
                    1 => self.driver_features = (self.driver_features & 0xffff_ffff) | value << 32,
                    _ => {}
                }
            }
            reg::QUEUE_SEL => self.queue_sel = value,
            reg::QUEUE_NUM => {
                if self.queue_setup_allowed()
                    && let Some(q) = self.selected_queue()
                {
                    let size = u16::try_from(value).ok();
                    let bad = size.is_none_or(|size| q.queue.try_set_size(size).is_err());
                    q.flag(BAD_SIZE, bad);
                }
            }
            reg::QUEUE_READY => {
                // Setting ready is part of setup; clearing it (a driver giving a queue up, as
                // virtio-drivers does when it drops a device, then polling for the 0) is always
                // reflected so such a driver does not spin. A running device keeps its own copy
                // of the queue; the driver must not kick a queue it gave up.
                let allowed = value == 0 || self.queue_setup_allowed();
                if allowed && let Some(q) = self.selected_queue() {
                    q.queue.set_ready(value == 1);
                }
            }
            reg::QUEUE_NOTIFY => {
                // With KVM, notifies never get here: each queue's ioeventfd catches them.
                // Forwarding keeps the transport complete without one (tests, no ioeventfd).
                if let Some(evt) = self.queue_evts.get(value as usize) {
                    let _ = evt.write(1);
                }
            }
            reg::INTERRUPT_ACK => self.interrupt.ack(value),
            reg::STATUS => self.write_status(value),
            reg::QUEUE_DESC_LOW..=reg::QUEUE_DEVICE_HIGH => self.write_queue_address(offset, value),
            _ => {}
        }
    }

    fn write_queue_address(&mut self, offset: u64, value: u32) {
        if !self.queue_setup_allowed() {
            return;
        }
        let Some(q) = self.selected_queue() else { return };
        let (current, high) = match offset {
            reg::QUEUE_DESC_LOW => (q.queue.desc_table(), false),
            reg::QUEUE_DESC_HIGH => (q.queue.desc_table(), true),
            reg::QUEUE_DRIVER_LOW => (q.queue.avail_ring(), false),
            reg::QUEUE_DRIVER_HIGH => (q.queue.avail_ring(), true),
            reg::QUEUE_DEVICE_LOW => (q.queue.used_ring(), false),
            reg::QUEUE_DEVICE_HIGH => (q.queue.used_ring(), true),
            _ => return,
        };
        let address = if high {
            (current & 0xffff_ffff) | (u64::from(value) << 32)
        } else {
            (current & !0xffff_ffff) | u64::from(value)
        };
        let address = GuestAddress(address);
        let (result, bit) = match offset {
            reg::QUEUE_DESC_LOW | reg::QUEUE_DESC_HIGH => {
                (q.queue.try_set_desc_table_address(address), BAD_DESC)
            }
            reg::QUEUE_DRIVER_LOW | reg::QUEUE_DRIVER_HIGH => {
                (q.queue.try_set_avail_ring_address(address), BAD_AVAIL)
            }
            _ => (q.queue.try_set_used_ring_address(address), BAD_USED),
        };
        // Alignment lives in the low word: only its writes decide whether the address is bad
        // (a refused low word keeps the old address, and the bit stays set until a good one).
        if !high {
            q.flag(bit, result.is_err());
        }
    }

    fn write_status(&mut self, value: u32) {
        if value == 0 {
            self.reset();
            return;
        }
        // DEVICE_NEEDS_RESET is the device's bit; a driver writing back what it read must not
        // make the write look like it clears a bit.
        let new = value & !VIRTIO_CONFIG_S_NEEDS_RESET;
        let old = self.status;
        if new & old != old {
            return; // Clearing bits is only possible through a reset.
        }
        let added = new & !old;
        let has = |bit: u32| new & bit != 0;
        if added & VIRTIO_CONFIG_S_FAILED != 0 {
            self.status |= VIRTIO_CONFIG_S_FAILED;
        }
        if added & VIRTIO_CONFIG_S_ACKNOWLEDGE != 0 {
            self.status |= VIRTIO_CONFIG_S_ACKNOWLEDGE;
        }
        if added & VIRTIO_CONFIG_S_DRIVER != 0 && has(VIRTIO_CONFIG_S_ACKNOWLEDGE) {
            self.status |= VIRTIO_CONFIG_S_DRIVER;
        }
        if added & VIRTIO_CONFIG_S_FEATURES_OK != 0
            && self.status & VIRTIO_CONFIG_S_DRIVER != 0
            && self.features_acceptable()
        {
            self.status |= VIRTIO_CONFIG_S_FEATURES_OK;
            lock(&self.device).ack_features(self.driver_features);
        }
        if added & VIRTIO_CONFIG_S_DRIVER_OK != 0
            && self.status & VIRTIO_CONFIG_S_FEATURES_OK != 0
            && self.status & VIRTIO_CONFIG_S_FAILED == 0
        {
            self.status |= VIRTIO_CONFIG_S_DRIVER_OK;
            self.activate();
        }
    }

    /// FEATURES_OK is accepted for a subset of the offered features that includes VERSION_1.
    fn features_acceptable(&self) -> bool {
        self.driver_features & !self.avail_features == 0
            && self.driver_features & VIRTIO_F_VERSION_1 != 0
    }

    fn activate(&mut self) {
        let event_idx = self.driver_features & VIRTIO_RING_F_EVENT_IDX != 0;
        let mut queues = Vec::with_capacity(self.queues.len());
        for setup in &self.queues {
            if setup.queue.ready() && (setup.bad != 0 || !setup.queue.is_valid(&self.memory)) {
                self.interrupt.set_needs_reset();
                return;
            }
            let mut queue = match Queue::try_from(setup.queue.state()) {
                Ok(queue) => queue,
                Err(_) => {
                    self.interrupt.set_needs_reset();
                    return;
                }
            };
            queue.set_event_idx(event_idx);
            queues.push(queue);
        }
        let result =
            lock(&self.device).activate(self.memory.clone(), queues, self.interrupt.clone());
        if result.is_err() {
            self.interrupt.set_needs_reset();
        }
    }

    fn reset(&mut self) {
        lock(&self.device).reset();
        self.interrupt.reset();
        for setup in &mut self.queues {
            setup.queue.reset();
            setup.bad = 0;
        }
        self.status = 0;
        self.device_features_sel = 0;
        self.driver_features_sel = 0;
        self.driver_features = 0;
        self.queue_sel = 0;
    }
}

impl BusDevice for MmioTransport {
    fn read(&mut self, offset: u64, data: &mut [u8]) {
        if offset >= reg::CONFIG {
            lock(&self.device).read_config(offset - reg::CONFIG, data);
        } else if data.len() == 4 && offset.is_multiple_of(4) {
            data.copy_from_slice(&self.read_register(offset).to_le_bytes());
        } else {
            data.fill(0);
        }
    }

    fn write(&mut self, offset: u64, data: &[u8]) -> DeviceAction {
        if offset >= reg::CONFIG {
            lock(&self.device).write_config(offset - reg::CONFIG, data);
        } else if let (Ok(bytes), true) = (<[u8; 4]>::try_from(data), offset.is_multiple_of(4)) {
            self.write_register(offset, u32::from_le_bytes(bytes));
        }
        DeviceAction::None
    }
}

/// The adapter that puts a shared device on the bus: the bus owns a clone of the handle and
/// locks it for each access, while the creator keeps its own clone.
impl<T: BusDevice + ?Sized> BusDevice for Arc<Mutex<T>> {
    fn read(&mut self, offset: u64, data: &mut [u8]) {
        lock(self).read(offset, data)
    }

    fn write(&mut self, offset: u64, data: &[u8]) -> DeviceAction {
        lock(self).write(offset, data)
    }

    /// Forwarded like the accesses. Only the vCPU thread locks a transport, so this
    /// per-exit lock is uncontended.
    fn flush(&mut self) {
        lock(self).flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::virtio::testing::{FakeDevice, guest_memory};
    use vmm_sys_util::eventfd::EFD_NONBLOCK;

    const ACK: u32 = VIRTIO_CONFIG_S_ACKNOWLEDGE;
    const DRV: u32 = VIRTIO_CONFIG_S_DRIVER;
    const FOK: u32 = VIRTIO_CONFIG_S_FEATURES_OK;
    const DOK: u32 = VIRTIO_CONFIG_S_DRIVER_OK;

    struct Harness {
        transport: MmioTransport,
        device: Arc<Mutex<FakeDevice>>,
    }

    impl Harness {
        fn new() -> Self {
            let device = Arc::new(Mutex::new(FakeDevice::new()));
            let interrupt = Arc::new(Interrupt::new(EventFd::new(EFD_NONBLOCK).unwrap()));
            let transport =
                MmioTransport::new(device.clone(), guest_memory(1 << 20), interrupt).unwrap();
            Harness { transport, device }
        }
        fn read(&mut self, offset: u64) -> u32 {
            let mut data = [0u8; 4];
            self.transport.read(offset, &mut data);
            u32::from_le_bytes(data)
        }
        fn write(&mut self, offset: u64, value: u32) {
            self.transport.write(offset, &value.to_le_bytes());
        }
        fn negotiate(&mut self, features: u64) {
            self.write(reg::STATUS, ACK);
            self.write(reg::STATUS, ACK | DRV);
            self.write(reg::DRIVER_FEATURES_SEL, 0);
            self.write(reg::DRIVER_FEATURES, features as u32);
            self.write(reg::DRIVER_FEATURES_SEL, 1);
            self.write(reg::DRIVER_FEATURES, (features >> 32) as u32);
            self.write(reg::STATUS, ACK | DRV | FOK);
        }
        fn setup_queue(&mut self, index: u32, size: u32, desc: u64, avail: u64, used: u64) {
            self.write(reg::QUEUE_SEL, index);
            self.write(reg::QUEUE_NUM, size);
            self.write(reg::QUEUE_DESC_LOW, desc as u32);
            self.write(reg::QUEUE_DESC_HIGH, (desc >> 32) as u32);
            self.write(reg::QUEUE_DRIVER_LOW, avail as u32);
            self.write(reg::QUEUE_DRIVER_HIGH, (avail >> 32) as u32);
            self.write(reg::QUEUE_DEVICE_LOW, used as u32);
            self.write(reg::QUEUE_DEVICE_HIGH, (used >> 32) as u32);
            self.write(reg::QUEUE_READY, 1);
        }
        fn setup_all_queues(&mut self) {
            self.setup_queue(0, 16, 0x1000, 0x2000, 0x3000);
            self.setup_queue(1, 8, 0x4000, 0x5000, 0x6000);
        }
    }

    #[test]
    fn identity_registers() {
        let mut h = Harness::new();
        assert_eq!(h.read(reg::MAGIC_VALUE), 0x7472_6976);
        assert_eq!(&h.read(reg::MAGIC_VALUE).to_le_bytes(), b"virt");
        assert_eq!(h.read(reg::VERSION), 2);
        assert_eq!(h.read(reg::DEVICE_ID), FakeDevice::TYPE);
        assert_eq!(h.read(reg::VENDOR_ID), MMIO_VENDOR_ID);
        assert_eq!(h.read(reg::STATUS), 0);
        assert_eq!(h.read(0xb0), u32::MAX, "SHMLenLow: no shared memory region");
        assert_eq!(h.read(0xbc), u32::MAX, "SHMBaseHigh");
        // Registers are read-only; writes to them change nothing.
        h.write(reg::MAGIC_VALUE, 0);
        assert_eq!(h.read(reg::MAGIC_VALUE), MMIO_MAGIC_VALUE);
    }

    #[test]
    fn non_word_register_accesses_are_ignored() {
        let mut h = Harness::new();
        let mut byte = [0xffu8; 1];
        h.transport.read(reg::MAGIC_VALUE, &mut byte);
        assert_eq!(byte, [0]);
        let mut word = [0xffu8; 4];
        h.transport.read(reg::MAGIC_VALUE + 1, &mut word);
        assert_eq!(word, [0; 4]);
        h.transport.write(reg::STATUS, &[ACK as u8]);
        assert_eq!(h.read(reg::STATUS), 0);
    }

    #[test]
    fn device_features_are_paged_by_select() {
        let mut h = Harness::new();
        let features = FakeDevice::FEATURES;
        h.write(reg::DEVICE_FEATURES_SEL, 0);
        assert_eq!(h.read(reg::DEVICE_FEATURES), features as u32);
        h.write(reg::DEVICE_FEATURES_SEL, 1);
        assert_eq!(h.read(reg::DEVICE_FEATURES), (features >> 32) as u32);
        h.write(reg::DEVICE_FEATURES_SEL, 2);
        assert_eq!(h.read(reg::DEVICE_FEATURES), 0);
    }

    #[test]
    fn features_ok_requires_a_subset_with_version_1() {
        // A feature the device does not offer: FEATURES_OK does not stick.
        let mut h = Harness::new();
        h.negotiate(FakeDevice::FEATURES | 1 << 40);
        assert_eq!(h.read(reg::STATUS), ACK | DRV);
        assert_eq!(h.device.lock().unwrap().acked, None);

        // Without VERSION_1: refused too (no legacy interface here).
        let mut h = Harness::new();
        h.negotiate(FakeDevice::FEATURES & !VIRTIO_F_VERSION_1);
        assert_eq!(h.read(reg::STATUS), ACK | DRV);

        // A proper subset: accepted, and the device is told.
        let mut h = Harness::new();
        h.negotiate(VIRTIO_F_VERSION_1);
        assert_eq!(h.read(reg::STATUS), ACK | DRV | FOK);
        assert_eq!(h.device.lock().unwrap().acked, Some(VIRTIO_F_VERSION_1));
        assert_eq!(h.transport.driver_features(), VIRTIO_F_VERSION_1);
    }

    #[test]
    fn driver_features_are_frozen_after_features_ok() {
        let mut h = Harness::new();
        h.negotiate(VIRTIO_F_VERSION_1);
        h.write(reg::DRIVER_FEATURES_SEL, 0);
        h.write(reg::DRIVER_FEATURES, 0xffff_ffff);
        assert_eq!(h.transport.driver_features(), VIRTIO_F_VERSION_1);
    }

    #[test]
    fn status_bits_must_be_added_in_order() {
        let mut h = Harness::new();
        h.write(reg::STATUS, DRV); // DRIVER before ACKNOWLEDGE
        assert_eq!(h.read(reg::STATUS), 0);
        h.write(reg::STATUS, ACK | DRV); // both at once is fine
        assert_eq!(h.read(reg::STATUS), ACK | DRV);
        h.write(reg::STATUS, ACK); // clearing a bit without a reset
        assert_eq!(h.read(reg::STATUS), ACK | DRV);
        h.write(reg::STATUS, ACK | DRV | DOK); // DRIVER_OK before FEATURES_OK
        assert_eq!(h.read(reg::STATUS), ACK | DRV);
        assert!(!h.device.lock().unwrap().active);
        h.write(reg::STATUS, ACK | DRV | VIRTIO_CONFIG_S_FAILED);
        assert_eq!(h.read(reg::STATUS), ACK | DRV | VIRTIO_CONFIG_S_FAILED);
    }

    #[test]
    fn queue_setup_and_activation() {
        let mut h = Harness::new();
        h.write(reg::QUEUE_SEL, 0);
        assert_eq!(h.read(reg::QUEUE_NUM_MAX), 16);
        h.write(reg::QUEUE_SEL, 1);
        assert_eq!(h.read(reg::QUEUE_NUM_MAX), 8);
        h.write(reg::QUEUE_SEL, 2);
        assert_eq!(h.read(reg::QUEUE_NUM_MAX), 0, "no such queue");

        // Before FEATURES_OK, queue registers ignore writes.
        h.write(reg::QUEUE_SEL, 0);
        h.write(reg::QUEUE_READY, 1);
        assert_eq!(h.read(reg::QUEUE_READY), 0);

        h.negotiate(FakeDevice::FEATURES);
        h.setup_all_queues();
        h.write(reg::QUEUE_SEL, 0);
        assert_eq!(h.read(reg::QUEUE_READY), 1);
        assert_eq!(h.read(reg::QUEUE_NUM), 16);
        assert_eq!(h.read(reg::QUEUE_DESC_LOW), 0x1000);
        assert_eq!(h.read(reg::QUEUE_DRIVER_LOW), 0x2000);
        assert_eq!(h.read(reg::QUEUE_DEVICE_LOW), 0x3000);
        h.write(reg::STATUS, ACK | DRV | FOK | DOK);
        assert_eq!(h.read(reg::STATUS), ACK | DRV | FOK | DOK);

        let device = h.device.lock().unwrap();
        assert!(device.active);
        let queues = device.queues.as_ref().unwrap();
        assert_eq!(queues.len(), 2);
        assert_eq!(queues[1].size(), 8);
        assert_eq!(queues[1].desc_table(), 0x4000);
        assert!(queues[0].ready() && queues[0].event_idx_enabled());
        drop(device);

        // After DRIVER_OK the setup is frozen (except giving a queue up).
        h.write(reg::QUEUE_SEL, 0);
        h.write(reg::QUEUE_NUM, 4);
        assert_eq!(h.read(reg::QUEUE_NUM), 16);
        h.write(reg::QUEUE_READY, 0);
        assert_eq!(h.read(reg::QUEUE_READY), 0);
    }

    #[test]
    fn event_idx_follows_negotiation() {
        let mut h = Harness::new();
        h.negotiate(VIRTIO_F_VERSION_1);
        h.setup_all_queues();
        h.write(reg::STATUS, ACK | DRV | FOK | DOK);
        let device = h.device.lock().unwrap();
        assert!(!device.queues.as_ref().unwrap()[0].event_idx_enabled());
    }

    #[test]
    fn bad_queue_setup_means_needs_reset() {
        // Size not a power of two.
        let mut h = Harness::new();
        h.negotiate(FakeDevice::FEATURES);
        h.setup_all_queues();
        h.setup_queue(0, 12, 0x1000, 0x2000, 0x3000);
        h.write(reg::STATUS, ACK | DRV | FOK | DOK);
        assert_eq!(h.read(reg::STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, VIRTIO_CONFIG_S_NEEDS_RESET);
        assert!(!h.device.lock().unwrap().active);
        assert_eq!(h.read(reg::INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);

        // A bad size corrected before DRIVER_OK is fine.
        let mut h = Harness::new();
        h.negotiate(FakeDevice::FEATURES);
        h.setup_queue(0, 12, 0x1000, 0x2000, 0x3002);
        h.setup_all_queues();
        h.write(reg::STATUS, ACK | DRV | FOK | DOK);
        assert_eq!(h.read(reg::STATUS), ACK | DRV | FOK | DOK);

        // Larger than QueueNumMax.
        let mut h = Harness::new();
        h.negotiate(FakeDevice::FEATURES);
        h.setup_all_queues();
        h.setup_queue(1, 16, 0x4000, 0x5000, 0x6000);
        h.write(reg::STATUS, ACK | DRV | FOK | DOK);
        assert_ne!(h.read(reg::STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);

        // Misaligned used ring.
        let mut h = Harness::new();
        h.negotiate(FakeDevice::FEATURES);
        h.setup_all_queues();
        h.setup_queue(0, 16, 0x1000, 0x2000, 0x3002);
        h.write(reg::STATUS, ACK | DRV | FOK | DOK);
        assert_ne!(h.read(reg::STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);

        // Rings outside guest memory (1 MiB here).
        let mut h = Harness::new();
        h.negotiate(FakeDevice::FEATURES);
        h.setup_all_queues();
        h.setup_queue(0, 16, 0x1000, 0x2000, 0x1_0000_0000);
        h.write(reg::STATUS, ACK | DRV | FOK | DOK);
        assert_ne!(h.read(reg::STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);

        // The device refusing to start (it needs queue 1).
        let mut h = Harness::new();
        h.negotiate(FakeDevice::FEATURES);
        h.setup_queue(0, 16, 0x1000, 0x2000, 0x3000);
        h.write(reg::STATUS, ACK | DRV | FOK | DOK);
        assert_ne!(h.read(reg::STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
    }

    #[test]
    fn reset_returns_everything_to_initial_state() {
        let mut h = Harness::new();
        h.negotiate(FakeDevice::FEATURES);
        h.setup_all_queues();
        h.write(reg::STATUS, ACK | DRV | FOK | DOK);
        h.transport.interrupt().trigger(crate::devices::virtio::InterruptKind::UsedBuffer);
        h.transport.interrupt().set_needs_reset();
        assert_ne!(h.read(reg::STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);

        h.write(reg::STATUS, 0);
        assert_eq!(h.read(reg::STATUS), 0);
        assert_eq!(h.read(reg::INTERRUPT_STATUS), 0);
        assert_eq!(h.transport.driver_features(), 0);
        let device = h.device.lock().unwrap();
        assert!(!device.active);
        assert_eq!(device.resets, 1);
        drop(device);
        h.write(reg::QUEUE_SEL, 0);
        assert_eq!(h.read(reg::QUEUE_READY), 0);
        assert_eq!(h.read(reg::QUEUE_NUM), 16);
        assert_eq!(h.read(reg::QUEUE_DESC_LOW), 0);

        // And the device can be brought up again.
        h.negotiate(FakeDevice::FEATURES);
        h.setup_all_queues();
        h.write(reg::STATUS, ACK | DRV | FOK | DOK);
        assert!(h.device.lock().unwrap().active);
        assert_eq!(h.read(reg::STATUS), ACK | DRV | FOK | DOK);
    }

    #[test]
    fn interrupt_status_and_ack() {
        let mut h = Harness::new();
        let interrupt = h.transport.interrupt().clone();
        interrupt.trigger(crate::devices::virtio::InterruptKind::UsedBuffer);
        assert_eq!(h.read(reg::INTERRUPT_STATUS), 1);
        assert_eq!(interrupt.irq_evt().read().unwrap(), 1);
        interrupt.signal_config_change();
        assert_eq!(h.read(reg::INTERRUPT_STATUS), 3);
        assert_eq!(h.read(reg::CONFIG_GENERATION), 1);
        h.write(reg::INTERRUPT_ACK, 1);
        assert_eq!(h.read(reg::INTERRUPT_STATUS), 2);
        h.write(reg::INTERRUPT_ACK, 2);
        assert_eq!(h.read(reg::INTERRUPT_STATUS), 0);
    }

    #[test]
    fn config_space_reads_and_writes_reach_the_device() {
        let mut h = Harness::new();
        let mut data = [0u8; 8];
        h.transport.read(reg::CONFIG, &mut data);
        assert_eq!(data, [0, 1, 2, 3, 4, 5, 6, 7]);
        let mut byte = [0u8; 1];
        h.transport.read(reg::CONFIG + 5, &mut byte);
        assert_eq!(byte, [5]);
        let mut half = [0u8; 2];
        h.transport.read(reg::CONFIG + 6, &mut half);
        assert_eq!(half, [6, 7]);
        h.transport.read(reg::CONFIG + 0x200, &mut half);
        assert_eq!(half, [0, 0], "past the config space");
        h.transport.write(reg::CONFIG + 2, &[0xaa, 0xbb]);
        h.transport.read(reg::CONFIG, &mut data);
        assert_eq!(data, [0, 1, 0xaa, 0xbb, 4, 5, 6, 7]);
    }

    #[test]
    fn queue_notify_writes_reach_the_queue_eventfd() {
        let mut h = Harness::new();
        h.write(reg::QUEUE_NOTIFY, 1);
        h.write(reg::QUEUE_NOTIFY, 7); // no such queue: ignored
        let device = h.device.lock().unwrap();
        assert!(device.queue_evts[0].read().is_err(), "queue 0 not notified");
        assert_eq!(device.queue_evts[1].read().unwrap(), 1);
    }

    #[test]
    fn shared_handle_adapter_routes_to_the_transport() {
        let h = Harness::new();
        let mut shared: Arc<Mutex<MmioTransport>> = Arc::new(Mutex::new(h.transport));
        let mut data = [0u8; 4];
        BusDevice::read(&mut shared, reg::VERSION, &mut data);
        assert_eq!(u32::from_le_bytes(data), 2);
        BusDevice::write(&mut shared, reg::STATUS, &ACK.to_le_bytes());
        assert_eq!(shared.lock().unwrap().status(), ACK);
    }
}
