//! The `Node` of an ext2 inode: status from the decoded inode, directory lookups through
//! the cached listing, file data through the page cache (filled by DMA).

use super::Ext2Fs;
use super::dir::Listing;
use super::fill::READ_AHEAD;
use super::map::map_range;
use crate::fs::iobuf::ReadBuf;
use crate::fs::node::{DirEntry, Node, NodeId, NodeRef, Perm};
use crate::fs::pagecache::{PAGE, RunMap};
use crate::mm::memops::Batch;
use alloc::sync::Arc;
use alloc::vec::Vec;
use klib::ext2_format::inode::{Data, Inode};
use posix::Errno;
use posix::fs::mode;
use posix::fs::stat::{Stat, Timespec};
use spin::mutex::SpinMutex;

/// An inode of a mounted ext2 file system.
pub struct Ext2Node {
    pub(super) fs: Arc<Ext2Fs>,
    ino: u32,
    pub(super) inode: Inode,
    /// A directory's entries, read on first use.
    listing: SpinMutex<Option<Listing>>,
    /// A regular file's cached pages.
    pages: SpinMutex<RunMap>,
}

fn timespec((sec, nsec): (i64, u32)) -> Timespec {
    Timespec { sec, nsec }
}

impl Ext2Node {
    /// The node for inode `ino` of `fs`, decoded as `inode`.
    pub fn new(fs: Arc<Ext2Fs>, ino: u32, inode: Inode) -> Self {
        Self { fs, ino, inode, listing: SpinMutex::new(None), pages: SpinMutex::new(RunMap::new()) }
    }

    /// The decoded inode.
    pub fn inode(&self) -> &Inode {
        &self.inode
    }

    /// Runs `f` on the directory listing, reading it first if needed.
    fn with_listing<T>(&self, f: impl FnOnce(&mut Listing) -> T) -> Result<T, Errno> {
        if !mode::is_dir(u32::from(self.inode.mode)) {
            return Err(Errno::ENOTDIR);
        }
        let mut guard = self.listing.lock();
        if guard.is_none() {
            *guard = Some(Listing::read(&self.fs, &self.inode)?);
        }
        guard.as_mut().map(f).ok_or(Errno::EIO)
    }

    /// Pages of the file (the last one partly past the end).
    pub(super) fn page_count(&self) -> u64 {
        self.inode.size.div_ceil(PAGE)
    }
}

impl Node for Ext2Node {
    fn id(&self) -> NodeId {
        NodeId { dev: self.fs.dev, ino: u64::from(self.ino) }
    }

    fn perm(&self) -> Perm {
        Perm { mode: u32::from(self.inode.mode), uid: self.inode.uid, gid: self.inode.gid }
    }

    fn stat(&self) -> Stat {
        let i = &self.inode;
        let device = matches!(u32::from(i.mode) & mode::S_IFMT, mode::S_IFCHR | mode::S_IFBLK);
        let rdev = match (device, &i.data) {
            // Old encoding in i_block[0], new (huge) encoding in i_block[1] (ext2
            // `old_decode_dev` / `new_decode_dev`).
            (true, Data::BlockMap(m)) if m[0] != 0 => {
                posix::fs::stat::makedev((m[0] >> 8) & 0xff, m[0] & 0xff)
            }
            (true, Data::BlockMap(m)) => posix::fs::stat::makedev(
                (m[1] & 0xfff00) >> 8,
                (m[1] & 0xff) | ((m[1] >> 12) & 0xfff00),
            ),
            _ => 0,
        };
        Stat {
            dev: self.fs.dev,
            ino: u64::from(self.ino),
            mode: u32::from(i.mode),
            nlink: u32::from(i.links),
            uid: i.uid,
            gid: i.gid,
            rdev,
            size: i.size,
            blksize: self.fs.sb.block_size,
            blocks: i.blocks_512,
            atime: timespec(i.atime),
            mtime: timespec(i.mtime),
            ctime: timespec(i.ctime),
        }
    }

    fn read_only(&self) -> bool {
        true
    }

    fn lookup(&self, name: &[u8]) -> Result<NodeRef, Errno> {
        let node = self.with_listing(|l| match l.find(name) {
            Some(i) => l.node(i, |ino| self.fs.node(ino)),
            None => Err(Errno::ENOENT),
        })??;
        Ok(node)
    }

    fn read_dir(&self, pos: u64, f: &mut dyn FnMut(DirEntry<'_>) -> bool) -> Result<(), Errno> {
        self.with_listing(|l| {
            for i in usize::try_from(pos).unwrap_or(usize::MAX)..l.len() {
                let (ino, dtype, name) = l.entry(i);
                if !f(DirEntry { ino: u64::from(ino), dtype, name, next: i as u64 + 1 }) {
                    break;
                }
            }
        })
    }

    fn fs_key(&self) -> usize {
        Arc::as_ptr(&self.fs) as usize
    }

    fn size(&self) -> u64 {
        self.inode.size
    }

    fn read_at(&self, offset: u64, buf: &mut ReadBuf<'_>) -> Result<usize, Errno> {
        if !mode::is_reg(u32::from(self.inode.mode)) {
            return Err(Errno::EINVAL);
        }
        let size = self.inode.size;
        if offset >= size || buf.is_empty() {
            return Ok(0);
        }
        let n = (buf.len() as u64).min(size - offset);
        let first = offset / PAGE;
        let end = (offset + n).div_ceil(PAGE);
        let mut pages = self.pages.lock();
        self.fill(&mut pages, first, end.max(first + READ_AHEAD))?;
        // One memops range per run of cached pages.
        let mut batch = Batch::new();
        pages.for_each(first, end, |page_off, base, count| {
            let run_start = (first + page_off) * PAGE;
            let lo = run_start.max(offset);
            let hi = (run_start + count * PAGE).min(offset + n);
            buf.copy_from_phys(
                &mut batch,
                (lo - offset) as usize,
                base + (lo - run_start),
                (hi - lo) as usize,
            );
        });
        batch.finish().map_err(|_| Errno::EFAULT)?;
        Ok(n as usize)
    }

    fn page(&self, index: u64) -> Result<u64, Errno> {
        if !mode::is_reg(u32::from(self.inode.mode)) {
            return Err(Errno::ENODEV);
        }
        if index >= self.page_count() {
            return Err(Errno::ENXIO);
        }
        let mut pages = self.pages.lock();
        if let Some(f) = pages.get(index) {
            return Ok(f);
        }
        self.fill(&mut pages, index, index + READ_AHEAD)?;
        pages.get(index).ok_or(Errno::EIO)
    }

    /// All requested pages in one pass: missing ones read in one batch, then the addresses
    /// written run by run (a few instructions per page).
    fn pages(&self, first: u64, out: &mut [u64]) -> Result<(), Errno> {
        if !mode::is_reg(u32::from(self.inode.mode)) {
            return Err(Errno::ENODEV);
        }
        let end = first.checked_add(out.len() as u64).ok_or(Errno::ENXIO)?;
        if end > self.page_count() {
            return Err(Errno::ENXIO);
        }
        let mut pages = self.pages.lock();
        self.fill(&mut pages, first, end)?;
        let mut filled = 0;
        pages.for_each(first, end, |page_off, base, count| {
            for (i, slot) in
                out[page_off as usize..(page_off + count) as usize].iter_mut().enumerate()
            {
                *slot = base + i as u64 * PAGE;
            }
            filled += count;
        });
        if filled == out.len() as u64 { Ok(()) } else { Err(Errno::EIO) }
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        if !mode::is_symlink(u32::from(self.inode.mode)) {
            return Err(Errno::EINVAL);
        }
        let size = self.inode.size as usize;
        if let Data::Inline(bytes) = &self.inode.data {
            return Ok(bytes[..size.min(60)].to_vec());
        }
        if size > posix::fs::path::PATH_MAX {
            return Err(Errno::EIO);
        }
        let mut phys = Vec::new();
        map_range(&self.fs, &self.inode, 0, 1, &mut phys)?;
        let block = phys.first().copied().filter(|&b| b != 0).ok_or(Errno::EIO)?;
        self.fs.with_whole_block(block, |b| b.get(..size).map(<[u8]>::to_vec))?.ok_or(Errno::EIO)
    }
}
