//! The initial process stack at exec (System V x86-64 ABI 3.4.1 "Initial Stack and Register
//! State"; Linux fs/binfmt_elf.c `create_elf_tables`), built as bytes for the top of the new
//! stack plus the initial stack pointer:
//!
//! ```text
//! high  8 zero bytes (end marker)
//!       file name given to exec (AT_EXECFN)
//!       environment strings, argument strings (argv[0] lowest)
//!       "x86_64" (AT_PLATFORM), 16 random bytes (AT_RANDOM), padding to 16
//!       auxv pairs ending with AT_NULL
//!       envp pointers, NULL
//!       argv pointers, NULL
//! low   argc                                      <- initial rsp, 16-byte aligned
//! ```

use alloc::vec;
use alloc::vec::Vec;

use linux_raw_sys::auxvec::{AT_EXECFN, AT_NULL, AT_PLATFORM, AT_RANDOM};

/// What goes on the stack.
pub struct StackSpec<'a> {
    /// Arguments.
    pub argv: &'a [&'a [u8]],
    /// Environment (`KEY=VALUE`).
    pub envp: &'a [&'a [u8]],
    /// The path given to exec.
    pub execfn: &'a [u8],
    /// Auxiliary vector entries from the loader and credentials (AT_PHDR, AT_ENTRY,
    /// AT_UID, ...). AT_RANDOM, AT_EXECFN, AT_PLATFORM and AT_NULL are added here.
    pub auxv: &'a [(u64, u64)],
    /// The 16 bytes AT_RANDOM points at (libc seeds stack protectors from them).
    pub random: [u8; 16],
}

/// The platform string for AT_PLATFORM.
pub const PLATFORM: &[u8] = b"x86_64";

/// The built stack top: `bytes` belong at `[top - bytes.len(), top)`.
#[derive(Debug)]
pub struct StackImage {
    /// Contents of the top of the stack.
    pub bytes: Vec<u8>,
    /// The initial stack pointer (points at argc).
    pub sp: u64,
}

/// Lays out `spec` below `top` (which must be 16-byte aligned).
///
/// One allocation (the image) and one pass: the kernel that runs this executes every
/// instruction in an emulator, so the pointers are written straight into the image rather
/// than gathered in vectors first.
pub fn build(spec: &StackSpec<'_>, top: u64) -> StackImage {
    let strings: usize = spec.argv.iter().chain(spec.envp).map(|s| s.len() + 1).sum::<usize>()
        + spec.execfn.len()
        + 1
        + 8;
    let below_strings = PLATFORM.len() + 1 + 16;
    let auxv_len = spec.auxv.len() + 4; // + AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_NULL
    let words = 1 + spec.argv.len() + 1 + spec.envp.len() + 1 + 2 * auxv_len;
    // Address where the table (argc...) starts: below the strings, aligned so that it is
    // 16-byte aligned (the ABI's requirement for rsp at process entry).
    let strings_bottom = top - strings as u64;
    let info_bottom = strings_bottom - below_strings as u64;
    let sp = (info_bottom - (words * 8) as u64) & !0xf;
    let mut bytes = vec![0u8; (top - sp) as usize];
    let at = |addr: u64| (addr - sp) as usize;

    // Writes `word` as table entry number `*slot`, then moves to the next entry.
    fn put_word(bytes: &mut [u8], slot: &mut usize, word: u64) {
        bytes[*slot * 8..*slot * 8 + 8].copy_from_slice(&word.to_le_bytes());
        *slot += 1;
    }

    // Strings upward from strings_bottom (argv, envp, execfn, then the zero end marker),
    // their pointers in the table upward from sp.
    let mut cursor = strings_bottom;
    let mut slot = 0;
    put_word(&mut bytes, &mut slot, spec.argv.len() as u64);
    for list in [spec.argv, spec.envp] {
        for s in list {
            bytes[at(cursor)..at(cursor) + s.len()].copy_from_slice(s);
            put_word(&mut bytes, &mut slot, cursor);
            cursor += s.len() as u64 + 1;
        }
        put_word(&mut bytes, &mut slot, 0);
    }
    let execfn = cursor;
    bytes[at(execfn)..at(execfn) + spec.execfn.len()].copy_from_slice(spec.execfn);
    let platform = info_bottom + 16;
    bytes[at(platform)..at(platform) + PLATFORM.len()].copy_from_slice(PLATFORM);
    let random = info_bottom;
    bytes[at(random)..at(random) + 16].copy_from_slice(&spec.random);

    for &(key, value) in spec.auxv {
        put_word(&mut bytes, &mut slot, key);
        put_word(&mut bytes, &mut slot, value);
    }
    for (key, value) in [
        (u64::from(AT_RANDOM), random),
        (u64::from(AT_EXECFN), execfn),
        (u64::from(AT_PLATFORM), platform),
        (u64::from(AT_NULL), 0),
    ] {
        put_word(&mut bytes, &mut slot, key);
        put_word(&mut bytes, &mut slot, value);
    }
    debug_assert_eq!(slot, words);
    StackImage { bytes, sp }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linux_raw_sys::auxvec::{AT_ENTRY, AT_PAGESZ};

    const TOP: u64 = 0x7fff_ffff_f000;

    fn word(img: &StackImage, addr: u64) -> u64 {
        let i = (addr - img.sp) as usize;
        u64::from_le_bytes(img.bytes[i..i + 8].try_into().unwrap())
    }

    fn cstr(img: &StackImage, addr: u64) -> Vec<u8> {
        let i = (addr - img.sp) as usize;
        let end = img.bytes[i..].iter().position(|&b| b == 0).unwrap();
        img.bytes[i..i + end].to_vec()
    }

    #[test]
    fn layout_reads_back() {
        let argv: [&[u8]; 3] = [b"/bin/hello", b"a", b"b c"];
        let envp: [&[u8]; 2] = [b"PATH=/bin", b"X="];
        let auxv = [(u64::from(AT_PAGESZ), 4096), (u64::from(AT_ENTRY), 0x401000)];
        let spec = StackSpec {
            argv: &argv,
            envp: &envp,
            execfn: b"/bin/hello",
            auxv: &auxv,
            random: [7; 16],
        };
        let img = build(&spec, TOP);
        assert_eq!(img.sp % 16, 0, "rsp must be 16-byte aligned at entry");
        assert_eq!(img.sp + img.bytes.len() as u64, TOP);
        assert_eq!(word(&img, img.sp), 3);
        for (i, a) in argv.iter().enumerate() {
            assert_eq!(cstr(&img, word(&img, img.sp + 8 + 8 * i as u64)), *a);
        }
        assert_eq!(word(&img, img.sp + 8 * 4), 0);
        let envp_at = img.sp + 8 * 5;
        for (i, e) in envp.iter().enumerate() {
            assert_eq!(cstr(&img, word(&img, envp_at + 8 * i as u64)), *e);
        }
        assert_eq!(word(&img, envp_at + 16), 0);
        // auxv
        let mut aux = envp_at + 24;
        let mut seen = alloc::collections::BTreeMap::new();
        loop {
            let (k, v) = (word(&img, aux), word(&img, aux + 8));
            if k == u64::from(AT_NULL) {
                break;
            }
            seen.insert(k, v);
            aux += 16;
        }
        assert_eq!(seen[&u64::from(AT_PAGESZ)], 4096);
        assert_eq!(cstr(&img, seen[&u64::from(AT_EXECFN)]), b"/bin/hello");
        assert_eq!(cstr(&img, seen[&u64::from(AT_PLATFORM)]), b"x86_64");
        let r = (seen[&u64::from(AT_RANDOM)] - img.sp) as usize;
        assert_eq!(img.bytes[r..r + 16], [7; 16]);
        // The top 8 bytes are the zero end marker.
        assert_eq!(img.bytes[img.bytes.len() - 8..], [0; 8]);
    }

    #[test]
    fn alignment_holds_for_any_argument_count() {
        for n in 0..8 {
            let args: Vec<&[u8]> = (0..n).map(|_| &b"xyz"[..]).collect();
            let spec =
                StackSpec { argv: &args, envp: &[], execfn: b"p", auxv: &[], random: [0; 16] };
            let img = build(&spec, TOP);
            assert_eq!(img.sp % 16, 0);
            assert_eq!(word(&img, img.sp), n as u64);
        }
    }
}
