//! A disk: a virtio-blk device behind a block cache, addressed in 4 KiB blocks.
//!
//! `read` and `write` go through the cache and hand the caller the cached data in place
//! (a closure per block), so bytes are never copied by the kernel: the device transfers
//! straight into or out of the cache frames. Consecutive blocks missing from the cache are
//! read with one request of several segments (adjacent frames merged), and a write of
//! several blocks is one request. `raw` sends a request to the device as given, bypassing
//! the cache (benchmarks, and tests of the device's own checks).

use super::cache::BlockCache;
use crate::drivers::virtio::blk::{BlkError, Op, SECTOR_SIZE, Segment, VirtioBlk};
use alloc::vec::Vec;
use core::fmt;
use spin::mutex::SpinMutex;

/// Bytes per block: the cache's unit, one page.
pub const BLOCK_SIZE: usize = 4096;
/// Sectors per block.
pub const SECTORS_PER_BLOCK: u64 = BLOCK_SIZE as u64 / SECTOR_SIZE;
/// Most blocks handled per device request.
const MAX_BATCH: usize = 64;

/// Why a block operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoError {
    /// The range lies (partly) past the end of the disk.
    OutOfRange,
    /// A write to a read-only disk (VIRTIO_BLK_F_RO).
    ReadOnly,
    /// No memory for cache frames.
    NoMemory,
    /// The device failed the request.
    Device(BlkError),
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IoError::OutOfRange => f.write_str("I/O error: beyond the end of the disk"),
            IoError::ReadOnly => f.write_str("I/O error: read-only disk"),
            IoError::NoMemory => f.write_str("I/O error: out of memory for the block cache"),
            IoError::Device(e) => write!(f, "I/O error: {e}"),
        }
    }
}

impl From<BlkError> for IoError {
    fn from(e: BlkError) -> Self {
        IoError::Device(e)
    }
}

/// Counters of one disk.
#[derive(Clone, Copy, Debug, Default)]
pub struct DiskStats {
    /// Requests sent to the device (cached and raw paths).
    pub device_requests: u64,
    /// Block lookups served by the cache.
    pub cache_hits: u64,
}

struct Inner {
    driver: VirtioBlk,
    cache: BlockCache,
    /// Scratch lists, kept to avoid an allocation per call.
    segments: Vec<Segment>,
    slots: Vec<(usize, bool)>,
}

/// One disk (`vda`, `vdb`, ...).
pub struct Disk {
    name: [u8; 3],
    capacity: u64,
    read_only: bool,
    inner: SpinMutex<Inner>,
}

impl Disk {
    /// A disk named `vd` + `letter` on `driver`, with a cache of `cache_blocks` blocks.
    pub fn new(letter: u8, driver: VirtioBlk, cache_blocks: usize) -> Option<Self> {
        let cache = BlockCache::new(cache_blocks)?;
        Some(Self {
            name: [b'v', b'd', letter],
            capacity: driver.capacity(),
            read_only: driver.read_only(),
            inner: SpinMutex::new(Inner {
                driver,
                cache,
                segments: Vec::with_capacity(MAX_BATCH),
                slots: Vec::with_capacity(MAX_BATCH),
            }),
        })
    }

    /// The disk's name.
    pub fn name(&self) -> &str {
        core::str::from_utf8(&self.name).unwrap_or("vd?")
    }

    /// Size in 512-byte sectors.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Size in blocks (the last one may be partial).
    pub fn blocks(&self) -> u64 {
        self.capacity.div_ceil(SECTORS_PER_BLOCK)
    }

    /// Whether the device is read-only.
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// Bytes of `block` that lie on the disk (a full block except maybe the last).
    fn block_len(&self, block: u64) -> usize {
        let sectors =
            self.capacity.saturating_sub(block * SECTORS_PER_BLOCK).min(SECTORS_PER_BLOCK);
        (sectors * SECTOR_SIZE) as usize
    }

    fn check_range(&self, first: u64, count: u64) -> Result<(), IoError> {
        match first.checked_add(count) {
            Some(end) if end <= self.blocks() => Ok(()),
            _ => Err(IoError::OutOfRange),
        }
    }

    /// Reads blocks `first..first + count` through the cache and calls `f(block, data)` for
    /// each, in order (`data` is the block's bytes on the disk, in the cache).
    pub fn read(
        &self,
        first: u64,
        count: u64,
        mut f: impl FnMut(u64, &[u8]),
    ) -> Result<(), IoError> {
        self.check_range(first, count)?;
        let mut inner = self.inner.lock();
        let batch = inner.batch();
        let mut block = first;
        let end = first + count;
        while block < end {
            let n = (end - block).min(batch as u64);
            inner.lookup_batch(block, n)?;
            // Runs of missing blocks: one read request each.
            let mut i = 0;
            while i < n as usize {
                if inner.slots[i].1 {
                    i += 1;
                    continue;
                }
                let run_end = (i..n as usize).find(|&j| inner.slots[j].1).unwrap_or(n as usize);
                let run_first = block + i as u64;
                let result = inner.transfer(Op::Read, run_first, i..run_end, |b| self.block_len(b));
                if let Err(e) = result {
                    inner.forget_misses(block);
                    return Err(e);
                }
                i = run_end;
            }
            for i in 0..n as usize {
                let slot = inner.slots[i].0;
                let b = block + i as u64;
                f(b, inner.cache.data(slot, self.block_len(b)));
            }
            block += n;
        }
        Ok(())
    }

    /// Writes blocks `first..first + count`: `fill(block, data)` writes each block's bytes
    /// into its cache page, then the pages go to the device (one request per up to 64
    /// blocks) and the call returns when the device has them (write-through). On failure
    /// the blocks are dropped from the cache.
    pub fn write(
        &self,
        first: u64,
        count: u64,
        mut fill: impl FnMut(u64, &mut [u8]),
    ) -> Result<(), IoError> {
        if self.read_only {
            return Err(IoError::ReadOnly);
        }
        self.check_range(first, count)?;
        let mut inner = self.inner.lock();
        let batch = inner.batch();
        let mut block = first;
        let end = first + count;
        while block < end {
            let n = (end - block).min(batch as u64);
            inner.lookup_batch(block, n)?;
            for i in 0..n as usize {
                let slot = inner.slots[i].0;
                let b = block + i as u64;
                fill(b, inner.cache.data(slot, self.block_len(b)));
            }
            if let Err(e) = inner.transfer(Op::Write, block, 0..n as usize, |b| self.block_len(b)) {
                inner.cache.forget_range(block, n);
                return Err(e);
            }
            block += n;
        }
        Ok(())
    }

    /// Drops blocks `first..first + count` from the cache (they are clean: the cache is
    /// write-through), so the next read comes from the device.
    pub fn forget(&self, first: u64, count: u64) {
        self.inner.lock().cache.forget_range(first, count);
    }

    /// Makes completed writes durable (VIRTIO_BLK_T_FLUSH; nothing to do without
    /// VIRTIO_BLK_F_FLUSH). The cache is write-through, so it holds nothing to write first.
    pub fn flush(&self) -> Result<(), IoError> {
        let mut inner = self.inner.lock();
        if !inner.driver.has_flush() {
            return Ok(());
        }
        inner.driver.request(Op::Flush, 0, &[])?;
        Ok(())
    }

    /// Sends a request to the device as given, bypassing the cache and the range and
    /// read-only checks (the device makes its own). A write drops the blocks it touches
    /// from the cache. Returns the bytes the device wrote (reads).
    pub fn raw(&self, op: Op, sector: u64, segments: &[Segment]) -> Result<u32, IoError> {
        let mut inner = self.inner.lock();
        if op == Op::Write {
            let bytes: u64 = segments.iter().map(|s| u64::from(s.len)).sum();
            let first = sector / SECTORS_PER_BLOCK;
            let last = (sector + bytes.div_ceil(SECTOR_SIZE)).div_ceil(SECTORS_PER_BLOCK);
            inner.cache.forget_range(first, last.saturating_sub(first));
        }
        Ok(inner.driver.request(op, sector, segments)?)
    }

    /// Runs `f` on the driver itself, for benchmarks that keep several raw requests in
    /// flight. The blocks `first..first + count` are dropped from the cache first, as `f`
    /// may write them.
    pub fn with_driver<T>(&self, first: u64, count: u64, f: impl FnOnce(&mut VirtioBlk) -> T) -> T {
        let mut inner = self.inner.lock();
        inner.cache.forget_range(first, count);
        f(&mut inner.driver)
    }

    /// The disk's counters.
    pub fn stats(&self) -> DiskStats {
        let inner = self.inner.lock();
        let driver = inner.driver.stats();
        DiskStats { device_requests: driver.requests, cache_hits: inner.cache.hits }
    }

    /// Largest segment and most segments per request the device takes.
    pub fn limits(&self) -> (u32, usize) {
        let inner = self.inner.lock();
        (inner.driver.size_max(), inner.driver.max_segments())
    }
}

impl Inner {
    /// Blocks per request: bounded by the device's segments and by half the cache, so a
    /// batch never evicts its own blocks.
    fn batch(&self) -> usize {
        MAX_BATCH.min(self.driver.max_segments()).min(self.cache.capacity() / 2).max(1)
    }

    /// Looks up blocks `first..first + n` into `slots`.
    fn lookup_batch(&mut self, first: u64, n: u64) -> Result<(), IoError> {
        self.slots.clear();
        for b in first..first + n {
            match self.cache.lookup(b) {
                Some(c) => self.slots.push((c.slot, c.hit)),
                None => {
                    self.forget_misses(first);
                    return Err(IoError::NoMemory);
                }
            }
        }
        Ok(())
    }

    /// Drops the blocks of the current batch (starting at `first`) that were misses: their
    /// slots hold no valid data.
    fn forget_misses(&mut self, first: u64) {
        for i in 0..self.slots.len() {
            if !self.slots[i].1 {
                self.cache.forget(first + i as u64);
            }
        }
    }

    /// One request moving the batch entries `range` (blocks `first..`) between the device
    /// and their cache frames; frames that follow each other physically become one segment.
    fn transfer(
        &mut self,
        op: Op,
        first: u64,
        range: core::ops::Range<usize>,
        block_len: impl Fn(u64) -> usize,
    ) -> Result<(), IoError> {
        let size_max = u64::from(self.driver.size_max());
        self.segments.clear();
        for (k, i) in range.enumerate() {
            let phys = self.cache.phys(self.slots[i].0);
            let len = block_len(first + k as u64) as u32;
            if let Some(last) = self.segments.last_mut()
                && last.phys + u64::from(last.len) == phys
                && u64::from(last.len) + u64::from(len) <= size_max
            {
                last.len += len;
            } else {
                self.segments.push(Segment { phys, len });
            }
        }
        self.driver.request(op, first * SECTORS_PER_BLOCK, &self.segments)?;
        Ok(())
    }
}
