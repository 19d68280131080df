//! virtio-blk (device ID 2): a disk backed by a host file (virtio 1.2, 5.2).
//!
//! One request queue. Requests are parsed and validated by [`request`], then served with
//! positioned vectored I/O (`preadv`/`pwritev`) directly between the file and guest memory:
//! no bounce buffer, one system call for a whole multi-segment request. FLUSH is
//! `fdatasync`. Offered features: VERSION_1, RING_EVENT_IDX, RING_INDIRECT_DESC, SEG_MAX,
//! SIZE_MAX, FLUSH, and RO for read-only disks.
//!
//! Files: `disk.rs` (the host file), `request.rs` (chain → request), `device.rs` (the
//! device and its queue processing), `event_handler.rs` (event-loop glue).

mod device;
pub mod disk;
mod event_handler;
pub mod request;

pub use device::Block;
pub use disk::{DiskError, DiskFile};
pub use event_handler::QUEUE_AVAIL_EVENT;

/// Bytes per sector: the unit of `capacity` and of request `sector` numbers.
pub const SECTOR_SIZE: u64 = 512;
/// Size of the request queue (QueueNumMax).
pub const QUEUE_SIZE: u16 = 256;
/// `seg_max`: data segments per request. With header and status a direct chain then still
/// fits the largest queue; with indirect descriptors it costs one ring slot.
pub const SEG_MAX: u32 = QUEUE_SIZE as u32 - 2;
/// `size_max`: the largest single data segment, 1 MiB, so a 1 MiB contiguous guest buffer is
/// one segment and one `iovec`.
pub const SIZE_MAX: u32 = 1 << 20;
