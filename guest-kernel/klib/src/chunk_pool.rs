//! A pool of physically contiguous chunks of frames: the bookkeeping under the kernel
//! reserve (the kernel's `mm::reserve` holds the why and the policy around it), filled from
//! general memory and drawn on by the kernel's own allocations when general memory has
//! nothing left. Named after the data structure, not the reserve, so it is not mistaken for
//! a second home of the reserve.

use crate::memmap::PAGE_SIZE;

/// Most chunks the pool holds (top-ups take large chunks, so a few suffice).
pub const MAX_CHUNKS: usize = 16;
/// Largest chunk a top-up asks for at once, in frames (1 MiB).
pub const MAX_TOP_UP: u64 = 256;
/// Smallest chunk a top-up takes, in frames (64 KiB, the heap's small-object arena).
pub const MIN_TOP_UP: u64 = 16;

/// The pool: chunks of contiguous frames, each given as (first frame's physical address,
/// number of frames).
#[derive(Clone, Debug)]
pub struct Pool {
    chunks: [(u64, u64); MAX_CHUNKS],
    len: usize,
    /// Frames held in all.
    pages: u64,
    /// Frames the pool is meant to hold.
    target: u64,
}

impl Pool {
    /// An empty pool with no target (before boot sizes it).
    pub const EMPTY: Pool = Pool { chunks: [(0, 0); MAX_CHUNKS], len: 0, pages: 0, target: 0 };

    /// The reserve's size in frames for `ram_bytes` of usable memory: 1/32 of it, between
    /// 1 and 16 MiB.
    pub fn target_for(ram_bytes: u64) -> u64 {
        (ram_bytes / 32).clamp(1 << 20, 16 << 20) / PAGE_SIZE
    }

    /// Sets the number of frames the pool is meant to hold.
    pub fn set_target(&mut self, pages: u64) {
        self.target = pages;
    }

    /// Frames held.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// Frames still wanted to reach the target.
    pub fn missing(&self) -> u64 {
        self.target.saturating_sub(self.pages)
    }

    /// Whether the pool holds its target.
    pub fn is_full(&self) -> bool {
        self.pages >= self.target
    }

    /// Whether the pool holds at least half its target (new kernel work may start).
    pub fn admits(&self) -> bool {
        self.pages * 2 >= self.target
    }

    /// Whether a chunk that extends no held chunk can still be added.
    pub fn has_room(&self) -> bool {
        self.len < MAX_CHUNKS
    }

    /// Adds the frames `base..base + pages * 4 KiB`, merged with a chunk they extend.
    /// Returns false (and keeps nothing) when there is no room for another chunk.
    pub fn add(&mut self, base: u64, pages: u64) -> bool {
        let end = base + pages * PAGE_SIZE;
        let held = &mut self.chunks[..self.len];
        if let Some(chunk) = held.iter_mut().find(|(b, n)| *b + *n * PAGE_SIZE == base) {
            chunk.1 += pages;
        } else if let Some(chunk) = held.iter_mut().find(|(b, _)| *b == end) {
            *chunk = (base, chunk.1 + pages);
        } else if self.len < MAX_CHUNKS {
            self.chunks[self.len] = (base, pages);
            self.len += 1;
        } else {
            return false;
        }
        self.pages += pages;
        true
    }

    /// `count` contiguous frames from the end of the first chunk that has them.
    pub fn take(&mut self, count: u64) -> Option<u64> {
        if count == 0 {
            return None;
        }
        let i = self.chunks[..self.len].iter().position(|&(_, n)| n >= count)?;
        let (base, n) = self.chunks[i];
        let left = n - count;
        if left == 0 {
            self.len -= 1;
            self.chunks[i] = self.chunks[self.len];
        } else {
            self.chunks[i].1 = left;
        }
        self.pages -= count;
        Some(base + left * PAGE_SIZE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: u64 = PAGE_SIZE;

    #[test]
    fn target_is_a_32nd_of_ram_within_bounds() {
        assert_eq!(Pool::target_for(128 << 20), (4 << 20) / P);
        assert_eq!(Pool::target_for(8 << 20), (1 << 20) / P);
        assert_eq!(Pool::target_for(4 << 30), (16 << 20) / P);
    }

    #[test]
    fn takes_from_the_end_of_a_chunk_that_fits() {
        let mut pool = Pool::EMPTY;
        pool.set_target(24);
        assert!(pool.add(0x10_0000, 4));
        assert!(pool.add(0x80_0000, 16));
        assert_eq!(pool.pages(), 20);
        assert!(!pool.is_full());
        assert!(pool.admits());
        assert_eq!(pool.take(8), Some(0x80_0000 + 8 * P));
        assert_eq!(pool.take(8), Some(0x80_0000));
        assert_eq!(pool.take(8), None, "the 4-frame chunk is too small");
        assert_eq!(pool.take(4), Some(0x10_0000));
        assert_eq!((pool.pages(), pool.missing()), (0, 24));
        assert!(!pool.admits());
        assert_eq!(pool.take(1), None);
        assert_eq!(pool.take(0), None);
    }

    #[test]
    fn adjacent_chunks_merge() {
        let mut pool = Pool::EMPTY;
        assert!(pool.add(0x20_0000, 2));
        assert!(pool.add(0x20_0000 + 2 * P, 2), "extends the chunk upwards");
        assert!(pool.add(0x20_0000 - 2 * P, 2), "extends it downwards");
        assert_eq!(pool.take(6), Some(0x20_0000 - 2 * P));
    }

    #[test]
    fn a_full_chunk_list_refuses_new_chunks() {
        let mut pool = Pool::EMPTY;
        for k in 0..MAX_CHUNKS as u64 {
            assert!(pool.add(k * 0x10_0000, 1));
        }
        assert!(!pool.has_room());
        assert!(!pool.add(0x7000_0000, 1));
        assert_eq!(pool.pages(), MAX_CHUNKS as u64);
        assert!(pool.add(P, 1), "extending a held chunk still works");
    }
}
