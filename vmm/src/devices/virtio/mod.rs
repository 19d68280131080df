//! Virtio devices on the virtio-mmio transport (virtio 1.2, "modern" devices only).
//!
//! How the pieces fit:
//!
//! ```text
//!  vCPU thread                          event-loop thread
//!  ───────────                          ─────────────────
//!  MMIO exit ─► Bus ─► Arc<Mutex<MmioTransport>>        epoll ─► Arc<Mutex<Device>>
//!                        │ registers, status,                    (MutEventSubscriber)
//!                        │ features, queue setup                  │ pops descriptor chains,
//!                        └─ locks Arc<Mutex<Device>> ─────────────┘ does the host I/O
//!                           for config space, activate, reset
//!
//!  guest writes QueueNotify ─► KVM ioeventfd (never exits) ─► queue EventFd ─► event loop
//!  device used a buffer ─► Interrupt: InterruptStatus |= 1, irqfd ─► KVM IOAPIC ─► guest
//! ```
//!
//! Lock order is transport, then device; the event loop only ever takes the device lock, so
//! the two threads cannot deadlock. Interrupt state lives in atomics ([`Interrupt`]) so the
//! vCPU reads and acknowledges InterruptStatus without waiting for a device that is in the
//! middle of a large disk read.
//!
//! Devices: [`block`] (virtio-blk, ID 2) and [`console`] (virtio-console, ID 3, multiport).
//! [`attach`] wires a device into a VM: ioeventfds, irqfd, bus slot, kernel command line.

pub mod attach;
pub mod block;
pub mod console;
mod interrupt;
pub mod mmio;
mod queue;
#[cfg(test)]
pub(crate) mod testing;

use std::sync::Arc;

use virtio_queue::Queue;
use vm_memory::GuestMemoryMmap;
use vmm_sys_util::eventfd::EventFd;

pub use attach::{AttachError, AttachedDevice, IrqRegistrar, VirtioMmioDevices};
pub use interrupt::{Interrupt, InterruptKind};
pub use mmio::MmioTransport;

/// VIRTIO_F_VERSION_1: the device is a modern (virtio 1.x) device. Every device offers it and
/// the transport refuses FEATURES_OK without it (virtio-mmio version 2 has no legacy mode).
pub const VIRTIO_F_VERSION_1: u64 = 1 << virtio_bindings::virtio_config::VIRTIO_F_VERSION_1;
/// VIRTIO_RING_F_EVENT_IDX: `used_event` / `avail_event` suppress interrupts and notifications
/// the other side does not need.
pub const VIRTIO_RING_F_EVENT_IDX: u64 = 1 << virtio_bindings::virtio_ring::VIRTIO_RING_F_EVENT_IDX;
/// VIRTIO_RING_F_INDIRECT_DESC: a descriptor may point at a table of descriptors, so a request
/// with many segments does not need as many ring slots.
pub const VIRTIO_RING_F_INDIRECT_DESC: u64 =
    1 << virtio_bindings::virtio_ring::VIRTIO_RING_F_INDIRECT_DESC;

/// Why a device refused to start when the driver set DRIVER_OK.
#[derive(Debug, thiserror::Error)]
pub enum ActivateError {
    /// The driver did not make a queue the device cannot work without ready.
    #[error("queue {0} is required but the driver did not set it up")]
    QueueNotReady(usize),
    /// The transport passed a different number of queues than the device has.
    #[error("expected {expected} queues, got {got}")]
    QueueCount {
        /// Queues the device has.
        expected: usize,
        /// Queues passed.
        got: usize,
    },
    /// A host resource needed to run the device failed.
    #[error("device host resource: {0}")]
    Io(#[from] std::io::Error),
}

/// A virtio device as the transport sees it: everything generic about a device (identity,
/// features, config space, lifecycle), so one transport serves every device type.
///
/// Implementations do their queue work on the event-loop thread (as an
/// `event_manager::MutEventSubscriber`); the transport calls these methods on the vCPU thread
/// while holding the device's lock.
pub trait VirtioDevice: Send {
    /// The virtio device ID (5 "Device Types"): 2 for block, 3 for console.
    fn device_type(&self) -> u32;

    /// The largest size of each queue; the slice's length is the device's number of queues.
    fn queue_max_sizes(&self) -> &[u16];

    /// The feature bits the device offers.
    fn avail_features(&self) -> u64;

    /// The features the driver accepted (a subset of [`Self::avail_features`]), told once
    /// the transport accepts FEATURES_OK.
    fn ack_features(&mut self, features: u64);

    /// Reads device configuration space at `offset` (relative to the config space's start).
    /// Bytes past the end of the config space read as zero.
    fn read_config(&self, offset: u64, data: &mut [u8]);

    /// Writes device configuration space; read-only fields ignore writes.
    fn write_config(&mut self, offset: u64, data: &[u8]);

    /// The notification eventfd of each queue (same length as [`Self::queue_max_sizes`]).
    /// They live as long as the device, across resets, because KVM (ioeventfd) and the event
    /// loop hold on to them.
    fn queue_events(&self) -> &[EventFd];

    /// Starts the device after the driver set DRIVER_OK. `queues` has one entry per queue,
    /// configured as the driver left them (queues the driver did not make ready have
    /// `ready() == false`); event-idx is already set from the negotiated features.
    fn activate(
        &mut self,
        memory: GuestMemoryMmap,
        queues: Vec<Queue>,
        interrupt: Arc<Interrupt>,
    ) -> Result<(), ActivateError>;

    /// Returns the device to its initial state (the driver wrote 0 to Status): it drops its
    /// queues and guest memory and stops touching the rings.
    fn reset(&mut self);
}

/// Copies `config[offset..]` into `data`, zero-filling whatever lies past the end: the common
/// body of [`VirtioDevice::read_config`].
pub fn read_config_bytes(config: &[u8], offset: u64, data: &mut [u8]) {
    data.fill(0);
    let Ok(start) = usize::try_from(offset) else { return };
    if let Some(available) = config.get(start..) {
        let n = available.len().min(data.len());
        data[..n].copy_from_slice(&available[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_reads_zero_fill_past_the_end() {
        let config = [1u8, 2, 3, 4];
        let mut data = [0xffu8; 4];
        read_config_bytes(&config, 2, &mut data);
        assert_eq!(data, [3, 4, 0, 0]);
        read_config_bytes(&config, 9, &mut data);
        assert_eq!(data, [0; 4]);
        read_config_bytes(&config, u64::MAX, &mut data);
        assert_eq!(data, [0; 4]);
    }
}
