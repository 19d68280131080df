//! A user address space: its mappings ([`Vma`]s in a `posix::mm::RangeMap`), its page
//! tables, and the heap break.
//!
//! Invariants:
//! - a leaf entry exists only inside a mapping, and is writable only if the mapping is and
//!   the frame is owned ([`OWNED`]) and not shared with another address space
//!   (`mm::share`: after a fork both map it read-only; the first to write copies it, the
//!   last one left takes it back without a copy); page-cache frames are mapped read-only
//!   and copied on the first write (private file mappings, program data);
//! - data frames given back (unmap, teardown) are zeroed by the memops device in one
//!   batch and go to the frame allocator's zeroed list (as runs), so the next anonymous
//!   page costs no clearing in the kernel; page-table frames never take that way (see
//!   `frame::alloc_table`: KVM shadows page tables and does not see memops writes).
//!
//! Costs that shape the code (measured on the project's hosts): a page fault costs about
//! 800 emulated instructions end to end, a page-table entry written in a table the CPU is
//! using about 50 µs (KVM write-tracks shadowed page tables), one written in a table not
//! loaded yet a few instructions. Hence exec maps whole images eagerly into the new,
//! not-yet-loaded tables, and a fault on anonymous memory fills its whole aligned 16-page
//! window at once (fault-around), taking fresh zero frames as one contiguous run.
//!
//! The lock discipline: an `AddressSpace` sits in a spin lock of its process; nothing that
//! touches user memory through `uaccess` may run while it is held (the copy could fault,
//! and the fault handler takes the same lock).

use super::page_table::{
    self, ADDRESS_MASK, OWNED, OutOfMemory, PRESENT, PROT_NONE, PageFlags, PageTable, WRITABLE,
};
use super::vma::{Backing, Vma};
use crate::mm::{frame, memops, share};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use posix::Errno;
use posix::mm::mmap::Prot;
use posix::mm::{PAGE, RangeMap};

/// Above this many pages, changing a range of the current address space reloads CR3
/// instead of flushing page by page.
const FLUSH_ALL_THRESHOLD: usize = 32;

/// The fault-around window (aligned; 16 pages).
const FAULT_AROUND: u64 = 16 * PAGE;

/// The most pages [`AddressSpace::populate_zero`] maps ahead of use.
pub const POPULATE_MAX: u64 = 16;

/// Bytes covered by one leaf table.
const LEAF_SPAN: u64 = 1 << 21;

/// Root of the address space loaded in CR3 (0: the kernel's own).
static CURRENT_ROOT: AtomicU64 = AtomicU64::new(0);

/// What a user access wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A load.
    Read,
    /// A store.
    Write,
    /// An instruction fetch.
    Exec,
}

/// Why a page fault cannot be resolved (what the process dies of).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultError {
    /// No mapping there (SIGSEGV, `SEGV_MAPERR`).
    Unmapped,
    /// The mapping does not allow the access (SIGSEGV, `SEGV_ACCERR`).
    Protection,
    /// No memory for the page (the process is killed, as by Linux's OOM killer).
    OutOfMemory,
    /// The file behind the page could not be read (SIGBUS).
    Io,
}

impl From<OutOfMemory> for FaultError {
    fn from(_: OutOfMemory) -> Self {
        FaultError::OutOfMemory
    }
}

/// One process's user address space.
pub struct AddressSpace {
    pub(super) table: PageTable,
    pub(super) vmas: RangeMap<Vma>,
    /// Start of the brk heap (page aligned; set by exec after the image).
    pub(super) heap_start: u64,
    /// The current break as last set (not necessarily page aligned, as Linux keeps it).
    pub(super) brk: u64,
    /// Where top-down `mmap` placement starts.
    pub(super) mmap_base: u64,
    /// Bytes mapped in all (what RLIMIT_AS limits: Linux's `total_vm`).
    pub(super) mapped: u64,
    /// Where top-down placement resumes: everything in `[free_area, mmap_base)` is mapped,
    /// so a search may start here and find what a search from `mmap_base` would (Linux's
    /// old `free_area_cache`). Without it each placement walks every mapping below the
    /// base, and a program making thousands of mappings pays for all of them each time.
    pub(super) free_area: u64,
}

/// Makes the address space whose top-level table is `root` the one user mode uses (the
/// context switch); nothing happens if it already is. The caller keeps that address space
/// alive while it is loaded.
pub fn switch_root(root: u64) {
    if CURRENT_ROOT.swap(root, Ordering::Relaxed) != root {
        // SAFETY: `root` is the top-level table of a live address space (the caller's
        // contract), whose kernel half is the kernel's.
        unsafe { page_table::load(root) };
    }
}

impl AddressSpace {
    /// An empty address space whose `mmap` placement starts below `mmap_base`.
    pub fn new(mmap_base: u64) -> Result<Self, Errno> {
        // Room for an exec'd program's mappings at once (each growth step of the list
        // would be a reallocation), made before the tables so a failure leaks nothing.
        let vmas = RangeMap::with_capacity(16)?;
        let table = PageTable::new().map_err(|_| Errno::ENOMEM)?;
        Ok(Self { table, vmas, heap_start: 0, brk: 0, mmap_base, mapped: 0, free_area: mmap_base })
    }

    /// Makes this the address space of user mode (loads CR3).
    pub fn activate(&self) {
        let root = self.table.root();
        if CURRENT_ROOT.swap(root, Ordering::Relaxed) != root {
            // SAFETY: the tables were built by `PageTable::new` and live as long as `self`;
            // whoever drops `self` switches away first (see `Drop`).
            unsafe { page_table::load(root) };
        }
    }

    pub(super) fn is_current(&self) -> bool {
        CURRENT_ROOT.load(Ordering::Relaxed) == self.table.root()
    }

    /// Physical address of the top-level table (what CR3 gets).
    pub fn root(&self) -> u64 {
        self.table.root()
    }

    /// The mappings.
    pub fn vmas(&self) -> &RangeMap<Vma> {
        &self.vmas
    }

    /// Bytes mapped in all (RLIMIT_AS counts these).
    pub fn mapped_bytes(&self) -> u64 {
        self.mapped
    }

    /// Bytes of `[start, end)` already mapped (a `MAP_FIXED` mapping replaces them, so
    /// they do not count twice against RLIMIT_AS).
    pub fn mapped_within(&self, start: u64, end: u64) -> u64 {
        self.vmas.overlapping(start, end).iter().map(|e| e.end.min(end) - e.start.max(start)).sum()
    }

    /// ENOMEM when a change of `[start, end)` would need another mapping and the address
    /// space holds `vm.max_map_count` already (`posix::mm::mmap::MAX_MAP_COUNT`): a new
    /// mapping may add one, and a split at either end one more.
    fn check_map_count(&self, start: u64, end: u64, adds: bool) -> Result<(), Errno> {
        if self.vmas.len() < posix::mm::mmap::MAX_MAP_COUNT {
            return Ok(());
        }
        if adds || self.vmas.splits_at(start) || self.vmas.splits_at(end) {
            return Err(Errno::ENOMEM);
        }
        Ok(())
    }

    /// Maps `[start, end)` as `vma`, replacing (and freeing) whatever was there
    /// (`MAP_FIXED` semantics). Pages are faulted in on first touch. ENOMEM (and nothing
    /// changed) at the mapping-count limit or without memory for the bookkeeping.
    pub fn map(&mut self, start: u64, end: u64, vma: Vma) -> Result<(), Errno> {
        self.check_map_count(start, end, true)?;
        // Pages exist only inside mappings: only the replaced parts can have any.
        for old in self.vmas.insert(start, end, vma)? {
            self.mapped -= old.end - old.start;
            self.clear_pages(old.start, old.end);
        }
        self.mapped += end - start;
        if start < self.free_area && end >= self.free_area {
            // Joins the mapped run below `mmap_base`.
            self.free_area = start;
        }
        Ok(())
    }

    /// Unmaps `[start, end)` (munmap: nothing there is not an error). ENOMEM (and nothing
    /// changed) if it would split a mapping at the mapping-count limit, or without memory
    /// for the bookkeeping.
    pub fn unmap(&mut self, start: u64, end: u64) -> Result<(), Errno> {
        self.check_map_count(start, end, false)?;
        for old in self.vmas.remove(start, end)? {
            self.mapped -= old.end - old.start;
            self.clear_pages(old.start, old.end);
        }
        if end > self.free_area {
            // A hole in the mapped run: it now starts above the hole.
            self.free_area = end.min(self.mmap_base);
        }
        Ok(())
    }

    /// Drops the pages of `[start, end)` but keeps the mappings (`madvise(MADV_DONTNEED)`):
    /// anonymous memory reads as zero again, private file mappings as the file. ENOMEM if
    /// part of the range is not mapped.
    pub fn discard(&mut self, start: u64, end: u64) -> Result<(), Errno> {
        if !self.vmas.covers(start, end) {
            return Err(Errno::ENOMEM);
        }
        self.clear_pages(start, end);
        Ok(())
    }

    /// Changes the rights of `[start, end)`, which must be mapped throughout (ENOMEM
    /// otherwise, as mprotect(2)). Present pages get the new rights at once: owned pages
    /// become writable or not, page-cache pages stay read-only (a write copies them).
    pub fn protect(&mut self, start: u64, end: u64, prot: Prot) -> Result<(), Errno> {
        if !self.vmas.covers(start, end) {
            return Err(Errno::ENOMEM);
        }
        self.check_map_count(start, end, false)?;
        self.vmas.update(start, end, |v| v.prot = prot)?;
        let mut changed = 0usize;
        let mut first = u64::MAX;
        // Per mapping: a shared one writes its file's frames in place, so its pages take
        // the write right as they are (`Vma::shared`); a private one's only when owned and
        // not shared with another address space (else a write must copy).
        let mut at = start;
        while at < end {
            let Some(e) = self.vmas.get(at) else { break };
            let (piece_end, shared) = (e.end.min(end), e.value.shared);
            self.table.update_range(at, piece_end, |virt, old| {
                let owned = old & OWNED;
                let writable = shared || (owned != 0 && !share::is_shared(old & ADDRESS_MASK));
                let flags = PageFlags {
                    write: prot.write && writable,
                    exec: prot.exec,
                    access: prot.read || prot.write || prot.exec,
                };
                let new = (old & ADDRESS_MASK) | flags.bits() | owned;
                if new != old && old & PRESENT != 0 {
                    first = first.min(virt);
                    changed += 1;
                }
                new
            });
            at = piece_end;
        }
        self.flush(first, end, changed);
        Ok(())
    }

    /// Flushes the TLB for `count` changed pages in `[first, end)` of this address space.
    pub(super) fn flush(&self, first: u64, end: u64, count: usize) {
        if count == 0 || !self.is_current() {
            return;
        }
        // Page by page only when the range is short too: a few pages changed in a huge
        // sparse range would otherwise cost one INVLPG per page of the range.
        if count > FLUSH_ALL_THRESHOLD || (end - first) / PAGE > FLUSH_ALL_THRESHOLD as u64 {
            // SAFETY: reloading the current root only flushes.
            unsafe { page_table::load(self.table.root()) };
            return;
        }
        let mut page = first;
        while page < end {
            page_table::flush_page(page);
            page += PAGE;
        }
    }

    /// Removes the page-table entries of `[start, end)` and frees the owned frames.
    fn clear_pages(&mut self, start: u64, end: u64) {
        let mut owned = Vec::with_capacity(((end - start) / PAGE).min(512) as usize);
        let mut present = 0usize;
        let mut first = 0;
        self.table.update_range(start, end, |virt, old| {
            if old & OWNED != 0 {
                owned.push(old & ADDRESS_MASK);
            }
            if old & PRESENT != 0 {
                if present == 0 {
                    first = virt;
                }
                present += 1;
            }
            0
        });
        self.flush(first, end, present);
        if !owned.is_empty() {
            release_frames(&owned, memops::Batch::new());
        }
    }

    /// The highest free range of `len` bytes below the mmap base (top-down placement), or
    /// `hint` if `[hint, hint + len)` is free and above the minimum address.
    pub fn find_free(&self, len: u64, hint: u64) -> Option<u64> {
        use posix::mm::user_layout::MMAP_MIN_ADDR;
        if hint >= MMAP_MIN_ADDR
            && let Some(end) = hint.checked_add(len)
            && end <= posix::exec::elf::USER_END
            && self.vmas.is_free(hint, end)
        {
            return Some(hint);
        }
        // Below the mapped run first (see `free_area`); the full search when that fails
        // finds nothing more in the run itself, only what lies below its start anyway.
        self.vmas
            .find_free_top_down(len, MMAP_MIN_ADDR, self.free_area, PAGE)
            .or_else(|| self.vmas.find_free_top_down(len, MMAP_MIN_ADDR, self.mmap_base, PAGE))
    }

    /// Sets where the heap starts (exec, after the image).
    pub fn init_heap(&mut self, start: u64) {
        self.heap_start = start;
        self.brk = start;
    }

    /// brk(2): moves the break to `requested` if allowed (see `posix::mm::mmap::brk_target`;
    /// the new heap pages must not overlap another mapping, the address space must stay
    /// within `as_limit` (RLIMIT_AS), and no more than `ram_pages` may be asked for at
    /// once: the overcommit heuristic), and returns the break.
    pub fn set_brk(
        &mut self,
        requested: u64,
        data_limit: u64,
        as_limit: u64,
        ram_pages: u64,
    ) -> u64 {
        let Some(target) =
            posix::mm::mmap::brk_target(requested, self.heap_start, self.brk, data_limit)
        else {
            return self.brk;
        };
        let old_end = self.brk.next_multiple_of(PAGE);
        let Some(new_end) = posix::mm::page_align_up(target) else { return self.brk };
        if new_end > old_end {
            // Linux also wants a guard page's room above the new heap (`brk`: "check
            // against existing mmap mappings", with the stack guard gap for a stack).
            let more = new_end - old_end;
            if !self.vmas.is_free(old_end, new_end)
                || posix::mm::mmap::may_expand_vm(self.mapped, more, as_limit).is_err()
                || posix::mm::mmap::overcommit_guess(more / PAGE, ram_pages).is_err()
            {
                return self.brk;
            }
            let rw = Prot { read: true, write: true, exec: false };
            if self.map(old_end, new_end, Vma::anon(rw)).is_err() {
                return self.brk;
            }
            // The program is about to use what it asked for (malloc's brk growth is a
            // few pages at a time): map the first pages now rather than fault them in.
            self.populate_zero(old_end, new_end, rw, POPULATE_MAX);
        } else if new_end < old_end && self.unmap(new_end, old_end).is_err() {
            return self.brk;
        }
        self.brk = target;
        self.brk
    }

    /// Maps fresh zero frames into the empty slots of the first `max` pages of
    /// `[start, end)` (anonymous memory, page aligned, inside a mapping with rights
    /// `prot`): for memory a program is about to touch (bss, brk growth), where a page
    /// fault would cost ~500 emulated instructions and an entry ~10. Best effort: stops
    /// quietly when memory is short (the faults then come as usual).
    pub fn populate_zero(&mut self, start: u64, end: u64, prot: Prot, max: u64) {
        let end = end.min(start.saturating_add(max * PAGE));
        let bits = PageFlags { write: prot.write, exec: prot.exec, access: true }.bits() | OWNED;
        let mut at = start;
        while at < end {
            // One leaf table at a time (`fill_empty` stays inside an aligned 2 MiB).
            let block_end = ((at | (LEAF_SPAN - 1)) + 1).min(end);
            let n = (block_end - at) / PAGE;
            if self.fill_zero(at, n as usize, bits).is_err() {
                return;
            }
            at = block_end;
        }
    }

    /// Fills the empty slots of the `count` pages from `start` (inside one leaf table)
    /// with fresh zero frames: one contiguous run when the allocator has one (fresh
    /// frames are zero for free), else frame by frame.
    fn fill_zero(&mut self, start: u64, count: usize, bits: u64) -> Result<(), FaultError> {
        if let Some(base) = frame::alloc_contiguous(count as u64) {
            let mut next = base;
            let filled = self.table.fill_empty(start, count, bits, |_| {
                next += PAGE;
                Some(next - PAGE)
            });
            let used = *filled.as_ref().unwrap_or(&0);
            let unused: Vec<u64> = (used..count).map(|k| base + k as u64 * PAGE).collect();
            // SAFETY: fresh (zero) frames of the run that were not mapped.
            unsafe { frame::free_zeroed_many(&unused) };
            filled?;
            return Ok(());
        }
        let mut short = false;
        self.table.fill_empty(start, count, bits, |_| {
            let f = frame::alloc_zeroed();
            short |= f.is_none();
            f
        })?;
        if short { Err(FaultError::OutOfMemory) } else { Ok(()) }
    }

    /// Maps the user-mode assist page (`uaccess::assist`) at its fixed address, read-only
    /// and executable, outside every mapping.
    pub fn map_assist(&mut self, va: u64, phys: u64) -> Result<(), Errno> {
        let bits = PageFlags { write: false, exec: true, access: true }.bits();
        self.table.set(va, phys, bits).map(|_| ()).map_err(|_| Errno::ENOMEM)
    }

    /// Maps the vvar page (`vvar_phys`, read-only) and the vDSO image after it
    /// (`image_phys..`, read+exec) over `[start, start + len)` (`time::vdso`), with a
    /// read+exec mapping so `mmap` places nothing there. The frames are the kernel
    /// image's: not `OWNED`, so unmapping or dropping the space never frees them.
    pub fn map_kernel_pages(
        &mut self,
        start: u64,
        len: u64,
        vvar_phys: u64,
        image_phys: u64,
    ) -> Result<(), Errno> {
        let prot = Prot { read: true, write: false, exec: true };
        self.map(start, start + len, Vma::anon(prot))?;
        let data = PageFlags { write: false, exec: false, access: true }.bits();
        self.table.set(start, vvar_phys, data).map_err(|_| Errno::ENOMEM)?;
        let code = PageFlags { write: false, exec: true, access: true }.bits();
        let frames: Vec<u64> = (0..(len / PAGE) - 1).map(|i| image_phys + i * PAGE).collect();
        self.table.set_run(start + PAGE, &frames, code).map_err(|_| Errno::ENOMEM)
    }

    /// Maps the consecutive pages `frames` at `start`, inside a mapping already made with
    /// [`map`](Self::map) and not populated there yet: page-cache frames (`owned` false,
    /// shared, so read-only) or the address space's own frames (with the mapping's
    /// rights). Exec maps program images eagerly this way because a page fault costs ~30
    /// times a page-table entry here.
    pub fn map_pages(
        &mut self,
        start: u64,
        frames: &[u64],
        prot: Prot,
        owned: bool,
    ) -> Result<(), Errno> {
        let flags = PageFlags { write: prot.write && owned, exec: prot.exec, access: true };
        let bits = flags.bits() | if owned { OWNED } else { 0 };
        self.table.set_run(start, frames, bits).map_err(|_| Errno::ENOMEM)
    }

    /// Resolves a fault at `addr`: maps a zero page, a page-cache page, or a private copy
    /// of one (copy on write).
    pub fn fault(&mut self, addr: u64, access: Access) -> Result<(), FaultError> {
        let page = addr & !(PAGE - 1);
        let Some(entry) = self.vmas.get(addr) else { return Err(FaultError::Unmapped) };
        let prot = entry.value.prot;
        let allowed = match access {
            // x86 pages are always readable when present: write and exec imply read.
            Access::Read => prot.read || prot.write || prot.exec,
            Access::Write => prot.write,
            Access::Exec => prot.exec,
        };
        if !allowed {
            return Err(FaultError::Protection);
        }
        let (vma_start, vma_end, shared) = (entry.start, entry.end, entry.value.shared);
        let file = match &entry.value.backing {
            Backing::Anon => None,
            Backing::File { source, offset } => {
                Some((source.clone(), (offset + (page - entry.start)) / PAGE))
            }
        };
        let flags = PageFlags { write: prot.write, exec: prot.exec, access: true };
        let old = self.table.entry(page);
        if old & PRESENT != 0 {
            if access != Access::Write || old & WRITABLE != 0 {
                return Ok(()); // already resolved (a stale TLB entry)
            }
            let old_frame = old & ADDRESS_MASK;
            if shared {
                // The file's own frame, written in place (mapped read-only by fault-around).
                self.table.set(page, old_frame, flags.bits() | (old & OWNED))?;
                if self.is_current() {
                    page_table::flush_page(page);
                }
                return Ok(());
            }
            // A frame this address space owns alone is taken as it is; one shared with
            // another (after a fork) or from the page cache is copied.
            let frame = if old & OWNED != 0 && !share::is_shared(old_frame) {
                old_frame
            } else if old_frame == frame::zero_page() {
                frame::alloc_zeroed().ok_or(FaultError::OutOfMemory)?
            } else {
                copy_page(old_frame)?
            };
            self.table.set(page, frame, flags.bits() | OWNED)?;
            if frame != old_frame && old & OWNED != 0 {
                share::release(old_frame);
            }
            if self.is_current() {
                page_table::flush_page(page);
            }
            return Ok(());
        }
        if old & PROT_NONE != 0 {
            // Kept by an mprotect(PROT_NONE) that has since been lifted by a protect of a
            // covering range: make it accessible again.
            let write = flags.write
                && (shared || old & OWNED != 0 && !share::is_shared(old & ADDRESS_MASK));
            let bits = PageFlags { write, ..flags }.bits() | (old & OWNED);
            self.table.set(page, old & ADDRESS_MASK, bits)?;
            return if access == Access::Write && !write {
                self.fault(addr, access)
            } else {
                Ok(())
            };
        }
        // Fault-around: the other empty pages of the aligned window around the fault, inside
        // the mapping, are filled at the same time (a fault costs ~30 page-table entries).
        let window_start = (page & !(FAULT_AROUND - 1)).max(vma_start);
        let window_end = ((page & !(FAULT_AROUND - 1)) + FAULT_AROUND).min(vma_end);
        let window = ((window_end - window_start) / PAGE) as usize;
        match file {
            None => {
                // Fresh frames are zero for free, and a run of them is one allocation;
                // the extra pages are a bet on locality. Only the faulting page must be
                // had: the window is filled from it on first.
                let bits = flags.bits() | OWNED;
                let first = self.fill_zero(page, ((window_end - page) / PAGE) as usize, bits);
                if self.table.entry(page) & PRESENT == 0 {
                    return Err(first.err().unwrap_or(FaultError::OutOfMemory));
                }
                if page > window_start {
                    let _ =
                        self.fill_zero(window_start, ((page - window_start) / PAGE) as usize, bits);
                }
            }
            Some((source, index)) => {
                let cached = source.page(index).map_err(|_| FaultError::Io)?;
                if shared {
                    // The file's own frame with the mapping's rights (not owned: the file
                    // keeps it).
                    self.table.set(page, cached, flags.bits())?;
                } else if access == Access::Write {
                    let frame = copy_page(cached)?;
                    self.table.set(page, frame, flags.bits() | OWNED)?;
                } else {
                    let ro = PageFlags { write: false, ..flags };
                    self.table.set(page, cached, ro.bits())?;
                    // Neighbouring page-cache pages, read-only (writes copy them later).
                    let first = index - (page - window_start) / PAGE;
                    let mut frames = [0u64; (FAULT_AROUND / PAGE) as usize];
                    if source.pages(first, &mut frames[..window]).is_ok() {
                        let _ = self.table.fill_empty(window_start, window, ro.bits(), |v| {
                            Some(frames[((v - window_start) / PAGE) as usize])
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The physical address of the user page containing `addr`, made present (and
    /// writable and private if `write`) as a user access would: for kernel accesses to user
    /// memory through physical addresses (file I/O with the memops device).
    ///
    /// A page of private anonymous memory that was never touched is read through the zero
    /// page (`frame::zero_page`), mapped read-only there: a write(2) from a huge untouched
    /// buffer takes no memory (the system-call fuzzer ran the guest out of memory this
    /// way), as on Linux. A later write by the program copies it away (copy on write).
    pub fn user_page(&mut self, addr: u64, write: bool) -> Result<u64, Errno> {
        let page = addr & !(PAGE - 1);
        let entry = self.table.entry(page);
        let usable = entry & PRESENT != 0 && (!write || entry & WRITABLE != 0);
        if usable {
            return Ok(entry & ADDRESS_MASK);
        }
        let zero = frame::zero_page();
        if !write
            && entry == 0
            && zero != 0
            && let Some(e) = self.vmas.get(addr)
            && matches!(e.value.backing, Backing::Anon)
            && (e.value.prot.read || e.value.prot.write || e.value.prot.exec)
        {
            let flags = PageFlags { write: false, exec: e.value.prot.exec, access: true };
            self.table.set(page, zero, flags.bits()).map_err(|_| Errno::ENOMEM)?;
            return Ok(zero);
        }
        let access = if write { Access::Write } else { Access::Read };
        self.fault(addr, access).map_err(|e| match e {
            FaultError::OutOfMemory => Errno::ENOMEM,
            _ => Errno::EFAULT,
        })?;
        Ok(self.table.entry(page) & ADDRESS_MASK)
    }
}

/// A private copy of the frame `src` (memops: one exit).
fn copy_page(src: u64) -> Result<u64, FaultError> {
    let frame = frame::alloc().ok_or(FaultError::OutOfMemory)?;
    let mut batch = memops::Batch::new();
    batch.copy(frame, src, PAGE);
    if batch.finish().is_err() {
        // SAFETY: the frame was just allocated and is not mapped anywhere.
        unsafe { frame::free(frame) };
        return Err(FaultError::OutOfMemory);
    }
    Ok(frame)
}

/// Lets go of the owned frames `frames` of an address space: those still shared with
/// another address space only lose one sharer (`share::release`); the others are zeroed
/// with `batch` (physically contiguous runs as one operation, performed with whatever
/// else the batch holds) and given to the frame allocator: to its zeroed list, or to the
/// plain one if the device refused. Returns whether the batch succeeded.
pub(super) fn release_frames(frames: &[u64], batch: memops::Batch) -> bool {
    if frames.iter().any(|&f| share::is_shared(f)) {
        let last: Vec<u64> = frames.iter().copied().filter(|&f| !share::release(f)).collect();
        return free_frames(&last, batch);
    }
    free_frames(frames, batch)
}

/// Zeroes `frames` (owned by nobody else any more) with `batch` and frees them as zeroed
/// runs (`frame::free_zeroing`).
fn free_frames(frames: &[u64], batch: memops::Batch) -> bool {
    // SAFETY: the frames were this address space's and are no longer mapped.
    unsafe { frame::free_zeroing(frames, batch) }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        debug_assert!(!self.is_current(), "dropping the loaded address space");
        let mut data = Vec::with_capacity(self.table.used_slots());
        self.table.update_range(0, posix::exec::elf::USER_END, |_, old| {
            if old & OWNED != 0 {
                data.push(old & ADDRESS_MASK);
            }
            old
        });
        release_frames(&data, memops::Batch::new());
        self.table.release();
    }
}
