//! User buffers as guest-physical segments, for file data (the memops device or DMA moves
//! the bytes at the host's speed; a kernel copy costs ~1 µs per 8 bytes here).

use super::check;
use crate::fs::Seg;
use crate::process::current;
use alloc::vec::Vec;
use posix::Errno;

/// Appends the physical segments of the user buffer `[addr, addr + len)` to `out`, making
/// its pages present first, and writable with copy-on-write broken when `write` (the
/// kernel will store into them). Adjacent pages that are physically contiguous form one
/// segment. EFAULT if any page is not accessible that way.
///
/// The segments stay valid while the calling task runs and while it blocks in the call
/// that uses them: nothing else can unmap the pages meanwhile (a task's address space is
/// changed only by the task itself, or, shared with `CLONE_VM`, by a vfork child while
/// its parent sleeps, never while the parent is in a call), and a copy-on-write page
/// written by another sharer is copied away from it, never changed in place.
pub fn segments(addr: u64, len: usize, write: bool, out: &mut Vec<Seg>) -> Result<(), Errno> {
    check(addr, len)?;
    if len == 0 {
        return Ok(());
    }
    let process = current::process();
    let space = process.mm();
    let mut mm = space.lock();
    let end = addr + len as u64;
    let mut at = addr;
    while at < end {
        let page_end = (at | 0xfff) + 1;
        let n = (page_end.min(end) - at) as usize;
        let phys = mm.user_page(at, write)? + (at & 0xfff);
        match out.last_mut() {
            Some(last) if last.phys + last.len as u64 == phys => last.len += n,
            _ => out
                .try_reserve(1)
                .map(|()| out.push(Seg { phys, len: n }))
                .map_err(|_| Errno::ENOMEM)?,
        }
        at += n as u64;
    }
    Ok(())
}
