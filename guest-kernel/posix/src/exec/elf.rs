//! ELF executables: from the header and program headers to a plan of what to map where
//! (System V gABI "Program Header"; Linux fs/binfmt_elf.c `load_elf_binary`).
//!
//! Supported: static executables (`ET_EXEC`) and static position-independent executables
//! (`ET_DYN` without `PT_INTERP`), 64-bit little-endian x86-64. Checks that fail with
//! ENOEXEC follow Linux where Linux checks (magic, type, machine, program header size and
//! count); in addition, and unlike Linux (which maps the file regardless and lets the
//! program fault later), a segment whose file bytes lie outside the file, with
//! `p_filesz > p_memsz`, misaligned, or outside user space is refused with ENOEXEC here,
//! and so are loadable segments out of address order or overlapping (the gABI has them
//! "sorted on the p_vaddr member"; the kernel's loader maps each one into pages no other
//! segment has, apart from a page where one ends and the next begins) and an entry point
//! outside user space (Linux's `BAD_ADDR` check, which there kills the process after the
//! point of no return), so a bad file never becomes a process. Executables needing a
//! dynamic loader are refused with ENOEXEC (there is no `ld.so` in the guest).

use alloc::vec::Vec;

use linux_raw_sys::elf::{
    EI_CLASS, EI_DATA, ELFMAG, ET_DYN, PF_R, PF_W, PF_X, PT_GNU_STACK, PT_INTERP, PT_LOAD,
};

use crate::Errno;

/// `ET_EXEC`.
const ET_EXEC: u16 = 2;
/// `EM_X86_64`.
const EM_X86_64: u16 = 62;
/// Size of an ELF64 program header.
pub const PHDR_SIZE: usize = 56;
/// Size of the ELF64 file header.
pub const EHDR_SIZE: usize = 64;
/// Page size.
pub const PAGE: u64 = 4096;
/// End of the user part of the address space (exclusive; the last page is never mapped,
/// as on Linux `TASK_SIZE_MAX`).
pub const USER_END: u64 = 0x0000_7fff_ffff_f000;
/// Where a static-pie executable's lowest segment is placed (Linux's `ELF_ET_DYN_BASE`
/// for x86-64 without randomization: 2/3 of the user range, page aligned).
pub const ET_DYN_BASE: u64 = 0x5555_5555_4000;

/// The fields of the ELF file header exec needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// `ET_EXEC` or `ET_DYN`.
    pub e_type: u16,
    /// Entry point (before relocation for `ET_DYN`).
    pub entry: u64,
    /// File offset of the program header table.
    pub phoff: u64,
    /// Number of program headers.
    pub phnum: u16,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or([0; 4]))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]))
}

/// Parses the file header from the file's first bytes (shorter files read as zero-filled,
/// as Linux's exec buffer is).
pub fn parse_header(probe: &[u8]) -> Result<Header, Errno> {
    let mut buf = [0u8; EHDR_SIZE];
    let n = probe.len().min(EHDR_SIZE);
    buf[..n].copy_from_slice(&probe[..n]);
    if buf[..4] != ELFMAG {
        return Err(Errno::ENOEXEC);
    }
    let e_type = u16_at(&buf, 16);
    if e_type != ET_EXEC && e_type != ET_DYN {
        return Err(Errno::ENOEXEC);
    }
    if u16_at(&buf, 18) != EM_X86_64 || buf[EI_CLASS] != 2 || buf[EI_DATA] != 1 {
        return Err(Errno::ENOEXEC);
    }
    let phentsize = u16_at(&buf, 54);
    let phnum = u16_at(&buf, 56);
    // Linux: e_phentsize must be sizeof(elf_phdr); 1 <= e_phnum, table <= 64 KiB.
    if usize::from(phentsize) != PHDR_SIZE || phnum == 0 || usize::from(phnum) * PHDR_SIZE > 65536 {
        return Err(Errno::ENOEXEC);
    }
    Ok(Header { e_type, entry: u64_at(&buf, 24), phoff: u64_at(&buf, 32), phnum })
}

/// Bytes of the program header table, where the caller must read them from.
pub fn phdr_table_range(header: &Header) -> (u64, usize) {
    (header.phoff, usize::from(header.phnum) * PHDR_SIZE)
}

/// Access rights of a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prot {
    /// Readable.
    pub read: bool,
    /// Writable.
    pub write: bool,
    /// Executable.
    pub exec: bool,
}

/// One loadable segment, relocated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Virtual address of the first byte.
    pub vaddr: u64,
    /// Bytes in memory (the part past `filesz` is zero).
    pub memsz: u64,
    /// File offset of the first byte.
    pub offset: u64,
    /// Bytes taken from the file.
    pub filesz: u64,
    /// Access rights.
    pub prot: Prot,
}

/// Everything exec needs to build the new address space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadPlan {
    /// Segments to map, in file order, which is ascending address order: each one ends at
    /// or before the next one's `vaddr` (they may share a page). Each lies in
    /// `[PAGE, USER_END)`, with `vaddr % PAGE == offset % PAGE`, `filesz <= memsz` and its
    /// file bytes inside the file.
    pub segments: Vec<Segment>,
    /// Relocated entry point (wrapping). It may lie outside user space: Linux fails such an
    /// exec only after its point of no return (`BAD_ADDR(elf_entry)` in
    /// fs/binfmt_elf.c), which kills the process with SIGSEGV, and the kernel does the
    /// same (`exec::execve`).
    pub entry: u64,
    /// Where the program headers are in memory (AT_PHDR): as Linux since 5.18, found
    /// from `e_phoff` in the last loadable segment whose file bytes include it (`PT_PHDR`
    /// is not consulted); 0 if none does (Linux passes the load bias then).
    pub phdr: u64,
    /// Number of program headers (AT_PHNUM).
    pub phnum: u16,
    /// First address after the highest segment, page aligned: where the heap (brk) starts.
    pub brk: u64,
    /// How much was added to every address (0 for `ET_EXEC`).
    pub bias: u64,
    /// Whether `PT_GNU_STACK` asks for an executable stack.
    pub exec_stack: bool,
}

fn align_down(x: u64) -> u64 {
    x & !(PAGE - 1)
}

/// Makes the load plan from the header, the program header table and the file's size.
pub fn plan(header: &Header, phdrs: &[u8], file_len: u64) -> Result<LoadPlan, Errno> {
    let (_, table_len) = phdr_table_range(header);
    if phdrs.len() < table_len {
        return Err(Errno::ENOEXEC);
    }
    let mut segments: Vec<Segment> = Vec::new();
    let mut exec_stack = false;
    for i in 0..usize::from(header.phnum) {
        let p = &phdrs[i * PHDR_SIZE..(i + 1) * PHDR_SIZE];
        let (p_type, flags) = (u32_at(p, 0), u32_at(p, 4));
        let (offset, vaddr, filesz, memsz) =
            (u64_at(p, 8), u64_at(p, 16), u64_at(p, 32), u64_at(p, 40));
        match p_type {
            PT_INTERP => return Err(Errno::ENOEXEC),
            PT_GNU_STACK => exec_stack = flags & PF_X != 0,
            PT_LOAD if memsz > 0 => {
                let in_file = offset.checked_add(filesz).is_some_and(|end| end <= file_len);
                let aligned = vaddr % PAGE == offset % PAGE;
                let after_previous =
                    segments.last().is_none_or(|prev| prev.vaddr + prev.memsz <= vaddr);
                if !in_file
                    || filesz > memsz
                    || !aligned
                    || vaddr.checked_add(memsz).is_none()
                    || !after_previous
                {
                    return Err(Errno::ENOEXEC);
                }
                let prot = Prot {
                    read: flags & PF_R != 0,
                    write: flags & PF_W != 0,
                    exec: flags & PF_X != 0,
                };
                segments.push(Segment { vaddr, memsz, offset, filesz, prot });
            }
            _ => {}
        }
    }
    // In address order: the first segment is the lowest.
    let lowest = segments.first().map(|s| align_down(s.vaddr)).ok_or(Errno::ENOEXEC)?;
    let bias = if header.e_type == ET_DYN { ET_DYN_BASE - lowest.min(ET_DYN_BASE) } else { 0 };
    let mut brk = 0;
    for s in &mut segments {
        let vaddr = s.vaddr.checked_add(bias).ok_or(Errno::ENOEXEC)?;
        let end = vaddr.checked_add(s.memsz).ok_or(Errno::ENOEXEC)?;
        if end > USER_END || vaddr < PAGE {
            return Err(Errno::ENOEXEC);
        }
        s.vaddr = vaddr;
        brk = brk.max(end);
    }
    let brk = brk.div_ceil(PAGE) * PAGE;
    let entry = header.entry.wrapping_add(bias);
    // AT_PHDR (Linux fs/binfmt_elf.c, "Figure out which segment in the file contains the
    // Program Header table"): below `vaddr + filesz <= USER_END`, so no overflow.
    let phoff = header.phoff;
    let phdr = segments
        .iter()
        .rev()
        .find(|s| s.offset <= phoff && phoff - s.offset < s.filesz)
        .map_or(0, |s| s.vaddr + (phoff - s.offset));
    Ok(LoadPlan { segments, entry, phdr, phnum: header.phnum, brk, bias, exec_stack })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use linux_raw_sys::elf::PT_PHDR;

    /// A program header for the tests: type, flags, offset, vaddr, filesz, memsz.
    type Ph = (u32, u32, u64, u64, u64, u64);

    /// A minimal ELF: header, `phdrs`, padding to `len`.
    fn elf(e_type: u16, entry: u64, phdrs: &[Ph], len: usize) -> Vec<u8> {
        let mut f = vec![0u8; len.max(EHDR_SIZE + phdrs.len() * PHDR_SIZE)];
        f[..4].copy_from_slice(&ELFMAG);
        f[4] = 2;
        f[5] = 1;
        f[6] = 1;
        f[16..18].copy_from_slice(&e_type.to_le_bytes());
        f[18..20].copy_from_slice(&EM_X86_64.to_le_bytes());
        f[24..32].copy_from_slice(&entry.to_le_bytes());
        f[32..40].copy_from_slice(&(EHDR_SIZE as u64).to_le_bytes());
        f[54..56].copy_from_slice(&(PHDR_SIZE as u16).to_le_bytes());
        f[56..58].copy_from_slice(&(phdrs.len() as u16).to_le_bytes());
        for (i, &(t, fl, off, va, fs, ms)) in phdrs.iter().enumerate() {
            let p = EHDR_SIZE + i * PHDR_SIZE;
            f[p..p + 4].copy_from_slice(&t.to_le_bytes());
            f[p + 4..p + 8].copy_from_slice(&fl.to_le_bytes());
            for (j, v) in [off, va, va, fs, ms].iter().enumerate() {
                f[p + 8 + j * 8..p + 16 + j * 8].copy_from_slice(&v.to_le_bytes());
            }
        }
        f
    }

    fn plan_of(f: &[u8]) -> Result<LoadPlan, Errno> {
        let h = parse_header(f)?;
        let (off, len) = phdr_table_range(&h);
        let table = f.get(off as usize..off as usize + len).ok_or(Errno::ENOEXEC)?;
        plan(&h, table, f.len() as u64)
    }

    #[test]
    fn static_executable() {
        let f = elf(
            2,
            0x401000,
            &[
                (PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x2000, 0x2000),
                (PT_LOAD, PF_R | PF_W, 0x2000, 0x402000, 0x100, 0x5000),
            ],
            0x2100,
        );
        let p = plan_of(&f).unwrap();
        assert_eq!(p.entry, 0x401000);
        assert_eq!(p.bias, 0);
        assert_eq!(p.segments.len(), 2);
        assert!(p.segments[0].prot.exec && !p.segments[0].prot.write);
        assert_eq!(p.brk, 0x407000);
        assert_eq!(
            p.phdr,
            0x400000 + EHDR_SIZE as u64,
            "AT_PHDR from the segment holding the table"
        );
    }

    #[test]
    fn static_pie_is_relocated() {
        let f = elf(
            3,
            0x1100,
            &[(PT_PHDR, PF_R, 64, 64, 112, 112), (PT_LOAD, PF_R | PF_X, 0, 0, 0x2000, 0x2000)],
            0x2000,
        );
        let p = plan_of(&f).unwrap();
        assert_eq!(p.bias, ET_DYN_BASE);
        assert_eq!(p.entry, ET_DYN_BASE + 0x1100);
        assert_eq!(p.phdr, ET_DYN_BASE + 64);
    }

    #[test]
    fn header_checks_match_linux() {
        let good = elf(2, 0x401000, &[(PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x100, 0x100)], 0x100);
        assert!(parse_header(&good).is_ok());
        assert_eq!(parse_header(b"garbage").unwrap_err(), Errno::ENOEXEC);
        assert_eq!(parse_header(&good[..30]).unwrap_err(), Errno::ENOEXEC, "truncated: zero phnum");
        for (at, value) in [(16usize, 1u8), (18, 183), (4, 1), (5, 2), (54, 32)] {
            let mut bad = good.clone();
            bad[at] = value;
            assert_eq!(parse_header(&bad).unwrap_err(), Errno::ENOEXEC, "byte {at} = {value}");
        }
    }

    #[test]
    fn bad_segments_are_refused() {
        let cases: [&[Ph]; 5] = [
            &[(PT_LOAD, PF_R, 0, 0x400000, 0x9000, 0x9000)], // beyond the file
            &[(PT_LOAD, PF_R, 0, 0x400000, 0x200, 0x100)],   // filesz > memsz
            &[(PT_LOAD, PF_R, 0, 0x400010, 0x100, 0x100)],   // misaligned
            &[(PT_LOAD, PF_R, 0, USER_END, 0x100, 0x100)],   // kernel half
            &[(PT_INTERP, PF_R, 0, 0, 0x10, 0x10), (PT_LOAD, PF_R, 0, 0x400000, 0x100, 0x100)],
        ];
        for phdrs in cases {
            assert_eq!(
                plan_of(&elf(2, 0x400000, phdrs, 0x1000)),
                Err(Errno::ENOEXEC),
                "{phdrs:x?}"
            );
        }
        assert_eq!(
            plan_of(&elf(2, 0, &[(PT_GNU_STACK, PF_R, 0, 0, 0, 0)], 0x200)),
            Err(Errno::ENOEXEC),
            "nothing to load"
        );
    }

    /// Found by the `exec_image` fuzz target: overlapping or unsorted segments were
    /// accepted, which the kernel's loader (`exec/load.rs`) cannot map: it trims each
    /// segment at the next one's first page, so an earlier-listed higher segment lost its
    /// file bytes, and a writable segment's bss pages were filled before an overlapping
    /// segment's page-table entries overwrote them (leaked frames).
    #[test]
    fn segments_out_of_order_or_overlapping_are_refused() {
        let text = (PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x1800, 0x1800);
        let cases: [&[Ph]; 3] = [
            &[text, (PT_LOAD, PF_R | PF_W, 0x1000, 0x401000, 0x100, 0x100)], // overlap
            &[(PT_LOAD, PF_R, 0x1000, 0x500000, 0x100, 0x100), text],        // out of order
            &[text, (PT_LOAD, PF_R, 0x1000, 0x400000, 0x100, 0x100)],        // same address
        ];
        for phdrs in cases {
            assert_eq!(plan_of(&elf(2, 0x400100, phdrs, 0x2000)), Err(Errno::ENOEXEC));
        }
        // Sharing a page is fine: the second starts where the first ends.
        let shared = [text, (PT_LOAD, PF_R | PF_W, 0x1800, 0x401800, 0x100, 0x900)];
        let p = plan_of(&elf(2, 0x400100, &shared, 0x2000)).unwrap();
        assert_eq!(p.segments.len(), 2);
        assert_eq!(p.brk, 0x403000);
        // Segments without memory are not loaded and do not count.
        let empty = (PT_LOAD, PF_R, 0, 0x900000, 0, 0);
        assert!(plan_of(&elf(2, 0x400100, &[text, empty, shared[1]], 0x2000)).is_ok());
    }

    /// Found by the `exec_image` fuzz target: relocating a static-pie could overflow (an
    /// arithmetic panic in a debug kernel, a wrapped address in a release one). The table
    /// offset case was found reading the code (`e_phoff + table size` overflowed when no
    /// PT_PHDR was given); the kernel cannot reach it, since it reads the table first.
    #[test]
    fn relocation_overflow_is_enoexec() {
        let low = (PT_LOAD, PF_R | PF_X, 0, 0, 0x1000, 0x1000);
        let high = (PT_LOAD, PF_R, 0, 0xffff_ffff_ffff_f000, 0x100, 0x100);
        assert_eq!(plan_of(&elf(3, 0x100, &[low, high], 0x1000)), Err(Errno::ENOEXEC));
        // The entry point wraps as Linux's unsigned arithmetic does (no panic).
        let wrapped = plan_of(&elf(3, u64::MAX, &[low], 0x1000)).unwrap();
        assert_eq!(wrapped.entry, u64::MAX.wrapping_add(wrapped.bias));
        // A table offset near the top of the range (direct callers may pass anything).
        let f = elf(2, 0x400100, &[(PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x1000, 0x1000)], 0x1000);
        let mut h = parse_header(&f).unwrap();
        h.phoff = u64::MAX - 8;
        assert_eq!(plan(&h, &f[64..120], 0x1000).unwrap().phdr, 0);
    }

    /// An entry point outside user space is not refused here: Linux fails such an exec
    /// after its point of no return (the process dies of SIGSEGV, measured on 6.18), so
    /// the plan carries it and the kernel kills the process at the same point.
    #[test]
    fn entry_outside_user_space_is_planned() {
        let text = [(PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x1000, 0x1000)];
        for entry in [USER_END, 0x8000_0000_0000_0000, u64::MAX] {
            assert_eq!(plan_of(&elf(2, entry, &text, 0x1000)).unwrap().entry, entry);
        }
        assert_eq!(plan_of(&elf(2, USER_END - 1, &text, 0x1000)).unwrap().entry, USER_END - 1);
    }

    /// Found by the `exec_image` fuzz target (AT_PHDR pointed where no table was): AT_PHDR
    /// comes from e_phoff and the segment holding it, never from PT_PHDR. Linux 6.18 gives
    /// a static-pie whose PT_PHDR says vaddr + 1 MiB the real table address.
    #[test]
    fn at_phdr_ignores_pt_phdr() {
        let load = (PT_LOAD, PF_R | PF_X, 0, 0, 0x2000, 0x2000);
        let f = elf(3, 0x1100, &[(PT_PHDR, PF_R, 64, 0x100040, 112, 112), load], 0x2000);
        assert_eq!(plan_of(&f).unwrap().phdr, ET_DYN_BASE + 64);
        // No segment holds the table: 0.
        let later = (PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x1000, 0x1000);
        assert_eq!(plan_of(&elf(2, 0x401000, &[later], 0x2000)).unwrap().phdr, 0);
    }
}
