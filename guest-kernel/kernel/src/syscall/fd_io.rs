//! read(2), write(2), readv(2), writev(2), pread64, pwrite64, preadv(2), pwritev(2),
//! lseek(2), fsync(2), fdatasync(2).
//!
//! The user buffer becomes physical segments (`uaccess::segments`: EFAULT for a bad
//! buffer, before any data moves) that the file system fills or drains with the memops
//! device or by DMA.

use super::args::Args;
use super::{SysResult, files};
use crate::arch::x86_64::trap_entry::TrapFrame;
use crate::fs::{OpenFile, ReadBuf, Seg, WriteBuf};
use crate::uaccess;
use alloc::vec::Vec;
use posix::Errno;

/// Largest transfer of one call (Linux `MAX_RW_COUNT`: `INT_MAX` rounded down to a page).
const MAX_RW_COUNT: usize = 0x7fff_f000;
/// Most vectors of a readv/writev (`UIO_MAXIOV`).
const IOV_MAX: usize = 1024;

/// The segments of the user buffers, for a read (`write`: the kernel stores into them).
fn buffers(iov: &[(u64, usize)], write: bool) -> Result<Vec<Seg>, Errno> {
    let mut segs = Vec::new();
    for &(base, len) in iov {
        uaccess::segments(base, len, write, &mut segs)?;
    }
    Ok(segs)
}

fn do_read(file: &OpenFile, iov: &[(u64, usize)], offset: Option<u64>) -> SysResult {
    let segs = buffers(iov, true)?;
    // SAFETY: the segments are the caller's user pages, present and writable with
    // copy-on-write broken (`uaccess::segments`), and stay so during the call: the task's
    // address space cannot change while it is in this system call.
    let mut buf = unsafe { ReadBuf::from_segments(&segs) };
    let n = match offset {
        Some(off) => file.pread(&mut buf, off)?,
        None => file.read(&mut buf)?,
    };
    Ok(n as u64)
}

fn do_write(file: &OpenFile, iov: &[(u64, usize)], offset: Option<u64>) -> SysResult {
    let segs = buffers(iov, false)?;
    // SAFETY: the segments are the caller's user pages, present, and stay so during the
    // call (see `do_read`).
    let buf = unsafe { WriteBuf::from_segments(&segs) };
    let result = match offset {
        Some(off) => file.pwrite(&buf, off),
        None => file.write(&buf),
    };
    if result == Err(Errno::EPIPE) {
        super::signal::raise_sigpipe();
    }
    Ok(result? as u64)
}

/// read(fd, buf, count).
pub fn sys_read(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let file = files::get(a.i32(0))?;
    do_read(&file, &[(a.u64(1), a.usize(2).min(MAX_RW_COUNT))], None)
}

/// write(fd, buf, count).
pub fn sys_write(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let file = files::get(a.i32(0))?;
    do_write(&file, &[(a.u64(1), a.usize(2).min(MAX_RW_COUNT))], None)
}

/// pread64(fd, buf, count, offset): EINVAL for a negative offset.
pub fn sys_pread64(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let file = files::get(a.i32(0))?;
    let offset = u64::try_from(a.i64(3)).map_err(|_| Errno::EINVAL)?;
    do_read(&file, &[(a.u64(1), a.usize(2).min(MAX_RW_COUNT))], Some(offset))
}

/// pwrite64(fd, buf, count, offset): EINVAL for a negative offset.
pub fn sys_pwrite64(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let file = files::get(a.i32(0))?;
    let offset = u64::try_from(a.i64(3)).map_err(|_| Errno::EINVAL)?;
    do_write(&file, &[(a.u64(1), a.usize(2).min(MAX_RW_COUNT))], Some(offset))
}

/// The `struct iovec` array of readv/writev: EINVAL for more than `IOV_MAX` entries or a
/// total over `ssize_t`; the total is capped at `MAX_RW_COUNT` (Linux `import_iovec`).
fn read_iovec(addr: u64, count: i32) -> Result<Vec<(u64, usize)>, Errno> {
    let count = usize::try_from(count).map_err(|_| Errno::EINVAL)?;
    if count > IOV_MAX {
        return Err(Errno::EINVAL);
    }
    let mut raw = alloc::vec![[0u64; 2]; count];
    for (i, v) in raw.iter_mut().enumerate() {
        *v = uaccess::read(addr + 16 * i as u64)?;
    }
    let mut total = 0usize;
    let mut out = Vec::with_capacity(count);
    for [base, len] in raw {
        if len > isize::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        let len = (len as usize).min(MAX_RW_COUNT - total);
        total += len;
        if len > 0 {
            out.push((base, len));
        }
    }
    Ok(out)
}

/// readv(fd, iov, iovcnt).
pub fn sys_readv(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let file = files::get(a.i32(0))?;
    let iov = read_iovec(a.u64(1), a.i32(2))?;
    do_read(&file, &iov, None)
}

/// writev(fd, iov, iovcnt).
pub fn sys_writev(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let file = files::get(a.i32(0))?;
    let iov = read_iovec(a.u64(1), a.i32(2))?;
    do_write(&file, &iov, None)
}

/// The offset argument of preadv/pwritev: the kernel joins `pos_l` and `pos_h` (the
/// x86-64 ABI passes the whole offset in `pos_l`); EINVAL if negative.
fn vector_offset(a: &Args) -> Result<u64, Errno> {
    u64::try_from(a.i64(3)).map_err(|_| Errno::EINVAL)
}

/// preadv(fd, iov, iovcnt, pos_l, pos_h).
pub fn sys_preadv(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let file = files::get(a.i32(0))?;
    let offset = vector_offset(&a)?;
    let iov = read_iovec(a.u64(1), a.i32(2))?;
    do_read(&file, &iov, Some(offset))
}

/// pwritev(fd, iov, iovcnt, pos_l, pos_h).
pub fn sys_pwritev(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let file = files::get(a.i32(0))?;
    let offset = vector_offset(&a)?;
    let iov = read_iovec(a.u64(1), a.i32(2))?;
    do_write(&file, &iov, Some(offset))
}

/// fsync(fd) and fdatasync(fd): the file's data made durable (a disk is flushed).
pub fn sys_fsync(frame: &mut TrapFrame) -> SysResult {
    files::get(Args::of(frame).i32(0))?.sync()?;
    Ok(0)
}

/// lseek(fd, offset, whence).
pub fn sys_lseek(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let file = files::get(a.i32(0))?;
    file.lseek(a.i64(1), a.u32(2))
}
