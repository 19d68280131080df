//! The argument rules of `mmap`, `munmap`, `mprotect` and `brk` (mmap(2), munmap(2),
//! mprotect(2), brk(2); Linux mm/mmap.c `do_mmap`, arch/x86/kernel/sys_x86_64.c, mm/mprotect.c,
//! mm/mmap.c `brk`), checked before anything is changed.

use linux_raw_sys::general::{
    MAP_ANONYMOUS, MAP_FIXED, MAP_FIXED_NOREPLACE, MAP_NORESERVE, MAP_PRIVATE, MAP_SHARED,
    MAP_SHARED_VALIDATE, MAP_TYPE, PROT_EXEC, PROT_GROWSDOWN, PROT_GROWSUP, PROT_READ, PROT_SEM,
    PROT_WRITE,
};

use super::{PAGE, is_page_aligned, page_align_up};
use crate::Errno;
use crate::exec::elf::USER_END;

/// Access rights of a mapping.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prot {
    /// Readable.
    pub read: bool,
    /// Writable.
    pub write: bool,
    /// Executable.
    pub exec: bool,
}

impl Prot {
    /// From `PROT_*` bits; EINVAL for unknown bits (Linux accepts `PROT_SEM` and ignores
    /// it; `PROT_GROWSDOWN`/`PROT_GROWSUP` only for mprotect, see [`check_mprotect`]).
    pub fn from_bits(prot: u32) -> Result<Self, Errno> {
        if prot & !(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM) != 0 {
            return Err(Errno::EINVAL);
        }
        Ok(Self::from_known_bits(prot))
    }

    fn from_known_bits(prot: u32) -> Self {
        Prot {
            read: prot & PROT_READ != 0,
            write: prot & PROT_WRITE != 0,
            exec: prot & PROT_EXEC != 0,
        }
    }
}

/// Where a mapping may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Exactly here, replacing what is there (`MAP_FIXED`).
    Fixed(u64),
    /// Exactly here, or EEXIST if anything is there (`MAP_FIXED_NOREPLACE`).
    FixedNoReplace(u64),
    /// Here if the range is free, else wherever fits (a hint; 0 means none).
    Hint(u64),
}

/// A checked `mmap` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmapRequest {
    /// Where.
    pub placement: Placement,
    /// Length, page aligned, not zero.
    pub len: u64,
    /// Access rights.
    pub prot: Prot,
    /// `MAP_SHARED` (else private).
    pub shared: bool,
    /// `MAP_ANONYMOUS` (the fd is ignored).
    pub anonymous: bool,
    /// File offset, page aligned (0 for anonymous mappings).
    pub offset: u64,
    /// `MAP_NORESERVE`: not charged against memory (see [`overcommit_guess`]).
    pub noreserve: bool,
}

impl MmapRequest {
    /// Whether the mapping is charged against memory when made (Linux
    /// `accountable_mapping`: private and writable, and not `MAP_NORESERVE`, which the
    /// default overcommit mode honours).
    pub fn accountable(&self) -> bool {
        !self.shared && self.prot.write && !self.noreserve
    }
}

/// Linux's default `vm.max_map_count`: the most mappings one address space may hold. A
/// new mapping, or a change that would split one, fails with ENOMEM at the limit
/// (mm/mmap.c `do_mmap`, mm/vma.c `split_vma`).
pub const MAX_MAP_COUNT: usize = 65530;

/// The default overcommit heuristic (`vm.overcommit_memory = 0`, Linux mm/util.c
/// `__vm_enough_memory`, `OVERCOMMIT_GUESS`): one request for more pages than the machine
/// has RAM and swap is refused with ENOMEM ("obvious overcommits of address space are
/// refused"); anything smaller is allowed and may fail later, in a page fault. There is no
/// swap here.
pub fn overcommit_guess(pages: u64, total_ram_pages: u64) -> Result<(), Errno> {
    if pages > total_ram_pages { Err(Errno::ENOMEM) } else { Ok(()) }
}

/// RLIMIT_AS (Linux mm/mmap.c `may_expand_vm`): an address space of `total` mapped bytes
/// may grow by `more` only while it stays within `limit`; ENOMEM otherwise.
pub fn may_expand_vm(total: u64, more: u64, limit: u64) -> Result<(), Errno> {
    if total.saturating_add(more) > limit { Err(Errno::ENOMEM) } else { Ok(()) }
}

/// Checks `mmap(addr, len, prot, flags, fd, offset)`'s arguments in Linux's order:
/// unaligned offset EINVAL (x86-64 `sys_mmap`), zero length EINVAL, length overflowing
/// ENOMEM, offset + length overflowing EOVERFLOW, a bad map type or protection EINVAL, an
/// unaligned or out-of-range fixed address EINVAL/ENOMEM.
pub fn check_mmap(
    addr: u64,
    len: u64,
    prot: u32,
    flags: u32,
    offset: u64,
) -> Result<MmapRequest, Errno> {
    if !is_page_aligned(offset) {
        return Err(Errno::EINVAL);
    }
    if len == 0 {
        return Err(Errno::EINVAL);
    }
    let len = page_align_up(len).filter(|&l| l <= USER_END).ok_or(Errno::ENOMEM)?;
    if offset.checked_add(len).is_none() {
        return Err(Errno::EOVERFLOW);
    }
    let shared = match flags & MAP_TYPE {
        MAP_SHARED | MAP_SHARED_VALIDATE => true,
        MAP_PRIVATE => false,
        _ => return Err(Errno::EINVAL),
    };
    let prot = Prot::from_bits(prot)?;
    let placement = if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE) != 0 {
        if !is_page_aligned(addr) {
            return Err(Errno::EINVAL);
        }
        if addr.checked_add(len).is_none_or(|end| end > USER_END) {
            return Err(Errno::ENOMEM);
        }
        if flags & MAP_FIXED != 0 {
            Placement::Fixed(addr)
        } else {
            Placement::FixedNoReplace(addr)
        }
    } else {
        Placement::Hint(addr & !(PAGE - 1))
    };
    let anonymous = flags & MAP_ANONYMOUS != 0;
    Ok(MmapRequest {
        placement,
        len,
        prot,
        shared,
        anonymous,
        offset: if anonymous { 0 } else { offset },
        noreserve: flags & MAP_NORESERVE != 0,
    })
}

/// Checks `munmap(addr, len)`: unaligned address or zero length EINVAL, a range leaving
/// user space EINVAL. Returns the page-aligned end.
pub fn check_munmap(addr: u64, len: u64) -> Result<u64, Errno> {
    if !is_page_aligned(addr) || len == 0 {
        return Err(Errno::EINVAL);
    }
    let len = page_align_up(len).ok_or(Errno::EINVAL)?;
    addr.checked_add(len).filter(|&end| end <= USER_END).ok_or(Errno::EINVAL)
}

/// Checks `mprotect(addr, len, prot)`: unaligned address EINVAL, unknown bits or both
/// `PROT_GROWSDOWN` and `PROT_GROWSUP` EINVAL, a wrapping range ENOMEM. Returns the
/// page-aligned end and the rights (the grows bits are accepted and ignored: the stack
/// region is mapped whole). A zero length succeeds without effect (end == addr).
pub fn check_mprotect(addr: u64, len: u64, prot: u32) -> Result<(u64, Prot), Errno> {
    if !is_page_aligned(addr) {
        return Err(Errno::EINVAL);
    }
    let grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
    if grows == PROT_GROWSDOWN | PROT_GROWSUP {
        return Err(Errno::EINVAL);
    }
    let prot = Prot::from_bits(prot & !grows)?;
    let len = page_align_up(len).ok_or(Errno::ENOMEM)?;
    let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
    if end > USER_END {
        return Err(Errno::ENOMEM);
    }
    Ok((end, prot))
}

/// What `brk(requested)` does, given the heap's start, its current end and the data
/// limit (RLIMIT_DATA, counting only the heap here): the new end, or `None` to leave it
/// unchanged (brk(2): "on failure, the system call returns the current break"; a request
/// below the start of the heap, or over the limit, fails). The caller also refuses a new
/// end whose pages would overlap another mapping.
pub fn brk_target(requested: u64, start: u64, current: u64, data_limit: u64) -> Option<u64> {
    if requested < start || requested == current {
        return None;
    }
    if requested - start > data_limit || requested > USER_END {
        return None;
    }
    Some(requested)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RW: u32 = PROT_READ | PROT_WRITE;
    const ANON: u32 = MAP_PRIVATE | MAP_ANONYMOUS;

    #[test]
    fn mmap_argument_errors_in_linux_order() {
        assert_eq!(check_mmap(0, 10, RW, ANON, 1), Err(Errno::EINVAL), "unaligned offset");
        assert_eq!(check_mmap(0, 0, RW, ANON, 0), Err(Errno::EINVAL), "zero length");
        assert_eq!(check_mmap(0, u64::MAX, RW, ANON, 0), Err(Errno::ENOMEM), "huge length");
        assert_eq!(check_mmap(0, 8192, RW, MAP_PRIVATE, !0xfff), Err(Errno::EOVERFLOW));
        assert_eq!(check_mmap(0, 10, RW, MAP_ANONYMOUS, 0), Err(Errno::EINVAL), "no map type");
        assert_eq!(check_mmap(0, 10, 0x40, ANON, 0), Err(Errno::EINVAL), "unknown prot");
        assert_eq!(check_mmap(0x1001, 10, RW, ANON | MAP_FIXED, 0), Err(Errno::EINVAL));
        assert_eq!(check_mmap(USER_END, 4096, RW, ANON | MAP_FIXED, 0), Err(Errno::ENOMEM));
    }

    #[test]
    fn mmap_requests() {
        let r = check_mmap(0x1234, 10, RW, ANON, 0).unwrap();
        assert_eq!(r.len, 4096);
        assert_eq!(r.placement, Placement::Hint(0x1000));
        assert!(r.anonymous && !r.shared && r.prot.write && !r.prot.exec);
        let r = check_mmap(0x4000, 4097, PROT_READ, MAP_SHARED | MAP_FIXED, 0x2000).unwrap();
        assert_eq!((r.placement, r.len, r.offset), (Placement::Fixed(0x4000), 8192, 0x2000));
        let r = check_mmap(0x4000, 1, 0, ANON | MAP_FIXED_NOREPLACE, 0).unwrap();
        assert_eq!(r.placement, Placement::FixedNoReplace(0x4000));
    }

    #[test]
    fn accounting_rules() {
        let r = check_mmap(0, 1 << 30, RW, ANON, 0).unwrap();
        assert!(r.accountable());
        assert!(!check_mmap(0, 4096, RW, ANON | MAP_NORESERVE, 0).unwrap().accountable());
        assert!(!check_mmap(0, 4096, PROT_READ, ANON, 0).unwrap().accountable());
        assert!(!check_mmap(0, 4096, RW, MAP_SHARED | MAP_ANONYMOUS, 0).unwrap().accountable());
        assert_eq!(overcommit_guess(32768, 32768), Ok(()));
        assert_eq!(overcommit_guess(32769, 32768), Err(Errno::ENOMEM));
        assert_eq!(may_expand_vm(1 << 20, 1 << 20, 2 << 20), Ok(()));
        assert_eq!(may_expand_vm(1 << 20, 1, 1 << 20), Err(Errno::ENOMEM));
        assert_eq!(may_expand_vm(u64::MAX, 1, u64::MAX), Ok(()), "RLIM_INFINITY");
    }

    #[test]
    fn munmap_and_mprotect() {
        assert_eq!(check_munmap(0x1000, 1), Ok(0x2000));
        assert_eq!(check_munmap(0x1001, 1), Err(Errno::EINVAL));
        assert_eq!(check_munmap(0x1000, 0), Err(Errno::EINVAL));
        assert_eq!(check_munmap(USER_END, 4096), Err(Errno::EINVAL));
        assert_eq!(check_mprotect(0x1000, 0, PROT_READ).map(|r| r.0), Ok(0x1000));
        assert_eq!(check_mprotect(0x1001, 1, PROT_READ), Err(Errno::EINVAL));
        assert_eq!(check_mprotect(0x1000, 1, PROT_GROWSDOWN | PROT_GROWSUP), Err(Errno::EINVAL));
        assert_eq!(check_mprotect(0x1000, u64::MAX - 10, PROT_READ), Err(Errno::ENOMEM));
        assert!(check_mprotect(0x1000, 1, PROT_READ | PROT_GROWSDOWN).is_ok());
    }

    #[test]
    fn brk_rules() {
        assert_eq!(brk_target(0, 0x10000, 0x10000, u64::MAX), None, "query");
        assert_eq!(brk_target(0x8000, 0x10000, 0x12000, u64::MAX), None, "below the start");
        assert_eq!(brk_target(0x10d40, 0x10000, 0x10000, u64::MAX), Some(0x10d40));
        assert_eq!(brk_target(0x10000, 0x10000, 0x12000, u64::MAX), Some(0x10000), "shrink");
        assert_eq!(brk_target(0x30000, 0x10000, 0x10000, 0x1000), None, "over RLIMIT_DATA");
    }
}
