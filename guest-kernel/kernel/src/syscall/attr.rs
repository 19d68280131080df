//! File attributes: chmod(2), fchmod(2), fchmodat(2), fchmodat2, chown(2), fchown(2),
//! lchown(2), fchownat(2), utimensat(2), futimesat(2), utimes(2), utime(2),
//! truncate(2), ftruncate(2). The rules are `posix::fs::attr`, the mechanism
//! `fs::setattr`; this file decodes arguments in Linux's order of checks.

use super::SysResult;
use super::args::Fd;
use super::files::{self, AT_FDCWD, AtFile};
use crate::fs::{self, Target};
use crate::process::current;
use crate::uaccess;
use linux_raw_sys::general::{AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW};
use posix::Errno;
use posix::fs::attr;

/// The open file behind `fd` for the `f*` calls (fchmod, fchown, futimens): EBADF also
/// for an `O_PATH` descriptor, which Linux's `fdget` does not return.
fn file_of(fd: Fd) -> Result<alloc::sync::Arc<fs::OpenFile>, Errno> {
    let file = files::get(fd)?;
    if file.is_path_only() { Err(Errno::EBADF) } else { Ok(file) }
}

/// EINVAL for flags other than AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH (fchownat(2),
/// fchmodat2, utimensat(2)).
fn check_at_flags(flags: u32) -> Result<(), Errno> {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 { Err(Errno::EINVAL) } else { Ok(()) }
}

fn chmod_at(dirfd: Fd, path: u64, mode: u32, flags: u32) -> SysResult {
    check_at_flags(flags)?;
    let file = AtFile::new(dirfd, path, flags & AT_EMPTY_PATH != 0)?;
    let target = file.target(flags & AT_SYMLINK_NOFOLLOW == 0);
    files::with_ctx(|ctx, creds| fs::chmod(ctx, creds, target, mode))?;
    Ok(0)
}

/// chmod(path, mode).
pub fn sys_chmod(path: u64, mode: u32) -> SysResult {
    chmod_at(AT_FDCWD, path, mode, 0)
}

/// fchmod(fd, mode).
pub fn sys_fchmod(fd: Fd, mode: u32) -> SysResult {
    let file = file_of(fd)?;
    files::with_ctx(|ctx, creds| fs::chmod(ctx, creds, Target::File(&file), mode))?;
    Ok(0)
}

/// fchmodat(dirfd, path, mode): the system call has no flags argument (the C library's
/// flags go to fchmodat2).
pub fn sys_fchmodat(dirfd: Fd, path: u64, mode: u32) -> SysResult {
    chmod_at(dirfd, path, mode, 0)
}

/// fchmodat2(dirfd, path, mode, flags): AT_SYMLINK_NOFOLLOW (a link itself:
/// EOPNOTSUPP), AT_EMPTY_PATH.
pub fn sys_fchmodat2(dirfd: Fd, path: u64, mode: u32, flags: u32) -> SysResult {
    chmod_at(dirfd, path, mode, flags)
}

/// A `uid_t`/`gid_t` argument: -1 leaves the id unchanged.
fn id_arg(id: u32) -> Option<u32> {
    (id != u32::MAX).then_some(id)
}

fn chown_at(dirfd: Fd, path: u64, uid: u32, gid: u32, flags: u32) -> SysResult {
    check_at_flags(flags)?;
    let file = AtFile::new(dirfd, path, flags & AT_EMPTY_PATH != 0)?;
    let target = file.target(flags & AT_SYMLINK_NOFOLLOW == 0);
    files::with_ctx(|ctx, creds| fs::chown(ctx, creds, target, id_arg(uid), id_arg(gid)))?;
    Ok(0)
}

/// chown(path, owner, group): follows a final symbolic link.
pub fn sys_chown(path: u64, uid: u32, gid: u32) -> SysResult {
    chown_at(AT_FDCWD, path, uid, gid, 0)
}

/// lchown(path, owner, group): a final symbolic link itself.
pub fn sys_lchown(path: u64, uid: u32, gid: u32) -> SysResult {
    chown_at(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW)
}

/// fchown(fd, owner, group).
pub fn sys_fchown(fd: Fd, uid: u32, gid: u32) -> SysResult {
    let file = file_of(fd)?;
    let (uid, gid) = (id_arg(uid), id_arg(gid));
    files::with_ctx(|ctx, creds| fs::chown(ctx, creds, Target::File(&file), uid, gid))?;
    Ok(0)
}

/// fchownat(dirfd, path, owner, group, flags).
pub fn sys_fchownat(dirfd: Fd, path: u64, uid: u32, gid: u32, flags: u32) -> SysResult {
    chown_at(dirfd, path, uid, gid, flags)
}

/// The common part of the time-setting calls (Linux `do_utimes`): a null path with a
/// descriptor other than AT_FDCWD is that descriptor's file (`futimens`; any flag is
/// EINVAL then), else a path with AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH allowed.
/// `times` is `(tv_sec, tv_nsec)` for access and modification, `None` for "both now".
fn set_times(dirfd: Fd, path: u64, times: Option<[(i64, i64); 2]>, flags: u32) -> SysResult {
    if path == 0 && dirfd != AT_FDCWD {
        if flags != 0 {
            return Err(Errno::EINVAL);
        }
        let file = file_of(dirfd)?;
        files::with_ctx(|ctx, creds| fs::set_times(ctx, creds, Target::File(&file), times))?;
        return Ok(0);
    }
    check_at_flags(flags)?;
    let file = AtFile::new(dirfd, path, flags & AT_EMPTY_PATH != 0)?;
    let target = file.target(flags & AT_SYMLINK_NOFOLLOW == 0);
    files::with_ctx(|ctx, creds| fs::set_times(ctx, creds, target, times))?;
    Ok(0)
}

/// Reads two `(seconds, fraction)` pairs (`struct timespec[2]` or `struct timeval[2]`,
/// both two `long`s each) from `addr`.
fn read_pairs(addr: u64) -> Result<[(i64, i64); 2], Errno> {
    let [a, b, c, d]: [i64; 4] = uaccess::read(addr)?;
    Ok([(a, b), (c, d)])
}

/// utimensat(dirfd, path, times, flags): both UTIME_OMIT is success before anything else
/// is looked at (`posix::fs::attr::times_all_omitted`).
pub fn sys_utimensat(dirfd: Fd, path: u64, times: u64, flags: u32) -> SysResult {
    let times = if times == 0 { None } else { Some(read_pairs(times)?) };
    if attr::times_all_omitted(times) {
        return Ok(0);
    }
    set_times(dirfd, path, times, flags)
}

/// futimesat(dirfd, path, times): `struct timeval`s, microseconds checked first.
pub fn sys_futimesat(dirfd: Fd, path: u64, times: u64) -> SysResult {
    let times = if times == 0 { None } else { Some(attr::timevals_to_times(read_pairs(times)?)?) };
    set_times(dirfd, path, times, 0)
}

/// utimes(path, times).
pub fn sys_utimes(path: u64, times: u64) -> SysResult {
    sys_futimesat(AT_FDCWD, path, times)
}

/// utime(path, times): `struct utimbuf` (whole seconds: access, modification).
pub fn sys_utime(path: u64, times: u64) -> SysResult {
    let times = if times == 0 {
        None
    } else {
        let [atime, mtime]: [i64; 2] = uaccess::read(times)?;
        Some([(atime, 0), (mtime, 0)])
    };
    set_times(AT_FDCWD, path, times, 0)
}

/// truncate(path, length): EINVAL for a negative length before the path is looked at.
pub fn sys_truncate(path: u64, length: i64) -> SysResult {
    let len = attr::truncate_length(length)?;
    let path = files::path(path)?;
    files::with_ctx(|ctx, creds| fs::truncate(ctx, creds, fs::At::Cwd, &path, len))?;
    Ok(0)
}

/// ftruncate(fd, length): EINVAL for a negative length, then EBADF, then the file's
/// checks (`OpenFile::truncate`).
pub fn sys_ftruncate(fd: Fd, length: i64) -> SysResult {
    let len = attr::truncate_length(length)?;
    let file = files::get(fd)?;
    let creds = current::process().creds.lock().clone();
    file.truncate(len, &creds)?;
    Ok(0)
}
