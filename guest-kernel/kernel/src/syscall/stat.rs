//! fstat(2), stat(2), lstat(2), newfstatat(2), statx(2).

use super::SysResult;
use super::args::Fd;
use super::files::{self, AT_FDCWD};
use crate::fs::{self, Stat};
use crate::uaccess;
use linux_raw_sys::general::{
    AT_EMPTY_PATH, AT_NO_AUTOMOUNT, AT_STATX_SYNC_TYPE, AT_SYMLINK_NOFOLLOW,
};
use posix::Errno;

/// The status of `path` relative to `dirfd`, or of `dirfd` itself for an empty path with
/// `AT_EMPTY_PATH` (then `AT_FDCWD` means the working directory).
fn stat_at(dirfd: Fd, path_addr: u64, flags: u32) -> Result<Stat, Errno> {
    let path = files::path(path_addr)?;
    if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        if dirfd != AT_FDCWD {
            return files::get(dirfd)?.stat();
        }
        return files::with_ctx(|ctx, creds| fs::stat(ctx, creds, fs::At::Cwd, b".", 0));
    }
    let dir = files::dir_of(dirfd, &path)?;
    let flags = flags & !AT_EMPTY_PATH;
    files::with_ctx(|ctx, creds| fs::stat(ctx, creds, files::at(&dir), &path, flags))
}

/// fstat(fd, statbuf).
pub fn sys_fstat(fd: Fd, statbuf: u64) -> SysResult {
    let stat = files::get(fd)?.stat()?;
    uaccess::write(statbuf, &stat.to_linux())?;
    Ok(0)
}

/// stat(path, statbuf).
pub fn sys_stat(path: u64, statbuf: u64) -> SysResult {
    let stat = stat_at(AT_FDCWD, path, 0)?;
    uaccess::write(statbuf, &stat.to_linux())?;
    Ok(0)
}

/// lstat(path, statbuf).
pub fn sys_lstat(path: u64, statbuf: u64) -> SysResult {
    let stat = stat_at(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW)?;
    uaccess::write(statbuf, &stat.to_linux())?;
    Ok(0)
}

/// newfstatat(dirfd, path, statbuf, flags): EINVAL for unknown flags.
pub fn sys_newfstatat(dirfd: Fd, path: u64, statbuf: u64, flags: u32) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT) != 0 {
        return Err(Errno::EINVAL);
    }
    let stat = stat_at(dirfd, path, flags)?;
    uaccess::write(statbuf, &stat.to_linux())?;
    Ok(0)
}

/// statx(dirfd, path, flags, mask, statxbuf): EINVAL for unknown flags or the reserved
/// mask bit; every basic field is filled whatever the mask asks (statx(2) allows more).
pub fn sys_statx(dirfd: Fd, path: u64, flags: u32, mask: u32, statxbuf: u64) -> SysResult {
    let known = AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE;
    if flags & !known != 0 || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE {
        return Err(Errno::EINVAL);
    }
    if mask & linux_raw_sys::general::STATX__RESERVED != 0 {
        return Err(Errno::EINVAL);
    }
    let stat = stat_at(dirfd, path, flags & !AT_STATX_SYNC_TYPE)?;
    uaccess::write(statxbuf, &stat.to_statx())?;
    Ok(0)
}
