//! Disk access for the ext2 reader: metadata bytes in place in the block cache, file
//! pages by DMA into page-cache frames ([`Reader`]).

use crate::block::{BLOCK_SIZE, Disk};
use crate::drivers::virtio::blk::{Op, SECTOR_SIZE, Segment};
use alloc::vec;
use alloc::vec::Vec;
use posix::Errno;

/// The block layer's unit.
pub const DISK_BLOCK: usize = BLOCK_SIZE;

/// Calls `f` with the `len` disk bytes at byte `addr`, in place in the block cache when
/// they lie in one 4 KiB block (always, for metadata of file systems with blocks up to
/// 4 KiB), else gathered into a buffer. EIO on a read error or past the disk's end.
pub fn with_bytes(disk: &Disk, addr: u64, len: usize, f: impl FnOnce(&[u8])) -> Result<(), Errno> {
    let block = addr / DISK_BLOCK as u64;
    let off = (addr % DISK_BLOCK as u64) as usize;
    if off + len <= DISK_BLOCK {
        let mut f = Some(f);
        let mut short = false;
        disk.read(block, 1, |_, data| match data.get(off..off + len) {
            Some(bytes) => {
                if let Some(f) = f.take() {
                    f(bytes);
                }
            }
            None => short = true,
        })
        .map_err(|_| Errno::EIO)?;
        return if short { Err(Errno::EIO) } else { Ok(()) };
    }
    let mut buf = vec![0u8; len];
    read_disk_bytes(disk, addr, &mut buf)?;
    f(&buf);
    Ok(())
}

/// Copies the disk bytes at `addr` into `out` (the superblock, rare large blocks).
pub fn read_disk_bytes(disk: &Disk, addr: u64, out: &mut [u8]) -> Result<(), Errno> {
    let first = addr / DISK_BLOCK as u64;
    let end = addr + out.len() as u64;
    let count = end.div_ceil(DISK_BLOCK as u64) - first;
    let mut short = false;
    disk.read(first, count, |block, data| {
        let start = block * DISK_BLOCK as u64;
        let from = addr.max(start);
        let to = end.min(start + DISK_BLOCK as u64);
        let src = data.get((from - start) as usize..(to - start) as usize);
        match src {
            Some(s) => out[(from - addr) as usize..(to - addr) as usize].copy_from_slice(s),
            None => short = true,
        }
    })
    .map_err(|_| Errno::EIO)?;
    if short { Err(Errno::EIO) } else { Ok(()) }
}

/// Builds device reads that put disk ranges into physical memory: consecutive disk ranges
/// become one request (up to the device's segment limits), adjacent memory one segment.
/// The device writes straight into the frames; the kernel copies nothing.
pub struct Reader<'a> {
    disk: &'a Disk,
    size_max: u32,
    max_segments: usize,
    /// The request being built: first disk byte, next disk byte, its segments.
    start: u64,
    end: u64,
    segments: Vec<Segment>,
    /// Requests sent so far.
    pub requests: u32,
}

impl<'a> Reader<'a> {
    /// A reader for `disk`.
    pub fn new(disk: &'a Disk) -> Self {
        let (size_max, max_segments) = disk.limits();
        Self { disk, size_max, max_segments, start: 0, end: 0, segments: Vec::new(), requests: 0 }
    }

    /// Queues the read of `len` bytes (a multiple of 512) at disk byte `addr` (sector
    /// aligned) into physical `phys..phys + len`.
    pub fn add(&mut self, addr: u64, phys: u64, len: u64) -> Result<(), Errno> {
        let mut done = 0;
        while done < len {
            let n = (len - done).min(u64::from(self.size_max)) as u32;
            self.add_piece(addr + done, phys + done, n)?;
            done += u64::from(n);
        }
        Ok(())
    }

    fn add_piece(&mut self, addr: u64, phys: u64, len: u32) -> Result<(), Errno> {
        if !self.segments.is_empty()
            && (addr != self.end || self.segments.len() >= self.max_segments)
        {
            self.flush()?;
        }
        if self.segments.is_empty() {
            self.start = addr;
        }
        self.end = addr + u64::from(len);
        match self.segments.last_mut() {
            Some(last)
                if last.phys + u64::from(last.len) == phys && last.len + len <= self.size_max =>
            {
                last.len += len;
            }
            _ => self.segments.push(Segment { phys, len }),
        }
        Ok(())
    }

    /// Sends the request being built, if any.
    pub fn flush(&mut self) -> Result<(), Errno> {
        if self.segments.is_empty() {
            return Ok(());
        }
        let sector = self.start / SECTOR_SIZE;
        let result = self.disk.raw(Op::Read, sector, &self.segments);
        self.segments.clear();
        self.requests += 1;
        result.map(drop).map_err(|_| Errno::EIO)
    }
}
