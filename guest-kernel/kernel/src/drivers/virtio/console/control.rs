//! The control queues of a multiport console (virtio 1.2, 5.3.6.2), on top of the pure
//! protocol logic in `klib::virtio_console`.
//!
//! Receive buffers are 64 bytes (a header and a port name), posted at start-up; messages
//! to the device are 8 bytes, each in its own slot of the same page and sent in place.
//! The handshake is not waited for: it advances whenever the console driver looks at its
//! queues (every write, read and wait), so it costs a boot nothing but the two messages.

use crate::drivers::virtio::queue::{DESC_WRITE, Descriptor, QueueAllocError, SplitQueue};
use crate::mm::dma::DmaRegion;
use klib::virtio_console::{ControlMsg, ControlState};

/// Control receive buffers.
const RX_COUNT: u16 = 8;
/// Bytes per receive buffer.
const RX_SIZE: usize = 64;
/// Control transmit slots.
const TX_COUNT: u16 = 16;
/// Offset of the transmit slots in the page.
const TX_BASE: usize = 2048;

/// The control queues and the protocol state.
pub struct Control {
    pub(super) rx: SplitQueue,
    pub(super) tx: SplitQueue,
    buffers: DmaRegion,
    rx_count: u16,
    tx_count: u16,
    /// Bit `i` set: transmit slot `i` is free.
    tx_free: u32,
    pub(super) state: ControlState,
}

impl Control {
    /// Control queues with indices `rx_index`, `tx_index` and at most the given sizes.
    pub fn new(
        rx_index: u16,
        rx_size: u16,
        tx_index: u16,
        tx_size: u16,
        event_idx: bool,
    ) -> Result<Self, QueueAllocError> {
        let rx_count = rx_size.min(RX_COUNT);
        let tx_count = tx_size.min(TX_COUNT);
        Ok(Self {
            rx: SplitQueue::new(rx_index, rx_count, event_idx)?,
            tx: SplitQueue::new(tx_index, tx_count, event_idx)?,
            buffers: DmaRegion::new(1).ok_or(QueueAllocError)?,
            rx_count,
            tx_count,
            tx_free: (1u32 << tx_count) - 1,
            state: ControlState::default(),
        })
    }

    /// Stages every receive buffer (start-up; the caller publishes).
    pub fn post_rx(&mut self) {
        for id in 0..self.rx_count {
            self.repost(id);
        }
    }

    fn repost(&mut self, id: u16) {
        let at = usize::from(id) * RX_SIZE;
        let desc = Descriptor {
            addr: self.buffers.phys_at(at),
            len: RX_SIZE as u32,
            flags: DESC_WRITE,
            next: 0,
        };
        self.rx.set_desc(id, desc);
        self.rx.push(id);
    }

    /// Stages `msg` for the device; false if every slot is in flight (the device returns
    /// them as it reads them; a lost reply only delays the handshake).
    pub fn send(&mut self, msg: ControlMsg) -> bool {
        self.reap_tx();
        if self.tx_free == 0 {
            return false;
        }
        let slot = self.tx_free.trailing_zeros() as u16;
        self.tx_free &= !(1 << slot);
        let at = TX_BASE + 8 * usize::from(slot);
        // SAFETY: slot `slot`'s 8 bytes lie in the page (TX_BASE + 8 * 16 <= 4096) and are
        // free (the device returned them or never had them).
        unsafe { self.buffers.at(at).cast::<u64>().write_volatile(msg.to_word()) };
        let desc = Descriptor { addr: self.buffers.phys_at(at), len: 8, flags: 0, next: 0 };
        self.tx.set_desc(slot, desc);
        self.tx.push(slot);
        true
    }

    fn reap_tx(&mut self) {
        while let Some((id, _)) = self.tx.pop_used() {
            if id < u32::from(self.tx_count) {
                self.tx_free |= 1 << id;
            }
        }
    }

    /// Handles every message the device sent and stages the replies; returns whether any
    /// arrived. `Err` if the device returned a buffer it does not have.
    pub fn poll(&mut self) -> Result<bool, ()> {
        let mut any = false;
        while let Some((id, len)) = self.rx.pop_used() {
            if id >= u32::from(self.rx_count) {
                return Err(());
            }
            any = true;
            let at = id as usize * RX_SIZE;
            let len = (len as usize).min(RX_SIZE);
            // SAFETY: buffer `id` lies in the page and the device returned it, so it is
            // done writing; `len` is bounded by the buffer size.
            let bytes = unsafe { core::slice::from_raw_parts(self.buffers.at(at), len) };
            if let Some(msg) = ControlMsg::from_bytes(bytes) {
                for reply in self.state.handle(msg).iter() {
                    self.send(*reply);
                }
            }
            self.repost(id as u16);
        }
        Ok(any)
    }
}
