//! The kernel heap: `talc` as the global allocator, fed with frames from the frame
//! allocator through the direct map.
//!
//! [`init`] claims a first heap of [`INITIAL_HEAP`] bytes. When it runs out, talc calls
//! [`FrameSource::acquire`], which takes [`GROW_HEAP`] more physically contiguous bytes of
//! fresh frames and extends the heap in place when they follow it (the bump allocator
//! makes that the usual case), or claims them as a new heap otherwise. Claiming only writes
//! talc's metadata at the start and a tag at the end, so an unused heap page costs nothing.
//!
//! Fresh frames run out long before memory does (user memory comes and goes through the
//! free lists), so when no 1 MiB of them is left the heap grows by just what the
//! allocation needs, from wherever the frame allocator finds it contiguous: fresh frames,
//! a zeroed run, and last the kernel reserve that user memory cannot take (`mm::reserve`).
//! The heap never gives memory back.

use crate::mm::{frame, layout};
use core::alloc::Layout;
use core::ptr::NonNull;
use klib::memmap::PAGE_SIZE;
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
        let needed = bytes.div_ceil(PAGE_SIZE as usize) as u64;
        let step = needed.max(GROW_HEAP as u64 / PAGE_SIZE);
        let (phys, pages) = match frame::alloc_contiguous(step) {
            Some(phys) => (phys, step),
            None => (frame::alloc_kernel_contiguous(needed).ok_or(())?, needed),
        };
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
        Self::grow(talc, needed)
    }
}

/// Gives the arena a new chunk from talc ([`ARENA_CHUNK`], or [`SMALL_ARENA_CHUNK`] when
/// memory is short); false if talc has neither. Out of line: the allocation fast path
/// stays short.
#[cold]
#[inline(never)]
fn refill_arena(classes: &mut Classes) -> bool {
    use core::alloc::GlobalAlloc as _;
    for len in [ARENA_CHUNK, SMALL_ARENA_CHUNK] {
        // SAFETY: a valid layout. The rest of the old arena is abandoned (at most 511
        // bytes per chunk).
        let chunk = unsafe { TALC.alloc(Layout::from_size_align_unchecked(len, 16)) };
        if !chunk.is_null() {
            classes.arena = chunk as usize;
            classes.arena_end = chunk as usize + len;
            return true;
        }
    }
    false
}

/// The general allocator behind the size classes.
static TALC: talc::TalcLock<SpinMutex<()>, FrameSource> =
    talc::TalcLock::new(FrameSource { heap_end: None });

/// Claims the first [`INITIAL_HEAP`] bytes. Runs once at boot, after the frame allocator
/// and the direct map exist.
pub fn init() {
    FrameSource::grow(&mut TALC.lock(), INITIAL_HEAP).expect("no memory for the kernel heap");
}

/// Block sizes of the small-object classes (16 to 512 bytes, powers of two).
const CLASS_SIZES: [usize; 6] = [16, 32, 64, 128, 256, 512];

/// The small-object state: for each class the head of its free list (an intrusive list:
/// each free block's first word holds the next block's address; 0 when empty), and the
/// arena new class blocks are cut from.
struct Classes {
    heads: [usize; 6],
    /// Next free byte of the arena and its end (16-byte aligned; 0 and 0 when empty).
    arena: usize,
    arena_end: usize,
}

/// Bytes taken from talc at a time for the arena.
const ARENA_CHUNK: usize = 64 * 1024;
/// The arena's chunk when talc has no [`ARENA_CHUNK`] left and cannot get one (memory is
/// short or fragmented: the heap then grows a page at a time, see the module docs).
const SMALL_ARENA_CHUNK: usize = 2048;

static CLASSES: SpinMutex<Classes> =
    SpinMutex::new(Classes { heads: [0; 6], arena: 0, arena_end: 0 });

/// The class of `layout`, if it is small: size at most 512 bytes, alignment at most 16
/// (class blocks are 16-byte aligned).
fn class_of(layout: Layout) -> Option<usize> {
    let size = layout.size().max(16);
    if size > 512 || layout.align() > 16 {
        return None;
    }
    Some((usize::BITS - (size - 1).leading_zeros()) as usize - 4)
}

/// The global allocator: small blocks from per-size free lists in front of talc.
///
/// Why: every kernel instruction is emulated here (see "Cost model" in `main.rs`), and a
/// talc allocation and free together run about 200 of them (binning, coalescing), while
/// the kernel allocates small objects on every path (vectors of a few entries, boxed
/// nodes, strings). Taking a block from a size class and giving it back are about ten
/// instructions each, and new class blocks are cut from an arena with a bump pointer.
/// Class blocks are never returned to talc: the classes keep what the kernel's peak use
/// of each size needed.
struct Heap;

#[global_allocator]
static HEAP: Heap = Heap;

// SAFETY: class blocks are pieces of talc allocations (16-byte aligned, of the class's
// size, disjoint: the arena pointer only moves forward), handed to one owner at a time (a block is on a free list or allocated, never both: the list is
// changed under its lock); everything else is talc's own GlobalAlloc.
unsafe impl core::alloc::GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class_of(layout) else {
            // SAFETY: forwarded unchanged.
            return unsafe { TALC.alloc(layout) };
        };
        let mut classes = CLASSES.lock();
        let head = classes.heads[class];
        if head != 0 {
            // SAFETY: `head` is a free block of this class; its first word is the link.
            classes.heads[class] = unsafe { (head as *const usize).read() };
            return head as *mut u8;
        }
        // A new block, cut from the arena (a bump pointer: cheaper than talc, and the
        // kernel's first use of every object size goes this way).
        let size = CLASS_SIZES[class];
        if classes.arena_end - classes.arena < size && !refill_arena(&mut classes) {
            return core::ptr::null_mut();
        }
        let block = classes.arena;
        classes.arena += size;
        block as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let Some(class) = class_of(layout) else {
            // SAFETY: forwarded unchanged (the block came from talc with this layout).
            return unsafe { TALC.dealloc(ptr, layout) };
        };
        let mut classes = CLASSES.lock();
        // SAFETY: the caller gives the block back; it is at least 16 bytes, 16-aligned,
        // so its first word can hold the list link.
        unsafe { (ptr as *mut usize).write(classes.heads[class]) };
        classes.heads[class] = ptr as usize;
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `layout.align()` is valid and `new_size` non-zero (GlobalAlloc contract).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (class_of(layout), class_of(new_layout)) {
            (None, None) => {
                // SAFETY: a talc block resized by talc.
                unsafe { TALC.realloc(ptr, layout, new_size) }
            }
            (Some(a), Some(b)) if a == b => ptr,
            _ => {
                // SAFETY: a fresh block for the new layout; the old one holds
                // `layout.size()` initialized bytes and is freed after the copy.
                unsafe {
                    let new = self.alloc(new_layout);
                    if !new.is_null() {
                        core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                    new
                }
            }
        }
    }
}
