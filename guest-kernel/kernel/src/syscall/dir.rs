//! Directories and names: getdents64(2), getcwd(2), chdir(2), fchdir(2), access(2),
//! faccessat(2), faccessat2, readlink(2), readlinkat(2), mkdir(2), mkdirat(2),
//! unlink(2), unlinkat(2), rmdir(2), rename(2), renameat(2), symlink(2), symlinkat(2),
//! link(2), linkat(2).

use super::SysResult;
use super::args::Fd;
use super::files::{self, AT_FDCWD, AtFile};
use crate::fs::{self, ReadBuf};
use crate::process::current;
use crate::uaccess;
use alloc::vec::Vec;
use linux_raw_sys::general::{AT_EMPTY_PATH, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW};
use posix::Errno;

/// The most of a getdents64 buffer one call fills: the records that fit in it, and every
/// record fits (a name is at most 255 bytes). Only this much of the buffer is made present,
/// whatever length the caller names (a huge one would fault in memory nobody uses; found
/// by the system-call fuzzer); a caller reads again until the call returns 0.
const GETDENTS_MAX: usize = 64 * 1024;

/// getdents64(fd, dirp, count): directory records into the user buffer.
pub fn sys_getdents64(fd: Fd, dirp: u64, count: usize) -> SysResult {
    let file = files::get(fd)?;
    let mut segs = Vec::new();
    uaccess::segments(dirp, count.min(GETDENTS_MAX), true, &mut segs)?;
    // SAFETY: present, writable user pages of the caller, unchanged during the call (see
    // `fd_io`).
    let mut buf = unsafe { ReadBuf::from_segments(&segs) };
    Ok(file.getdents64(&mut buf)? as u64)
}

/// getcwd(buf, size): the path with its NUL; ERANGE if it does not fit (also for size 0).
pub fn sys_getcwd(buf: u64, size: usize) -> SysResult {
    let mut path = fs::getcwd(&current::process().fs.lock())?;
    path.push(0);
    if path.len() > size {
        return Err(Errno::ERANGE);
    }
    uaccess::write_bytes(buf, &path)?;
    Ok(path.len() as u64)
}

/// chdir(path).
pub fn sys_chdir(path: u64) -> SysResult {
    let path = files::path(path)?;
    let process = current::process();
    let mut ctx = process.fs.lock();
    let creds = process.creds.lock();
    fs::chdir(&mut ctx, &creds, &path)?;
    Ok(0)
}

/// fchdir(fd).
pub fn sys_fchdir(fd: Fd) -> SysResult {
    let file = files::get(fd)?;
    let process = current::process();
    let mut ctx = process.fs.lock();
    let creds = process.creds.lock();
    fs::fchdir(&mut ctx, &creds, &file)?;
    Ok(0)
}

fn access_at(dirfd: Fd, path_addr: u64, mode: u32, flags: u32) -> SysResult {
    let file = AtFile::new(dirfd, path_addr, flags & AT_EMPTY_PATH != 0)?;
    let target = file.target(flags & AT_SYMLINK_NOFOLLOW == 0);
    files::with_ctx(|ctx, creds| fs::access(ctx, creds, target, mode, flags))?;
    Ok(0)
}

/// access(path, mode).
pub fn sys_access(path: u64, mode: u32) -> SysResult {
    access_at(AT_FDCWD, path, mode, 0)
}

/// faccessat(dirfd, path, mode): the system call has no flags argument.
pub fn sys_faccessat(dirfd: Fd, path: u64, mode: u32) -> SysResult {
    access_at(dirfd, path, mode, 0)
}

/// faccessat2(dirfd, path, mode, flags).
pub fn sys_faccessat2(dirfd: Fd, path: u64, mode: u32, flags: u32) -> SysResult {
    access_at(dirfd, path, mode, flags)
}

fn readlink_at(dirfd: Fd, path_addr: u64, buf: u64, size: i32) -> SysResult {
    if size <= 0 {
        return Err(Errno::EINVAL);
    }
    let path = files::path(path_addr)?;
    let dir = files::dir_of(dirfd, &path)?;
    let target = files::with_ctx(|ctx, creds| fs::readlink(ctx, creds, files::at(&dir), &path))?;
    let n = target.len().min(size as usize);
    uaccess::write_bytes(buf, &target[..n])?;
    Ok(n as u64)
}

/// readlink(path, buf, bufsiz): EINVAL for a size of 0 or less; the target is truncated,
/// without a NUL.
pub fn sys_readlink(path: u64, buf: u64, bufsiz: i32) -> SysResult {
    readlink_at(AT_FDCWD, path, buf, bufsiz)
}

/// readlinkat(dirfd, path, buf, bufsiz).
pub fn sys_readlinkat(dirfd: Fd, path: u64, buf: u64, bufsiz: i32) -> SysResult {
    readlink_at(dirfd, path, buf, bufsiz)
}

fn mkdir_at(dirfd: Fd, path_addr: u64, mode: u32) -> SysResult {
    let path = files::path(path_addr)?;
    let dir = files::dir_of(dirfd, &path)?;
    files::with_ctx(|ctx, creds| fs::mkdir(ctx, creds, files::at(&dir), &path, mode))?;
    Ok(0)
}

/// mkdir(path, mode).
pub fn sys_mkdir(path: u64, mode: u32) -> SysResult {
    mkdir_at(AT_FDCWD, path, mode)
}

/// mkdirat(dirfd, path, mode).
pub fn sys_mkdirat(dirfd: Fd, path: u64, mode: u32) -> SysResult {
    mkdir_at(dirfd, path, mode)
}

fn unlink_at(dirfd: Fd, path_addr: u64, flags: u32) -> SysResult {
    let path = files::path(path_addr)?;
    let dir = files::dir_of(dirfd, &path)?;
    files::with_ctx(|ctx, creds| fs::unlink(ctx, creds, files::at(&dir), &path, flags))?;
    Ok(0)
}

/// unlink(path).
pub fn sys_unlink(path: u64) -> SysResult {
    unlink_at(AT_FDCWD, path, 0)
}

/// rmdir(path).
pub fn sys_rmdir(path: u64) -> SysResult {
    unlink_at(AT_FDCWD, path, AT_REMOVEDIR)
}

/// unlinkat(dirfd, path, flags).
pub fn sys_unlinkat(dirfd: Fd, path: u64, flags: u32) -> SysResult {
    unlink_at(dirfd, path, flags)
}

fn rename_at(old_dirfd: Fd, old: u64, new_dirfd: Fd, new: u64) -> SysResult {
    let old = files::path(old)?;
    let new = files::path(new)?;
    let old_dir = files::dir_of(old_dirfd, &old)?;
    let new_dir = files::dir_of(new_dirfd, &new)?;
    files::with_ctx(|ctx, creds| {
        fs::rename(ctx, creds, files::at(&old_dir), &old, files::at(&new_dir), &new)
    })?;
    Ok(0)
}

/// rename(old, new).
pub fn sys_rename(old: u64, new: u64) -> SysResult {
    rename_at(AT_FDCWD, old, AT_FDCWD, new)
}

/// renameat(olddirfd, old, newdirfd, new).
pub fn sys_renameat(old_dirfd: Fd, old: u64, new_dirfd: Fd, new: u64) -> SysResult {
    rename_at(old_dirfd, old, new_dirfd, new)
}

fn symlink_at(target: u64, dirfd: Fd, path: u64) -> SysResult {
    let target = files::path(target)?;
    let path = files::path(path)?;
    let dir = files::dir_of(dirfd, &path)?;
    files::with_ctx(|ctx, creds| fs::symlink(ctx, creds, &target, files::at(&dir), &path))?;
    Ok(0)
}

/// symlink(target, path).
pub fn sys_symlink(target: u64, path: u64) -> SysResult {
    symlink_at(target, AT_FDCWD, path)
}

/// symlinkat(target, dirfd, path).
pub fn sys_symlinkat(target: u64, dirfd: Fd, path: u64) -> SysResult {
    symlink_at(target, dirfd, path)
}

fn link_at(old_dirfd: Fd, old: u64, new_dirfd: Fd, new: u64, flags: u32) -> SysResult {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let empty_path = flags & AT_EMPTY_PATH != 0;
    // linkat(2): AT_EMPTY_PATH "requires the CAP_DAC_READ_SEARCH capability"; without it
    // an empty path is just not found.
    let privileged = current::process().creds.lock().fsuid == 0;
    let old = AtFile::new(old_dirfd, old, empty_path && privileged)?;
    let new = files::path(new)?;
    let new_dir = files::dir_of(new_dirfd, &new)?;
    let old = old.target(flags & AT_SYMLINK_FOLLOW != 0);
    files::with_ctx(|ctx, creds| fs::link(ctx, creds, old, files::at(&new_dir), &new))?;
    Ok(0)
}

/// link(old, new): a final symbolic link of `old` is not followed (as Linux; POSIX leaves
/// it open).
pub fn sys_link(old: u64, new: u64) -> SysResult {
    link_at(AT_FDCWD, old, AT_FDCWD, new, 0)
}

/// linkat(olddirfd, old, newdirfd, new, flags): AT_SYMLINK_FOLLOW, AT_EMPTY_PATH.
pub fn sys_linkat(old_dirfd: Fd, old: u64, new_dirfd: Fd, new: u64, flags: u32) -> SysResult {
    link_at(old_dirfd, old, new_dirfd, new, flags)
}
