//! getrandom(2).

use super::SysResult;
use crate::{random, uaccess};
use linux_raw_sys::general::{GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM};
use posix::Errno;

/// Bytes generated per copy to user memory.
const CHUNK: usize = 256;

/// Bytes of the user buffer asked of the host at a time (one memops request).
const HOST_CHUNK: usize = 1 << 20;

/// Fills the user buffer `[buf, buf + len)` with the host's random bytes through the
/// memops device (one exit per MiB, where the kernel's own ChaCha20 costs about 16
/// emulated instructions per byte); `None` without the device (QEMU): the caller makes
/// the bytes itself. Stops early, with the count so far, at a bad part of the buffer after
/// some bytes, or at a fatal signal; lets ready tasks run between chunks.
fn from_host(buf: u64, len: usize) -> Result<Option<usize>, Errno> {
    let mut segs = alloc::vec::Vec::new();
    let mut done = 0;
    while done < len {
        let n = (len - done).min(HOST_CHUNK);
        segs.clear();
        if let Err(e) = uaccess::segments(buf + done as u64, n, true, &mut segs) {
            return if done > 0 { Ok(Some(done)) } else { Err(e) };
        }
        let mut batch = crate::mm::memops::Batch::new();
        for s in &segs {
            if !batch.random(s.phys, s.len as u64) {
                return Ok(None);
            }
        }
        if batch.finish().is_err() {
            return if done > 0 { Ok(Some(done)) } else { Err(Errno::EFAULT) };
        }
        done += n;
        if done < len {
            if crate::process::current::task().interrupted() {
                return Ok(Some(done));
            }
            if crate::sched::queue::lock().has_ready() {
                crate::sched::yield_now();
            }
        }
    }
    Ok(Some(done))
}

/// Bytes between two points where a long call lets other tasks run and notices a signal
/// (Linux: every page, `signal_pending` then `cond_resched`).
const PAGE: usize = 4096;

/// getrandom(buf, len, flags): EINVAL for unknown flags or `GRND_INSECURE` with
/// `GRND_RANDOM`. The generator is seeded at boot, so it never blocks and every flag
/// gives the same quality of bytes.
///
/// The bytes come from the host's kernel through the memops device when it is there
/// ([`from_host`]). Without it (QEMU) the kernel's ChaCha20 makes them, at about 16
/// emulated instructions per byte here, so a large request is long: as Linux does, after
/// each page the call lets other ready tasks run and stops early, returning what it has,
/// when a signal must be acted on (the system-call fuzzer found a many-megabyte request
/// holding the CPU for minutes).
pub fn sys_getrandom(buf: u64, len: usize, flags: u32) -> SysResult {
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_INSECURE | GRND_RANDOM) == GRND_INSECURE | GRND_RANDOM
    {
        return Err(Errno::EINVAL);
    }
    let len = len.min(i32::MAX as usize);
    uaccess::check(buf, len)?;
    if let Some(done) = from_host(buf, len)? {
        return Ok(done as u64);
    }
    let mut chunk = [0u8; CHUNK];
    let mut done = 0;
    while done < len {
        let n = (len - done).min(CHUNK);
        random::fill(&mut chunk[..n]);
        let copied = uaccess::write_bytes(buf + done as u64, &chunk[..n]);
        chunk[..n].fill(0);
        if let Err(e) = copied {
            return if done > 0 { Ok(done as u64) } else { Err(e) };
        }
        done += n;
        if done % PAGE == 0 && done < len {
            if crate::process::current::task().interrupted() {
                return Ok(done as u64);
            }
            if crate::sched::queue::lock().has_ready() {
                crate::sched::yield_now();
            }
        }
    }
    Ok(len as u64)
}
