//! Mapping an ELF image into a fresh address space (Linux fs/binfmt_elf.c `elf_load`).
//!
//! Each loadable segment becomes a private file mapping over the pages that hold its file
//! bytes, and an anonymous mapping for the rest of its memory size (bss). Pages are mapped
//! eagerly, because a page fault costs ~150 emulated instructions here and a page-table
//! entry a few:
//! - read-only segments (text, constants) map the page cache's frames directly, shared
//!   by every process running the program;
//! - writable segments (data, relocations) get private copies of their file pages at
//!   once, made by the memops device in one batch, with the bytes past the segment's file
//!   size zeroed in the last page (bss that shares it);
//! - bss pages beyond the file pages get fresh zero frames at once too (up to
//!   `POPULATE_MAX` pages; demand paging for the rest).
//!
//! A segment's last page (file bytes or bss) is dropped from it when the next segment
//! starts in that same page: the later segment's mapping wins there, as with Linux's
//! successive `MAP_FIXED`.

use crate::fs::ExecFile;
use crate::mm::frame;
use crate::mm::memops;
use crate::mm::vm::space::POPULATE_MAX;
use crate::mm::vm::{AddressSpace, Backing, FileSource, Vma};
use alloc::sync::Arc;
use alloc::vec::Vec;
use posix::Errno;
use posix::exec::elf::{LoadPlan, PAGE, Segment};
use posix::mm::mmap::Prot;

fn down(x: u64) -> u64 {
    x & !(PAGE - 1)
}

fn up(x: u64) -> u64 {
    x.next_multiple_of(PAGE)
}

/// How one segment is laid out in pages.
struct Layout {
    /// First page.
    start: u64,
    /// End of the pages holding file bytes that this segment maps (exclusive).
    file_end: u64,
    /// End of its memory (exclusive, page aligned).
    mem_end: u64,
    /// File offset of `start`.
    offset: u64,
    /// Rights.
    prot: Prot,
    /// Bytes of the last file page past the segment's file size to zero (0: none), and
    /// where in the page they start.
    zero_from: Option<u64>,
    /// Whether the pages need private copies.
    private: bool,
}

fn layout(seg: &Segment, next: Option<&Segment>) -> Layout {
    let start = down(seg.vaddr);
    let mut file_end = up(seg.vaddr + seg.filesz);
    let mut mem_end = up(seg.vaddr + seg.memsz).max(file_end);
    // The next segment wins a page both touch (Linux's successive MAP_FIXED mappings), for
    // the file pages and for the bss alike: nothing of this segment may be mapped there,
    // or the next one's entries would replace (and leak) its frames.
    if let Some(next) = next {
        let next_start = down(next.vaddr).max(start);
        file_end = file_end.min(next_start);
        mem_end = mem_end.min(next_start).max(file_end);
    }
    let prot = Prot { read: seg.prot.read, write: seg.prot.write, exec: seg.prot.exec };
    let tail = seg.vaddr + seg.filesz;
    let zero_from = (seg.memsz > seg.filesz && !tail.is_multiple_of(PAGE) && up(tail) <= file_end)
        .then_some(tail % PAGE);
    Layout {
        start,
        file_end,
        mem_end,
        offset: seg.offset - (seg.vaddr - start),
        prot,
        zero_from,
        private: prot.write || zero_from.is_some(),
    }
}

/// Maps `plan`'s segments of `file` into `space` (empty, not loaded). ENOMEM or an I/O
/// error from the page cache; nothing of the caller's image is touched.
///
/// Three allocations whatever the program (the layouts, one array of frames for every file
/// page of every segment, the file source), because on this kernel's hosts each costs
/// tens of emulated instructions.
pub fn map_image(
    space: &mut AddressSpace,
    plan: &LoadPlan,
    file: &Arc<ExecFile>,
) -> Result<(), Errno> {
    let segs = &plan.segments;
    let layouts: Vec<Layout> =
        segs.iter().enumerate().map(|(i, s)| layout(s, segs.get(i + 1))).collect();
    let source = FileSource::new(file.clone());
    // 1. The mappings.
    for l in &layouts {
        if l.file_end > l.start {
            let backing = Backing::File { source: source.clone(), offset: l.offset };
            space.map(l.start, l.file_end, Vma::private(l.prot, backing))?;
        }
        if l.mem_end > l.file_end {
            space.map(l.file_end, l.mem_end, Vma::anon(l.prot))?;
        }
    }
    // 2. The page cache's frames for every file page (the fs may do I/O here).
    let count = |l: &Layout| (l.file_end.saturating_sub(l.start) / PAGE) as usize;
    let total: usize = layouts.iter().map(count).sum();
    let mut frames: Vec<u64> = Vec::new();
    frames.try_reserve_exact(total).map_err(|_| Errno::ENOMEM)?;
    frames.resize(total, 0);
    let mut at = 0;
    for l in &layouts {
        let n = count(l);
        file.pages(l.offset / PAGE, &mut frames[at..at + n])?;
        at += n;
    }
    // 3. Private copies replace the shared frames, in one memops batch (frame allocation
    //    never opens a batch itself).
    let mut batch = memops::Batch::new();
    let mut at = 0;
    let mut failed_at = None;
    'segments: for l in &layouts {
        let n = count(l);
        if l.private {
            for (i, slot) in frames[at..at + n].iter_mut().enumerate() {
                let Some(own) = frame::alloc() else {
                    failed_at = Some(at + i);
                    break 'segments;
                };
                batch.copy(own, *slot, PAGE);
                *slot = own;
            }
            if let Some(from) = l.zero_from
                && n > 0
            {
                batch.zero(frames[at + n - 1] + from, PAGE - from);
            }
        }
        at += n;
    }
    let device_ok = batch.finish().is_ok();
    if failed_at.is_some() || !device_ok {
        let end = failed_at.unwrap_or(total);
        let mut at = 0;
        for l in &layouts {
            let n = count(l);
            if l.private {
                for &f in &frames[at.min(end)..(at + n).min(end)] {
                    // SAFETY: allocated above and never mapped.
                    unsafe { frame::free(f) };
                }
            }
            at += n;
        }
        return Err(Errno::ENOMEM);
    }
    // 4. The page-table entries, one run per segment, and zero pages for the bss.
    let mut at = 0;
    for l in &layouts {
        let n = count(l);
        if n > 0 {
            space.map_pages(l.start, &frames[at..at + n], l.prot, l.private)?;
        }
        if l.mem_end > l.file_end && l.prot.write {
            space.populate_zero(l.file_end, l.mem_end, l.prot, POPULATE_MAX);
        }
        at += n;
    }
    Ok(())
}
