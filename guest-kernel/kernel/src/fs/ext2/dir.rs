//! A directory's entries, read from the disk once and kept: names in one buffer, entries
//! in disk order (what `getdents64` returns, positions being indices), and an
//! open-addressing hash index for lookups, so resolving a name costs a hash and a compare
//! instead of a scan of the directory's blocks.

use super::Ext2Fs;
use super::map::map_range;
use super::node::Ext2Node;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use klib::ext2_format::dirent;
use klib::ext2_format::inode::Inode;
use posix::Errno;

/// Largest directory read (blocks): a bound against corrupt sizes.
const MAX_BLOCKS: u64 = 1 << 16;

/// One entry.
#[derive(Clone, Copy)]
struct Entry {
    name_at: u32,
    name_len: u8,
    dtype: u8,
    ino: u32,
}

/// A directory's entries.
pub struct Listing {
    names: Vec<u8>,
    entries: Vec<Entry>,
    /// The node of each entry once looked up (a lookup then costs a hash, a compare and a
    /// reference count increment).
    nodes: Vec<Option<Arc<Ext2Node>>>,
    /// Hash slots: entry index + 1, 0 for empty; the length is a power of two.
    index: Vec<u32>,
}

/// FNV-1a: a few instructions per byte, good enough spread for file names.
fn hash(name: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in name {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h
}

impl Listing {
    /// Reads the directory `inode` (EIO if corrupt).
    pub fn read(fs: &Ext2Fs, inode: &Inode) -> Result<Self, Errno> {
        let bs = u64::from(fs.sb.block_size);
        let blocks = inode.size.div_ceil(bs);
        if blocks > MAX_BLOCKS {
            return Err(Errno::EIO);
        }
        let mut phys = Vec::with_capacity(blocks as usize);
        map_range(fs, inode, 0, blocks, &mut phys)?;
        let mut listing = Listing {
            names: Vec::new(),
            entries: Vec::new(),
            nodes: Vec::new(),
            index: Vec::new(),
        };
        let types = fs.sb.has_filetype();
        for &p in phys.iter().filter(|&&p| p != 0) {
            fs.with_whole_block(p, |b| {
                dirent::for_each(b, types, |e| {
                    listing.entries.push(Entry {
                        name_at: listing.names.len() as u32,
                        name_len: e.name.len() as u8,
                        dtype: dirent::dtype(e.file_type),
                        ino: e.ino,
                    });
                    listing.names.extend_from_slice(e.name);
                })
            })?
            .map_err(|_| Errno::EIO)?;
        }
        listing.nodes = alloc::vec![None; listing.entries.len()];
        listing.build_index();
        Ok(listing)
    }

    fn build_index(&mut self) {
        let slots = (self.entries.len() * 2).next_power_of_two().max(8);
        let mask = slots - 1;
        self.index = vec![0; slots];
        for i in 0..self.entries.len() {
            let mut s = hash(self.name(i)) as usize & mask;
            while self.index[s] != 0 {
                s = (s + 1) & mask;
            }
            self.index[s] = i as u32 + 1;
        }
    }

    fn name(&self, i: usize) -> &[u8] {
        let e = self.entries[i];
        &self.names[e.name_at as usize..e.name_at as usize + usize::from(e.name_len)]
    }

    /// The position of `name`.
    pub fn find(&self, name: &[u8]) -> Option<usize> {
        let mask = self.index.len() - 1;
        let mut s = hash(name) as usize & mask;
        loop {
            let i = self.index[s] as usize;
            if i == 0 {
                return None;
            }
            if self.name(i - 1) == name {
                return Some(i - 1);
            }
            s = (s + 1) & mask;
        }
    }

    /// The node of entry `i`, found with `node(ino)` the first time and kept.
    pub fn node(
        &mut self,
        i: usize,
        node: impl FnOnce(u32) -> Result<Arc<Ext2Node>, Errno>,
    ) -> Result<Arc<Ext2Node>, Errno> {
        if let Some(n) = &self.nodes[i] {
            return Ok(n.clone());
        }
        let n = node(self.entries[i].ino)?;
        self.nodes[i] = Some(n.clone());
        Ok(n)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Entry `i`: inode number, `DT_*` type, name.
    pub fn entry(&self, i: usize) -> (u32, u8, &[u8]) {
        let e = self.entries[i];
        (e.ino, e.dtype, self.name(i))
    }
}
