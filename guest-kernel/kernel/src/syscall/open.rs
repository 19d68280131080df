//! open(2), openat(2), creat(2), close(2).

use super::SysResult;
use super::args::Fd;
use super::files::{self, AT_FDCWD};
use crate::fs;
use crate::process::current;
use linux_raw_sys::general::{O_CLOEXEC, O_CREAT, O_TRUNC, O_WRONLY};

/// Opens `path` relative to `dirfd` and gives it the lowest free descriptor
/// (`O_CLOEXEC` goes to the descriptor, not the open file).
fn open_at(dirfd: Fd, path_addr: u64, flags: u32, mode: u32) -> SysResult {
    let path = files::path(path_addr)?;
    let dir = files::dir_of(dirfd, &path)?;
    let file =
        files::with_ctx(|ctx, creds| fs::open(ctx, creds, files::at(&dir), &path, flags, mode))?;
    let fd = current::process().files.lock().alloc(file, flags & O_CLOEXEC != 0)?;
    Ok(fd as u64)
}

/// open(path, flags, mode).
pub fn sys_open(path: u64, flags: u32, mode: u32) -> SysResult {
    open_at(AT_FDCWD, path, flags, mode)
}

/// openat(dirfd, path, flags, mode).
pub fn sys_openat(dirfd: Fd, path: u64, flags: u32, mode: u32) -> SysResult {
    open_at(dirfd, path, flags, mode)
}

/// creat(path, mode): open with `O_CREAT | O_WRONLY | O_TRUNC`.
pub fn sys_creat(path: u64, mode: u32) -> SysResult {
    open_at(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode)
}

/// close(fd).
pub fn sys_close(fd: Fd) -> SysResult {
    current::process().files.lock().close(fd.0)?;
    Ok(0)
}
