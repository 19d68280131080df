//! open(2), openat(2), creat(2), close(2).

use super::SysResult;
use super::args::Args;
use super::files::{self, AT_FDCWD};
use crate::arch::UserContext as TrapFrame;
use crate::fs;
use crate::process::current;
use linux_raw_sys::general::{O_CLOEXEC, O_CREAT, O_TRUNC, O_WRONLY};

/// Opens `path` relative to `dirfd` and gives it the lowest free descriptor
/// (`O_CLOEXEC` goes to the descriptor, not the open file).
fn open_at(dirfd: i32, path_addr: u64, flags: u32, mode: u32) -> SysResult {
    let path = files::path(path_addr)?;
    let dir = files::dir_of(dirfd, &path)?;
    let file =
        files::with_ctx(|ctx, creds| fs::open(ctx, creds, files::at(&dir), &path, flags, mode))?;
    let fd = current::process().files.lock().alloc(file, flags & O_CLOEXEC != 0)?;
    Ok(fd as u64)
}

/// open(path, flags, mode).
pub fn sys_open(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    open_at(AT_FDCWD, a.u64(0), a.u32(1), a.u32(2))
}

/// openat(dirfd, path, flags, mode).
pub fn sys_openat(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    open_at(a.i32(0), a.u64(1), a.u32(2), a.u32(3))
}

/// creat(path, mode): open with `O_CREAT | O_WRONLY | O_TRUNC`.
pub fn sys_creat(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    open_at(AT_FDCWD, a.u64(0), O_CREAT | O_WRONLY | O_TRUNC, a.u32(1))
}

/// close(fd).
pub fn sys_close(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    current::process().files.lock().close(a.i32(0))?;
    Ok(0)
}
