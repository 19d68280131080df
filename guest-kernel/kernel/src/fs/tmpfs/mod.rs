//! tmpfs: a file system in RAM (`/tmp`, and the empty `/proc` for now). Directories are
//! ordered maps; a file's data is its page-cache pages and nothing else, so reads and
//! writes are memops copies between those frames and the caller's buffer, and `mmap`
//! shares the frames themselves.
//!
//! Files: `dir.rs` directories, `file.rs` regular files; this file holds the node type
//! and what every kind shares (identity, owner, mode, times).

mod dir;
mod file;

use super::iobuf::{ReadBuf, WriteBuf};
use super::node::{AttrChange, DirEntry, Node, NodeId, NodeRef, Perm};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use dir::Dir;
use file::FileData;
use posix::Errno;
use posix::fs::attr::TimeUpdate;
use posix::fs::mode;
use posix::fs::stat::{Stat, Timespec};
use spin::mutex::SpinMutex;

/// One tmpfs instance, with Linux's default limits (Documentation/filesystems/tmpfs.rst):
/// data pages up to half of RAM (`size=50%`) and as many nodes as half the RAM's pages
/// (`nr_inodes`); past either, ENOSPC. Without them a program writing files could take
/// all of memory, the kernel's included, into a file system that never gives it back.
pub struct TmpFs {
    dev: u64,
    next_ino: AtomicU64,
    /// Data pages held by the files.
    pages: AtomicU64,
    /// Nodes that exist.
    inodes: AtomicU64,
    /// The two limits (the same number: half of RAM's pages).
    max: u64,
}

impl TmpFs {
    /// Counts one more data page; ENOSPC at the size limit.
    fn charge_page(&self) -> Result<(), Errno> {
        if self.pages.fetch_add(1, Ordering::Relaxed) >= self.max {
            self.pages.fetch_sub(1, Ordering::Relaxed);
            return Err(Errno::ENOSPC);
        }
        Ok(())
    }

    /// Gives back `n` data pages.
    fn uncharge_pages(&self, n: u64) {
        self.pages.fetch_sub(n, Ordering::Relaxed);
    }
}

/// What a node is.
enum Kind {
    Dir(SpinMutex<Dir>),
    File(SpinMutex<FileData>),
    Symlink(Vec<u8>),
    /// FIFOs and device nodes: status only (opening them is not supported yet).
    Special,
}

/// Owner, mode, link count, times.
#[derive(Clone, Copy)]
struct Meta {
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u32,
    atime: Timespec,
    mtime: Timespec,
    ctime: Timespec,
}

/// A tmpfs file, directory or symbolic link.
pub struct TmpNode {
    fs: Arc<TmpFs>,
    ino: u64,
    meta: SpinMutex<Meta>,
    kind: Kind,
    /// The node itself, to hand out as a `NodeRef` and to be a child's parent.
    this: Weak<TmpNode>,
}

/// The current time for time stamps.
fn now() -> Timespec {
    let ns = crate::time::clock::realtime_ns();
    Timespec { sec: (ns / 1_000_000_000) as i64, nsec: (ns % 1_000_000_000) as u32 }
}

/// A new tmpfs with `st_dev` = `dev`; its root has permission bits `bits` (e.g. 01777 for
/// `/tmp`: everyone may create, only owners may remove).
pub fn new(dev: u64, bits: u32) -> NodeRef {
    let max = crate::mm::frame::total_pages() / 2;
    let fs = Arc::new(TmpFs {
        dev,
        next_ino: AtomicU64::new(2),
        pages: AtomicU64::new(0),
        inodes: AtomicU64::new(1),
        max,
    });
    TmpNode::make(&fs, mode::S_IFDIR | bits, (0, 0), None, Weak::new())
}

/// A new regular file of `len` bytes (all zero) in an internal tmpfs, linked in no
/// directory: what a shared anonymous mapping is backed by (Linux `shmem_zero_setup`, the
/// "/dev/zero (deleted)" file). ENOSPC past that tmpfs's limits (half of RAM).
pub fn unlinked_file(len: u64) -> Result<NodeRef, Errno> {
    static SHM: SpinMutex<Option<Arc<TmpFs>>> = SpinMutex::new(None);
    let fs = {
        let mut shm = SHM.lock();
        let fs = shm.get_or_insert_with(|| {
            Arc::new(TmpFs {
                dev: posix::fs::stat::makedev(0, 1),
                next_ino: AtomicU64::new(2),
                pages: AtomicU64::new(0),
                inodes: AtomicU64::new(1),
                max: crate::mm::frame::total_pages() / 2,
            })
        });
        fs.clone()
    };
    if fs.inodes.fetch_add(1, Ordering::Relaxed) >= fs.max {
        fs.inodes.fetch_sub(1, Ordering::Relaxed);
        return Err(Errno::ENOSPC);
    }
    let node = TmpNode::make(&fs, mode::S_IFREG | 0o600, (0, 0), None, Weak::new());
    node.truncate(len)?;
    Ok(node)
}

impl Drop for TmpNode {
    fn drop(&mut self) {
        self.fs.inodes.fetch_sub(1, Ordering::Relaxed);
    }
}

impl TmpNode {
    /// A new node of type and bits `mode_bits` owned by `owner`; `target` for a symlink,
    /// `parent` for a directory (the root's is itself).
    fn make(
        fs: &Arc<TmpFs>,
        mode_bits: u32,
        owner: (u32, u32),
        target: Option<&[u8]>,
        parent: Weak<TmpNode>,
    ) -> Arc<TmpNode> {
        let t = now();
        let ino = fs.next_ino.fetch_add(1, Ordering::Relaxed);
        let is_dir = mode::is_dir(mode_bits);
        let meta = Meta {
            mode: mode_bits,
            uid: owner.0,
            gid: owner.1,
            nlink: if is_dir { 2 } else { 1 },
            atime: t,
            mtime: t,
            ctime: t,
        };
        Arc::new_cyclic(|this: &Weak<TmpNode>| {
            let kind = match mode_bits & mode::S_IFMT {
                mode::S_IFDIR => {
                    let parent = if parent.upgrade().is_some() { parent } else { this.clone() };
                    Kind::Dir(SpinMutex::new(Dir::new(parent)))
                }
                mode::S_IFREG => Kind::File(SpinMutex::new(FileData::new(fs.clone()))),
                mode::S_IFLNK => Kind::Symlink(target.unwrap_or_default().to_vec()),
                _ => Kind::Special,
            };
            TmpNode { fs: fs.clone(), ino, meta: SpinMutex::new(meta), kind, this: this.clone() }
        })
    }

    fn me(&self) -> Result<Arc<TmpNode>, Errno> {
        self.this.upgrade().ok_or(Errno::ENOENT)
    }

    fn dir(&self) -> Result<&SpinMutex<Dir>, Errno> {
        match &self.kind {
            Kind::Dir(d) => Ok(d),
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// Marks the contents changed (mtime and ctime now).
    fn touch(&self) {
        let t = now();
        let mut m = self.meta.lock();
        m.mtime = t;
        m.ctime = t;
    }

    fn adjust_links(&self, delta: i32) {
        let mut m = self.meta.lock();
        m.nlink = m.nlink.saturating_add_signed(delta);
        m.ctime = now();
    }
}

impl Node for TmpNode {
    fn id(&self) -> NodeId {
        NodeId { dev: self.fs.dev, ino: self.ino }
    }

    fn perm(&self) -> Perm {
        let m = self.meta.lock();
        Perm { mode: m.mode, uid: m.uid, gid: m.gid }
    }

    fn stat(&self) -> Stat {
        let m = *self.meta.lock();
        let size = self.size();
        Stat {
            dev: self.fs.dev,
            ino: self.ino,
            mode: m.mode,
            nlink: m.nlink,
            uid: m.uid,
            gid: m.gid,
            rdev: 0,
            size,
            blksize: 4096,
            blocks: match &self.kind {
                Kind::File(f) => f.lock().pages() * 8,
                _ => 0,
            },
            atime: m.atime,
            mtime: m.mtime,
            ctime: m.ctime,
        }
    }

    fn lookup(&self, name: &[u8]) -> Result<NodeRef, Errno> {
        let dir = self.dir()?.lock();
        if name == b".." {
            return dir.parent().map(|p| p as NodeRef).ok_or(Errno::ENOENT);
        }
        dir.get(name).map(|n| n as NodeRef).ok_or(Errno::ENOENT)
    }

    fn read_dir(&self, pos: u64, f: &mut dyn FnMut(DirEntry<'_>) -> bool) -> Result<(), Errno> {
        let dir = self.dir()?.lock();
        if dir.removed() {
            return Ok(());
        }
        let parent_ino = dir.parent().map_or(self.ino, |p| p.ino);
        if pos == 0 && !f(DirEntry { ino: self.ino, dtype: mode::DT_DIR, name: b".", next: 1 }) {
            return Ok(());
        }
        if pos <= 1 && !f(DirEntry { ino: parent_ino, dtype: mode::DT_DIR, name: b"..", next: 2 }) {
            return Ok(());
        }
        dir.for_each_from(pos.max(2), |cookie, name, node| {
            let dtype = mode::dtype_of(node.meta.lock().mode);
            f(DirEntry { ino: node.ino, dtype, name, next: cookie + 1 })
        });
        Ok(())
    }

    fn create(
        &self,
        name: &[u8],
        mode_bits: u32,
        owner: (u32, u32),
        target: Option<&[u8]>,
    ) -> Result<NodeRef, Errno> {
        let me = self.me()?;
        let mut dir = self.dir()?.lock();
        if dir.removed() {
            return Err(Errno::ENOENT);
        }
        if dir.get(name).is_some() {
            return Err(Errno::EEXIST);
        }
        // A node and its directory entry are new kernel objects: ENOSPC at the node
        // limit, ENOMEM while the kernel is short of memory.
        crate::mm::reserve::admit()?;
        if self.fs.inodes.fetch_add(1, Ordering::Relaxed) >= self.fs.max {
            self.fs.inodes.fetch_sub(1, Ordering::Relaxed);
            return Err(Errno::ENOSPC);
        }
        let node = TmpNode::make(&self.fs, mode_bits, owner, target, Arc::downgrade(&me));
        dir.insert(name, node.clone());
        drop(dir);
        if mode::is_dir(mode_bits) {
            self.adjust_links(1);
        }
        self.touch();
        Ok(node)
    }

    fn unlink(&self, name: &[u8], want_dir: bool) -> Result<(), Errno> {
        let mut dir = self.dir()?.lock();
        let node = dir.get(name).ok_or(Errno::ENOENT)?;
        let is_dir = mode::is_dir(node.meta.lock().mode);
        match (want_dir, is_dir) {
            (true, false) => return Err(Errno::ENOTDIR),
            (false, true) => return Err(Errno::EISDIR),
            (true, true) => {
                let mut child = node.dir()?.lock();
                if !child.is_empty() {
                    return Err(Errno::ENOTEMPTY);
                }
                child.mark_removed();
            }
            (false, false) => {}
        }
        dir.remove(name);
        drop(dir);
        if is_dir {
            node.adjust_links(-2);
            self.adjust_links(-1);
        } else {
            node.adjust_links(-1);
        }
        self.touch();
        Ok(())
    }

    fn rename(&self, name: &[u8], new_dir: &NodeRef, new_name: &[u8]) -> Result<(), Errno> {
        dir::rename(self, name, new_dir, new_name)
    }

    fn link(&self, name: &[u8], node: &NodeRef) -> Result<(), Errno> {
        dir::link(self, name, node)
    }

    fn set_attr(&self, change: &AttrChange) -> Result<(), Errno> {
        let t = now();
        let at = |update: TimeUpdate, old: Timespec| match update {
            TimeUpdate::Keep => old,
            TimeUpdate::Now => t,
            TimeUpdate::Set(time) => time,
        };
        let mut m = self.meta.lock();
        if let Some(mode) = change.mode {
            m.mode = (m.mode & mode::S_IFMT) | (mode & mode::PERMISSION_BITS);
        }
        m.uid = change.uid.unwrap_or(m.uid);
        m.gid = change.gid.unwrap_or(m.gid);
        m.atime = at(change.atime, m.atime);
        m.mtime = at(change.mtime, m.mtime);
        m.ctime = t;
        Ok(())
    }

    fn fs_key(&self) -> usize {
        Arc::as_ptr(&self.fs) as usize
    }

    fn as_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }

    fn size(&self) -> u64 {
        match &self.kind {
            Kind::File(f) => f.lock().size(),
            Kind::Symlink(t) => t.len() as u64,
            _ => 0,
        }
    }

    fn read_at(&self, offset: u64, buf: &mut ReadBuf<'_>) -> Result<usize, Errno> {
        match &self.kind {
            Kind::File(f) => f.lock().read_at(offset, buf),
            _ => Err(Errno::EINVAL),
        }
    }

    fn write_at(&self, offset: u64, buf: &WriteBuf<'_>) -> Result<usize, Errno> {
        let n = match &self.kind {
            Kind::File(f) => f.lock().write_at(offset, buf)?,
            _ => return Err(Errno::EINVAL),
        };
        self.touch();
        Ok(n)
    }

    fn truncate(&self, len: u64) -> Result<(), Errno> {
        match &self.kind {
            Kind::File(f) => f.lock().truncate(len)?,
            _ => return Err(Errno::EINVAL),
        }
        self.touch();
        Ok(())
    }

    fn page(&self, index: u64) -> Result<u64, Errno> {
        match &self.kind {
            Kind::File(f) => f.lock().page(index),
            _ => Err(Errno::ENODEV),
        }
    }

    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        match &self.kind {
            Kind::Symlink(t) => Ok(t.clone()),
            _ => Err(Errno::EINVAL),
        }
    }
}
