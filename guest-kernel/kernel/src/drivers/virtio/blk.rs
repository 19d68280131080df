//! virtio-blk (virtio 1.2, 5.2): interrupt-driven requests of up to `seg_max` segments of
//! up to `size_max` bytes, straight between the device and the caller's memory.
//!
//! Requests live in [`SLOTS`] slots. Slot `k` owns ring descriptor `k`, which points
//! (VIRTIO_F_RING_INDIRECT_DESC) at slot `k`'s own table of up to 256 descriptors: header,
//! data segments, status. Headers and status bytes sit in one DMA page, the tables in one
//! page each, all fresh (zero) and written only when a request uses them. So a request
//! costs its descriptors and two ring stores, whatever its size, the device gets the whole
//! chain in one ring slot, and completion is by slot number, in any order, with no
//! per-request allocation.
//!
//! Writes to a read-only device are not refused here: the block layer refuses them, and the
//! raw path lets the self-test check that the device answers VIRTIO_BLK_S_IOERR too.

use crate::arch::x86_64::irq;
use crate::drivers::virtio::queue::{
    DESC_INDIRECT, DESC_NEXT, DESC_SIZE, DESC_WRITE, Descriptor, SplitQueue,
};
use crate::drivers::virtio::transport::{self, F_EVENT_IDX, F_INDIRECT_DESC, InitError};
use crate::mm::dma::DmaRegion;
use core::fmt;
use klib::memmap::PAGE_SIZE;
use virtio_drivers::transport::Transport;
use virtio_drivers::transport::mmio::MmioTransport;

/// Bytes per sector, the unit of `capacity` and request offsets.
pub const SECTOR_SIZE: u64 = 512;
/// Requests in flight at once.
pub const SLOTS: usize = 8;
/// Descriptors in one slot's indirect table (one page).
const TABLE_ENTRIES: usize = PAGE_SIZE as usize / DESC_SIZE;
/// Bytes per slot in the header page: 16-byte header, then the status byte.
const HEADER_STRIDE: usize = 32;

/// VIRTIO_BLK_F_SIZE_MAX: `size_max` is valid.
const F_SIZE_MAX: u64 = 1 << 1;
/// VIRTIO_BLK_F_SEG_MAX: `seg_max` is valid.
const F_SEG_MAX: u64 = 1 << 2;
/// VIRTIO_BLK_F_RO: the device is read-only.
const F_RO: u64 = 1 << 5;
/// VIRTIO_BLK_F_FLUSH: the device has a write cache to flush.
const F_FLUSH: u64 = 1 << 9;

/// Request types (`struct virtio_blk_req.type`).
const T_IN: u32 = 0;
const T_OUT: u32 = 1;
const T_FLUSH: u32 = 4;

/// Status bytes.
const S_OK: u8 = 0;
const S_IOERR: u8 = 1;
const S_UNSUPP: u8 = 2;
/// What the driver writes into a status byte before submitting, so a device that returns
/// the chain without writing a status is noticed.
const S_UNSET: u8 = 0xff;

/// What a request does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Read sectors into the segments.
    Read,
    /// Write the segments to sectors.
    Write,
    /// Make earlier writes durable (no segments).
    Flush,
}

/// One physically contiguous piece of a request's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Guest-physical address.
    pub phys: u64,
    /// Length in bytes.
    pub len: u32,
}

/// Why a request failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlkError {
    /// The device answered VIRTIO_BLK_S_IOERR (a failed transfer, a sector past the end, a
    /// write to a read-only disk).
    Io,
    /// The device answered VIRTIO_BLK_S_UNSUPP.
    Unsupported,
    /// The device answered something that is not a status, or returned the request
    /// without writing one.
    BadStatus(u8),
    /// The request does not fit the device's limits (the reason says which).
    Invalid(&'static str),
    /// The device needs a reset or broke the queue protocol; it takes no more requests.
    DeviceBroken,
}

impl fmt::Display for BlkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlkError::Io => f.write_str("I/O error (device status IOERR)"),
            BlkError::Unsupported => f.write_str("request not supported by the device"),
            BlkError::BadStatus(s) => write!(f, "device returned status {s:#x}"),
            BlkError::Invalid(why) => write!(f, "invalid request: {why}"),
            BlkError::DeviceBroken => f.write_str("device broken (needs reset)"),
        }
    }
}

/// Counters, for tests and benchmarks.
#[derive(Clone, Copy, Debug, Default)]
pub struct BlkStats {
    /// Requests submitted to the device.
    pub requests: u64,
    /// Times a waiter slept (`hlt`) until an interrupt.
    pub sleeps: u64,
    /// Interrupts that brought no completion.
    pub idle_wakeups: u64,
}

/// A virtio-blk device.
///
/// Slot state is three bitmasks (bit `k` = slot `k`) rather than an array of enums: the
/// request path tests and flips bits instead of comparing and copying slot records, which
/// matters at about 1 µs per instruction.
pub struct VirtioBlk {
    transport: MmioTransport<'static>,
    queue: SplitQueue,
    gsi: u32,
    needs_ack: bool,
    capacity: u64,
    read_only: bool,
    has_flush: bool,
    size_max: u32,
    max_segments: usize,
    /// Headers and status bytes, [`HEADER_STRIDE`] bytes per slot.
    headers: DmaRegion,
    /// One page of indirect descriptors per slot.
    tables: DmaRegion,
    /// Slots that take a new request.
    free: u8,
    /// Slots whose request the device returned (outcome: the slot's status byte and
    /// `used_len`).
    done: u8,
    /// Bytes the device wrote into each returned request's buffers (status byte included).
    used_len: [u32; SLOTS],
    broken: bool,
    stats: BlkStats,
}

impl VirtioBlk {
    /// Brings the device up: features (VERSION_1, INDIRECT_DESC required; EVENT_IDX,
    /// SIZE_MAX, SEG_MAX, RO, FLUSH if offered), configuration, one request queue, interrupt
    /// line `gsi` routed.
    pub fn new(mut transport: MmioTransport<'static>, gsi: u32) -> Result<Self, InitError> {
        let wanted = F_INDIRECT_DESC | F_EVENT_IDX | F_SIZE_MAX | F_SEG_MAX | F_RO | F_FLUSH;
        let features = transport::negotiate(&mut transport, wanted)?;
        if features & F_INDIRECT_DESC == 0 {
            return Err(InitError::MissingFeature("VIRTIO_F_RING_INDIRECT_DESC"));
        }
        let capacity = u64::from(transport::config_u32(&transport, 0))
            | u64::from(transport::config_u32(&transport, 4)) << 32;
        let size_max = match features & F_SIZE_MAX {
            0 => u32::MAX,
            _ => transport::config_u32(&transport, 8).max(SECTOR_SIZE as u32),
        };
        let seg_max = match features & F_SEG_MAX {
            0 => 1,
            _ => transport::config_u32(&transport, 12).max(1) as usize,
        };
        let size = transport::queue_size(&mut transport, 0, SLOTS as u16)?;
        let queue = SplitQueue::new(0, size, features & F_EVENT_IDX != 0)
            .map_err(|_| InitError::NoMemory)?;
        let headers = DmaRegion::new(1).ok_or(InitError::NoMemory)?;
        let tables = DmaRegion::new(SLOTS).ok_or(InitError::NoMemory)?;
        transport::add_queue(&mut transport, &queue)?;
        let needs_ack = transport.vendor_id() != transport::VMM_VENDOR_ID;
        irq::route(gsi).map_err(|_| InitError::Irq)?;
        transport::start(&mut transport);
        // Each slot's first table entry (its header) never changes: write it once.
        let slots = usize::from(size).min(SLOTS);
        for slot in 0..slots {
            let header = Descriptor {
                addr: headers.phys_at(slot * HEADER_STRIDE),
                len: 16,
                flags: DESC_NEXT,
                next: 1,
            };
            // SAFETY: entry 0 of slot `slot`'s table page, which no request uses yet.
            unsafe { header.store(tables.at(slot * PAGE_SIZE as usize).cast::<Descriptor>()) };
        }
        Ok(Self {
            transport,
            queue,
            gsi,
            needs_ack,
            capacity,
            read_only: features & F_RO != 0,
            has_flush: features & F_FLUSH != 0,
            size_max,
            max_segments: seg_max.min(TABLE_ENTRIES - 2),
            headers,
            tables,
            free: ((1u16 << slots) - 1) as u8,
            done: 0,
            used_len: [0; SLOTS],
            broken: false,
            stats: BlkStats::default(),
        })
    }

    /// Size in 512-byte sectors.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Whether the device is read-only (VIRTIO_BLK_F_RO).
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// Most segments one request may have.
    pub fn max_segments(&self) -> usize {
        self.max_segments
    }

    /// Largest segment in bytes.
    pub fn size_max(&self) -> u32 {
        self.size_max
    }

    /// The counters.
    pub fn stats(&self) -> BlkStats {
        self.stats
    }

    /// Performs one request and waits (sleeping) for it: `sector` is the first sector for
    /// reads and writes; `segments` the data, in order. Returns the bytes the device wrote
    /// into the segments (reads).
    ///
    /// Waiting holds `&mut self`: with one CPU and interrupts only inside `irq::wait`,
    /// nothing else can want the device meanwhile. (With several CPUs or preemption this
    /// becomes a wait queue.)
    pub fn request(&mut self, op: Op, sector: u64, segments: &[Segment]) -> Result<u32, BlkError> {
        let slot = self.submit(op, sector, segments)?;
        self.wait(slot)
    }

    /// Queues a request in a free slot (waiting for one if all are busy) and notifies the
    /// device; returns the slot.
    pub fn submit(&mut self, op: Op, sector: u64, segments: &[Segment]) -> Result<usize, BlkError> {
        self.check(op, segments)?;
        while self.free == 0 {
            if self.broken {
                return Err(BlkError::DeviceBroken);
            }
            self.sleep_for_completions();
        }
        if self.broken {
            return Err(BlkError::DeviceBroken);
        }
        let slot = self.free.trailing_zeros() as usize;
        let (kind, data_flags) = match op {
            Op::Read => (T_IN, DESC_NEXT | DESC_WRITE),
            Op::Write => (T_OUT, DESC_NEXT),
            Op::Flush => (T_FLUSH, DESC_NEXT),
        };
        let header = self.headers.at(slot * HEADER_STRIDE);
        // SAFETY: the slot's 32 bytes in the header page belong to this free slot; the
        // device reads them only after the chain is published. Type and the reserved word
        // go in one store.
        unsafe {
            header.cast::<u64>().write_volatile(u64::from(kind));
            header.add(8).cast::<u64>().write_volatile(if op == Op::Flush { 0 } else { sector });
            header.add(16).write_volatile(S_UNSET);
        }
        let table = self.tables.at(slot * PAGE_SIZE as usize).cast::<Descriptor>();
        let last = segments.len() + 1;
        // SAFETY: the slot's table page holds TABLE_ENTRIES descriptors and `check` bounded
        // the segments by `max_segments` <= TABLE_ENTRIES - 2; entry 0 (the header) was
        // written at start-up; the device reads the table only after the chain is published.
        unsafe {
            for (i, s) in segments.iter().enumerate() {
                let d =
                    Descriptor { addr: s.phys, len: s.len, flags: data_flags, next: i as u16 + 2 };
                d.store(table.add(i + 1));
            }
            let status = self.headers.phys_at(slot * HEADER_STRIDE + 16);
            let d = Descriptor { addr: status, len: 1, flags: DESC_WRITE, next: 0 };
            d.store(table.add(last));
        }
        let ring = Descriptor {
            addr: self.tables.phys_at(slot * PAGE_SIZE as usize),
            len: ((last + 1) * DESC_SIZE) as u32,
            flags: DESC_INDIRECT,
            next: 0,
        };
        self.queue.set_desc(slot as u16, ring);
        self.queue.push(slot as u16);
        self.free &= !(1 << slot);
        self.stats.requests += 1;
        if self.queue.publish() {
            self.transport.notify(0);
        }
        Ok(slot)
    }

    /// Waits for the request in `slot` and frees the slot: the bytes the device wrote into
    /// its buffers, or why it failed.
    pub fn wait(&mut self, slot: usize) -> Result<u32, BlkError> {
        let bit = 1u8 << slot;
        while self.done & bit == 0 {
            if self.broken {
                // The device will not return it; the slot is abandoned with the device.
                return Err(BlkError::DeviceBroken);
            }
            self.sleep_for_completions();
        }
        self.done &= !bit;
        self.free |= bit;
        // SAFETY: the slot's status byte lies in the header page; the device returned the
        // request, so it is done writing it.
        let status = unsafe { self.headers.at(slot * HEADER_STRIDE + 16).read_volatile() };
        match status {
            S_OK => Ok(self.used_len[slot].saturating_sub(1)),
            S_IOERR => Err(BlkError::Io),
            S_UNSUPP => Err(BlkError::Unsupported),
            other => Err(BlkError::BadStatus(other)),
        }
    }

    /// Reaps completions; if there were none, sleeps until the device's interrupt (or any
    /// other) and reaps again.
    fn sleep_for_completions(&mut self) {
        if self.reap() {
            return;
        }
        self.queue.arm_interrupt();
        if self.reap() {
            return;
        }
        self.stats.sleeps += 1;
        irq::wait();
        if irq::take_fired(self.gsi) {
            let config_changed = self.needs_ack && transport::acknowledge(&mut self.transport);
            if !self.reap() || config_changed {
                self.stats.idle_wakeups += 1;
                self.check_device();
            }
        }
    }

    /// Marks returned requests done; returns whether there were any.
    fn reap(&mut self) -> bool {
        let mut any = false;
        while let Some((id, len)) = self.queue.pop_used() {
            any = true;
            let in_flight = !self.free & !self.done;
            if id >= SLOTS as u32 || in_flight & (1 << id) == 0 {
                self.fail("returned a request that was not in flight");
                return true;
            }
            self.used_len[id as usize] = len;
            self.done |= 1 << id;
        }
        any
    }

    /// An interrupt without progress: the device may have broken (one status read).
    fn check_device(&mut self) {
        if transport::failed(&self.transport) {
            self.fail("needs a reset");
        }
    }

    /// Marks the device broken: requests in flight and new ones fail.
    fn fail(&mut self, why: &str) {
        if !self.broken {
            crate::console::emergency_println(format_args!(
                "virtio-blk: device {why}; giving up on it"
            ));
        }
        self.broken = true;
    }

    /// Checks a request against the device's limits before anything is written.
    fn check(&self, op: Op, segments: &[Segment]) -> Result<(), BlkError> {
        if segments.len() > self.max_segments {
            return Err(BlkError::Invalid("more segments than seg_max"));
        }
        let mut total: u64 = 0;
        for s in segments {
            if s.len == 0 || s.len > self.size_max {
                return Err(BlkError::Invalid("segment empty or larger than size_max"));
            }
            total += u64::from(s.len);
        }
        match op {
            Op::Read | Op::Write if segments.is_empty() || !total.is_multiple_of(SECTOR_SIZE) => {
                Err(BlkError::Invalid("data must be whole sectors"))
            }
            Op::Flush if !segments.is_empty() => Err(BlkError::Invalid("flush carries no data")),
            _ => Ok(()),
        }
    }

    /// Whether FLUSH does anything (VIRTIO_BLK_F_FLUSH); without it writes are durable when
    /// they complete.
    pub fn has_flush(&self) -> bool {
        self.has_flush
    }
}
