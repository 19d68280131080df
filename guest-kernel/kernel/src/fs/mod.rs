//! The file-system layer: the name space processes see and the files they open.
//!
//! `/` is the first disk (`vda`), ext2/3/4, mounted read-only (`ext2/`); `/dev` holds the
//! console, `null`, `zero` and the disks (`devfs/`); `/tmp` is a RAM file system
//! (`tmpfs/`); `/proc` is an empty RAM directory for now (`mount.rs` keeps the table).
//! Paths are resolved by `namei` against a process's [`FsContext`] (absolute paths on
//! read-only file systems through the path cache, `dcache`); `ops` holds the path-based
//! calls and `setattr` those that change modes, owners, times and sizes; an open file is
//! an [`OpenFile`] (`file.rs`, the `Node`/`Stream` interfaces in `node.rs`) shared by the
//! descriptors of an [`FdTable`] (`open_files.rs`); `pipe` makes pipes; `exec_file` opens
//! programs with their pages from the page cache (`pagecache`); blocking goes through
//! `wait`; `selftest` is the `fstest=` command-line check. The pure rules (stat layouts,
//! open flags, the descriptor table, path limits, dirent records, lseek, the pipe ring,
//! termios, who may change attributes) are `posix::fs`; the ext2 on-disk format is
//! `klib::ext2_format`.
//!
//! # Interface (for `process/`, `syscall/`, `exec/`, `mm/`)
//!
//! Everything is re-exported here; nothing outside `fs/` names a submodule except
//! [`wait`] (the scheduler installs itself there) and [`selftest`].
//!
//! - **Errors** are `posix::Errno`, never a panic. **Paths** are `&[u8]` without the NUL
//!   (user strings are bytes); the caller copies them in (at most `PATH_MAX` with the NUL,
//!   else ENAMETOOLONG, as Linux `getname`); an empty path is ENOENT, except where the
//!   caller handles `AT_EMPTY_PATH` by using the descriptor's file. **Credentials** are
//!   `posix::cred::Credentials`; access checks use the file-system ids. Raw Linux flag
//!   words (`O_*`, `AT_*`, `R_OK`...) are passed as user space gave them; the fs decodes
//!   and validates them (EINVAL for bad combinations).
//! - **`*at` calls** take an [`At`]: `At::Cwd` (`AT_FDCWD`) or `At::Dir(&OpenFile)` (the
//!   caller looks the dirfd up in its [`FdTable`]; a non-directory is ENOTDIR for relative
//!   paths).
//! - **Boot**: [`init`] mounts everything once, before init starts; its [`MountError`]
//!   is the one line printed before powering off with `vmm_abi::exit::STATUS_BAD_ROOTFS`.
//! - **Path calls** ([`open`], [`stat`], [`access`], [`readlink`], [`chdir`], [`fchdir`],
//!   [`getcwd`], [`mkdir`], [`unlink`], [`rename`], [`symlink`], [`link`], and those of
//!   `setattr.rs` that change attributes: [`chmod`], [`chown`], [`set_times`],
//!   [`truncate`], whose file is a [`Target`], a path or an open file) take the process's
//!   [`FsContext`] (root, cwd, umask; fork clones it) and its credentials. `open` does not
//!   keep O_CLOEXEC: the caller passes it to [`FdTable::alloc`]. [`pipe`] makes a pipe's
//!   two ends; [`shared_anonymous`] the object behind `mmap(MAP_SHARED|MAP_ANONYMOUS)`.
//! - **Data moves between files and guest-physical memory.** A read fills a [`ReadBuf`]
//!   and a write drains a [`WriteBuf`], each a list of physical segments ([`Seg`]) that
//!   the caller built from a checked user buffer (EFAULT otherwise), made present (and,
//!   for a `ReadBuf`, writable: copy-on-write broken) and keeps pinned for the call, which
//!   may block. The fs moves the bytes with the memops device or by DMA, never by kernel
//!   loops (every kernel instruction costs about 1 µs here). Kernel buffers:
//!   `ReadBuf::from_mut`, `WriteBuf::from_slice`. `ioctl` reaches user memory through a
//!   [`UserAccess`] the caller provides.
//! - **[`OpenFile`]** is an open file description, shared as `Arc<OpenFile>` by `dup` and
//!   fork: offset and status flags are shared; every method takes `&self`. EAGAIN with
//!   O_NONBLOCK; EPIPE on a write to a pipe without readers (the caller raises SIGPIPE);
//!   ESPIPE when seeking a pipe or terminal. `mmap_page`/`mmap_pages` give the physical
//!   pages behind a file mapping (ENXIO past the end).
//! - **[`FdTable`]** is a process's descriptors; [`FdTable::for_init`] gives init 0 and 1
//!   on `/dev/console` (console port 0, the host's stdin and stdout) and 2 on port 1 (the
//!   host's stderr); `close_on_exec` is called at exec's point of no return, `close_all`
//!   at exit.
//! - **[`ExecFile`]** is a program opened for `execve` ([`open_exec`], or
//!   `ExecFile::from_file` for `execveat(AT_EMPTY_PATH)`; EACCES unless a regular file with
//!   MAY_EXEC). Its `page`/`pages` are page-cache frames: map them read-only and never write
//!   them (copy for a private writable mapping); they are never evicted, so an address stays
//!   valid.
//! - **Blocking**: the fs never sleeps by itself and holds no fs lock across a wait; it
//!   calls [`wait::wait_until`] or [`wait::wait_for_device`], which the scheduler provides
//!   through [`wait::install`] (until then, one task waits for interrupts). A wait fails
//!   when a signal must be handled first; the fs returns that error or a partial count.
//!
//! Cost model (see `main.rs`): every kernel instruction costs about 1 µs here, so file
//! data is never copied by kernel loops: the page cache and the block layer are filled by
//! DMA, data moves to and from user memory with the memops device ([`ReadBuf`],
//! [`WriteBuf`]), console output is posted from the user's pages. Metadata parsed from
//! the disk (inodes, directory listings) is kept for good (the root is read-only), so a
//! path is parsed once; ext2 file pages sit in the page cache in runs of contiguous frames
//! (read ahead 1 MiB) and are never evicted; a tmpfs file's pages are the file.

mod context;
mod dcache;
mod devfs;
mod exec_file;
mod ext2;
mod file;
mod iobuf;
mod mount;
mod namei;
mod node;
mod open_files;
mod ops;
mod page_source;
mod pagecache;
mod pipe;
pub mod selftest;
mod setattr;
mod tmpfs;
mod user;
pub mod wait;

pub use context::{At, FsContext, Target};
pub use exec_file::{ExecFile, open_exec};
pub use file::OpenFile;
pub use iobuf::{ReadBuf, Seg, WriteBuf};
pub use mount::MountError;
pub use open_files::FdTable;
pub use ops::{
    access, chdir, fchdir, getcwd, link, mkdir, open, readlink, rename, stat, symlink, unlink,
};
pub use pipe::pipe;
pub use setattr::{chmod, chown, set_times, truncate};

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
    // `nosuid` where a Linux system mounts these (systemd's tmp.mount, devtmpfs, procfs):
    // a set-user-id program copied to /tmp does not run with its owner's ids.
    let nosuid = mount::Options { nosuid: true };
    mount::mount(root.clone(), b"dev", devfs::new(), nosuid);
    let tmp = tmpfs::new(posix::fs::stat::makedev(0, 6), 0o1777);
    mount::mount(root.clone(), b"tmp", tmp, nosuid);
    mount::mount(root, b"proc", tmpfs::new(posix::fs::stat::makedev(0, 7), 0o555), nosuid);
    Ok(())
}
