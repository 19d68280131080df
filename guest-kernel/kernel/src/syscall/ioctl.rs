//! ioctl(2): the request goes to the open file (the console answers TCGETS, TIOCGWINSZ
//! and friends; anything else ENOTTY), with `uaccess` as its way to user memory.

use super::args::Args;
use super::{SysResult, files};
use crate::arch::UserContext as TrapFrame;
use crate::uaccess::UserMemory;

/// ioctl(fd, request, arg).
pub fn sys_ioctl(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let file = files::get(a.i32(0))?;
    let r = file.ioctl(a.u32(1), a.usize(2), &mut UserMemory)?;
    Ok(r as u64)
}
