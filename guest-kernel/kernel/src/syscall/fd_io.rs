//! read(2), write(2), readv(2), writev(2), pread64, pwrite64, preadv(2), pwritev(2),
//! lseek(2), fsync(2), fdatasync(2).
//!
//! The user buffer becomes physical segments (`uaccess::segments`: EFAULT for a bad
//! buffer, before any data moves) that the file system fills or drains with the memops
//! device or by DMA.

use super::args::Fd;
use super::{SysResult, files};
use crate::fs::{OpenFile, ReadBuf, Seg, WriteBuf};
use crate::uaccess;
use alloc::vec::Vec;
use posix::Errno;

/// Largest transfer of one call (Linux `MAX_RW_COUNT`: `INT_MAX` rounded down to a page).
const MAX_RW_COUNT: usize = 0x7fff_f000;
/// Most vectors of a readv/writev (`UIO_MAXIOV`).
const IOV_MAX: usize = 1024;

/// Bytes of user buffer made present and turned into physical segments at a time. A call
/// moves its data a chunk after another, so what it costs follows what it transfers, not
/// the length it names: a 2 GiB read buffer in a mapping nobody touched would otherwise be
/// faulted in whole (two gigabytes of frames, or an out-of-memory kill) for a pipe read
/// that returns ten bytes. 1 MiB keeps each device request and memops batch large (the
/// read/write throughput of section 11 was measured with 1 MiB requests).
const CHUNK: usize = 1 << 20;

/// Runs `io` over the user buffers `iov` a chunk at a time (`write`: the kernel stores
/// into them), with each chunk's segments and the bytes done before it; returns the
/// total. Stops at a short transfer, after the first chunk if `once` (a stream read: a
/// second one could wait for data), and at an error: the error if nothing moved yet, else
/// the count so far (a bad buffer part-way is a short transfer, as on Linux).
fn chunked(
    iov: &[(u64, usize)],
    write: bool,
    once: bool,
    mut io: impl FnMut(&[Seg], usize) -> Result<usize, Errno>,
) -> SysResult {
    let mut segs: Vec<Seg> = Vec::new();
    let (mut total, mut vec, mut within) = (0usize, 0usize, 0usize);
    loop {
        // Up to CHUNK bytes of segments, across as many vectors as it takes.
        segs.clear();
        let (mut len, mut fault) = (0usize, None);
        while len < CHUNK && vec < iov.len() {
            let (base, size) = iov[vec];
            let n = (size - within).min(CHUNK - len);
            if let Err(e) = uaccess::segments(base + within as u64, n, write, &mut segs) {
                fault = Some(e);
                break;
            }
            (len, within) = (len + n, within + n);
            if within == size {
                (vec, within) = (vec + 1, 0);
            }
        }
        match fault {
            Some(e) if len == 0 && total == 0 => return Err(e),
            Some(_) if len == 0 => return Ok(total as u64),
            // Nothing left to move (a zero-length call still reaches `io` once, which
            // checks the descriptor: EBADF comes before a zero count, as on Linux).
            None if len == 0 && total > 0 => return Ok(total as u64),
            _ => {}
        }
        match io(&segs, total) {
            Ok(n) => total += n,
            Err(e) if total == 0 => return Err(e),
            Err(_) => return Ok(total as u64),
        }
        if total < len || fault.is_some() || once || vec == iov.len() {
            return Ok(total as u64);
        }
        // Between chunks, as Linux between pages of a long transfer: a fatal signal ends
        // the call with what was done, and other ready tasks get the CPU.
        if crate::process::current::task().interrupted() {
            return Ok(total as u64);
        }
        if crate::sched::queue::lock().has_ready() {
            crate::sched::yield_now();
        }
    }
}

/// For a file that touches no buffer (`/dev/null`, `/dev/zero` writes): the buffers' ranges
/// checked (EFAULT outside user space, as Linux's `access_ok`), nothing made present.
fn untouched(iov: &[(u64, usize)]) -> Result<usize, Errno> {
    let mut total = 0usize;
    for &(base, len) in iov {
        uaccess::check(base, len)?;
        total = (total + len).min(MAX_RW_COUNT);
    }
    Ok(total)
}

fn do_read(file: &OpenFile, iov: &[(u64, usize)], offset: Option<u64>) -> SysResult {
    file.may_read()?;
    if file.reads_nothing() {
        untouched(iov)?;
        return Ok(0);
    }
    chunked(iov, true, file.is_stream(), |segs, done| {
        // SAFETY: the segments are the caller's user pages, present and writable with
        // copy-on-write broken (`uaccess::segments`), and stay so during the call: the
        // task's address space cannot change while it is in this system call.
        let mut buf = unsafe { ReadBuf::from_segments(segs) };
        match offset {
            Some(off) => file.pread(&mut buf, off + done as u64),
            None => file.read(&mut buf),
        }
    })
}

fn do_write(file: &OpenFile, iov: &[(u64, usize)], offset: Option<u64>) -> SysResult {
    file.may_write()?;
    // A write of some bytes by the unprivileged clears set-id bits (Linux
    // `file_remove_privs`); credentials are looked at only for a file that has them.
    if !iov.is_empty() && file.write_may_remove_privs() {
        let creds = crate::process::current::process().creds.lock().clone();
        file.remove_privs(&creds)?;
    }
    if file.discards_writes() {
        return Ok(untouched(iov)? as u64);
    }
    let mut broken_pipe = false;
    let result = chunked(iov, false, false, |segs, done| {
        // SAFETY: the segments are the caller's user pages, present, and stay so during
        // the call (see `do_read`).
        let buf = unsafe { WriteBuf::from_segments(segs) };
        let r = match offset {
            Some(off) => file.pwrite(&buf, off + done as u64),
            None => file.write(&buf),
        };
        broken_pipe |= r == Err(Errno::EPIPE);
        r
    });
    // Linux's pipe_write sends SIGPIPE whenever it finds no reader, also after a part of
    // the data went in (the call then returns that count).
    if broken_pipe {
        super::signal::raise_sigpipe();
    }
    result
}

/// read(fd, buf, count).
pub fn sys_read(fd: Fd, buf: u64, count: usize) -> SysResult {
    let file = files::get(fd)?;
    do_read(&file, &[(buf, count.min(MAX_RW_COUNT))], None)
}

/// write(fd, buf, count).
pub fn sys_write(fd: Fd, buf: u64, count: usize) -> SysResult {
    let file = files::get(fd)?;
    do_write(&file, &[(buf, count.min(MAX_RW_COUNT))], None)
}

/// pread64(fd, buf, count, offset): EINVAL for a negative offset.
pub fn sys_pread64(fd: Fd, buf: u64, count: usize, offset: i64) -> SysResult {
    let file = files::get(fd)?;
    let offset = u64::try_from(offset).map_err(|_| Errno::EINVAL)?;
    do_read(&file, &[(buf, count.min(MAX_RW_COUNT))], Some(offset))
}

/// pwrite64(fd, buf, count, offset): EINVAL for a negative offset.
pub fn sys_pwrite64(fd: Fd, buf: u64, count: usize, offset: i64) -> SysResult {
    let file = files::get(fd)?;
    let offset = u64::try_from(offset).map_err(|_| Errno::EINVAL)?;
    do_write(&file, &[(buf, count.min(MAX_RW_COUNT))], Some(offset))
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
pub fn sys_readv(fd: Fd, iov: u64, iovcnt: i32) -> SysResult {
    let file = files::get(fd)?;
    let iov = read_iovec(iov, iovcnt)?;
    do_read(&file, &iov, None)
}

/// writev(fd, iov, iovcnt).
pub fn sys_writev(fd: Fd, iov: u64, iovcnt: i32) -> SysResult {
    let file = files::get(fd)?;
    let iov = read_iovec(iov, iovcnt)?;
    do_write(&file, &iov, None)
}

/// The offset argument of preadv/pwritev: the kernel joins `pos_l` and `pos_h` (the
/// x86-64 ABI passes the whole offset in `pos_l`, so `pos_h` is not read); EINVAL if
/// negative.
fn vector_offset(pos_l: i64) -> Result<u64, Errno> {
    u64::try_from(pos_l).map_err(|_| Errno::EINVAL)
}

/// preadv(fd, iov, iovcnt, pos_l, pos_h).
pub fn sys_preadv(fd: Fd, iov: u64, iovcnt: i32, pos_l: i64) -> SysResult {
    let file = files::get(fd)?;
    let offset = vector_offset(pos_l)?;
    let iov = read_iovec(iov, iovcnt)?;
    do_read(&file, &iov, Some(offset))
}

/// pwritev(fd, iov, iovcnt, pos_l, pos_h).
pub fn sys_pwritev(fd: Fd, iov: u64, iovcnt: i32, pos_l: i64) -> SysResult {
    let file = files::get(fd)?;
    let offset = vector_offset(pos_l)?;
    let iov = read_iovec(iov, iovcnt)?;
    do_write(&file, &iov, Some(offset))
}

/// fsync(fd) and fdatasync(fd): the file's data made durable (a disk is flushed).
pub fn sys_fsync(fd: Fd) -> SysResult {
    files::get(fd)?.sync()?;
    Ok(0)
}

/// lseek(fd, offset, whence).
pub fn sys_lseek(fd: Fd, offset: i64, whence: u32) -> SysResult {
    let file = files::get(fd)?;
    file.lseek(offset, whence)
}
