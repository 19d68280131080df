//! The block cache: 4 KiB disk blocks in page frames, indexed by `klib::cache_index`
//! (least recently used slot reused first).
//!
//! Policy: write-through. A write fills the cache pages and sends those same pages to the
//! device in one request; the call returns when the device has the data, so the cache
//! never holds data the disk lacks, eviction never writes, and FLUSH only asks the device
//! to make completed writes durable. (Write-back would save a device round trip per
//! rewrite but needs dirty tracking and a flush of cached data; nothing here rewrites
//! blocks often enough yet to pay for that.)
//!
//! No data is copied: the device reads into and writes from the cache frames, and callers
//! are handed slices of them. Frames are taken from the frame allocator the first time a
//! slot is used and kept; the buckets come from fresh frames, zero without clearing.

use crate::mm::{dma::DmaRegion, frame, layout};
use alloc::vec::Vec;
use klib::cache_index::{CacheIndex, Lookup};
use klib::memmap::PAGE_SIZE;

/// A block cache for one disk.
pub struct BlockCache {
    index: CacheIndex<&'static mut [u32]>,
    /// Physical address of slot `i`'s frame.
    frames: Vec<u64>,
    /// Lookups served from the cache.
    pub hits: u64,
    /// Lookups that needed the device (or, for writes, a fresh slot).
    pub misses: u64,
}

/// What a lookup found.
#[derive(Clone, Copy, Debug)]
pub struct Cached {
    /// The slot holding the block.
    pub slot: usize,
    /// Whether the slot already held the block's data.
    pub hit: bool,
}

impl BlockCache {
    /// A cache of `capacity` blocks (at least 2); `None` without memory for its buckets.
    pub fn new(capacity: usize) -> Option<Self> {
        let capacity = capacity.max(2);
        let buckets = capacity.next_power_of_two();
        let bytes = buckets * size_of::<u32>();
        let region = DmaRegion::new(bytes.div_ceil(PAGE_SIZE as usize))?;
        // SAFETY: the region is fresh (zero) memory nobody else uses, kept for good, large
        // enough for `buckets` aligned u32s.
        let buckets =
            unsafe { core::slice::from_raw_parts_mut(region.virt.cast::<u32>(), buckets) };
        Some(Self {
            index: CacheIndex::new(buckets, capacity),
            frames: Vec::new(),
            hits: 0,
            misses: 0,
        })
    }

    /// How many blocks the cache holds at most.
    pub fn capacity(&self) -> usize {
        self.index.capacity()
    }

    /// The slot for `block`: its cached copy (a hit, now most recently used), or a slot
    /// whose contents the caller must fill (a miss). `None` if a new slot needs a frame and
    /// memory is exhausted.
    pub fn lookup(&mut self, block: u64) -> Option<Cached> {
        let (slot, hit) = match self.index.lookup_or_insert(block) {
            Lookup::Hit(slot) => (slot, true),
            Lookup::Miss { slot, .. } => (slot, false),
        };
        while self.frames.len() <= slot {
            match frame::alloc() {
                Some(f) => self.frames.push(f),
                None => {
                    self.index.remove(block);
                    return None;
                }
            }
        }
        if hit {
            self.hits += 1;
        } else {
            self.misses += 1;
        }
        Some(Cached { slot, hit })
    }

    /// Forgets `block` (its cached copy may differ from the disk).
    pub fn forget(&mut self, block: u64) {
        self.index.remove(block);
    }

    /// Forgets blocks `first..first + count`; cheap when the cache is empty.
    pub fn forget_range(&mut self, first: u64, count: u64) {
        if self.index.is_empty() {
            return;
        }
        for block in first..first.saturating_add(count) {
            self.index.remove(block);
        }
    }

    /// Physical address of slot `slot`'s frame.
    pub fn phys(&self, slot: usize) -> u64 {
        self.frames[slot]
    }

    /// Slot `slot`'s data, `len` bytes (at most a page).
    pub fn data(&mut self, slot: usize, len: usize) -> &mut [u8] {
        let len = len.min(PAGE_SIZE as usize);
        let Some(ptr) = layout::phys_to_virt(self.frames[slot], PAGE_SIZE) else {
            return &mut [];
        };
        // SAFETY: the frame belongs to this cache slot for good and is mapped by the direct
        // map; `&mut self` makes the borrow exclusive.
        unsafe { core::slice::from_raw_parts_mut(ptr, len) }
    }
}
