//! [`Node`]: what every file system object offers the VFS (an inode, in Unix terms), and
//! [`Stream`]: what character devices and pipes offer an open file.
//!
//! A file system implements `Node` for its files and directories; defaults answer the way
//! Linux does for an object that lacks the operation (ENOTDIR for a lookup in a file,
//! EINVAL for `readlink` of a non-link, EROFS for changes on a read-only file system).

use super::iobuf::{ReadBuf, WriteBuf};
use super::user::UserAccess;
use alloc::sync::Arc;
use alloc::vec::Vec;
use posix::Errno;
use posix::fs::attr::TimeUpdate;
use posix::fs::stat::Stat;

/// A shared reference to a node.
pub type NodeRef = Arc<dyn Node>;

/// A node's identity: its device and inode number (what `st_dev`/`st_ino` report).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NodeId {
    /// `st_dev`.
    pub dev: u64,
    /// `st_ino`.
    pub ino: u64,
}

/// What permission checks need: mode (type and bits), owner, group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Perm {
    /// `st_mode`.
    pub mode: u32,
    /// `st_uid`.
    pub uid: u32,
    /// `st_gid`.
    pub gid: u32,
}

/// A change of a node's attributes (Linux `struct iattr`): what `set_attr` applies after
/// the rules (`posix::fs::attr`) allowed it. `None` and `TimeUpdate::Keep` leave a field.
#[derive(Clone, Copy, Debug)]
pub struct AttrChange {
    /// The new `st_mode` (type bits unchanged).
    pub mode: Option<u32>,
    /// The new owner.
    pub uid: Option<u32>,
    /// The new group.
    pub gid: Option<u32>,
    /// The new access time.
    pub atime: TimeUpdate,
    /// The new modification time.
    pub mtime: TimeUpdate,
}

impl Default for AttrChange {
    fn default() -> Self {
        Self { mode: None, uid: None, gid: None, atime: TimeUpdate::Keep, mtime: TimeUpdate::Keep }
    }
}

/// One directory entry as `read_dir` hands it out.
#[derive(Clone, Copy, Debug)]
pub struct DirEntry<'a> {
    /// Inode number.
    pub ino: u64,
    /// `DT_*` type.
    pub dtype: u8,
    /// The name (no NUL).
    pub name: &'a [u8],
    /// The position just after this entry (what `getdents64` reports as `d_off`).
    pub next: u64,
}

/// A file system object.
pub trait Node: Send + Sync {
    /// Device and inode number.
    fn id(&self) -> NodeId;
    /// Mode, owner and group (cheap: path walks call it for every directory).
    fn perm(&self) -> Perm;
    /// Full status.
    fn stat(&self) -> Stat;
    /// Whether the node's file system is mounted read-only (EROFS for changes).
    fn read_only(&self) -> bool {
        false
    }

    /// The child `name` of a directory (not `.`; `..` must work). ENOENT if absent.
    fn lookup(&self, _name: &[u8]) -> Result<NodeRef, Errno> {
        Err(Errno::ENOTDIR)
    }
    /// Calls `f` for the entries at positions `pos..` in order until it returns false.
    /// Position 0 is the first entry; each entry's `next` is where to resume after it.
    fn read_dir(&self, _pos: u64, _f: &mut dyn FnMut(DirEntry<'_>) -> bool) -> Result<(), Errno> {
        Err(Errno::ENOTDIR)
    }
    /// Creates `name` in this directory: a regular file, directory, FIFO or device
    /// (`mode` has the type), or a symbolic link to `target`. EEXIST if it exists.
    fn create(
        &self,
        _name: &[u8],
        _mode: u32,
        _owner: (u32, u32),
        _target: Option<&[u8]>,
    ) -> Result<NodeRef, Errno> {
        Err(if self.read_only() { Errno::EROFS } else { Errno::ENOTDIR })
    }
    /// Removes `name` (a directory iff `dir`: EISDIR/ENOTDIR otherwise; ENOTEMPTY).
    fn unlink(&self, _name: &[u8], _dir: bool) -> Result<(), Errno> {
        Err(if self.read_only() { Errno::EROFS } else { Errno::ENOTDIR })
    }
    /// Moves `name` to `new_name` in `new_dir` (same file system; EXDEV otherwise).
    fn rename(&self, _name: &[u8], _new_dir: &NodeRef, _new_name: &[u8]) -> Result<(), Errno> {
        Err(if self.read_only() { Errno::EROFS } else { Errno::EXDEV })
    }
    /// Adds the entry `name` for the existing `node` (a hard link; not a directory: the
    /// caller checked) in this directory: EEXIST if taken, EXDEV for a node of another
    /// file system, ENOENT for a node no longer linked anywhere (link(2)). A file system
    /// without hard links answers EPERM (Linux, for a file system without `->link`).
    fn link(&self, _name: &[u8], _node: &NodeRef) -> Result<(), Errno> {
        Err(if self.read_only() { Errno::EROFS } else { Errno::EPERM })
    }
    /// Applies `change` and sets the change time to now (Linux `->setattr`); the caller
    /// applied the permission rules. EROFS on a read-only file system; EPERM where the
    /// attributes are fixed (devfs nodes and pipes, whose mode and owner are built in).
    fn set_attr(&self, _change: &AttrChange) -> Result<(), Errno> {
        Err(if self.read_only() { Errno::EROFS } else { Errno::EPERM })
    }
    /// Identifies the node's file system (`rename` across two is EXDEV).
    fn fs_key(&self) -> usize {
        0
    }
    /// The node as `Any`, for a file system's operations between two of its own nodes
    /// (`rename`).
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        None
    }

    /// Size in bytes.
    fn size(&self) -> u64 {
        self.stat().size
    }
    /// Reads at `offset` into `buf` (regular files, block devices); 0 at or past the end.
    fn read_at(&self, _offset: u64, _buf: &mut ReadBuf<'_>) -> Result<usize, Errno> {
        Err(Errno::EINVAL)
    }
    /// Writes `buf` at `offset`.
    fn write_at(&self, _offset: u64, _buf: &WriteBuf<'_>) -> Result<usize, Errno> {
        Err(if self.read_only() { Errno::EROFS } else { Errno::EINVAL })
    }
    /// Sets the size (zero-filled growth); the modification and change times become now.
    fn truncate(&self, _len: u64) -> Result<(), Errno> {
        Err(if self.read_only() { Errno::EROFS } else { Errno::EINVAL })
    }
    /// The physical address of page `index` of the file (page cache; zero past EOF).
    fn page(&self, _index: u64) -> Result<u64, Errno> {
        Err(Errno::ENODEV)
    }
    /// The physical addresses of pages `first..first + out.len()` (as [`Node::page`] for
    /// each; file systems with cheaper bulk lookups override it).
    fn pages(&self, first: u64, out: &mut [u64]) -> Result<(), Errno> {
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = self.page(first + i as u64)?;
        }
        Ok(())
    }
    /// A symbolic link's target.
    fn readlink(&self) -> Result<Vec<u8>, Errno> {
        Err(Errno::EINVAL)
    }
    /// For device nodes: the stream an open of this node reads and writes.
    fn open_stream(&self) -> Option<Arc<dyn Stream>> {
        None
    }
    /// For device nodes: whether opening for writing is refused (a read-only disk).
    fn write_protected(&self) -> bool {
        false
    }
    /// Makes written data durable (`fsync`): nothing to do for RAM and read-only file
    /// systems; a disk flushes its write cache.
    fn sync(&self) -> Result<(), Errno> {
        Ok(())
    }
    /// Whether this is a disk (read and written at offsets, like a regular file).
    fn is_block_device(&self) -> bool {
        false
    }
}

/// A byte stream without positions: a terminal, a pipe end, `/dev/null`.
pub trait Stream: Send + Sync {
    /// Reads what is available into `buf`, waiting unless `nonblock` (EAGAIN then).
    /// 0 is end of file.
    fn read(&self, buf: &mut ReadBuf<'_>, nonblock: bool) -> Result<usize, Errno>;
    /// Writes `buf`, waiting for room unless `nonblock`.
    fn write(&self, buf: &WriteBuf<'_>, nonblock: bool) -> Result<usize, Errno>;
    /// Events ready now (`POLLIN`, `POLLOUT`, `POLLHUP`, `POLLERR`).
    fn poll(&self) -> u16;
    /// A device-specific request (ENOTTY unless the stream is a terminal).
    fn ioctl(
        &self,
        _request: u32,
        _arg: usize,
        _user: &mut dyn UserAccess,
    ) -> Result<isize, Errno> {
        Err(Errno::ENOTTY)
    }
    /// Whether `lseek` succeeds (and does nothing): `/dev/null` and `/dev/zero` (Linux
    /// `noop_llseek`); ESPIPE for pipes and terminals.
    fn seekable(&self) -> bool {
        false
    }
    /// Whether writes vanish unread (`/dev/null`, `/dev/zero`): the caller's buffer then
    /// need not be touched at all, only its range checked (Linux `write_null`).
    fn discards_writes(&self) -> bool {
        false
    }
    /// Whether reads end at once with nothing (`/dev/null`, Linux `read_null`).
    fn reads_nothing(&self) -> bool {
        false
    }
}
