//! Directories and names: getdents64(2), getcwd(2), chdir(2), fchdir(2), access(2),
//! faccessat(2), faccessat2, readlink(2), readlinkat(2), mkdir(2), mkdirat(2),
//! unlink(2), unlinkat(2), rmdir(2), rename(2), renameat(2), symlink(2), symlinkat(2).

use super::SysResult;
use super::args::Args;
use super::files::{self, AT_FDCWD};
use crate::arch::UserContext as TrapFrame;
use crate::fs::{self, ReadBuf};
use crate::process::current;
use crate::uaccess;
use alloc::vec::Vec;
use linux_raw_sys::general::AT_REMOVEDIR;
use posix::Errno;

/// The most of a getdents64 buffer one call fills: the records that fit in it, and every
/// record fits (a name is at most 255 bytes). Only this much of the buffer is made present,
/// whatever length the caller names (a huge one would fault in memory nobody uses; found
/// by the system-call fuzzer); a caller reads again until the call returns 0.
const GETDENTS_MAX: usize = 64 * 1024;

/// getdents64(fd, dirp, count): directory records into the user buffer.
pub fn sys_getdents64(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let file = files::get(a.i32(0))?;
    let mut segs = Vec::new();
    uaccess::segments(a.u64(1), a.usize(2).min(GETDENTS_MAX), true, &mut segs)?;
    // SAFETY: present, writable user pages of the caller, unchanged during the call (see
    // `fd_io`).
    let mut buf = unsafe { ReadBuf::from_segments(&segs) };
    Ok(file.getdents64(&mut buf)? as u64)
}

/// getcwd(buf, size): the path with its NUL; ERANGE if it does not fit (also for size 0).
pub fn sys_getcwd(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let mut path = fs::getcwd(&current::process().fs.lock())?;
    path.push(0);
    if path.len() > a.usize(1) {
        return Err(Errno::ERANGE);
    }
    uaccess::write_bytes(a.u64(0), &path)?;
    Ok(path.len() as u64)
}

/// chdir(path).
pub fn sys_chdir(frame: &mut TrapFrame) -> SysResult {
    let path = files::path(Args::of(frame).u64(0))?;
    let process = current::process();
    let mut ctx = process.fs.lock();
    let creds = process.creds.lock();
    fs::chdir(&mut ctx, &creds, &path)?;
    Ok(0)
}

/// fchdir(fd).
pub fn sys_fchdir(frame: &mut TrapFrame) -> SysResult {
    let file = files::get(Args::of(frame).i32(0))?;
    let process = current::process();
    let mut ctx = process.fs.lock();
    let creds = process.creds.lock();
    fs::fchdir(&mut ctx, &creds, &file)?;
    Ok(0)
}

fn access_at(dirfd: i32, path_addr: u64, mode: u32, flags: u32) -> SysResult {
    let path = files::path(path_addr)?;
    let dir = files::dir_of(dirfd, &path)?;
    files::with_ctx(|ctx, creds| fs::access(ctx, creds, files::at(&dir), &path, mode, flags))?;
    Ok(0)
}

/// access(path, mode).
pub fn sys_access(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    access_at(AT_FDCWD, a.u64(0), a.u32(1), 0)
}

/// faccessat(dirfd, path, mode): the system call has no flags argument.
pub fn sys_faccessat(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    access_at(a.i32(0), a.u64(1), a.u32(2), 0)
}

/// faccessat2(dirfd, path, mode, flags).
pub fn sys_faccessat2(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    access_at(a.i32(0), a.u64(1), a.u32(2), a.u32(3))
}

fn readlink_at(dirfd: i32, path_addr: u64, buf: u64, size: i32) -> SysResult {
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
pub fn sys_readlink(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    readlink_at(AT_FDCWD, a.u64(0), a.u64(1), a.i32(2))
}

/// readlinkat(dirfd, path, buf, bufsiz).
pub fn sys_readlinkat(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    readlink_at(a.i32(0), a.u64(1), a.u64(2), a.i32(3))
}

fn mkdir_at(dirfd: i32, path_addr: u64, mode: u32) -> SysResult {
    let path = files::path(path_addr)?;
    let dir = files::dir_of(dirfd, &path)?;
    files::with_ctx(|ctx, creds| fs::mkdir(ctx, creds, files::at(&dir), &path, mode))?;
    Ok(0)
}

/// mkdir(path, mode).
pub fn sys_mkdir(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    mkdir_at(AT_FDCWD, a.u64(0), a.u32(1))
}

/// mkdirat(dirfd, path, mode).
pub fn sys_mkdirat(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    mkdir_at(a.i32(0), a.u64(1), a.u32(2))
}

fn unlink_at(dirfd: i32, path_addr: u64, flags: u32) -> SysResult {
    let path = files::path(path_addr)?;
    let dir = files::dir_of(dirfd, &path)?;
    files::with_ctx(|ctx, creds| fs::unlink(ctx, creds, files::at(&dir), &path, flags))?;
    Ok(0)
}

/// unlink(path).
pub fn sys_unlink(frame: &mut TrapFrame) -> SysResult {
    unlink_at(AT_FDCWD, Args::of(frame).u64(0), 0)
}

/// rmdir(path).
pub fn sys_rmdir(frame: &mut TrapFrame) -> SysResult {
    unlink_at(AT_FDCWD, Args::of(frame).u64(0), AT_REMOVEDIR)
}

/// unlinkat(dirfd, path, flags).
pub fn sys_unlinkat(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    unlink_at(a.i32(0), a.u64(1), a.u32(2))
}

fn rename_at(old_dirfd: i32, old: u64, new_dirfd: i32, new: u64) -> SysResult {
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
pub fn sys_rename(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    rename_at(AT_FDCWD, a.u64(0), AT_FDCWD, a.u64(1))
}

/// renameat(olddirfd, old, newdirfd, new).
pub fn sys_renameat(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    rename_at(a.i32(0), a.u64(1), a.i32(2), a.u64(3))
}

fn symlink_at(target: u64, dirfd: i32, path: u64) -> SysResult {
    let target = files::path(target)?;
    let path = files::path(path)?;
    let dir = files::dir_of(dirfd, &path)?;
    files::with_ctx(|ctx, creds| fs::symlink(ctx, creds, &target, files::at(&dir), &path))?;
    Ok(0)
}

/// symlink(target, path).
pub fn sys_symlink(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    symlink_at(a.u64(0), AT_FDCWD, a.u64(1))
}

/// symlinkat(target, dirfd, path).
pub fn sys_symlinkat(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    symlink_at(a.u64(0), a.i32(1), a.u64(2))
}
