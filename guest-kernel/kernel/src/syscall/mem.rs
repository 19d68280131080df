//! Memory: brk(2), mmap(2), munmap(2), mprotect(2), madvise(2). Argument rules are
//! `posix::mm::mmap`; the work is `mm::vm::AddressSpace`.

use super::args::Fd;
use super::{SysResult, files};
use crate::mm::vm::{Backing, FileSource, Vma};
use crate::process::current;
use linux_raw_sys::general::{O_ACCMODE, O_RDWR, O_WRONLY, RLIMIT_AS, RLIMIT_DATA};
use posix::Errno;
use posix::mm::mmap::{
    Placement, check_mmap, check_mprotect, check_munmap, may_expand_vm, overcommit_guess,
};
use posix::mm::user_layout::MMAP_MIN_ADDR;
use posix::mm::{PAGE, is_page_aligned, page_align_up};

/// brk(addr): moves the break if it can, and returns the break (brk(2): the system call
/// returns the new break on success and the current one on failure).
pub fn sys_brk(requested: u64) -> SysResult {
    let process = current::process();
    let (data, total) = {
        let limits = process.limits.lock();
        (limits.cur(RLIMIT_DATA), limits.cur(RLIMIT_AS))
    };
    let ram_pages = crate::mm::frame::total_pages();
    Ok(process.mm().lock().set_brk(requested, data, total, ram_pages))
}

/// mmap(addr, len, prot, flags, fd, offset): anonymous and file mappings, private or
/// shared. Shared anonymous memory is an unlinked tmpfs file (`fs::shared_anonymous`), and
/// shared mappings of tmpfs files write the file's own pages (`Vma::shared`). A shared
/// mapping of a file on the read-only root behaves as a private one, which cannot be told
/// apart while nothing writes the file; asked for writable, it is ENODEV (EACCES when the
/// file is not open read-write). EPERM for a fixed address below
/// `vm.mmap_min_addr`; EACCES for a file not open for reading; ENODEV for a file that
/// cannot be mapped (directories, devices without pages); ENOMEM for a private writable
/// mapping larger than RAM (the default overcommit heuristic), beyond RLIMIT_AS or
/// `vm.max_map_count`, or while the kernel is short of memory for its bookkeeping.
#[inline] // Compiled into its table wrapper (see table.rs).
pub fn sys_mmap(addr: u64, len: u64, prot: u32, flags: u32, fd: Fd, offset: u64) -> SysResult {
    let req = check_mmap(addr, len, prot, flags, offset)?;
    if req.accountable() {
        overcommit_guess(req.len / PAGE, crate::mm::frame::total_pages())?;
    }
    crate::mm::reserve::admit()?;
    let (backing, shared) = if req.anonymous && req.shared {
        let privileged = current::process().creds.lock().euid == 0;
        let file = crate::fs::shared_anonymous(req.len, privileged)?;
        (Backing::File { source: FileSource::new(file), offset: 0 }, true)
    } else if req.anonymous {
        (Backing::Anon, false)
    } else {
        let file = files::get(fd)?;
        let mode = file.status_flags() & O_ACCMODE;
        if mode == O_WRONLY {
            return Err(Errno::EACCES);
        }
        let shared = req.shared && file.shares_writable_pages();
        if req.shared && req.prot.write && !shared {
            return Err(if mode == O_RDWR { Errno::ENODEV } else { Errno::EACCES });
        }
        if file.is_dir() {
            return Err(Errno::ENODEV);
        }
        (Backing::File { source: FileSource::new(file), offset: req.offset }, shared)
    };
    let space = current::process().mm();
    let mut mm = space.lock();
    let start = match req.placement {
        Placement::Fixed(addr) | Placement::FixedNoReplace(addr) if addr < MMAP_MIN_ADDR => {
            return Err(Errno::EPERM);
        }
        Placement::Fixed(addr) => addr,
        Placement::FixedNoReplace(addr) => {
            if !mm.vmas().is_free(addr, addr + req.len) {
                return Err(Errno::EEXIST);
            }
            addr
        }
        Placement::Hint(hint) => mm.find_free(req.len, hint).ok_or(Errno::ENOMEM)?,
    };
    let end = start + req.len;
    let replaced = mm.mapped_within(start, end);
    let limit = current::process().limits.lock().cur(RLIMIT_AS);
    may_expand_vm(mm.mapped_bytes() - replaced, req.len, limit)?;
    mm.map(start, end, Vma { prot: req.prot, backing, shared })?;
    Ok(start)
}

/// munmap(addr, len).
pub fn sys_munmap(addr: u64, len: u64) -> SysResult {
    let end = check_munmap(addr, len)?;
    current::process().mm().lock().unmap(addr, end)?;
    Ok(0)
}

/// mprotect(addr, len, prot): ENOMEM if part of the range is not mapped.
pub fn sys_mprotect(start: u64, len: u64, prot: u32) -> SysResult {
    let (end, prot) = check_mprotect(start, len, prot)?;
    if end > start {
        current::process().mm().lock().protect(start, end, prot)?;
    }
    Ok(0)
}

/// `MADV_*` values madvise(2) knows (0..=25 minus gaps; x86-64 Linux 6.x).
fn known_advice(advice: i32) -> bool {
    matches!(advice, 0..=4 | 8..=25 | 100..=101)
}

/// madvise(addr, len, advice): MADV_DONTNEED and MADV_FREE drop the pages (they read as
/// zero, or as the file, afterwards); every other known advice is accepted and ignored.
/// EINVAL for an unaligned address or unknown advice; ENOMEM for unmapped parts.
pub fn sys_madvise(start: u64, len: u64, advice: i32) -> SysResult {
    if !is_page_aligned(start) || !known_advice(advice) {
        return Err(Errno::EINVAL);
    }
    let len = page_align_up(len).ok_or(Errno::EINVAL)?;
    let end = start.checked_add(len).ok_or(Errno::EINVAL)?;
    if len == 0 {
        return Ok(0);
    }
    let advice = advice as u32;
    let space = current::process().mm();
    let mut mm = space.lock();
    if advice == linux_raw_sys::general::MADV_DONTNEED
        || advice == linux_raw_sys::general::MADV_FREE
    {
        mm.discard(start, end)?;
    } else if !mm.vmas().covers(start, end) {
        return Err(Errno::ENOMEM);
    }
    Ok(0)
}
