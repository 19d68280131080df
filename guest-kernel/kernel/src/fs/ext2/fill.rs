//! Filling an ext2 file's page cache: runs of missing pages read by DMA into physically
//! contiguous frames (one device request per run of consecutive disk blocks), holes and
//! the bytes past the end of the file zeroed by the memops device.

use super::io::Reader;
use super::map::map_range;
use super::node::Ext2Node;
use crate::fs::pagecache::{PAGE, Run, RunMap};
use crate::mm::frame;
use crate::mm::memops::Batch;
use alloc::vec::Vec;
use posix::Errno;

impl Ext2Node {
    /// Makes pages `first..end` (clamped to the file) present in `pages`, reading each gap
    /// into physically contiguous frames when memory allows.
    pub(super) fn fill(&self, pages: &mut RunMap, first: u64, end: u64) -> Result<(), Errno> {
        let end = end.min(self.page_count());
        let mut at = first;
        while let Some((p, q)) = pages.first_gap(at, end) {
            let q = q.min(p + MAX_RUN);
            self.load_run(pages, p, q)?;
            at = q;
        }
        Ok(())
    }

    /// Reads pages `p..q` (all missing) from the disk: one block-mapping pass, the
    /// device writing straight into the frames (one request per run of consecutive disk
    /// blocks), holes and the bytes past the end of the file zeroed by the memops device.
    fn load_run(&self, pages: &mut RunMap, p: u64, q: u64) -> Result<(), Errno> {
        let count = q - p;
        let frames = Frames::alloc(count).ok_or(Errno::ENOMEM)?;
        let bs = u64::from(self.fs.sb.block_size);
        let (start, stop) = (p * PAGE, (q * PAGE).min(self.inode.size));
        let first_block = start / bs;
        let blocks = stop.div_ceil(bs) - first_block;
        let mut phys = Vec::with_capacity(blocks as usize);
        let mut reader = Reader::new(self.fs.disk);
        let mut zero: Vec<(u64, u64)> = Vec::new();
        let mut result = map_range(&self.fs, &self.inode, first_block, blocks, &mut phys);
        if result.is_ok() {
            result = match &frames {
                // The common case: whole blocks in a contiguous run of frames; one piece
                // per run of consecutive disk blocks.
                Frames::Contiguous(base, _) if bs <= PAGE => {
                    queue_runs(&phys, bs, *base, &mut reader, &mut zero)
                }
                _ => queue_pieces(
                    &phys,
                    bs,
                    start,
                    stop,
                    first_block,
                    &frames,
                    &mut reader,
                    &mut zero,
                ),
            };
        }
        if result.is_ok() {
            result = reader.flush();
        }
        if let Err(e) = result {
            frames.free();
            return Err(e);
        }
        // The device wrote whole blocks; what lies past the end of the file reads as zero.
        let mut at = stop;
        while at < q * PAGE {
            let len = PAGE - at % PAGE;
            zero.push((frames.at(at - start), len));
            at += len;
        }
        let mut batch = Batch::new();
        for (dst, len) in zero {
            batch.zero(dst, len);
        }
        batch.finish().map_err(|_| Errno::EIO)?;
        match frames {
            Frames::Contiguous(base, count) => pages.insert(Run { first: p, count, base }),
            Frames::Scattered(v) => {
                for (i, f) in v.into_iter().enumerate() {
                    pages.insert(Run { first: p + i as u64, count: 1, base: f });
                }
            }
        }
        Ok(())
    }
}

/// Queues the reads of blocks `phys` (a run's blocks, 0 for holes) into the contiguous
/// frames at `base`, one piece per run of consecutive disk blocks.
fn queue_runs(
    phys: &[u64],
    bs: u64,
    base: u64,
    reader: &mut Reader<'_>,
    zero: &mut Vec<(u64, u64)>,
) -> Result<(), Errno> {
    let mut i = 0;
    while i < phys.len() {
        let b = phys[i];
        let mut j = i + 1;
        if b == 0 {
            while j < phys.len() && phys[j] == 0 {
                j += 1;
            }
            zero.push((base + i as u64 * bs, (j - i) as u64 * bs));
        } else {
            while j < phys.len() && phys[j] == b + (j - i) as u64 {
                j += 1;
            }
            reader.add(b * bs, base + i as u64 * bs, (j - i) as u64 * bs)?;
        }
        i = j;
    }
    Ok(())
}

/// The general case of [`queue_runs`]: scattered frames or blocks larger than a page,
/// one piece per block and page.
#[allow(clippy::too_many_arguments, reason = "the state of one run's read, kept together")]
fn queue_pieces(
    phys: &[u64],
    bs: u64,
    start: u64,
    stop: u64,
    first_block: u64,
    frames: &Frames,
    reader: &mut Reader<'_>,
    zero: &mut Vec<(u64, u64)>,
) -> Result<(), Errno> {
    let mut off = start;
    while off < stop {
        let block = phys[(off / bs - first_block) as usize];
        let len = (bs - off % bs).min(PAGE - off % PAGE);
        let dst = frames.at(off - start);
        if block == 0 {
            zero.push((dst, len));
        } else {
            reader.add(block * bs + off % bs, dst, len)?;
        }
        off += len;
    }
    Ok(())
}

/// Most pages read into one contiguous allocation.
const MAX_RUN: u64 = 1024;
/// Pages read ahead of what a read or a page fault needs (sequential reads, program
/// segments): fewer, larger device requests.
pub(super) const READ_AHEAD: u64 = 256;

/// The frames of a run of pages: contiguous when the allocator has room (one DMA
/// segment, one memops range), else page by page.
enum Frames {
    Contiguous(u64, u64),
    Scattered(Vec<u64>),
}

impl Frames {
    fn alloc(count: u64) -> Option<Self> {
        if let Some(base) = frame::alloc_contiguous(count) {
            return Some(Frames::Contiguous(base, count));
        }
        let mut v = Vec::with_capacity(count as usize);
        for _ in 0..count {
            match frame::alloc() {
                Some(f) => v.push(f),
                None => {
                    Frames::Scattered(v).free();
                    return None;
                }
            }
        }
        Some(Frames::Scattered(v))
    }

    /// Physical address of byte `offset` of the run.
    fn at(&self, offset: u64) -> u64 {
        match self {
            Frames::Contiguous(base, _) => base + offset,
            Frames::Scattered(v) => v[(offset / PAGE) as usize] + offset % PAGE,
        }
    }

    /// Gives the frames back (a failed read: nothing refers to them).
    fn free(self) {
        let pages: Vec<u64> = match self {
            Frames::Contiguous(base, count) => (0..count).map(|i| base + i * PAGE).collect(),
            Frames::Scattered(v) => v,
        };
        for f in pages {
            // SAFETY: the frames were allocated by `alloc` and never published (not in a
            // page map; the device requests are over).
            unsafe { frame::free(f) };
        }
    }
}
