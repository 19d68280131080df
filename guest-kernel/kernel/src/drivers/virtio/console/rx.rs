//! Port 0's receive queue: a few page-sized buffers the device fills from the host's stdin.
//!
//! The buffers are posted on the first read, not at boot: until then the host keeps its
//! input (back-pressure), and a boot that never reads pays nothing. A reader is handed the
//! received bytes in place and the buffer is posted again afterwards, so input is not
//! copied by the kernel either (`contest=echo` sends it back from the same page).

use crate::drivers::virtio::queue::{DESC_WRITE, Descriptor, QueueAllocError, SplitQueue};
use crate::mm::dma::DmaRegion;
use klib::memmap::PAGE_SIZE;

/// Receive buffers (one page each).
pub const RX_BUFFERS: u16 = 4;
/// Bytes per buffer.
const RX_BUFFER_SIZE: usize = PAGE_SIZE as usize;

/// Port 0's input.
pub struct RxQueue {
    pub(super) queue: SplitQueue,
    buffers: DmaRegion,
    count: u16,
    posted: bool,
}

impl RxQueue {
    /// A receive queue with index `index` of at most `size` buffers.
    pub fn new(index: u16, size: u16, event_idx: bool) -> Result<Self, QueueAllocError> {
        let count = size.min(RX_BUFFERS);
        let queue = SplitQueue::new(index, count, event_idx)?;
        let buffers = DmaRegion::new(usize::from(count)).ok_or(QueueAllocError)?;
        Ok(Self { queue, buffers, count, posted: false })
    }

    /// Posts every buffer the first time (the caller publishes); false if already done.
    pub fn post_all(&mut self) -> bool {
        if self.posted {
            return false;
        }
        self.posted = true;
        for id in 0..self.count {
            self.repost(id);
        }
        true
    }

    /// Whether the buffers were posted.
    pub fn posted(&self) -> bool {
        self.posted
    }

    /// Stages buffer `id` for the device again.
    pub fn repost(&mut self, id: u16) {
        let at = usize::from(id) * RX_BUFFER_SIZE;
        let desc = Descriptor {
            addr: self.buffers.phys_at(at),
            len: RX_BUFFER_SIZE as u32,
            flags: DESC_WRITE,
            next: 0,
        };
        self.queue.set_desc(id, desc);
        self.queue.push(id);
    }

    /// The next filled buffer: (id, its bytes). `Err` if the device returned a buffer it
    /// does not have or claims more bytes than it holds.
    pub fn pop(&mut self) -> Result<Option<(u16, *const u8, usize)>, ()> {
        let Some((id, len)) = self.queue.pop_used() else { return Ok(None) };
        if id >= u32::from(self.count) || len as usize > RX_BUFFER_SIZE {
            return Err(());
        }
        let ptr = self.buffers.at(id as usize * RX_BUFFER_SIZE).cast_const();
        Ok(Some((id as u16, ptr, len as usize)))
    }
}
