//! The page cache: a file's 4 KiB pages in frames, by page index ([`PageMap`]).
//!
//! Read-only file systems fill pages by DMA straight from the disk (`ext2`); tmpfs keeps
//! its files' data here and nowhere else. `exec` and `mmap` map these frames into
//! processes, so text is shared rather than copied. Pages are never evicted for now (the
//! cache grows until memory runs out, then reads fail with ENOMEM): nothing needs a
//! reference count on a mapped page yet.
//!
//! Lookup is O(1): the first [`INLINE`] pages (64 KiB: most files) sit in the map itself,
//! later ones in chunks of 512 entries (one frame each, 2 MiB of file). A balanced tree
//! would cost hundreds of emulated instructions per page.

use crate::mm::frame;
use crate::mm::layout;
use alloc::vec::Vec;
use klib::memmap::PAGE_SIZE;

/// Pages held in the map itself.
const INLINE: usize = 16;
/// Entries per chunk (one frame of `u64`s).
const CHUNK: usize = (PAGE_SIZE / 8) as usize;

/// Bytes per page.
pub const PAGE: u64 = PAGE_SIZE;

/// A file's cached pages: page index -> physical frame (0 = not present).
pub struct PageMap {
    inline: [u64; INLINE],
    /// Physical frames holding the entries of pages `INLINE + CHUNK * i ..` (0 = none).
    chunks: Vec<u64>,
}

impl Default for PageMap {
    fn default() -> Self {
        Self::new()
    }
}

impl PageMap {
    /// An empty map.
    pub const fn new() -> Self {
        Self { inline: [0; INLINE], chunks: Vec::new() }
    }

    /// Where entry `index` lives, if its chunk exists (`create`: allocate it).
    fn slot(&mut self, index: u64, create: bool) -> Option<*mut u64> {
        let i = usize::try_from(index).ok()?;
        if i < INLINE {
            return Some(&raw mut self.inline[i]);
        }
        let (c, e) = ((i - INLINE) / CHUNK, (i - INLINE) % CHUNK);
        if c >= self.chunks.len() {
            if !create {
                return None;
            }
            self.chunks.try_reserve(c + 1 - self.chunks.len()).ok()?;
            self.chunks.resize(c + 1, 0);
        }
        if self.chunks[c] == 0 {
            if !create {
                return None;
            }
            self.chunks[c] = frame::alloc_zeroed()?;
        }
        let base = layout::phys_to_virt(self.chunks[c], PAGE_SIZE)?.cast::<u64>();
        Some(base.wrapping_add(e))
    }

    /// The frame of page `index`, if cached.
    pub fn get(&mut self, index: u64) -> Option<u64> {
        let slot = self.slot(index, false)?;
        // SAFETY: `slot` points into `inline` or into a chunk frame this map owns, mapped
        // by the direct map; `&mut self` makes the access exclusive.
        let frame = unsafe { slot.read() };
        (frame != 0).then_some(frame)
    }

    /// Records `frame` as page `index`; false without memory for a chunk.
    pub fn insert(&mut self, index: u64, frame: u64) -> bool {
        match self.slot(index, true) {
            Some(slot) => {
                // SAFETY: as in `get`.
                unsafe { slot.write(frame) };
                true
            }
            None => false,
        }
    }

    /// Removes page `index`; returns its frame.
    pub fn remove(&mut self, index: u64) -> Option<u64> {
        let slot = self.slot(index, false)?;
        // SAFETY: as in `get`.
        let frame = unsafe { slot.replace(0) };
        (frame != 0).then_some(frame)
    }

    /// The next index at or after `index` that may hold a page: `index` itself, or the
    /// start of the next chunk when its chunk was never made (a sparse file's holes are
    /// skipped a chunk at a time, not a page at a time).
    fn next_candidate(&self, index: u64) -> u64 {
        let Ok(i) = usize::try_from(index) else { return u64::MAX };
        if i < INLINE {
            return index;
        }
        let c = (i - INLINE) / CHUNK;
        match self.chunks.get(c) {
            Some(&chunk) if chunk != 0 => index,
            Some(_) => (INLINE + (c + 1) * CHUNK) as u64,
            None => u64::MAX,
        }
    }

    /// Calls `f` with the index and frame of every page in `first..end`.
    fn for_each_in(&mut self, first: u64, end: u64, mut f: impl FnMut(&mut Self, u64)) {
        let mut index = first;
        while index < end {
            let next = self.next_candidate(index);
            if next != index {
                index = next;
                continue;
            }
            f(self, index);
            index += 1;
        }
    }

    /// Number of pages held in `first..end`.
    pub fn count_from(&mut self, first: u64, end: u64) -> usize {
        let mut n = 0;
        self.for_each_in(first, end, |map, index| n += usize::from(map.get(index).is_some()));
        n
    }

    /// Removes every page in `first..end`, calling `f` with each frame.
    pub fn remove_from(&mut self, first: u64, end: u64, mut f: impl FnMut(u64)) {
        self.for_each_in(first, end, |map, index| {
            if let Some(frame) = map.remove(index) {
                f(frame);
            }
        });
    }
}

impl Drop for PageMap {
    /// Frees the chunk frames (the map's own entries; the pages are their owner's).
    fn drop(&mut self) {
        for &chunk in self.chunks.iter().filter(|&&c| c != 0) {
            // SAFETY: chunk frames are allocated by `slot` for this map alone and nothing
            // else refers to them.
            unsafe { frame::free(chunk) };
        }
    }
}

/// A run of cached pages in consecutive frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    /// First page index.
    pub first: u64,
    /// Number of pages.
    pub count: u64,
    /// Frame of the first page; page `first + i` is at `base + i * 4096`.
    pub base: u64,
}

impl Run {
    fn end(&self) -> u64 {
        self.first + self.count
    }
}

/// A read-only file's cached pages as runs of consecutive frames, sorted by page index.
///
/// Files read from a disk are loaded a large run at a time into contiguous frames (one
/// DMA request per disk extent), so a whole program is usually one or a few runs: finding
/// a page, or the ranges a read copies, costs a scan of a few runs instead of a lookup
/// per 4 KiB page (each one tens of emulated instructions).
#[derive(Default)]
pub struct RunMap {
    runs: Vec<Run>,
}

impl RunMap {
    /// An empty map.
    pub const fn new() -> Self {
        Self { runs: Vec::new() }
    }

    /// The run holding page `index`, if cached.
    pub fn find(&self, index: u64) -> Option<Run> {
        self.runs.iter().find(|r| r.first <= index && index < r.end()).copied()
    }

    /// The frame of page `index`, if cached.
    pub fn get(&self, index: u64) -> Option<u64> {
        self.find(index).map(|r| r.base + (index - r.first) * PAGE)
    }

    /// The first gap in `first..end`: pages not cached, as `(start, stop)`.
    pub fn first_gap(&self, first: u64, end: u64) -> Option<(u64, u64)> {
        let mut at = first;
        for r in &self.runs {
            if r.end() <= at {
                continue;
            }
            if r.first > at {
                return Some((at, r.first.min(end))).filter(|g| g.0 < g.1);
            }
            at = r.end();
            if at >= end {
                return None;
            }
        }
        (at < end).then_some((at, end))
    }

    /// Records pages `first..first + count` at frames `base..` (not cached before).
    pub fn insert(&mut self, run: Run) {
        let at = self.runs.iter().position(|r| r.first > run.first).unwrap_or(self.runs.len());
        // Merge with the previous run when it continues it in memory too.
        if at > 0 {
            let prev = &mut self.runs[at - 1];
            if prev.end() == run.first && prev.base + prev.count * PAGE == run.base {
                prev.count += run.count;
                return;
            }
        }
        self.runs.insert(at, run);
    }

    /// Calls `f(page_offset_in_request, frame_phys, pages)` for the cached runs covering
    /// pages `first..end`, in order (the caller checked there is no gap).
    pub fn for_each(&self, first: u64, end: u64, mut f: impl FnMut(u64, u64, u64)) {
        for r in &self.runs {
            let lo = r.first.max(first);
            let hi = r.end().min(end);
            if lo < hi {
                f(lo - first, r.base + (lo - r.first) * PAGE, hi - lo);
            }
        }
    }
}
