//! A transmit queue: buffers the device writes to a host file, posted in place.
//!
//! Each buffer is one descriptor pointing at the caller's memory (or a log slot), so output
//! is never copied by the kernel; the vmm gathers every posted buffer of a port into one
//! `writev`. Free descriptors are a bitmask (the device may return them in any order);
//! `owner` remembers which log slot, if any, a descriptor carries, to free it on return.

use crate::drivers::virtio::queue::{Descriptor, QueueAllocError, SplitQueue};

/// Most descriptors a transmit queue uses (the width of the free mask).
pub const MAX_TX: u16 = 128;
/// `owner` of a descriptor that carries no log slot.
pub const NO_SLOT: u8 = u8::MAX;

/// One port's transmit queue.
pub struct TxQueue {
    pub(super) queue: SplitQueue,
    /// Bit `i` set: descriptor `i` is free.
    free: u128,
    /// All descriptors free.
    all: u128,
    owner: [u8; MAX_TX as usize],
}

impl TxQueue {
    /// A transmit queue with index `index` of `size` (<= [`MAX_TX`]) entries.
    pub fn new(index: u16, size: u16, event_idx: bool) -> Result<Self, QueueAllocError> {
        let size = size.min(MAX_TX);
        let mut queue = SplitQueue::new(index, size, event_idx)?;
        // Nobody waits on output until it must: no interrupt per returned buffer.
        queue.disarm_interrupt();
        let all = if size == 128 { u128::MAX } else { (1u128 << size) - 1 };
        Ok(Self { queue, free: all, all, owner: [NO_SLOT; MAX_TX as usize] })
    }

    /// Whether a descriptor is free.
    pub fn has_room(&self) -> bool {
        self.free != 0
    }

    /// Whether every posted buffer came back (the device wrote everything).
    pub fn idle(&self) -> bool {
        self.free == self.all
    }

    /// Stages the `len` bytes at `phys` (carrying log slot `owner`, or [`NO_SLOT`]); false
    /// if no descriptor is free.
    pub fn post(&mut self, phys: u64, len: u32, owner: u8) -> bool {
        if self.free == 0 {
            return false;
        }
        let desc = self.free.trailing_zeros() as u16;
        self.free &= !(1 << desc);
        self.owner[usize::from(desc)] = owner;
        self.queue.set_desc(desc, Descriptor { addr: phys, len, flags: 0, next: 0 });
        self.queue.push(desc);
        true
    }

    /// Takes back the buffers the device returned, handing each log slot to `release`;
    /// returns whether any came back. `Err` if the device returned a descriptor that was
    /// not posted.
    pub fn reap(&mut self, mut release: impl FnMut(u8)) -> Result<bool, ()> {
        let mut any = false;
        while let Some((id, _)) = self.queue.pop_used() {
            let bit = 1u128.checked_shl(id).unwrap_or(0);
            if bit == 0 || bit & self.all == 0 || self.free & bit != 0 {
                return Err(());
            }
            self.free |= bit;
            let owner = self.owner[id as usize];
            if owner != NO_SLOT {
                release(owner);
            }
            any = true;
        }
        Ok(any)
    }
}
