//! Shared pieces of the file-related system calls: descriptor lookup, `dirfd` resolution,
//! path arguments.

use super::args::Fd;
use crate::fs::{At, OpenFile};
use crate::process::current;
use crate::uaccess;
use alloc::sync::Arc;
use alloc::vec::Vec;
use posix::Errno;

/// `AT_FDCWD`.
pub const AT_FDCWD: Fd = Fd(linux_raw_sys::general::AT_FDCWD);

/// The open file behind descriptor `fd` of the current process (EBADF).
pub fn get(fd: Fd) -> Result<Arc<OpenFile>, Errno> {
    current::process().files.lock().get(fd.0)
}

/// The directory a path argument is relative to: `None` for `AT_FDCWD` or an absolute
/// path (where Linux ignores `dirfd`, even an invalid one), else the open file (EBADF).
pub fn dir_of(dirfd: Fd, path: &[u8]) -> Result<Option<Arc<OpenFile>>, Errno> {
    if dirfd == AT_FDCWD || path.first() == Some(&b'/') {
        return Ok(None);
    }
    get(dirfd).map(Some)
}

/// `At` for a directory from [`dir_of`].
pub fn at(dir: &Option<Arc<OpenFile>>) -> At<'_> {
    match dir {
        Some(file) => At::Dir(file),
        None => At::Cwd,
    }
}

/// A path argument (EFAULT, ENAMETOOLONG).
pub fn path(addr: u64) -> Result<Vec<u8>, Errno> {
    uaccess::read_path(addr)
}

/// Runs `f` with the current process's file-system context and credentials locked.
pub fn with_ctx<T>(f: impl FnOnce(&crate::fs::FsContext, &posix::cred::Credentials) -> T) -> T {
    let process = current::process();
    let fs = process.fs.lock();
    let creds = process.creds.lock();
    f(&fs, &creds)
}
