//! The kernel heap: `talc` as the global allocator, fed with frames from the frame
//! allocator through the direct map.
//!
//! [`init`] claims a first heap of [`INITIAL_HEAP`] bytes. When it runs out, talc calls
//! [`FrameSource::acquire`], which takes at least [`GROW_HEAP`] more physically contiguous
//! bytes from the frame allocator and extends the heap in place when they follow it (the
//! bump allocator makes that the usual case), or claims them as a new heap otherwise.
//! Claiming only writes talc's metadata at the start and a tag at the end, so an unused
//! heap page costs nothing.

use crate::mm::{frame, layout};
use core::alloc::Layout;
use core::ptr::NonNull;
use kcore::memmap::PAGE_SIZE;
use spin::mutex::SpinMutex;
use talc::base::Talc;
use talc::base::binning::Binning;
use talc::source::Source;

/// Size of the heap claimed at boot.
pub const INITIAL_HEAP: usize = 1 << 20;
/// Minimum size by which the heap grows.
pub const GROW_HEAP: usize = 1 << 20;

/// Where talc gets memory: the frame allocator.
#[derive(Debug)]
pub struct FrameSource {
    /// End of the most recent heap, to extend it when new frames follow it.
    heap_end: Option<NonNull<u8>>,
}

// SAFETY: `heap_end` is an address in the direct map, meaningful on any CPU; the talc lock
// serializes every use of it.
unsafe impl Send for FrameSource {}

impl FrameSource {
    /// Adds at least `bytes` to `talc`'s memory; `Err` if no frames are left.
    fn grow<B: Binning>(talc: &mut Talc<Self, B>, bytes: usize) -> Result<(), ()> {
        let pages = bytes.div_ceil(PAGE_SIZE as usize) as u64;
        let phys = frame::alloc_contiguous(pages).ok_or(())?;
        let len = pages * PAGE_SIZE;
        // A failure below leaks the frames; it only happens if the direct map is missing.
        let base = layout::phys_to_virt(phys, len).ok_or(())?;
        // SAFETY: the frames were just allocated, so this memory is unused and stays the
        // heap's for good; it is mapped read/write at `base..base + len`.
        let end = unsafe {
            match talc.source.heap_end {
                Some(end) if end.as_ptr() == base => Some(talc.extend(end, base.add(len as usize))),
                _ => talc.claim(base, len as usize),
            }
        };
        talc.source.heap_end = Some(end.ok_or(())?);
        Ok(())
    }
}

// SAFETY: `acquire` uses only the frame allocator (its own lock, no heap allocation) and
// the `Talc` it is given.
unsafe impl Source for FrameSource {
    fn acquire<B: Binning>(talc: &mut Talc<Self, B>, layout: Layout) -> Result<(), ()> {
        let metadata =
            if talc.is_metadata_established() { 0 } else { talc::min_first_heap_size::<B>() };
        // Room for the block at any alignment plus talc's per-heap tags.
        let needed = layout.size().saturating_add(layout.align() + metadata + 64);
        Self::grow(talc, needed.max(GROW_HEAP))
    }
}

/// The global allocator.
#[global_allocator]
static HEAP: talc::TalcLock<SpinMutex<()>, FrameSource> =
    talc::TalcLock::new(FrameSource { heap_end: None });

/// Claims the first [`INITIAL_HEAP`] bytes. Runs once at boot, after the frame allocator
/// and the direct map exist.
pub fn init() {
    FrameSource::grow(&mut HEAP.lock(), INITIAL_HEAP).expect("no memory for the kernel heap");
}
