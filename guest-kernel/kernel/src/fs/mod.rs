//! The file-system layer: the name space processes see and the files they open.
//!
//! `/` is the first disk (`vda`), ext2/3/4, mounted read-only (`ext2/`); `/dev` holds the
//! console, `null`, `zero` and the disks (`devfs/`); `/tmp` is a RAM file system
//! (`tmpfs/`); `/proc` is an empty RAM directory for now (`mount.rs` keeps the table).
//! Paths are resolved by `namei` against a process's [`FsContext`] (absolute paths on
//! read-only file systems through the path cache, `dcache`); `ops` holds the path-based
//! calls; an open file is an [`OpenFile`] (`file.rs`, the `Node`/`Stream` interfaces in
//! `node.rs`) shared by the descriptors of an [`FdTable`]; `pipe` makes pipes; `exec`
//! opens programs with their pages from the page cache (`pagecache`); blocking goes
//! through `wait`; `selftest` is the `fstest=` command-line check.
//!
//! The API core codes against is in `API.md` next to this file.
//!
//! Cost model (see `main.rs`): every kernel instruction costs about 1 µs here, so file
//! data is never copied by kernel loops: the page cache and the block layer are filled by
//! DMA, data moves to and from user memory with the memops device ([`ReadBuf`],
//! [`WriteBuf`]), console output is posted from the user's pages. Metadata parsed from
//! the disk (inodes, directory listings) is kept, so a path is parsed once.

mod context;
mod dcache;
mod devfs;
mod exec;
mod ext2;
mod fdtable;
mod file;
mod iobuf;
mod mount;
mod namei;
mod node;
mod ops;
mod page_source;
mod pagecache;
mod pipe;
pub mod selftest;
mod tmpfs;
mod user;
pub mod wait;

pub use context::{At, FsContext};
pub use exec::{ExecFile, open_exec};
pub use fdtable::FdTable;
pub use file::OpenFile;
pub use iobuf::{ReadBuf, Seg, WriteBuf};
pub use mount::MountError;
pub use ops::{
    access, chdir, fchdir, getcwd, mkdir, open, readlink, rename, stat, symlink, unlink,
};
pub use pipe::pipe;

/// The object behind a shared anonymous mapping of `len` bytes (`mmap(MAP_SHARED |
/// MAP_ANONYMOUS)`): an unlinked tmpfs file, open for reading and writing, whose pages every
/// process that inherits the mapping shares (Linux `shmem_zero_setup`). Counts as an open
/// file, as on Linux.
pub fn shared_anonymous(
    len: u64,
    privileged: bool,
) -> Result<alloc::sync::Arc<OpenFile>, posix::Errno> {
    let slot = file::FileSlot::take(privileged)?;
    let node = tmpfs::unlinked_file(len)?;
    let status = posix::fs::flags::O_RDWR | posix::fs::flags::O_LARGEFILE;
    Ok(alloc::sync::Arc::new(OpenFile::new(slot, node, None, true, true, status)))
}
pub use posix::fs::stat::Stat;
pub use user::UserAccess;

use crate::block;

/// Mounts the file systems: `vda` read-only at `/` (ext2/3/4), devfs at `/dev`, tmpfs at
/// `/tmp`, an empty directory at `/proc`. Call once, before anything opens a file. The
/// error says what is wrong with the disk (missing, not ext2/3/4, corrupt superblock);
/// core prints it and powers off with `vmm_abi::exit::STATUS_BAD_ROOTFS`.
pub fn init() -> Result<(), MountError> {
    if mount::root().is_some() {
        return Ok(());
    }
    file::init_limit(crate::mm::frame::total_pages() * 4096);
    let disk = block::disk(0).ok_or_else(|| MountError::new("no disk vda"))?;
    let root = ext2::mount(disk, posix::fs::stat::makedev(devfs::VIRTIO_BLK_MAJOR, 0))?;
    mount::set_root(root.clone());
    mount::mount(root.clone(), b"dev", devfs::new());
    mount::mount(root.clone(), b"tmp", tmpfs::new(posix::fs::stat::makedev(0, 6), 0o1777));
    mount::mount(root, b"proc", tmpfs::new(posix::fs::stat::makedev(0, 7), 0o555));
    Ok(())
}
