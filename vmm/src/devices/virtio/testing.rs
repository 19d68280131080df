//! Test helpers: guest memory, a minimal device for transport tests, and the driver side of a
//! split virtqueue.
//!
//! `Driver` plays the guest driver on a queue in test memory. virtio-queue's `MockSplitQueue`
//! does the same job, but its layout puts the used ring at `avail + 4 + size` bytes, which
//! overlaps the upper half of the available ring (its `SplitQueueRing::end` adds the entry
//! count, not the byte length); tests that push more than `size / 2` chains through a queue
//! would corrupt themselves. `Driver` uses the spec's layout (2.7.2) with the same
//! virtio-queue descriptor types.

use std::sync::Arc;

use virtio_queue::desc::RawDescriptor;
use virtio_queue::desc::split::Descriptor;
use virtio_queue::{Queue, QueueT};
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};
use vmm_sys_util::eventfd::{EFD_NONBLOCK, EventFd};

use super::{
    ActivateError, Interrupt, VIRTIO_F_VERSION_1, VIRTIO_RING_F_EVENT_IDX, VirtioDevice,
    read_config_bytes,
};

/// Flag: the buffer continues in `next`.
pub const NEXT: u16 = 1;
/// Flag: the buffer is device-writable.
pub const WRITE: u16 = 2;
/// Flag: the buffer is an indirect descriptor table.
pub const INDIRECT: u16 = 4;

/// Guest RAM of `size` bytes at address 0.
pub fn guest_memory(size: usize) -> GuestMemoryMmap {
    GuestMemoryMmap::from_ranges(&[(GuestAddress(0), size)]).expect("test memory")
}

/// An interrupt on a fresh non-blocking eventfd.
pub fn interrupt() -> Arc<Interrupt> {
    Arc::new(Interrupt::new(EventFd::new(EFD_NONBLOCK).expect("eventfd")))
}

/// How many times the interrupt fired since last asked (0 if never).
pub fn irq_count(interrupt: &Interrupt) -> u64 {
    interrupt.irq_evt().read().unwrap_or(0)
}

/// A device with two queues (16 and 8 entries) that records what the transport does to it.
pub struct FakeDevice {
    pub queue_evts: Vec<EventFd>,
    pub acked: Option<u64>,
    pub active: bool,
    pub queues: Option<Vec<Queue>>,
    pub resets: u32,
    pub config: [u8; 8],
}

impl FakeDevice {
    pub const TYPE: u32 = 42;
    pub const FEATURES: u64 = VIRTIO_F_VERSION_1 | VIRTIO_RING_F_EVENT_IDX | 1 << 3;

    pub fn new() -> Self {
        FakeDevice {
            queue_evts: (0..2).map(|_| EventFd::new(EFD_NONBLOCK).unwrap()).collect(),
            acked: None,
            active: false,
            queues: None,
            resets: 0,
            config: [0, 1, 2, 3, 4, 5, 6, 7],
        }
    }
}

impl VirtioDevice for FakeDevice {
    fn device_type(&self) -> u32 {
        Self::TYPE
    }
    fn queue_max_sizes(&self) -> &[u16] {
        &[16, 8]
    }
    fn avail_features(&self) -> u64 {
        Self::FEATURES
    }
    fn ack_features(&mut self, features: u64) {
        self.acked = Some(features);
    }
    fn read_config(&self, offset: u64, data: &mut [u8]) {
        read_config_bytes(&self.config, offset, data);
    }
    fn write_config(&mut self, offset: u64, data: &[u8]) {
        for (i, byte) in data.iter().enumerate() {
            if let Some(slot) = self.config.get_mut(offset as usize + i) {
                *slot = *byte;
            }
        }
    }
    fn queue_events(&self) -> &[EventFd] {
        &self.queue_evts
    }
    fn activate(
        &mut self,
        _memory: GuestMemoryMmap,
        queues: Vec<Queue>,
        _interrupt: Arc<Interrupt>,
    ) -> Result<(), ActivateError> {
        if let Some(i) = queues.iter().position(|q| !q.ready()) {
            return Err(ActivateError::QueueNotReady(i));
        }
        self.active = true;
        self.queues = Some(queues);
        Ok(())
    }
    fn reset(&mut self) {
        self.active = false;
        self.queues = None;
        self.resets += 1;
    }
}

/// One descriptor as a test writes it.
#[derive(Clone, Copy, Debug)]
pub struct Desc {
    pub addr: u64,
    pub len: u32,
    pub flags: u16,
    pub next: u16,
}

impl Desc {
    /// A device-readable buffer.
    pub fn r(addr: u64, len: u32) -> Self {
        Desc { addr, len, flags: 0, next: 0 }
    }
    /// A device-writable buffer.
    pub fn w(addr: u64, len: u32) -> Self {
        Desc { addr, len, flags: WRITE, next: 0 }
    }
    /// A descriptor with explicit flags and next (for malformed chains).
    pub fn raw(addr: u64, len: u32, flags: u16, next: u16) -> Self {
        Desc { addr, len, flags, next }
    }
}

/// The driver side of one split virtqueue in guest memory, laid out as the spec says:
/// descriptor table, then the available ring (flags, idx, ring[size], used_event), then the
/// used ring (flags, idx, ring[size], avail_event) 4-byte aligned.
pub struct Driver {
    pub mem: GuestMemoryMmap,
    pub size: u16,
    pub desc_table: u64,
    pub avail: u64,
    pub used: u64,
    next_desc: u16,
    avail_idx: u16,
    seen_used: u16,
}

impl Driver {
    /// A queue of `size` entries whose structures start at `base`.
    pub fn new(mem: &GuestMemoryMmap, base: u64, size: u16) -> Self {
        let desc_table = base;
        let avail = desc_table + 16 * u64::from(size);
        let used = (avail + 6 + 2 * u64::from(size) + 3) & !3;
        let driver = Driver {
            mem: mem.clone(),
            size,
            desc_table,
            avail,
            used,
            next_desc: 0,
            avail_idx: 0,
            seen_used: 0,
        };
        let end = used + 6 + 8 * u64::from(size);
        driver.mem.write_slice(&vec![0u8; (end - base) as usize], GuestAddress(base)).unwrap();
        driver
    }

    /// The device's view: a ready `Queue` with these rings.
    pub fn queue(&self, event_idx: bool) -> Queue {
        let mut q = Queue::new(self.size).unwrap();
        q.set_size(self.size);
        q.try_set_desc_table_address(GuestAddress(self.desc_table)).unwrap();
        q.try_set_avail_ring_address(GuestAddress(self.avail)).unwrap();
        q.try_set_used_ring_address(GuestAddress(self.used)).unwrap();
        q.set_event_idx(event_idx);
        q.set_ready(true);
        q
    }

    /// Writes descriptor `index` of the table.
    pub fn write_desc(&self, index: u16, d: Desc) {
        let raw = RawDescriptor::from(Descriptor::new(d.addr, d.len, d.flags, d.next));
        self.mem.write_obj(raw, GuestAddress(self.desc_table + 16 * u64::from(index))).unwrap();
    }

    /// Writes `descs` as one chain in free table slots (linking them with NEXT) and makes it
    /// available. Returns the head index.
    pub fn add_chain(&mut self, descs: &[Desc]) -> u16 {
        let indices: Vec<u16> =
            (0..descs.len() as u16).map(|i| (self.next_desc + i) % self.size).collect();
        self.next_desc = (self.next_desc + descs.len() as u16) % self.size;
        for (i, d) in descs.iter().enumerate() {
            let mut d = *d;
            if i + 1 < descs.len() {
                d.flags |= NEXT;
                d.next = indices[i + 1];
            } else {
                d.flags &= !NEXT;
            }
            self.write_desc(indices[i], d);
        }
        self.publish(indices[0]);
        indices[0]
    }

    /// Writes descriptors at explicit indices, unchanged, and makes `head` available.
    pub fn add_raw(&mut self, table: &[(u16, Desc)], head: u16) {
        for &(index, d) in table {
            self.write_desc(index, d);
        }
        self.publish(head);
    }

    /// Puts `head` in the next available ring slot and bumps avail.idx.
    pub fn publish(&mut self, head: u16) {
        let slot = u64::from(self.avail_idx % self.size);
        self.mem.write_obj(head, GuestAddress(self.avail + 4 + 2 * slot)).unwrap();
        self.avail_idx = self.avail_idx.wrapping_add(1);
        self.mem.write_obj(self.avail_idx, GuestAddress(self.avail + 2)).unwrap();
    }

    /// Overwrites avail.idx (for malformed-ring tests).
    pub fn set_avail_idx(&mut self, idx: u16) {
        self.avail_idx = idx;
        self.mem.write_obj(idx, GuestAddress(self.avail + 2)).unwrap();
    }

    /// Writes `used_event` (event-idx: interrupt me when used.idx passes this).
    pub fn set_used_event(&self, value: u16) {
        let addr = self.avail + 4 + 2 * u64::from(self.size);
        self.mem.write_obj(value, GuestAddress(addr)).unwrap();
    }

    /// The device's `avail_event` (event-idx: notify me when avail.idx passes this).
    pub fn avail_event(&self) -> u16 {
        let addr = self.used + 4 + 8 * u64::from(self.size);
        self.mem.read_obj(GuestAddress(addr)).unwrap()
    }

    /// The used ring's flags (VRING_USED_F_NO_NOTIFY without event-idx).
    pub fn used_flags(&self) -> u16 {
        self.mem.read_obj(GuestAddress(self.used)).unwrap()
    }

    /// used.idx.
    pub fn used_idx(&self) -> u16 {
        self.mem.read_obj(GuestAddress(self.used + 2)).unwrap()
    }

    /// Used entries (id, len) the device added since the last call.
    pub fn take_used(&mut self) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        while self.seen_used != self.used_idx() {
            let slot = u64::from(self.seen_used % self.size);
            // struct virtq_used_elem { le32 id; le32 len; }
            let elem: [u32; 2] = self.mem.read_obj(GuestAddress(self.used + 4 + 8 * slot)).unwrap();
            out.push((u32::from_le(elem[0]), u32::from_le(elem[1])));
            self.seen_used = self.seen_used.wrapping_add(1);
        }
        out
    }

    /// Reads guest memory.
    pub fn read(&self, addr: u64, len: usize) -> Vec<u8> {
        let mut buf = vec![0u8; len];
        self.mem.read_slice(&mut buf, GuestAddress(addr)).unwrap();
        buf
    }

    /// Writes guest memory.
    pub fn write(&self, addr: u64, data: &[u8]) {
        self.mem.write_slice(data, GuestAddress(addr)).unwrap();
    }
}

/// A deterministic xorshift64* generator for property tests (no extra dependency).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform-ish in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}
