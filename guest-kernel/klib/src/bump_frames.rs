//! A bump allocator of page frames, the first stage of the kernel's frame allocator
//! (`mm::frame`): hands out page frames from the usable ranges in address order without
//! ever touching them.
//!
//! The kernel's frame allocator puts a free list of returned frames in front of this, so
//! the pair is O(1) per allocation and needs no per-frame initialization at boot (a bitmap
//! or a list of every frame would touch, and so fault in, all of guest memory).

use crate::memmap::{PAGE_SIZE, RangeList};
use crate::range::PhysRange;

/// Allocates page frames by moving the start of the first non-empty usable range up.
#[derive(Clone, Copy, Debug)]
pub struct BumpFrames {
    /// What is left of each usable range; exhausted ranges become empty, never removed.
    ranges: RangeList,
    /// Index of the first range that may still have a frame.
    first: usize,
}

impl BumpFrames {
    /// An allocator with nothing to hand out (a constant, so it can start a static).
    pub const EMPTY: BumpFrames =
        BumpFrames { ranges: RangeList::filled(PhysRange::new(0, 0)), first: 0 };

    /// An allocator over `ranges`, which must be page-aligned (as
    /// [`crate::memmap::usable_ranges`] makes them).
    pub fn new(ranges: &[PhysRange]) -> Self {
        let mut frames = Self::EMPTY;
        frames.reset(ranges);
        frames
    }

    /// Starts over with `ranges` (at most [`crate::memmap::MAX_RANGES`], page-aligned),
    /// forgetting what was handed out before. Copies only the given ranges.
    ///
    /// # Panics
    /// If there are more than [`crate::memmap::MAX_RANGES`] ranges.
    pub fn reset(&mut self, ranges: &[PhysRange]) {
        debug_assert!(ranges.iter().all(|r| r.start % PAGE_SIZE == 0 && r.end % PAGE_SIZE == 0));
        self.ranges.clear();
        for r in ranges {
            self.ranges.push(*r).expect("more usable ranges than a RangeList holds");
        }
        self.first = 0;
    }

    /// The physical address of a fresh frame, or `None` when every range is used up.
    pub fn alloc(&mut self) -> Option<u64> {
        self.alloc_contiguous(1)
    }

    /// The physical address of `count` physically contiguous fresh frames (from the first
    /// range with room for all of them), or `None`.
    pub fn alloc_contiguous(&mut self, count: u64) -> Option<u64> {
        let bytes = count.checked_mul(PAGE_SIZE)?;
        if bytes == 0 {
            return None;
        }
        while self.ranges.get(self.first).is_some_and(|r| r.is_empty()) {
            self.first += 1;
        }
        let first = self.first;
        let range = self.ranges.as_mut_slice()[first..].iter_mut().find(|r| r.len() >= bytes)?;
        let addr = range.start;
        range.start += bytes;
        Some(addr)
    }

    /// The physical address of `count` contiguous fresh frames taken from the top of the
    /// last range with room for them, or `None`. For memory set aside for good at boot
    /// (the kernel reserve), so that what the kernel uses first keeps its place at the
    /// bottom.
    pub fn alloc_contiguous_top(&mut self, count: u64) -> Option<u64> {
        let bytes = count.checked_mul(PAGE_SIZE).filter(|&b| b > 0)?;
        let range = self.ranges.as_mut_slice().iter_mut().rev().find(|r| r.len() >= bytes)?;
        range.end -= bytes;
        Some(range.end)
    }

    /// Bytes still available.
    pub fn free_bytes(&self) -> u64 {
        crate::memmap::total_bytes(&self.ranges)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_ranges() -> BumpFrames {
        let mut list = RangeList::new();
        list.push(PhysRange::new(0x1000, 0x3000)).unwrap();
        list.push(PhysRange::new(0x10_0000, 0x10_4000)).unwrap();
        BumpFrames::new(&list)
    }

    #[test]
    fn hands_out_frames_in_order_across_ranges() {
        let mut f = two_ranges();
        assert_eq!(f.free_bytes(), 0x6000);
        assert_eq!(f.alloc(), Some(0x1000));
        assert_eq!(f.alloc(), Some(0x2000));
        assert_eq!(f.alloc(), Some(0x10_0000));
        assert_eq!(f.free_bytes(), 0x3000);
        assert_eq!(f.alloc_contiguous(3), Some(0x10_1000));
        assert_eq!(f.alloc(), None);
        assert_eq!(f.free_bytes(), 0);
    }

    #[test]
    fn contiguous_request_skips_small_ranges_without_losing_them() {
        let mut f = two_ranges();
        assert_eq!(f.alloc_contiguous(4), Some(0x10_0000));
        assert_eq!(f.alloc(), Some(0x1000));
        assert_eq!(f.alloc_contiguous(2), None);
        assert_eq!(f.alloc(), Some(0x2000));
        assert_eq!(f.alloc(), None);
    }

    #[test]
    fn top_allocations_come_from_the_last_range_that_fits() {
        let mut f = two_ranges();
        assert_eq!(f.alloc_contiguous_top(2), Some(0x10_2000));
        assert_eq!(f.alloc_contiguous_top(3), None, "no range has 3 frames left");
        assert_eq!(f.alloc_contiguous_top(2), Some(0x10_0000));
        assert_eq!(f.alloc_contiguous_top(0), None);
        assert_eq!(f.alloc(), Some(0x1000), "the bottom is untouched");
        assert_eq!(f.free_bytes(), 0x1000);
    }

    #[test]
    fn reset_starts_over() {
        let mut f = two_ranges();
        f.alloc_contiguous(4).unwrap();
        f.reset(&[PhysRange::new(0x5000, 0x6000)]);
        assert_eq!(f.free_bytes(), 0x1000);
        assert_eq!(f.alloc(), Some(0x5000));
        assert_eq!(BumpFrames::EMPTY.free_bytes(), 0);
    }

    #[test]
    fn zero_or_huge_requests_fail() {
        let mut f = two_ranges();
        assert_eq!(f.alloc_contiguous(0), None);
        assert_eq!(f.alloc_contiguous(u64::MAX), None);
        assert_eq!(f.free_bytes(), 0x6000);
    }
}
