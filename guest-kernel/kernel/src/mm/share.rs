//! Share counts of user frames: how many address spaces map a frame besides the first.
//!
//! Copy-on-write fork maps every private frame of the parent into the child read-only; the
//! first process to write copies the page, and the last one left takes the frame as it is
//! (no copy). That needs to know, per frame, how many others still map it. The counts live
//! in one array of `u16`, indexed by frame number, in frames the allocator hands out fresh
//! at boot: fresh guest RAM is zero, and zero means "not shared", so the array costs
//! nothing to set up and an exclusively owned frame is never written here. Looking up or
//! changing a count is a handful of instructions (a hash table would be tens: every
//! kernel instruction is emulated, about 1 µs each).
//!
//! The count of a frame is only meaningful while it is mapped OWNED by some address space
//! (`vm::page_table::OWNED`); it is zero again by the time the frame is freed. A `u16`
//! cannot overflow: a frame is shared by at most one address space per process, and the
//! process count is bounded far below 65 536 (`process::limits`).
//!
//! Single CPU, and the kernel is not preemptible: plain loads and stores through a raw
//! pointer, no atomics needed.

use crate::mm::{frame, layout};
use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

/// The counts (in the direct map), null until [`init`].
static COUNTS: AtomicPtr<u16> = AtomicPtr::new(core::ptr::null_mut());
/// Number of frames the array covers (frame numbers below this have a count).
static FRAMES: AtomicU64 = AtomicU64::new(0);

/// Sets up the counts for every frame below physical address `ram_end`. Once, at boot,
/// after the frame allocator and the direct map exist (the array is reached through it). Without memory for the array,
/// copy-on-write sharing stays off (fork copies nothing then: see [`can_share`]).
pub fn init(ram_end: u64) {
    let frames = ram_end.div_ceil(4096);
    let pages = (frames * 2).div_ceil(4096);
    let Some(phys) = frame::alloc_contiguous(pages) else { return };
    let Some(ptr) = layout::phys_to_virt(phys, pages * 4096) else { return };
    FRAMES.store(frames, Ordering::Relaxed);
    COUNTS.store(ptr.cast(), Ordering::Relaxed);
}

/// The count slot of `phys`, if it has one.
fn slot(phys: u64) -> Option<*mut u16> {
    let index = phys >> 12;
    if index >= FRAMES.load(Ordering::Relaxed) {
        return None;
    }
    // SAFETY: `index` is inside the array set up by `init` (non-null whenever FRAMES > 0).
    Some(unsafe { COUNTS.load(Ordering::Relaxed).add(index as usize) })
}

/// Whether frames can be shared at all (the array exists).
pub fn can_share() -> bool {
    FRAMES.load(Ordering::Relaxed) != 0
}

/// Whether some other address space also maps `phys`.
pub fn is_shared(phys: u64) -> bool {
    // SAFETY: a slot of the array (see `slot`); one CPU, no concurrent access.
    slot(phys).is_some_and(|p| unsafe { p.read() } != 0)
}

/// An address space stops mapping `phys`. Returns `true` if others still map it (the
/// caller must not free it), `false` if that was the last mapping (the caller frees it).
pub fn release(phys: u64) -> bool {
    let Some(p) = slot(phys) else { return false };
    // SAFETY: as in `is_shared`.
    unsafe {
        let n = p.read();
        if n == 0 {
            return false;
        }
        p.write(n - 1);
    }
    true
}

/// The counts array, fetched once for a loop over many frames (fork's page-table copy),
/// so each step is a bounds check and an increment.
#[derive(Clone, Copy)]
pub struct Counts {
    base: *mut u16,
    frames: u64,
}

impl Counts {
    /// The array (empty if there is none: see [`can_share`]).
    pub fn get() -> Counts {
        Counts { base: COUNTS.load(Ordering::Relaxed), frames: FRAMES.load(Ordering::Relaxed) }
    }

    /// One more address space maps `phys` (fork).
    #[inline(always)]
    pub fn add(self, phys: u64) {
        let index = phys >> 12;
        if index < self.frames {
            // SAFETY: `index` is inside the array (`frames` is its length); one CPU.
            unsafe {
                let p = self.base.add(index as usize);
                p.write(p.read() + 1);
            }
        }
    }
}
