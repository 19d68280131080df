//! A split virtqueue (virtio 1.2, 2.7), written for this kernel's cost model instead of
//! using `virtio_drivers::queue::VirtQueue` (the reasons are in `virtio/mod.rs`).
//!
//! The queue owns its three rings in fresh DMA pages (zero, so nothing is initialized) and
//! the ring indices; it does not manage descriptors. Each driver owns its descriptor
//! numbering (a block request slot, a console buffer), which lets it leave constant
//! descriptors in place and reclaim by index without walking chains.
//!
//! Memory ordering: the device is another CPU (the vmm's event-loop thread). Stores to
//! descriptors and ring entries are volatile and published by a release fence before the
//! index store; reading the used index is followed by an acquire fence before the entries.
//! x86 keeps stores in order, so the fences only stop the compiler, except the full fence
//! between publishing and reading the device's notification suppression (`needs_notify`).

use crate::mm::dma::DmaRegion;
use core::sync::atomic::{Ordering, fence};
use klib::memmap::PAGE_SIZE;

/// Descriptor flag: the chain continues at `next`.
pub const DESC_NEXT: u16 = 1;
/// Descriptor flag: the device writes this buffer.
pub const DESC_WRITE: u16 = 2;
/// Descriptor flag: the buffer is a table of descriptors.
pub const DESC_INDIRECT: u16 = 4;

/// Avail ring flag (without event-idx): do not interrupt for used buffers.
const AVAIL_F_NO_INTERRUPT: u16 = 1;
/// Used ring flag (without event-idx): the device does not need notifications.
const USED_F_NO_NOTIFY: u16 = 1;

/// A virtqueue descriptor (`struct virtq_desc`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Descriptor {
    /// Guest-physical address of the buffer.
    pub addr: u64,
    /// Length in bytes.
    pub len: u32,
    /// `DESC_*` flags.
    pub flags: u16,
    /// Next descriptor of the chain (with `DESC_NEXT`).
    pub next: u16,
}

/// Size of one descriptor.
pub const DESC_SIZE: usize = size_of::<Descriptor>();

impl Descriptor {
    /// Writes the descriptor to `slot` as two 8-byte volatile stores (a volatile struct
    /// write goes field by field through the stack: three times the instructions).
    ///
    /// # Safety
    /// `slot` must be valid for writes of a descriptor and 8-byte aligned.
    pub unsafe fn store(self, slot: *mut Descriptor) {
        let words = slot.cast::<u64>();
        let high = u64::from(self.len) | u64::from(self.flags) << 32 | u64::from(self.next) << 48;
        // SAFETY: the caller guarantees 16 writable, aligned bytes at `slot`.
        unsafe {
            words.write_volatile(self.addr);
            words.add(1).write_volatile(high);
        }
    }
}

/// Why a queue could not be created.
#[derive(Clone, Copy, Debug)]
pub struct QueueAllocError;

/// One split virtqueue.
pub struct SplitQueue {
    index: u16,
    size: u16,
    mem: DmaRegion,
    /// Byte offsets of the available and used rings in `mem`.
    avail: usize,
    used: usize,
    /// The driver's copy of `avail.idx` (entries published or staged).
    avail_idx: u16,
    /// `avail.idx` as last published to the device.
    published: u16,
    /// The next used-ring entry to consume.
    last_used: u16,
    event_idx: bool,
}

// SAFETY: the queue's memory is owned by it (DMA pages nobody else uses); drivers keep it
// behind their locks.
unsafe impl Send for SplitQueue {}

impl SplitQueue {
    /// A queue of `size` entries (a power of two) with index `index`, in fresh zeroed DMA
    /// pages. `event_idx`: whether VIRTIO_F_EVENT_IDX was negotiated.
    pub fn new(index: u16, size: u16, event_idx: bool) -> Result<Self, QueueAllocError> {
        if !size.is_power_of_two() {
            return Err(QueueAllocError);
        }
        let n = usize::from(size);
        let avail = n * DESC_SIZE;
        let used = (avail + 6 + 2 * n).next_multiple_of(4);
        let total = used + 6 + 8 * n;
        let pages = total.div_ceil(PAGE_SIZE as usize);
        let mem = DmaRegion::new(pages).ok_or(QueueAllocError)?;
        Ok(Self {
            index,
            size,
            mem,
            avail,
            used,
            avail_idx: 0,
            published: 0,
            last_used: 0,
            event_idx,
        })
    }

    /// The queue's index on its device.
    pub fn index(&self) -> u16 {
        self.index
    }

    /// Number of entries.
    pub fn size(&self) -> u16 {
        self.size
    }

    /// Physical addresses of the descriptor table, available ring and used ring, for the
    /// transport's queue registers.
    pub fn addresses(&self) -> (u64, u64, u64) {
        (self.mem.phys, self.mem.phys_at(self.avail), self.mem.phys_at(self.used))
    }

    fn u16_at(&self, offset: usize) -> *mut u16 {
        self.mem.at(offset).cast()
    }

    /// Writes descriptor `i` (`i < size`; larger indices are masked, never out of bounds).
    pub fn set_desc(&mut self, i: u16, desc: Descriptor) {
        let i = usize::from(i & (self.size - 1));
        // SAFETY: descriptor `i` lies in the table at the start of `mem` (i < size, 16-byte
        // aligned); the device only reads descriptors of chains the driver published.
        unsafe { desc.store(self.mem.at(i * DESC_SIZE).cast::<Descriptor>()) };
    }

    /// Stages chain `head` in the available ring; the device sees it after [`Self::publish`].
    pub fn push(&mut self, head: u16) {
        let slot = usize::from(self.avail_idx & (self.size - 1));
        // SAFETY: `ring[slot]` lies in the available ring (slot < size).
        unsafe { self.u16_at(self.avail + 4 + 2 * slot).write_volatile(head) };
        self.avail_idx = self.avail_idx.wrapping_add(1);
    }

    /// Publishes the staged chains; returns whether the device asked to be notified of them
    /// (event-idx `avail_event`, or the used ring's NO_NOTIFY flag).
    pub fn publish(&mut self) -> bool {
        let (old, new) = (self.published, self.avail_idx);
        if old == new {
            return false;
        }
        fence(Ordering::Release);
        // SAFETY: `avail.idx` is the second u16 of the available ring.
        unsafe { self.u16_at(self.avail + 2).write_volatile(new) };
        self.published = new;
        // The device may be deciding right now whether to look again: order the index
        // store before the read of its suppression field (Linux's `virtio_mb`).
        fence(Ordering::SeqCst);
        if self.event_idx {
            // SAFETY: `avail_event` follows the used ring's entries.
            let event =
                unsafe { self.u16_at(self.used + 4 + 8 * usize::from(self.size)).read_volatile() };
            // vring_need_event: the device wants a kick once the index passes `event`.
            new.wrapping_sub(event).wrapping_sub(1) < new.wrapping_sub(old)
        } else {
            // SAFETY: `used.flags` is the first u16 of the used ring.
            unsafe { self.u16_at(self.used).read_volatile() & USED_F_NO_NOTIFY == 0 }
        }
    }

    /// The device's used index.
    fn used_idx(&self) -> u16 {
        // SAFETY: `used.idx` is the second u16 of the used ring.
        unsafe { self.u16_at(self.used + 2).read_volatile() }
    }

    /// Whether the device has returned buffers not consumed yet.
    pub fn has_used(&self) -> bool {
        self.used_idx() != self.last_used
    }

    /// The next returned buffer: (head descriptor id, bytes the device wrote). Ids are as the
    /// device wrote them: the caller checks them against what it has in flight.
    pub fn pop_used(&mut self) -> Option<(u32, u32)> {
        if !self.has_used() {
            return None;
        }
        fence(Ordering::Acquire);
        let slot = usize::from(self.last_used & (self.size - 1));
        let at = self.used + 4 + 8 * slot;
        // SAFETY: `ring[slot]` lies in the used ring (slot < size); the device wrote it
        // before the index store we observed.
        let (id, len) = unsafe {
            let entry = self.mem.at(at).cast::<u32>();
            (entry.read_volatile(), entry.add(1).read_volatile())
        };
        self.last_used = self.last_used.wrapping_add(1);
        Some((id, len))
    }

    /// Asks for an interrupt when the device returns the next buffer (event-idx
    /// `used_event` = the next entry; otherwise interrupts are always on). The caller must
    /// check [`Self::has_used`] again afterwards: a buffer returned before the request was
    /// visible raises no interrupt.
    pub fn arm_interrupt(&mut self) {
        if self.event_idx {
            // SAFETY: `used_event` follows the available ring's entries.
            unsafe {
                self.u16_at(self.avail + 4 + 2 * usize::from(self.size))
                    .write_volatile(self.last_used)
            };
        } else {
            // SAFETY: `avail.flags` is the first u16 of the available ring.
            unsafe { self.u16_at(self.avail).write_volatile(0) };
        }
        // The device must see the request before the caller re-checks the used index.
        fence(Ordering::SeqCst);
    }

    /// Asks the device not to interrupt for returned buffers (a transmit queue nobody waits
    /// on). Advisory: the device may still interrupt.
    pub fn disarm_interrupt(&mut self) {
        if self.event_idx {
            // The device interrupts when its index crosses `used_event`; half the index
            // space behind us is as far as it gets.
            // SAFETY: as in `arm_interrupt`.
            unsafe {
                self.u16_at(self.avail + 4 + 2 * usize::from(self.size))
                    .write_volatile(self.last_used.wrapping_sub(0x8000))
            };
        } else {
            // SAFETY: `avail.flags` is the first u16 of the available ring.
            unsafe { self.u16_at(self.avail).write_volatile(AVAIL_F_NO_INTERRUPT) };
        }
    }
}
