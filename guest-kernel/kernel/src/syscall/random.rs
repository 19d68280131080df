//! getrandom(2).

use super::SysResult;
use super::args::Args;
use crate::arch::x86_64::trap_entry::TrapFrame;
use crate::{random, uaccess};
use linux_raw_sys::general::{GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM};
use posix::Errno;

/// Bytes generated per copy to user memory.
const CHUNK: usize = 256;

/// getrandom(buf, len, flags): EINVAL for unknown flags or `GRND_INSECURE` with
/// `GRND_RANDOM`. The generator is seeded at boot, so it never blocks and every flag
/// gives the same quality of bytes.
pub fn sys_getrandom(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let (buf, len, flags) = (a.u64(0), a.usize(1), a.u32(2));
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_INSECURE | GRND_RANDOM) == GRND_INSECURE | GRND_RANDOM
    {
        return Err(Errno::EINVAL);
    }
    let len = len.min(i32::MAX as usize);
    uaccess::check(buf, len)?;
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
    }
    Ok(len as u64)
}
