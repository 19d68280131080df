//! The copy-on-write copy of an address space (fork).
//!
//! The child gets the parent's mappings and a copy of its page tables in which every
//! private frame is shared read-only with the parent (`mm::share` counts the sharers); the
//! parent's own entries for those frames lose their write right too. The first write on
//! either side faults and copies the page (`AddressSpace::fault`); the last address space
//! left with a frame takes it back without a copy. Page-cache pages were read-only
//! already and are shared as they are.
//!
//! Cost: one pass over the used slots of the parent's leaf tables (about 15 emulated
//! instructions per mapped page) and one CR3 reload for the parent's TLB. The only data
//! copied is the page holding the caller's stack pointer ("hot" pages): both processes
//! write it as soon as they return from the fork, and a copy by the memops device costs
//! far less than the two write faults it saves (~500 emulated instructions each).

use super::page_table::{ADDRESS_MASK, OWNED, PRESENT, PageFlags, PageTable};
use super::space::AddressSpace;
use crate::mm::{frame, memops, share, vm::page_table};
use posix::Errno;
use posix::mm::PAGE;

impl AddressSpace {
    /// A copy-on-write copy of this address space (see the module docs). ENOMEM when
    /// there is no memory for the child's page tables (the parent is left consistent: some
    /// of its pages may have become read-only, which only costs a fault later).
    pub fn fork(&mut self, hot: &[u64]) -> Result<AddressSpace, Errno> {
        if !share::can_share() {
            return Err(Errno::ENOMEM);
        }
        let vmas = self.vmas.try_clone()?;
        let table = PageTable::new().map_err(|_| Errno::ENOMEM)?;
        let mut child = AddressSpace {
            table,
            vmas,
            heap_start: self.heap_start,
            brk: self.brk,
            mmap_base: self.mmap_base,
            mapped: self.mapped,
            free_area: self.free_area,
        };
        let copied = self.table.fork_into(&mut child.table);
        let changed = match copied {
            Ok(n) => n,
            Err(_) => usize::MAX,
        };
        if copied.is_ok() {
            self.unshare_hot(&mut child, hot);
        }
        if changed > 0 && self.is_current() {
            // SAFETY: reloading the current root only flushes the TLB.
            unsafe { page_table::load(self.table.root()) };
        }
        copied.map_err(|_| Errno::ENOMEM)?;
        Ok(child)
    }
}

impl AddressSpace {
    /// Gives the child its own copy of each page holding a `hot` address that fork just
    /// shared (writable private pages only), and the parent its page back writable: one
    /// memops batch for all of them. Best effort: a page that cannot be copied stays
    /// shared (copy on write).
    fn unshare_hot(&mut self, child: &mut AddressSpace, hot: &[u64]) {
        let mut batch = memops::Batch::new();
        let mut pages: [(u64, u64, u64); 4] = [(0, 0, 0); 4];
        let mut n = 0;
        for &addr in hot.iter().take(pages.len()) {
            let page = addr & !(PAGE - 1);
            let Some(vma) = self.vmas.get(page) else { continue };
            let entry = self.table.entry(page);
            if !vma.value.prot.write
                || entry & (OWNED | PRESENT) != OWNED | PRESENT
                || pages[..n].iter().any(|p| p.0 == page)
            {
                continue;
            }
            let Some(copy) = frame::alloc() else { break };
            let old = entry & ADDRESS_MASK;
            batch.copy(copy, old, PAGE);
            pages[n] = (page, old, copy);
            n += 1;
        }
        let copied = batch.finish().is_ok();
        for &(page, old, copy) in &pages[..n] {
            let prot = self.vmas.get(page).map(|v| v.value.prot).unwrap_or_default();
            let bits = PageFlags { write: true, exec: prot.exec, access: true }.bits() | OWNED;
            if !copied || child.table.set(page, copy, bits).is_err() {
                // SAFETY: allocated above and not mapped.
                unsafe { frame::free(copy) };
                continue;
            }
            share::release(old);
            if !share::is_shared(old) {
                let _ = self.table.set(page, old, bits);
            }
        }
    }
}
