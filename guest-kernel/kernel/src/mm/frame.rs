//! The physical frame allocator: O(1), and nothing to initialize per frame at boot.
//!
//! Fresh frames come from [`kcore::frames::BumpFrames`], which moves a pointer through the
//! usable ranges of the memory map and never touches the memory it hands out. Freed frames
//! go on an intrusive free list (each free frame holds the physical address of the next)
//! and are reused first. A bitmap or a list of all frames would have to be written at boot:
//! an emulated store per frame (see "Cost model" in the crate docs) and a page fault on
//! every page of guest RAM.

use crate::mm::layout;
use kcore::frames::BumpFrames;
use kcore::memmap::PAGE_SIZE;
use kcore::range::PhysRange;
use spin::mutex::SpinMutex;

/// The allocator's state.
struct Frames {
    /// Frames never handed out yet.
    bump: BumpFrames,
    /// Physical address of the first freed frame, 0 if none (frame 0 is never allocatable:
    /// everything below 1 MiB is reserved).
    free_head: u64,
    /// Number of frames on the free list.
    free_count: u64,
}

/// The allocator; empty (every allocation fails) until [`init`]. Starts in `.bss`.
static FRAMES: SpinMutex<Frames> =
    SpinMutex::new(Frames { bump: BumpFrames::EMPTY, free_head: 0, free_count: 0 });

/// Starts the allocator on `usable` (page-aligned ranges that nothing else uses, as
/// `kcore::memmap::usable_ranges` computes them with the kernel's reservations).
pub fn init(usable: &[PhysRange]) {
    assert!(usable.iter().all(|r| r.start != 0), "frame 0 must not be allocatable");
    FRAMES.lock().bump.reset(usable);
}

/// A free physical frame (4 KiB, contents undefined), or `None` when memory is exhausted
/// or the allocator is not initialized yet.
pub fn alloc() -> Option<u64> {
    let mut frames = FRAMES.lock();
    if frames.free_head != 0 {
        let frame = frames.free_head;
        let next = layout::phys_to_virt(frame, 8)?.cast::<u64>();
        // SAFETY: `frame` is on the free list, so it is an unused frame whose first word is
        // the list link written by `free`; `next` maps it.
        frames.free_head = unsafe { next.read() };
        frames.free_count -= 1;
        return Some(frame);
    }
    frames.bump.alloc()
}

/// A zeroed frame, or `None` when memory is exhausted. A fresh frame (never handed out) is
/// zero already, as guest RAM starts zeroed and the allocator never hands out the loader's
/// memory, so only a recycled frame is cleared (about 450 µs per page on these hosts).
pub fn alloc_zeroed() -> Option<u64> {
    let mut frames = FRAMES.lock();
    if let Some(fresh) = frames.bump.alloc() {
        return Some(fresh);
    }
    drop(frames);
    let frame = alloc()?;
    let page = layout::phys_to_virt(frame, PAGE_SIZE)?;
    // SAFETY: the frame was just allocated, so nothing else uses it, and it is mapped
    // writable at `page`.
    unsafe { page.write_bytes(0, PAGE_SIZE as usize) };
    Some(frame)
}

/// `count` physically contiguous free frames (fresh ones only; the free list is not
/// searched), or `None`. Fresh frames are zero (see [`alloc_zeroed`]).
pub fn alloc_contiguous(count: u64) -> Option<u64> {
    FRAMES.lock().bump.alloc_contiguous(count)
}

/// Returns `frame` to the allocator.
///
/// # Safety
/// `frame` must have come from [`alloc`] or [`alloc_contiguous`], must not be freed twice,
/// and nothing may use it afterwards.
#[allow(dead_code, reason = "nothing frees frames yet; page tables and processes will")]
pub unsafe fn free(frame: u64) {
    let mut frames = FRAMES.lock();
    let link = layout::phys_to_virt(frame, 8).expect("freed frame is not mapped").cast::<u64>();
    // SAFETY: the caller gives the frame back, so the allocator owns it and may keep the
    // list link in its first word.
    unsafe { link.write(frames.free_head) };
    frames.free_head = frame;
    frames.free_count += 1;
}

/// Bytes the allocator can still hand out.
pub fn free_bytes() -> u64 {
    let frames = FRAMES.lock();
    frames.bump.free_bytes() + frames.free_count * PAGE_SIZE
}
