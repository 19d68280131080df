//! The disks as block devices (`/dev/vda`, ...): reads and writes at any offset and
//! length through the block layer's cache, bytes moved by the memops device between the
//! cache frames and the caller's buffer. `stat` gives `S_IFBLK` and the disk's size.
//!
//! A read-only disk refuses opening for writing with EROFS (`write_protected`; Linux
//! `blkdev_open` does the same for a read-only device).

use crate::block::{BLOCK_SIZE, Disk};
use crate::fs::iobuf::{ReadBuf, WriteBuf};
use crate::fs::node::{Node, NodeId, Perm};
use crate::mm::layout;
use crate::mm::memops::Batch;
use posix::Errno;
use posix::fs::stat::Stat;

/// A disk's node.
pub struct BlockNode {
    id: NodeId,
    perm: Perm,
    rdev: u64,
    disk: &'static Disk,
}

impl BlockNode {
    /// The node of `disk`.
    pub fn new(id: NodeId, perm: Perm, rdev: u64, disk: &'static Disk) -> Self {
        Self { id, perm, rdev, disk }
    }

    fn bytes(&self) -> u64 {
        self.disk.capacity() * 512
    }
}

const BS: u64 = BLOCK_SIZE as u64;

impl Node for BlockNode {
    fn id(&self) -> NodeId {
        self.id
    }

    fn perm(&self) -> Perm {
        self.perm
    }

    fn stat(&self) -> Stat {
        Stat {
            // Linux reports 0 here (the size comes from lseek(SEEK_END) or BLKGETSIZE64);
            // the disk's size is more useful and is what this project's tests read.
            size: self.bytes(),
            blocks: self.bytes() / 512,
            blksize: BLOCK_SIZE as u32,
            ..super::device_stat(self.id, self.perm, self.rdev)
        }
    }

    fn write_protected(&self) -> bool {
        self.disk.read_only()
    }

    fn is_block_device(&self) -> bool {
        true
    }

    /// VIRTIO_BLK_T_FLUSH: the host makes completed writes durable (`fdatasync`).
    fn sync(&self) -> Result<(), Errno> {
        self.disk.flush().map_err(|_| Errno::EIO)
    }

    fn size(&self) -> u64 {
        self.bytes()
    }

    /// Reads through the block cache: each cached block's bytes go to the buffer in one
    /// memops batch per block (a later batch of the block layer may reuse the frame).
    fn read_at(&self, offset: u64, buf: &mut ReadBuf<'_>) -> Result<usize, Errno> {
        let size = self.bytes();
        if offset >= size || buf.is_empty() {
            return Ok(0);
        }
        let n = (buf.len() as u64).min(size - offset);
        let first = offset / BS;
        let count = (offset + n).div_ceil(BS) - first;
        let mut failed = false;
        self.disk
            .read(first, count, |block, data| {
                let start = block * BS;
                let from = offset.max(start);
                let to = (offset + n).min(start + data.len() as u64);
                if from >= to {
                    return;
                }
                let src = &data[(from - start) as usize..(to - start) as usize];
                let Some(phys) = layout::virt_to_phys(src.as_ptr(), src.len()) else {
                    failed = true;
                    return;
                };
                let mut batch = Batch::new();
                buf.copy_from_phys(&mut batch, (from - offset) as usize, phys, src.len());
                failed |= batch.finish().is_err();
            })
            .map_err(|_| Errno::EIO)?;
        if failed {
            return Err(Errno::EFAULT);
        }
        Ok(n as usize)
    }

    /// Writes through the block cache (write-through: the call returns when the device has
    /// the data). A partly written block is read first, so its other bytes survive.
    fn write_at(&self, offset: u64, buf: &WriteBuf<'_>) -> Result<usize, Errno> {
        if self.disk.read_only() {
            return Err(Errno::EROFS);
        }
        let size = self.bytes();
        if offset >= size {
            return if buf.is_empty() { Ok(0) } else { Err(Errno::ENOSPC) };
        }
        let n = (buf.len() as u64).min(size - offset);
        let end = offset + n;
        // Partly written edge blocks alone (read first so their other bytes survive, then
        // written while certainly still cached), whole blocks in one call.
        let head_end = end.min((offset / BS + 1) * BS);
        let tail_start = (end / BS * BS).max(head_end);
        let mut pieces = [(offset, head_end), (head_end, tail_start), (tail_start, end)];
        if offset.is_multiple_of(BS) && head_end - offset == BS {
            // The first block is whole: fold it into the middle.
            pieces = [(offset, offset), (offset, tail_start), (tail_start, end)];
        }
        for (i, &(from, to)) in pieces.iter().enumerate() {
            if from >= to {
                continue;
            }
            let partial = i != 1;
            self.write_range(offset, buf, from, to, partial)?;
        }
        Ok(n as usize)
    }
}

impl BlockNode {
    /// Writes bytes `from..to` of the disk from `buf` (whose byte 0 is disk byte `base`);
    /// `partial`: the range is part of one block, read into the cache first.
    fn write_range(
        &self,
        base: u64,
        buf: &WriteBuf<'_>,
        from: u64,
        to: u64,
        partial: bool,
    ) -> Result<(), Errno> {
        let first = from / BS;
        let count = to.div_ceil(BS) - first;
        if partial {
            self.disk.read(first, 1, |_, _| {}).map_err(|_| Errno::EIO)?;
        }
        let mut failed = false;
        self.disk
            .write(first, count, |block, data| {
                let start = block * BS;
                let lo = from.max(start);
                let hi = to.min(start + data.len() as u64);
                if lo >= hi {
                    return;
                }
                let dst = &data[(lo - start) as usize..(hi - start) as usize];
                let Some(phys) = layout::virt_to_phys(dst.as_ptr(), dst.len()) else {
                    failed = true;
                    return;
                };
                let mut batch = Batch::new();
                buf.copy_to_phys(&mut batch, (lo - base) as usize, phys, dst.len());
                failed |= batch.finish().is_err();
            })
            .map_err(|_| Errno::EIO)?;
        if failed { Err(Errno::EFAULT) } else { Ok(()) }
    }
}
