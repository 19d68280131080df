//! Shared pieces of the file-related system calls: descriptor lookup, `dirfd` resolution,
//! path arguments.

use super::args::Fd;
use crate::fs::{At, OpenFile, Target};
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

/// What a `*at` call acts on, held while the call runs: a path relative to a directory,
/// or, for an empty path with `AT_EMPTY_PATH`, the descriptor's own file (the working
/// directory for `AT_FDCWD`).
pub enum AtFile {
    /// The directory (`None`: the working directory or an absolute path) and the path.
    Path(Option<Arc<OpenFile>>, Vec<u8>),
    /// The descriptor's file.
    File(Arc<OpenFile>),
}

impl AtFile {
    /// Reads the path at `path_addr` (EFAULT, ENAMETOOLONG) and looks `dirfd` up (EBADF)
    /// when the path is relative, or when it is empty and `empty_path` (the call's
    /// `AT_EMPTY_PATH`) says to act on `dirfd` itself.
    pub fn new(dirfd: Fd, path_addr: u64, empty_path: bool) -> Result<Self, Errno> {
        let path = path(path_addr)?;
        if path.is_empty() && empty_path {
            if dirfd == AT_FDCWD {
                return Ok(AtFile::Path(None, b".".to_vec()));
            }
            return Ok(AtFile::File(get(dirfd)?));
        }
        Ok(AtFile::Path(dir_of(dirfd, &path)?, path))
    }

    /// The target for the fs calls; a final symbolic link is followed if `follow`.
    pub fn target(&self, follow: bool) -> Target<'_> {
        match self {
            AtFile::Path(dir, path) => Target::Path(at(dir), path, follow),
            AtFile::File(file) => Target::File(file),
        }
    }
}
