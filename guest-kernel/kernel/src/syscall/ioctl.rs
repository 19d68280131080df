//! ioctl(2): the request goes to the open file (the console answers TCGETS, TIOCGWINSZ
//! and friends; anything else ENOTTY), with `uaccess` as its way to user memory.

use super::args::Fd;
use super::{SysResult, files};
use crate::uaccess::UserMemory;

/// ioctl(fd, request, arg).
pub fn sys_ioctl(fd: Fd, request: u32, arg: usize) -> SysResult {
    let file = files::get(fd)?;
    let r = file.ioctl(request, arg, &mut UserMemory)?;
    Ok(r as u64)
}
