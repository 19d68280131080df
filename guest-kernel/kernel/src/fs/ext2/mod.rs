//! ext2/3/4, read-only: the root file system.
//!
//! Why not the `ext4-view` crate: it resolves whole paths from the root on every call,
//! exposes no inode numbers (no `st_ino`, `st_nlink`), copies file data through its own
//! block cache and then into the caller's buffer, and seeks by walking the block list from
//! the start. On this platform each of those copies costs about 1 µs per 8 bytes, so file
//! data must go from the disk to the page cache by DMA, which needs the block mapping
//! itself. The on-disk format is decoded by `klib::ext2_format` (pure, host-tested); this
//! module is the file system: it does the I/O and keeps what it decoded:
//!
//! - `io.rs`: metadata bytes through the block cache, file pages by DMA;
//! - `map.rs`: logical to physical blocks (extent trees, indirect block maps);
//! - `fill.rs`: file pages into the page cache by DMA, in runs of contiguous frames;
//! - `dir.rs`: a directory's entries, read once, with a hash index for lookups;
//! - `node.rs`: the `Node` of an inode (its page cache, its listing).
//!
//! Every inode looked up stays in memory (`Ext2Fs::nodes`): the file system is read-only
//! and mounted for the whole run, so nothing is ever stale. Journal replay is not done:
//! a file system that needs recovery is mounted as it is, with a warning.

mod dir;
mod fill;
mod io;
mod map;
mod node;

use super::mount::MountError;
use super::node::NodeRef;
use crate::block::Disk;
use crate::console::println;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::sync::Arc;
use alloc::vec::Vec;
use klib::ext2_format::inode::Inode;
use klib::ext2_format::superblock::{self, Superblock};
use node::Ext2Node;
use posix::Errno;
use spin::mutex::SpinMutex;

/// The root directory's inode number.
const ROOT_INO: u32 = 2;

/// A mounted ext2/3/4 file system.
pub struct Ext2Fs {
    disk: &'static Disk,
    sb: Superblock,
    /// `st_dev` of its files.
    dev: u64,
    /// First block of each group's inode table, read from the descriptors on first use
    /// (0: not read yet).
    inode_tables: SpinMutex<Vec<u64>>,
    /// Every inode looked up so far.
    nodes: SpinMutex<BTreeMap<u32, Arc<Ext2Node>>>,
}

/// Mounts `disk` read-only; its files report `st_dev` = `dev`.
pub fn mount(disk: &'static Disk, dev: u64) -> Result<NodeRef, MountError> {
    let name = disk.name();
    let fail = |what: &dyn core::fmt::Display| MountError::new(format!("{name}: {what}"));
    let mut raw = [0u8; superblock::SIZE];
    io::read_disk_bytes(disk, superblock::OFFSET, &mut raw)
        .map_err(|_| fail(&"cannot read the superblock"))?;
    let sb = Superblock::parse(&raw).map_err(|e| fail(&e))?;
    let bytes = sb.blocks_count.saturating_mul(u64::from(sb.block_size));
    if bytes > disk.capacity() * 512 {
        return Err(fail(&format!(
            "corrupt superblock: {bytes} bytes of file system on a {} byte disk",
            disk.capacity() * 512
        )));
    }
    if sb.needs_recovery() {
        println!("fs: {name}: the journal needs recovery; mounted read-only without replaying it");
    }
    let groups = sb.groups() as usize;
    let fs = Arc::new(Ext2Fs {
        disk,
        sb,
        dev,
        inode_tables: SpinMutex::new(alloc::vec![0; groups]),
        nodes: SpinMutex::new(BTreeMap::new()),
    });
    let root =
        fs.node(ROOT_INO).map_err(|e| fail(&format!("cannot read the root directory ({e})")))?;
    if !posix::fs::mode::is_dir(u32::from(root.inode().mode)) {
        return Err(fail(&"corrupt file system: the root inode is not a directory"));
    }
    Ok(root)
}

impl Ext2Fs {
    /// The node of inode `ino`, read on first use.
    fn node(self: &Arc<Self>, ino: u32) -> Result<Arc<Ext2Node>, Errno> {
        if let Some(n) = self.nodes.lock().get(&ino) {
            return Ok(n.clone());
        }
        let inode = self.read_inode(ino)?;
        let node = Arc::new(Ext2Node::new(self.clone(), ino, inode));
        Ok(self.nodes.lock().entry(ino).or_insert(node).clone())
    }

    /// Reads and decodes inode `ino` (EIO for an invalid number or an unreadable table).
    fn read_inode(&self, ino: u32) -> Result<Inode, Errno> {
        let (group, offset) = self.sb.inode_location(ino).ok_or(Errno::EIO)?;
        let table = self.inode_table(group)?;
        let bs = u64::from(self.sb.block_size);
        let mut inode = None;
        io::with_bytes(self.disk, table * bs + offset, usize::from(self.sb.inode_size), |b| {
            inode = Some(Inode::parse(b, self.sb.block_size));
        })?;
        inode.ok_or(Errno::EIO)
    }

    /// The first block of group `group`'s inode table.
    fn inode_table(&self, group: u64) -> Result<u64, Errno> {
        let g = usize::try_from(group).map_err(|_| Errno::EIO)?;
        if let Some(&t) = self.inode_tables.lock().get(g)
            && t != 0
        {
            return Ok(t);
        }
        let bs = u64::from(self.sb.block_size);
        let at = self.sb.descriptors_block() * bs + group * u64::from(self.sb.desc_size);
        let mut table = 0;
        io::with_bytes(self.disk, at, usize::from(self.sb.desc_size), |d| {
            table = superblock::inode_table_block(d, self.sb.desc_size);
        })?;
        if table == 0 || table >= self.sb.blocks_count {
            return Err(Errno::EIO);
        }
        if let Some(t) = self.inode_tables.lock().get_mut(g) {
            *t = table;
        }
        Ok(table)
    }

    /// Calls `f` with the whole of file-system block `block` (in place in the block cache
    /// for blocks up to 4 KiB).
    fn with_whole_block<T>(&self, block: u64, f: impl FnOnce(&[u8]) -> T) -> Result<T, Errno> {
        if block >= self.sb.blocks_count {
            return Err(Errno::EIO);
        }
        let bs = u64::from(self.sb.block_size);
        let mut out = None;
        io::with_bytes(self.disk, block * bs, bs as usize, |b| out = Some(f(b)))?;
        out.ok_or(Errno::EIO)
    }

    /// Calls `f` with pointers `first..first + count` of the block of 32-bit block
    /// pointers `block` (an indirect block).
    fn with_pointers(
        &self,
        block: u64,
        first: usize,
        count: usize,
        mut f: impl FnMut(u32),
    ) -> Result<(), Errno> {
        self.with_whole_block(block, |b| {
            let bytes = b.get(first * 4..(first + count) * 4).ok_or(Errno::EIO)?;
            for p in bytes.as_chunks::<4>().0 {
                f(u32::from_le_bytes(*p));
            }
            Ok(())
        })?
    }
}
