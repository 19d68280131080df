//! Logical to physical block mapping of an inode's data, a range at a time: each indirect
//! block or extent node on the way is read once per range, not once per block.

use super::Ext2Fs;
use alloc::vec::Vec;
use klib::ext2_format::inode::{Data, Inode};
use klib::ext2_format::{blockmap, extent};
use posix::Errno;

/// Appends to `out` the physical block of each logical block `first..first + count` of
/// `inode` (0 for a hole or an unwritten extent). EIO for a corrupt map.
pub fn map_range(
    fs: &Ext2Fs,
    inode: &Inode,
    first: u64,
    count: u64,
    out: &mut Vec<u64>,
) -> Result<(), Errno> {
    let end = first + count;
    let mut block = first;
    while block < end {
        let n = match &inode.data {
            Data::BlockMap(map) => block_map(fs, map, block, end, out)?,
            Data::Extents(root) => extents(fs, root, block, end, out)?,
            Data::Inline(_) => return Err(Errno::EIO),
        };
        if n == 0 {
            return Err(Errno::EIO);
        }
        block += n;
    }
    Ok(())
}

/// Checks a block number read from the disk.
fn valid(fs: &Ext2Fs, block: u64) -> Result<u64, Errno> {
    if block < fs.sb.blocks_count { Ok(block) } else { Err(Errno::EIO) }
}

/// Maps a run starting at `block` (below `end`) through an indirect block map; returns
/// how many blocks it appended.
fn block_map(
    fs: &Ext2Fs,
    map: &[u32; 15],
    block: u64,
    end: u64,
    out: &mut Vec<u64>,
) -> Result<u64, Errno> {
    let per_block = u64::from(fs.sb.block_size / 4);
    let (slot, levels, index) = blockmap::path(block, per_block).ok_or(Errno::EFBIG)?;
    let mut ptr = u64::from(map[slot]);
    if levels == 0 {
        out.push(if ptr == 0 { 0 } else { valid(fs, ptr)? });
        return Ok(1);
    }
    // Blocks covered by one pointer at each depth below the top: p^(levels-1-d).
    for depth in 0..levels {
        if ptr == 0 {
            // A hole covering the rest of the subtree this pointer would have led to.
            let covered = per_block.pow((levels - depth) as u32);
            let position: u64 =
                (depth..levels).map(|k| index[k] * per_block.pow((levels - 1 - k) as u32)).sum();
            let n = (covered - position).min(end - block).max(1);
            out.extend(core::iter::repeat_n(0, n as usize));
            return Ok(n);
        }
        let table = valid(fs, ptr)?;
        if depth + 1 == levels {
            // The last level: a run of pointers to data blocks.
            let i = index[depth] as usize;
            let n = (per_block - index[depth]).min(end - block) as usize;
            let mut bad = false;
            fs.with_pointers(table, i, n, |p| {
                let p = u64::from(p);
                bad |= p >= fs.sb.blocks_count;
                out.push(p);
            })?;
            return if bad { Err(Errno::EIO) } else { Ok(n as u64) };
        }
        let mut next = 0;
        fs.with_pointers(table, index[depth] as usize, 1, |p| next = u64::from(p))?;
        ptr = next;
    }
    Err(Errno::EIO)
}

/// Maps a run starting at `block` through an extent tree; returns how many blocks it
/// appended.
fn extents(
    fs: &Ext2Fs,
    root: &[u8; 60],
    block: u64,
    end: u64,
    out: &mut Vec<u64>,
) -> Result<u64, Errno> {
    let logical = u32::try_from(block).map_err(|_| Errno::EFBIG)?;
    let want = end - block;
    // Descend: the root is in the inode, deeper nodes are whole blocks.
    let mut node_block: Option<u64> = None;
    for _ in 0..=extent::MAX_DEPTH {
        let step = |node: &[u8]| -> Result<Step, Errno> {
            let h = extent::header(node).map_err(|_| Errno::EIO)?;
            if h.depth > 0 {
                return match extent::find(node, h, logical) {
                    Some(i) => Ok(Step::Child(extent::index(node, i).1)),
                    None => Ok(Step::Hole(1)),
                };
            }
            let Some(i) = extent::find(node, h, logical) else {
                let next = if h.entries > 0 {
                    u64::from(extent::leaf(node, 0).first) - block
                } else {
                    want
                };
                return Ok(Step::Hole(next.clamp(1, want)));
            };
            let leaf = extent::leaf(node, i);
            let offset = u64::from(logical - leaf.first);
            if offset >= u64::from(leaf.len) {
                let next = if i + 1 < usize::from(h.entries) {
                    u64::from(extent::leaf(node, i + 1).first).saturating_sub(block)
                } else {
                    1
                };
                return Ok(Step::Hole(next.clamp(1, want)));
            }
            let n = (u64::from(leaf.len) - offset).min(want);
            if leaf.unwritten {
                return Ok(Step::Hole(n));
            }
            Ok(Step::Run(leaf.start + offset, n))
        };
        let result = match node_block {
            None => step(root)?,
            Some(b) => fs.with_whole_block(b, step)??,
        };
        match result {
            Step::Child(b) => node_block = Some(valid(fs, b)?),
            Step::Hole(n) => {
                out.extend(core::iter::repeat_n(0, n as usize));
                return Ok(n);
            }
            Step::Run(start, n) => {
                valid(fs, start + n - 1)?;
                out.extend(start..start + n);
                return Ok(n);
            }
        }
    }
    Err(Errno::EIO)
}

/// One step down an extent tree.
enum Step {
    /// Go to this child node's block.
    Child(u64),
    /// This many blocks are holes.
    Hole(u64),
    /// This many blocks are at consecutive physical blocks from the first.
    Run(u64, u64),
}
