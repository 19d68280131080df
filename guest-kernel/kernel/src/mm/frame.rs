//! The physical frame allocator: O(1), and nothing to initialize per frame at boot.
//!
//! Fresh frames come from [`klib::bump_frames::BumpFrames`], which moves a pointer through the
//! usable ranges of the memory map and never touches the memory it hands out. Freed frames
//! go on an intrusive free list (each free frame holds the physical address of the next)
//! and are reused first. A bitmap or a list of all frames would have to be written at boot:
//! an emulated store per frame (see "Cost model" in the crate docs) and a page fault on
//! every page of guest RAM.
//!
//! A second free list holds runs of frames known to be zero apart from the run's header
//! (user memory zeroed in batches by the memops device when an address space lets it go,
//! see [`free_zeroed_many`]), so [`alloc_zeroed`] rarely has to clear a page itself; when
//! it must, it asks the memops device (one exit) rather than spending ~450 µs of emulated
//! stores. Runs keep freeing cheap: user memory is allocated in contiguous runs (fault-
//! around, exec), so an address space gives back a few runs rather than many frames.
//!
//! Two classes of callers: user memory (page faults, fork copies, page tables of user
//! address spaces, the page cache, tmpfs, pipes) takes general memory only ([`alloc`],
//! [`alloc_zeroed`], [`alloc_table`], [`alloc_contiguous`]) and gets `None` when it is
//! gone; the kernel's own memory (heap, kernel stacks, device buffers, kernel page tables)
//! may also draw on the kernel reserve ([`alloc_kernel_contiguous`],
//! [`alloc_kernel_table`]; see `mm::reserve` for why). Fresh frames run out long before
//! memory does (freed memory comes back on the lists), so contiguous requests fall back to
//! the zeroed runs.

use crate::mm::layout;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use klib::bump_frames::BumpFrames;
use klib::chunk_pool::{MAX_TOP_UP, MIN_TOP_UP, Pool};
use klib::memmap::PAGE_SIZE;
use klib::range::PhysRange;
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
    /// First frame of the first run of zeroed frames, 0 if none. A run's first frame
    /// holds the next run's address and the run's length in frames in its first two words
    /// (its [`RunHeader`]); every other byte of the run is zero.
    zero_head: u64,
    /// Number of frames on the zeroed list.
    zero_count: u64,
    /// The kernel reserve (`mm::reserve`): zero frames only kernel allocations take.
    reserve: Pool,
}

/// The allocator; empty (every allocation fails) until [`init`]. Starts in `.bss`.
static FRAMES: SpinMutex<Frames> = SpinMutex::new(Frames {
    bump: BumpFrames::EMPTY,
    free_head: 0,
    free_count: 0,
    zero_head: 0,
    zero_count: 0,
    reserve: Pool::EMPTY,
});

/// The zero page ([`zero_page`]).
static ZERO_PAGE: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// A frame of zeros that is never written, mapped read-only wherever user memory that was
/// never touched must be read without being made (Linux's `ZERO_PAGE`): the kernel reading
/// a user buffer nobody wrote (a write(2) of an untouched mapping) takes no memory for it.
/// A write to such a page copies it away first (copy on write).
pub fn zero_page() -> u64 {
    ZERO_PAGE.load(Ordering::Relaxed)
}

/// Frames of usable RAM at boot ([`total_pages`]).
static TOTAL_PAGES: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// Frames of usable RAM the allocator started with: the machine's memory as the
/// overcommit heuristic sees it (`posix::mm::mmap::overcommit_guess`).
pub fn total_pages() -> u64 {
    TOTAL_PAGES.load(Ordering::Relaxed)
}

/// Set whenever the kernel reserve is below its target (`mm::reserve::admit` then tries to
/// top it up).
static DEPLETED: AtomicBool = AtomicBool::new(false);

/// Records whether the reserve is short of its target (after every change, under the lock).
fn note_level(full: bool) {
    DEPLETED.store(!full, Ordering::Relaxed);
}

/// Whether the kernel reserve is below its target.
pub fn reserve_depleted() -> bool {
    DEPLETED.load(Ordering::Relaxed)
}

/// Set while user-memory allocations may fall back to the reserve ([`with_reserve`]).
static USE_RESERVE: AtomicBool = AtomicBool::new(false);

/// Starts the allocator on `usable` (page-aligned ranges that nothing else uses, as
/// `klib::memmap::usable_ranges` computes them with the kernel's reservations).
/// Sets the kernel reserve aside from fresh frames (no frame is touched).
pub fn init(usable: &[PhysRange]) {
    assert!(usable.iter().all(|r| r.start != 0), "frame 0 must not be allocatable");
    let mut frames = FRAMES.lock();
    frames.bump.reset(usable);
    TOTAL_PAGES.store(frames.bump.free_bytes() / PAGE_SIZE, Ordering::Relaxed);
    let target = Pool::target_for(frames.bump.free_bytes());
    frames.reserve.set_target(target);
    // From the top of memory, so the kernel's first allocations (page tables, heap) keep
    // their place at the bottom. Fresh frames are zero, so the zero page needs no clearing.
    if let Some(base) = frames.bump.alloc_contiguous_top(target) {
        frames.reserve.add(base, target);
    }
    if let Some(zero) = frames.bump.alloc_contiguous_top(1) {
        ZERO_PAGE.store(zero, Ordering::Relaxed);
    }
    note_level(frames.reserve.is_full());
}

/// Fills the kernel reserve up to its target from general memory (fresh frames, else
/// zeroed runs), in chunks of 1 MiB down to 64 KiB. Returns whether the reserve now admits
/// new kernel work (`mm::reserve::admit`).
pub fn top_up_reserve() -> bool {
    let mut frames = FRAMES.lock();
    let Frames { bump, zero_head, zero_count, reserve: pool, .. } = &mut *frames;
    let mut chunk = MAX_TOP_UP;
    while pool.missing() > 0 && chunk >= MIN_TOP_UP {
        let want = chunk.min(pool.missing()).max(MIN_TOP_UP.min(pool.missing()));
        let Some(base) =
            bump.alloc_contiguous(want).or_else(|| take_zeroed_run(zero_head, zero_count, want))
        else {
            chunk /= 2;
            continue;
        };
        if !pool.add(base, want) {
            // No room for another chunk: give it back (it is zero) and stop.
            // SAFETY: the run was just taken from the allocator and is all zero.
            unsafe { push_run(zero_head, zero_count, base, want) };
            break;
        }
    }
    note_level(pool.is_full());
    pool.admits()
}

/// Runs `f` with user-memory allocations allowed to fall back to the kernel reserve: for
/// init, whose death would end the machine, when general memory is gone.
pub fn with_reserve<R>(f: impl FnOnce() -> R) -> R {
    let was = USE_RESERVE.swap(true, Ordering::Relaxed);
    let r = f();
    USE_RESERVE.store(was, Ordering::Relaxed);
    r
}

/// One zero frame from the reserve, for a user allocation inside [`with_reserve`].
fn reserve_fallback(pool: &mut Pool) -> Option<u64> {
    if !USE_RESERVE.load(Ordering::Relaxed) {
        return None;
    }
    let frame = pool.take(1);
    note_level(pool.is_full());
    frame
}

/// Pops the first frame of the list starting at `*head`; `None` if it is empty.
fn pop(head: &mut u64, count: &mut u64) -> Option<u64> {
    if *head == 0 {
        return None;
    }
    let frame = *head;
    let next = layout::phys_to_virt(frame, 8)?.cast::<u64>();
    // SAFETY: `frame` is on the list, so it is an unused frame whose first word is the list
    // link written by `free`/`free_zeroed`; `next` maps it.
    *head = unsafe { next.read() };
    *count -= 1;
    Some(frame)
}

/// A free physical frame (4 KiB, contents undefined), or `None` when memory is exhausted
/// or the allocator is not initialized yet.
pub fn alloc() -> Option<u64> {
    let mut frames = FRAMES.lock();
    let Frames { bump, free_head, free_count, zero_head, zero_count, reserve } = &mut *frames;
    pop(free_head, free_count)
        .or_else(|| pop_zeroed(zero_head, zero_count))
        .or_else(|| bump.alloc())
        .or_else(|| reserve_fallback(reserve))
}

/// A zeroed frame, or `None` when memory is exhausted. A fresh frame (never handed out) is
/// zero already, as guest RAM starts zeroed and the allocator never hands out the loader's
/// memory; a frame from the zeroed list only needs its link word cleared; only a frame from
/// the plain free list is cleared, by the memops device (one exit; about 450 µs of
/// emulated stores without it).
pub fn alloc_zeroed() -> Option<u64> {
    let mut frames = FRAMES.lock();
    let Frames { bump, free_head, free_count, zero_head, zero_count, reserve } = &mut *frames;
    if let Some(frame) = pop_zeroed(zero_head, zero_count) {
        return Some(frame);
    }
    if let Some(fresh) = bump.alloc() {
        return Some(fresh);
    }
    let Some(frame) = pop(free_head, free_count) else { return reserve_fallback(reserve) };
    drop(frames);
    let mut batch = crate::mm::memops::Batch::new();
    batch.zero(frame, PAGE_SIZE);
    if batch.finish().is_err() {
        let page = layout::phys_to_virt(frame, PAGE_SIZE)?;
        // SAFETY: the frame was just allocated, so nothing else uses it, and it is mapped
        // writable at `page`.
        unsafe { page.write_bytes(0, PAGE_SIZE as usize) };
    }
    Some(frame)
}

/// A zeroed frame for a user page table, or `None` when memory is exhausted.
///
/// Page tables are special under the hypervisor's shadow paging: KVM keeps a shadow copy
/// of every guest page-table page it has seen, and keeps it in sync by tracking the
/// guest's own writes to the page. Writes the vmm makes through the memops device are not
/// tracked, so a frame that was ever a page table must never be zeroed by memops and then
/// used as a page table again: KVM could find its stale shadow and map old frames. So a
/// page-table frame is a fresh frame (never handed out, never shadowed), or else a
/// recycled one cleared with the kernel's own (tracked) stores; and freed page-table
/// frames go back with [`free`], never on the zeroed list.
pub fn alloc_table() -> Option<u64> {
    let mut frames = FRAMES.lock();
    if let Some(fresh) = frames.bump.alloc() {
        return Some(fresh);
    }
    // Reserve frames are zero and were never page tables.
    let Frames { free_head, free_count, zero_head, zero_count, reserve, .. } = &mut *frames;
    let Some(frame) = pop(free_head, free_count).or_else(|| pop_zeroed(zero_head, zero_count))
    else {
        return reserve_fallback(reserve);
    };
    drop(frames);
    let page = layout::phys_to_virt(frame, PAGE_SIZE)?;
    // SAFETY: the frame was just allocated, so nothing else uses it, and it is mapped
    // writable at `page`. The stores are the kernel's own, which KVM tracks.
    unsafe { page.write_bytes(0, PAGE_SIZE as usize) };
    Some(frame)
}

/// `count` physically contiguous free frames (fresh ones only; the free list is not
/// searched), or `None`. Fresh frames are zero (see [`alloc_zeroed`]). For user memory's
/// hot paths (fault-around), which have a frame-by-frame fallback.
pub fn alloc_contiguous(count: u64) -> Option<u64> {
    FRAMES.lock().bump.alloc_contiguous(count)
}

/// `count` physically contiguous zero frames from general memory: fresh ones, else the
/// end of a zeroed run long enough (first fit; the zeroed list is walked only when fresh
/// frames are gone). `None` when neither has them.
pub fn alloc_contiguous_general(count: u64) -> Option<u64> {
    let mut frames = FRAMES.lock();
    let Frames { bump, zero_head, zero_count, .. } = &mut *frames;
    bump.alloc_contiguous(count).or_else(|| take_zeroed_run(zero_head, zero_count, count))
}

/// `count` physically contiguous zero frames for the kernel's own use (heap, device
/// buffers): general memory first, then the kernel reserve (`mm::reserve`).
pub fn alloc_kernel_contiguous(count: u64) -> Option<u64> {
    if let Some(base) = alloc_contiguous_general(count) {
        return Some(base);
    }
    // One frame needs no contiguity: any free frame, cleared.
    if count == 1
        && let Some(frame) = alloc_zeroed()
    {
        return Some(frame);
    }
    let mut frames = FRAMES.lock();
    let base = frames.reserve.take(count);
    note_level(frames.reserve.is_full());
    base
}

/// A zeroed frame for a page table of the kernel's own (kernel stacks, device windows):
/// as [`alloc_table`], then from the kernel reserve (whose frames were never tables).
pub fn alloc_kernel_table() -> Option<u64> {
    alloc_table().or_else(|| {
        let mut frames = FRAMES.lock();
        let frame = frames.reserve.take(1);
        note_level(frames.reserve.is_full());
        frame
    })
}

/// Takes `count` contiguous frames off the end of the first zeroed run that has them (all
/// zero: a run's header is in its first frame, cleared when the whole run goes).
fn take_zeroed_run(head: &mut u64, total: &mut u64, count: u64) -> Option<u64> {
    if count == 0 {
        return None;
    }
    let mut prev: Option<*mut RunHeader> = None;
    let mut run = *head;
    while run != 0 {
        let header = layout::phys_to_virt(run, 16)?.cast::<RunHeader>();
        // SAFETY: `run` is on the zeroed list, so its first 16 bytes are its header
        // (written by `push_run`), mapped at `header`; the list is the allocator's, under
        // its lock.
        let RunHeader { next, len } = unsafe { header.read() };
        if len > count {
            // SAFETY: as above; the run keeps its first `len - count` frames.
            unsafe { (*header).len = len - count };
            *total -= count;
            return Some(run + (len - count) * PAGE_SIZE);
        }
        if len == count {
            // SAFETY: unlinks the run (the previous header, or the list head, takes its
            // successor) and clears its header: the whole run is handed out, all zero.
            unsafe {
                match prev {
                    Some(p) => (*p).next = next,
                    None => *head = next,
                }
                header.write(RunHeader { next: 0, len: 0 });
            }
            *total -= count;
            return Some(run);
        }
        prev = Some(header);
        run = next;
    }
    None
}

/// Returns `frame` to the allocator.
///
/// # Safety
/// `frame` must have come from [`alloc`] or [`alloc_contiguous`], must not be freed twice,
/// and nothing may use it afterwards.
pub unsafe fn free(frame: u64) {
    let mut frames = FRAMES.lock();
    let Frames { free_head, free_count, .. } = &mut *frames;
    // SAFETY: the caller gives the frame back.
    unsafe { push(free_head, free_count, frame) };
}

/// The header at the start of a zeroed run's first frame.
#[repr(C)]
struct RunHeader {
    /// First frame of the next run, 0 for none.
    next: u64,
    /// Frames in this run.
    len: u64,
}

/// Takes one frame off the zeroed runs: the last frame of the first run (all zero), or the
/// run's first frame with its header cleared when it is the last one left.
fn pop_zeroed(head: &mut u64, count: &mut u64) -> Option<u64> {
    if *head == 0 {
        return None;
    }
    let run = *head;
    let header = layout::phys_to_virt(run, 16)?.cast::<RunHeader>();
    // SAFETY: `run` heads the zeroed list, so its first 16 bytes are its header (written
    // by `push_run`), mapped at `header`; the run is the allocator's.
    unsafe {
        let len = (*header).len;
        *count -= 1;
        if len > 1 {
            (*header).len = len - 1;
            return Some(run + (len - 1) * PAGE_SIZE);
        }
        *head = (*header).next;
        header.write(RunHeader { next: 0, len: 0 });
    }
    Some(run)
}

/// Pushes the zeroed run `first..first + len` frames on the zeroed list.
///
/// # Safety
/// The caller gives the frames up; they are all zero.
unsafe fn push_run(head: &mut u64, count: &mut u64, first: u64, len: u64) {
    let header =
        layout::phys_to_virt(first, 16).expect("freed frame is not mapped").cast::<RunHeader>();
    // SAFETY: the frames are the allocator's now; the header goes in the run's first bytes.
    unsafe { header.write(RunHeader { next: *head, len }) };
    *head = first;
    *count += len;
}

/// Returns `frames`, whose bytes are all zero, to the allocator: [`alloc_zeroed`] hands
/// them out again without clearing them. Physically consecutive frames are kept as one
/// run (one list entry), under one lock.
///
/// # Safety
/// As for [`free`], for each frame, and every byte of them must be zero.
pub unsafe fn free_zeroed_many(frames: &[u64]) {
    let Some((&first, rest)) = frames.split_first() else { return };
    let mut guard = FRAMES.lock();
    let Frames { zero_head, zero_count, .. } = &mut *guard;
    let (mut start, mut len) = (first, 1);
    for &f in rest {
        if f == start + len * PAGE_SIZE {
            len += 1;
        } else {
            // SAFETY: the caller gives these frames back, zeroed.
            unsafe { push_run(zero_head, zero_count, start, len) };
            (start, len) = (f, 1);
        }
    }
    // SAFETY: as above.
    unsafe { push_run(zero_head, zero_count, start, len) };
}

/// Zeroes `frames` (owned by nobody any more) with `batch` (physically consecutive frames
/// as one operation, with whatever else the batch holds) and gives them back as zeroed
/// runs; on the plain list if the device refused. Returns whether they were zeroed.
///
/// Why not [`free`]: frames given back one by one land on the plain list as single frames,
/// and memory that went through it ends up in pieces no contiguous request (heap growth,
/// the kernel reserve's top-ups, kernel stacks) can use; zeroed runs keep contiguity and
/// need no clearing when handed out again.
///
/// # Safety
/// As for [`free`], for each frame.
pub unsafe fn free_zeroing(frames: &[u64], mut batch: crate::mm::memops::Batch) -> bool {
    if let Some((&first, rest)) = frames.split_first() {
        let (mut run_start, mut run_len) = (first, PAGE_SIZE);
        for &f in rest {
            if f == run_start + run_len {
                run_len += PAGE_SIZE;
            } else {
                batch.zero(run_start, run_len);
                (run_start, run_len) = (f, PAGE_SIZE);
            }
        }
        batch.zero(run_start, run_len);
    }
    let zeroed = batch.finish().is_ok();
    if zeroed {
        // SAFETY: the caller gives the frames back and the batch zeroed them.
        unsafe { free_zeroed_many(frames) };
    } else {
        for &f in frames {
            // SAFETY: the caller gives the frames back.
            unsafe { free(f) };
        }
    }
    zeroed
}

/// Frames being given back a few at a time ([`FreeBatch::push`]), zeroed and freed as
/// runs ([`free_zeroing`]) every [`FreeBatch::SIZE`] frames and when dropped. No
/// allocation: for paths that must not fail (file removal, stack trimming).
pub struct FreeBatch {
    frames: [u64; Self::SIZE],
    len: usize,
}

impl FreeBatch {
    /// Frames held before they are given back.
    pub const SIZE: usize = 64;

    /// An empty batch.
    pub fn new() -> Self {
        Self { frames: [0; Self::SIZE], len: 0 }
    }

    /// Adds `frame`, which the caller gives back (as for [`free`]).
    ///
    /// # Safety
    /// As for [`free`].
    pub unsafe fn push(&mut self, frame: u64) {
        self.frames[self.len] = frame;
        self.len += 1;
        if self.len == Self::SIZE {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.len > 0 {
            // SAFETY: every frame was given by `push`'s caller.
            unsafe { free_zeroing(&self.frames[..self.len], crate::mm::memops::Batch::new()) };
            self.len = 0;
        }
    }
}

impl Default for FreeBatch {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for FreeBatch {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Pushes `frame` on the list starting at `*head`, its first word becoming the link.
///
/// # Safety
/// The caller gives `frame` up (see [`free`]).
unsafe fn push(head: &mut u64, count: &mut u64, frame: u64) {
    let link = layout::phys_to_virt(frame, 8).expect("freed frame is not mapped").cast::<u64>();
    // SAFETY: the caller gives the frame back, so the allocator owns it and may keep the
    // list link in its first word.
    unsafe { link.write(*head) };
    *head = frame;
    *count += 1;
}

/// Bytes the allocator can still hand out.
///
/// The kernel reserve counts as free, as Linux counts the pages below its watermarks in
/// `MemFree`: they are unused, only kept back from user memory.
pub fn free_bytes() -> u64 {
    let frames = FRAMES.lock();
    let pages = frames.free_count + frames.zero_count + frames.reserve.pages();
    frames.bump.free_bytes() + pages * PAGE_SIZE
}

/// Bytes of memory the kernel could hand out once boot was done, recorded by
/// [`record_total`] (`sysinfo`'s `totalram`).
static TOTAL_BYTES: AtomicU64 = AtomicU64::new(0);

/// Records the memory available for use as the total. Once, at the end of boot.
pub fn record_total() {
    TOTAL_BYTES.store(free_bytes(), Ordering::Relaxed);
}

/// The memory available for use at the end of boot (see [`record_total`]).
pub fn total_bytes() -> u64 {
    TOTAL_BYTES.load(Ordering::Relaxed)
}
