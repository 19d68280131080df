//! The page tables of one user address space.
//!
//! The upper half of every PML4 is a copy of the kernel's (its direct map and image; the
//! tables below those entries are shared, so kernel mappings added later show up in every
//! address space); the lower half is this address space's own.
//!
//! Bookkeeping for the cost model (every kernel instruction is emulated, ~1 µs each): each
//! leaf table (PT, 2 MiB of address space) is recorded with the range of its slots ever
//! used, `lo..hi`. Mapping a page finds its leaf in that short list (the last one used is
//! tried first) instead of walking four levels, and tearing down or unmapping scans only
//! used slots instead of all 512 (a full scan costs ~2 ms here). Upper tables are only
//! walked when a new leaf table is created.
//!
//! Leaf entries carry a software bit, [`OWNED`]: the frame belongs to this address space
//! (anonymous memory or a private copy) and is freed when the entry goes; frames without
//! it belong to the page cache and are only ever mapped read-only. [`PROT_NONE`] marks an
//! entry whose page is kept while `mprotect(PROT_NONE)` makes it inaccessible. Accessed
//! and dirty bits are preset: with the hypervisor's shadow paging, a hardware A/D update
//! would be one more trap.

use crate::arch::x86_64::paging;
use crate::mm::layout;
use crate::mm::{frame, memops, share};
use alloc::vec::Vec;
use core::arch::asm;

/// Entry bit: present.
pub const PRESENT: u64 = 1 << 0;
/// Entry bit: writable.
pub const WRITABLE: u64 = 1 << 1;
/// Entry bit: accessible from ring 3.
pub const USER: u64 = 1 << 2;
/// Entry bit: accessed (preset).
const ACCESSED: u64 = 1 << 5;
/// Entry bit: dirty (preset on writable pages).
const DIRTY: u64 = 1 << 6;
/// Software bit (available to the OS): the frame is this address space's to free.
pub const OWNED: u64 = 1 << 9;
/// Software bit: the page is kept but inaccessible (PROT_NONE); PRESENT is clear.
pub const PROT_NONE: u64 = 1 << 10;
/// Entry bit: no instruction fetch.
pub const NO_EXECUTE: u64 = 1 << 63;
/// The physical-address bits of an entry.
pub const ADDRESS_MASK: u64 = 0x000f_ffff_ffff_f000;
/// What intermediate entries carry: the leaf decides the rights.
const TABLE_FLAGS: u64 = PRESENT | WRITABLE | USER | ACCESSED;
/// Bytes covered by one leaf table.
const LEAF_SPAN: u64 = 1 << 21;

/// How a page is mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageFlags {
    /// Writable (only ever for owned frames).
    pub write: bool,
    /// Executable.
    pub exec: bool,
    /// Accessible at all (false: PROT_NONE, the page is kept).
    pub access: bool,
}

impl PageFlags {
    /// The entry bits for these rights (OWNED is the caller's).
    pub fn bits(self) -> u64 {
        let mut bits = USER | ACCESSED;
        bits |= if self.access { PRESENT } else { PROT_NONE };
        if self.write {
            bits |= WRITABLE | DIRTY;
        }
        if !self.exec {
            bits |= NO_EXECUTE;
        }
        bits
    }
}

/// The page tables ran out of frames.
#[derive(Clone, Copy, Debug)]
pub struct OutOfMemory;

/// One leaf table and the slots of it ever used.
#[derive(Clone, Copy, Debug)]
struct Leaf {
    /// `virt >> 21` of the addresses it maps.
    key: u64,
    /// Its frame.
    phys: u64,
    /// First slot ever used.
    lo: u16,
    /// One past the last slot ever used.
    hi: u16,
}

/// A user address space's page tables.
pub struct PageTable {
    root: u64,
    /// PDPT and PD frames.
    uppers: Vec<u64>,
    /// Leaf tables, in creation order.
    leaves: Vec<Leaf>,
    /// Index in `leaves` of the last one used.
    last: usize,
}

/// The kernel's pointer to the 512 entries of the table frame `phys`.
fn slots(phys: u64) -> *mut u64 {
    // Cannot fail: table frames come from the frame allocator, inside the direct map.
    layout::phys_to_virt(phys, 4096).map_or(core::ptr::null_mut(), |p| p.cast())
}

impl PageTable {
    /// Empty user tables sharing the kernel half (its 256 PML4 entries copied by the
    /// memops device: one exit instead of ~800 emulated instructions).
    pub fn new() -> Result<Self, OutOfMemory> {
        let root = frame::alloc_table().ok_or(OutOfMemory)?;
        let kernel = paging::kernel_root();
        let mut batch = memops::Batch::new();
        batch.copy(root + 2048, kernel + 2048, 2048);
        if batch.finish().is_err() {
            // SAFETY: both are table frames in the direct map; `root` is ours and unused.
            unsafe {
                core::ptr::copy_nonoverlapping(slots(kernel).add(256), slots(root).add(256), 256)
            };
        }
        Ok(Self { root, uppers: Vec::new(), leaves: Vec::new(), last: 0 })
    }

    /// Slots ever used in the leaf tables (an upper bound of the pages mapped).
    pub fn used_slots(&self) -> usize {
        self.leaves.iter().map(|l| usize::from(l.hi.saturating_sub(l.lo))).sum()
    }

    /// Physical address of the PML4 (what CR3 gets).
    pub fn root(&self) -> u64 {
        self.root
    }

    /// Index of the leaf table for `virt`, if it exists.
    fn find_leaf(&mut self, virt: u64) -> Option<usize> {
        let key = virt >> 21;
        if self.leaves.get(self.last).is_some_and(|l| l.key == key) {
            return Some(self.last);
        }
        let i = self.leaves.iter().position(|l| l.key == key)?;
        self.last = i;
        Some(i)
    }

    /// The table that entry `index` of table `table` points at, created if missing (then
    /// `true` comes with it).
    fn next_table(&mut self, table: u64, index: usize) -> Result<(u64, bool), OutOfMemory> {
        // SAFETY: `table` is one of this address space's table frames (or the PML4),
        // mapped in the direct map; `index < 512`. Only this address space writes it, and
        // a new entry needs no TLB flush.
        unsafe {
            let slot = slots(table).add(index);
            let entry = slot.read();
            if entry & PRESENT != 0 {
                return Ok((entry & ADDRESS_MASK, false));
            }
            let next = frame::alloc_table().ok_or(OutOfMemory)?;
            slot.write(next | TABLE_FLAGS);
            Ok((next, true))
        }
    }

    /// Index of the leaf table for `virt`, created (with its parents) if missing.
    fn leaf_for(&mut self, virt: u64) -> Result<usize, OutOfMemory> {
        if let Some(i) = self.find_leaf(virt) {
            return Ok(i);
        }
        let idx = |level: u32| ((virt >> (12 + 9 * (level - 1))) & 511) as usize;
        self.leaves.try_reserve(1).map_err(|_| OutOfMemory)?;
        self.uppers.try_reserve(2).map_err(|_| OutOfMemory)?;
        let mut table = self.root;
        for level in [4, 3] {
            let (next, created) = self.next_table(table, idx(level))?;
            if created {
                self.uppers.push(next);
            }
            table = next;
        }
        let (pt, _) = self.next_table(table, idx(2))?;
        self.leaves.push(Leaf { key: virt >> 21, phys: pt, lo: 512, hi: 0 });
        self.last = self.leaves.len() - 1;
        Ok(self.last)
    }

    /// The leaf entry for `virt` (0 if none).
    pub fn entry(&mut self, virt: u64) -> u64 {
        let Some(i) = self.find_leaf(virt) else { return 0 };
        let slot = ((virt >> 12) & 511) as usize;
        // SAFETY: the leaf table is ours, in the direct map; `slot < 512`.
        unsafe { slots(self.leaves[i].phys).add(slot).read() }
    }

    /// Maps the page at `virt` to `phys` with `bits` (from [`PageFlags::bits`], plus
    /// [`OWNED`]). Returns the entry it replaced (0 if none): the caller frees an owned
    /// frame it replaced and flushes the TLB if the old entry was present.
    pub fn set(&mut self, virt: u64, phys: u64, bits: u64) -> Result<u64, OutOfMemory> {
        let i = self.leaf_for(virt)?;
        let slot = ((virt >> 12) & 511) as u16;
        let leaf = &mut self.leaves[i];
        leaf.lo = leaf.lo.min(slot);
        leaf.hi = leaf.hi.max(slot + 1);
        // SAFETY: the leaf table is ours, in the direct map; `slot < 512`.
        unsafe {
            let p = slots(leaf.phys).add(usize::from(slot));
            let old = p.read();
            p.write(phys | bits);
            Ok(old)
        }
    }

    /// Maps `count` consecutive pages from `virt` to the frames `phys` with `bits`, into
    /// empty slots (the range was unmapped before): the tight loop exec uses for program
    /// text.
    pub fn set_run(&mut self, mut virt: u64, phys: &[u64], bits: u64) -> Result<(), OutOfMemory> {
        let mut rest = phys;
        while !rest.is_empty() {
            let i = self.leaf_for(virt)?;
            let first = ((virt >> 12) & 511) as usize;
            let n = (512 - first).min(rest.len());
            let leaf = &mut self.leaves[i];
            leaf.lo = leaf.lo.min(first as u16);
            leaf.hi = leaf.hi.max((first + n) as u16);
            let table = slots(leaf.phys);
            for (k, &frame) in rest[..n].iter().enumerate() {
                // SAFETY: the leaf table is ours; `first + k < 512`.
                unsafe { table.add(first + k).write(frame | bits) };
            }
            rest = &rest[n..];
            virt += (n as u64) << 12;
        }
        Ok(())
    }

    /// Fills the empty slots among the `count` pages from `virt` (all in one leaf table:
    /// the caller keeps the run inside an aligned 2 MiB block) with `frame_for(virt)`
    /// and `bits`, stopping when it returns `None`. Returns how many it filled.
    pub fn fill_empty(
        &mut self,
        virt: u64,
        count: usize,
        bits: u64,
        mut frame_for: impl FnMut(u64) -> Option<u64>,
    ) -> Result<usize, OutOfMemory> {
        let i = self.leaf_for(virt)?;
        let first = ((virt >> 12) & 511) as usize;
        let count = count.min(512 - first);
        let leaf = &mut self.leaves[i];
        let table = slots(leaf.phys);
        let mut filled = 0;
        for k in 0..count {
            // SAFETY: the leaf table is ours; `first + k < 512`.
            let slot = unsafe { table.add(first + k) };
            // SAFETY: as above.
            if unsafe { slot.read() } != 0 {
                continue;
            }
            let Some(frame) = frame_for(virt + ((k as u64) << 12)) else { break };
            // SAFETY: as above; an empty slot has no TLB entry to flush.
            unsafe { slot.write(frame | bits) };
            leaf.lo = leaf.lo.min((first + k) as u16);
            leaf.hi = leaf.hi.max((first + k + 1) as u16);
            filled += 1;
        }
        Ok(filled)
    }

    /// Calls `f(virt, entry)` for every non-empty leaf entry in `[start, end)`; `f` returns
    /// the entry's new value. Only slots ever used are visited.
    pub fn update_range(&mut self, start: u64, end: u64, mut f: impl FnMut(u64, u64) -> u64) {
        for leaf in &self.leaves {
            let base = leaf.key << 21;
            if base >= end || base + LEAF_SPAN <= start || leaf.lo >= leaf.hi {
                continue;
            }
            let from = if start > base { ((start - base) >> 12) as u16 } else { 0 }.max(leaf.lo);
            let to = (((end.min(base + LEAF_SPAN) - base) >> 12) as u16).min(leaf.hi);
            let table = slots(leaf.phys);
            for s in from..to {
                // SAFETY: the leaf table is ours; `s < 512`.
                unsafe {
                    let p = table.add(usize::from(s));
                    let old = p.read();
                    if old != 0 {
                        let new = f(base + (u64::from(s) << 12), old);
                        if new != old {
                            p.write(new);
                        }
                    }
                }
            }
        }
    }

    /// Copies every entry into `child` (a new, empty table set, not loaded) for a
    /// copy-on-write fork: an owned frame gains a sharer (`share`) and becomes read-only
    /// in both; page-cache and other unowned entries are copied as they are. Returns how
    /// many entries of `self` changed (the caller flushes the TLB if `self` is loaded).
    ///
    /// One pass over the used slots of each leaf: the child's leaves are written while no
    /// CPU uses them, the parent's entries only where a writable one becomes read-only.
    /// On `Err` (no frame for a table) the child holds a consistent prefix: dropping it
    /// gives back exactly the shares it took.
    pub fn fork_into(&mut self, child: &mut PageTable) -> Result<usize, OutOfMemory> {
        let counts = share::Counts::get();
        child.leaves.try_reserve(self.leaves.len()).map_err(|_| OutOfMemory)?;
        let mut changed = 0;
        for i in 0..self.leaves.len() {
            let leaf = self.leaves[i];
            if leaf.lo >= leaf.hi {
                continue;
            }
            let c = child.leaf_for(leaf.key << 21)?;
            child.leaves[c].lo = leaf.lo;
            child.leaves[c].hi = leaf.hi;
            let (src, dst) = (slots(leaf.phys), slots(child.leaves[c].phys));
            for s in usize::from(leaf.lo)..usize::from(leaf.hi) {
                // SAFETY: both are leaf tables of these address spaces, in the direct map;
                // `s < 512`. The child's is not loaded anywhere; the parent's entry only
                // loses its write right (flushed by the caller).
                unsafe {
                    let mut e = src.add(s).read();
                    if e == 0 {
                        continue;
                    }
                    if e & OWNED != 0 {
                        counts.add(e & ADDRESS_MASK);
                        if e & WRITABLE != 0 {
                            e &= !WRITABLE;
                            src.add(s).write(e);
                            changed += 1;
                        }
                    }
                    dst.add(s).write(e);
                }
            }
        }
        Ok(changed)
    }

    /// Gives every table frame back to the frame allocator (on its plain list: a page
    /// table is never zeroed by the memops device, see `frame::alloc_table`). Owned data
    /// frames must have been collected first (see `AddressSpace::drop`).
    pub fn release(&mut self) {
        let leaves = self.leaves.iter().map(|l| l.phys);
        for table in leaves.chain(self.uppers.iter().copied()).chain(core::iter::once(self.root)) {
            // SAFETY: the tables are this address space's, which is no longer loaded
            // (the caller switched away), so nothing refers to them.
            unsafe { frame::free(table) };
        }
        self.leaves.clear();
        self.uppers.clear();
    }
}

/// Flushes the TLB entry of the user page at `virt` (in the current address space).
pub fn flush_page(virt: u64) {
    // SAFETY: INVLPG only drops a cached translation.
    unsafe { asm!("invlpg [{}]", in(reg) virt, options(nostack, preserves_flags)) };
}

/// Makes `root` the current address space (loads CR3, flushing its non-global TLB
/// entries).
///
/// # Safety
/// `root` must be a PML4 built by [`PageTable::new`] (kernel half present) that stays
/// alive while loaded.
pub unsafe fn load(root: u64) {
    // SAFETY: the caller vouches for the tables; the kernel half is identical in all of
    // them, so the code running now stays mapped.
    unsafe { asm!("mov cr3, {}", in(reg) root, options(nostack, preserves_flags)) };
}
