//! Fuzzes exec's pure rules (`posix::exec`) the way the kernel's `exec/` uses them: an
//! arbitrary program file of an arbitrary size goes through the probe, then either the `#!`
//! line (checked against a line-by-line model of Linux's fs/binfmt_script.c) or the ELF
//! header, program header table and load plan (checked against the documented rules and
//! what the kernel's loader relies on); arbitrary argument and environment sizes go through
//! the E2BIG accounting (checked against a model in 128-bit arithmetic), and real strings
//! through the initial stack layout (read back and checked word by word).
//!
//! Input layout (missing bytes read as zero):
//!
//! ```text
//! [0]       bits 0-1: file size mode: 0 the file bytes as given; 1 cut to P % (len + 1);
//!           2 zero-padded by P % 1 MiB; 3 exactly P (a sparse file of any size)
//!           bit 2: also call `elf::plan` directly with e_phoff replaced by P
//!           bit 3: AT_SECURE
//! [1..9]    P (le64)
//! [9..17]   RLIMIT_STACK (le64, any value)
//! [17]      argc % 9      [18] envc % 9
//! [19]      shift % 64 applied to the 16 lengths for the size-only E2BIG check
//! [20..22]  length of the path given to exec, % 4096
//! [22..24]  uid (le16) of the credentials in the auxiliary vector
//! [24..56]  16 string lengths (le16): argv then envp; real strings use them % 4096
//! [56..64]  argc for the size-only check (le64)   [64..72] envc for it (le64)
//! [72..]    the program file
//! ```

#![no_main]

use libfuzzer_sys::fuzz_target;
use posix::Errno;
use posix::cred::Credentials;
use posix::exec::arg_limits::{self, ARG_MAX, Budget, DEFAULT_STACK_LIMIT, MAX_ARG_STRLEN};
use posix::exec::elf::{
    self, EHDR_SIZE, ET_DYN_BASE, Header, LoadPlan, PAGE, PHDR_SIZE, Prot, Segment, USER_END,
};
use posix::exec::initial_stack::{self, PLATFORM, StackImage, StackSpec};
use posix::exec::{FileKind, PROBE_LEN, auxv, shebang};
use posix::mm::user_layout::{STACK_TOP, stack_bottom};

const HEADER: usize = 72;

// Auxiliary vector keys (System V x86-64 ABI; linux/auxvec.h).
const AT_NULL: u64 = 0;
const AT_PHDR: u32 = 3;
const AT_PHNUM: u32 = 5;
const AT_ENTRY: u32 = 9;
const AT_PLATFORM: u64 = 15;
const AT_SECURE: u32 = 23;
const AT_RANDOM: u64 = 25;
const AT_EXECFN: u64 = 31;
const MAX_STRINGS: usize = 16;

#[path = "bytes.rs"]
mod bytes;
#[allow(unused_imports, reason = "each target uses the readers it needs")]
use bytes::{byte, le16, le32, le64};

/// A program file: `data`, cut or zero-padded to `len` bytes (ExecFile::read_at).
struct File<'a> {
    data: &'a [u8],
    len: u64,
}

impl File<'_> {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize {
        if offset >= self.len {
            return 0;
        }
        let n = (self.len - offset).min(buf.len() as u64) as usize;
        buf[..n].fill(0);
        if let Ok(start) = usize::try_from(offset)
            && start < self.data.len()
        {
            let m = (self.data.len() - start).min(n);
            buf[..m].copy_from_slice(&self.data[start..start + m]);
        }
        n
    }
}

// ---------------------------------------------------------------------------------------
// `#!`: Linux 6.x fs/binfmt_script.c `load_script`, statement by statement, on Linux's
// 256-byte buffer (zero-filled past the end of a shorter file).

fn spacetab(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// What Linux does with the line: ENOEXEC, EACCES (an empty interpreter name: `open_exec("")`
/// opens the working directory, which is no regular file), or the interpreter and argument.
fn linux_script(head: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>), Errno> {
    let mut buf = [0u8; PROBE_LEN];
    let n = head.len().min(PROBE_LEN);
    buf[..n].copy_from_slice(&head[..n]);
    assert_eq!(&buf[..2], b"#!");
    let next_non_spacetab = |buf: &[u8; PROBE_LEN], first: usize, last: usize| {
        (first..=last).find(|&i| !spacetab(buf[i]))
    };
    let next_terminator = |buf: &[u8; PROBE_LEN], first: usize, last: usize| {
        (first..=last).find(|&i| spacetab(buf[i]) || buf[i] == 0)
    };
    let buf_end = PROBE_LEN - 1;
    // strnchr(buf, sizeof(buf), '\n'): stops at a NUL.
    let mut newline = None;
    for (i, &c) in buf.iter().enumerate() {
        if c == b'\n' {
            newline = Some(i);
            break;
        }
        if c == 0 {
            break;
        }
    }
    let mut i_end = match newline {
        Some(e) => e,
        None => {
            let e = next_non_spacetab(&buf, 2, buf_end).ok_or(Errno::ENOEXEC)?;
            next_terminator(&buf, e, buf_end).ok_or(Errno::ENOEXEC)?;
            buf_end
        }
    };
    while spacetab(buf[i_end - 1]) {
        i_end -= 1;
    }
    let i_name = match next_non_spacetab(&buf, 2, i_end) {
        Some(i) if i != i_end => i,
        _ => return Err(Errno::ENOEXEC),
    };
    let i_sep = next_terminator(&buf, i_name, i_end);
    let mut i_arg = None;
    if let Some(s) = i_sep
        && buf[s] != 0
    {
        i_arg = next_non_spacetab(&buf, s, i_end);
    }
    buf[i_end] = 0;
    if i_arg.is_some() {
        buf[i_sep.unwrap()] = 0;
    }
    let cstr = |from: usize| buf[from..].split(|&c| c == 0).next().unwrap().to_vec();
    let interpreter = cstr(i_name);
    if interpreter.is_empty() {
        return Err(Errno::EACCES);
    }
    Ok((interpreter, i_arg.map(cstr)))
}

/// Whether `part` is a subslice of `whole`, and where.
fn offset_in(whole: &[u8], part: &[u8]) -> usize {
    let (w, p) = (whole.as_ptr() as usize, part.as_ptr() as usize);
    assert!(p >= w && p + part.len() <= w + whole.len(), "not borrowed from the probe");
    p - w
}

/// The `#!` line of `head`: posix agrees with Linux, the pieces are sane, and the rewritten
/// argument list is `interpreter [argument] path argv[1..]`. Returns the new argv.
fn check_script<'a>(head: &'a [u8], path: &'a [u8], argv: &[&'a [u8]]) -> Option<Vec<&'a [u8]>> {
    let got = shebang::parse(head);
    let want = linux_script(head);
    let line = match (&got, &want) {
        (Ok(s), Ok((interp, arg))) => {
            assert_eq!(s.interpreter, &interp[..]);
            assert_eq!(s.argument.map(<[u8]>::to_vec), *arg);
            s
        }
        (Err(e), Err(w)) => {
            assert_eq!(e, w);
            return None;
        }
        _ => panic!("posix {got:?}, Linux {want:?}"),
    };
    // Both come from the probe's first 255 bytes, after "#!", argument after interpreter.
    let window = &head[..head.len().min(PROBE_LEN - 1)];
    let name_at = offset_in(window, line.interpreter);
    assert!(name_at >= 2 && !line.interpreter.is_empty());
    assert!(!line.interpreter.iter().any(|&c| spacetab(c) || c == 0 || c == b'\n'));
    if let Some(arg) = line.argument {
        let arg_at = offset_in(window, arg);
        assert!(arg_at > name_at + line.interpreter.len());
        assert!(!arg.contains(&0) && !arg.contains(&b'\n'));
        assert!(arg.first().is_none_or(|&c| !spacetab(c)));
    }
    let new = shebang::rewrite_argv(line, path, argv);
    let fixed = 2 + usize::from(line.argument.is_some());
    assert_eq!(new.len(), fixed + argv.len().saturating_sub(1));
    assert_eq!(new[0], line.interpreter);
    if let Some(arg) = line.argument {
        assert_eq!(new[1], arg);
    }
    assert_eq!(new[fixed - 1], path);
    assert!(new[fixed..].iter().eq(argv.iter().skip(1)));
    Some(new)
}

// ---------------------------------------------------------------------------------------
// ELF.

const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;
const PT_LOAD: u32 = 1;
const PT_INTERP: u32 = 3;
const PT_GNU_STACK: u32 = 0x6474_e551;

fn header_ok(head: &[u8]) -> bool {
    let mut b = [0u8; EHDR_SIZE];
    let n = head.len().min(EHDR_SIZE);
    b[..n].copy_from_slice(&head[..n]);
    b[..4] == *b"\x7fELF"
        && matches!(le16(&b, 16), ET_EXEC | ET_DYN)
        && le16(&b, 18) == 62
        && b[4] == 2
        && b[5] == 1
        && usize::from(le16(&b, 54)) == PHDR_SIZE
        && (1..=65536 / PHDR_SIZE).contains(&usize::from(le16(&b, 56)))
}

fn down(x: u64) -> u64 {
    x & !(PAGE - 1)
}

/// The plan the documented rules give, computed in 128-bit arithmetic: ENOEXEC for a
/// PT_INTERP, no loadable segment, a segment outside the file, with p_filesz > p_memsz,
/// misaligned, overlapping or out of order, or outside [PAGE, USER_END) once relocated. The
/// entry point may be anywhere (relocated with wrapping arithmetic): Linux fails such an
/// exec only after its point of no return, and the kernel then kills the process with
/// SIGSEGV as Linux does.
fn model_plan(h: &Header, table: &[u8], file_len: u64) -> Option<LoadPlan> {
    let mut segments = Vec::new();
    let mut exec_stack = false;
    for p in table.chunks_exact(PHDR_SIZE).take(usize::from(h.phnum)) {
        let (t, flags) = (le32(p, 0), le32(p, 4));
        let (offset, vaddr, filesz, memsz) = (le64(p, 8), le64(p, 16), le64(p, 32), le64(p, 40));
        match t {
            PT_INTERP => return None,
            PT_GNU_STACK => exec_stack = flags & 1 != 0,
            PT_LOAD if memsz > 0 => {
                let prot =
                    Prot { read: flags & 4 != 0, write: flags & 2 != 0, exec: flags & 1 != 0 };
                segments.push(Segment { vaddr, memsz, offset, filesz, prot });
            }
            _ => {}
        }
    }
    let wide = |x: u64| u128::from(x);
    for (i, s) in segments.iter().enumerate() {
        if wide(s.offset) + wide(s.filesz) > wide(file_len)
            || s.filesz > s.memsz
            || s.vaddr % PAGE != s.offset % PAGE
            || wide(s.vaddr) + wide(s.memsz) > wide(u64::MAX)
        {
            return None;
        }
        if i > 0 && wide(segments[i - 1].vaddr) + wide(segments[i - 1].memsz) > wide(s.vaddr) {
            return None;
        }
    }
    let lowest = down(segments.first()?.vaddr);
    let bias = if h.e_type == ET_DYN && lowest < ET_DYN_BASE { ET_DYN_BASE - lowest } else { 0 };
    for s in &mut segments {
        let (start, end) = (wide(s.vaddr) + wide(bias), wide(s.vaddr) + wide(bias) + wide(s.memsz));
        if start < wide(PAGE) || end > wide(USER_END) {
            return None;
        }
        s.vaddr = start as u64;
    }
    let brk = segments.iter().map(|s| s.vaddr + s.memsz).max()?.next_multiple_of(PAGE);
    // AT_PHDR as Linux >= 5.18: the last loadable segment whose file bytes hold e_phoff.
    let phdr = segments
        .iter()
        .rev()
        .find(|s| s.offset <= h.phoff && h.phoff - s.offset < s.filesz)
        .map_or(0, |s| s.vaddr + (h.phoff - s.offset));
    let entry = h.entry.wrapping_add(bias);
    Some(LoadPlan { segments, entry, phdr, phnum: h.phnum, brk, bias, exec_stack })
}

/// What the plan promises and the kernel's loader (`exec/load.rs`) relies on.
fn check_plan(h: &Header, table: &[u8], file_len: u64, plan: &LoadPlan) {
    let model = model_plan(h, table, file_len);
    assert_eq!(Some(plan), model.as_ref(), "plan differs from the rules");
    assert!(!plan.segments.is_empty());
    for (i, s) in plan.segments.iter().enumerate() {
        assert!(s.memsz > 0 && s.filesz <= s.memsz);
        let file_end = s.offset.checked_add(s.filesz).expect("file range overflows");
        assert!(file_end <= file_len, "file bytes past the end of the file");
        assert_eq!(s.vaddr % PAGE, s.offset % PAGE, "not page-consistent");
        assert!(s.vaddr >= PAGE, "segment in page zero");
        let end = s.vaddr.checked_add(s.memsz).expect("segment end overflows");
        assert!(end <= USER_END, "segment outside the user half");
        assert!(end <= plan.brk && plan.brk <= USER_END);
        if let Some(next) = plan.segments.get(i + 1) {
            assert!(end <= next.vaddr, "segments overlap or are out of order");
        }
        // The loader maps the file pages [down(offset), ...) over [down(vaddr), up(vaddr +
        // filesz)): the last one must start inside the file.
        if s.filesz > 0 {
            let pages = (s.vaddr + s.filesz).next_multiple_of(PAGE) - down(s.vaddr);
            assert!(down(s.offset) + pages - PAGE < file_len);
            assert!(s.offset >= s.vaddr - down(s.vaddr));
        }
    }
    assert_eq!(plan.brk % PAGE, 0);
    assert!(plan.segments.iter().any(|s| plan.brk - (s.vaddr + s.memsz) < PAGE));
    assert_eq!(plan.bias % PAGE, 0);
    if h.e_type == ET_EXEC {
        assert_eq!(plan.bias, 0);
    }
    assert_eq!(plan.entry, h.entry.wrapping_add(plan.bias));
    assert_eq!(plan.phnum, h.phnum);
    if plan.phdr != 0 {
        let s = plan
            .segments
            .iter()
            .find(|s| s.vaddr <= plan.phdr && plan.phdr - s.vaddr < s.filesz)
            .expect("AT_PHDR outside every segment's file bytes");
        assert_eq!(s.offset + (plan.phdr - s.vaddr), h.phoff, "AT_PHDR is not the table");
    }
}

/// The ELF part of exec: header, table read from the file (EIO if short), plan. Returns the
/// plan the kernel would load.
fn check_elf(head: &[u8], file: &File<'_>, direct_phoff: Option<u64>) -> Option<LoadPlan> {
    let header = match elf::parse_header(head) {
        Ok(h) => {
            assert!(header_ok(head));
            h
        }
        Err(e) => {
            assert_eq!(e, Errno::ENOEXEC);
            assert!(!header_ok(head), "a good header refused");
            return None;
        }
    };
    assert!(header.e_type == ET_EXEC || header.e_type == ET_DYN);
    let (offset, len) = elf::phdr_table_range(&header);
    assert_eq!((offset, len), (header.phoff, usize::from(header.phnum) * PHDR_SIZE));
    assert!(len <= 65536 && len > 0);
    let mut table = vec![0u8; len];
    if file.read_at(offset, &mut table) < len {
        return None; // the kernel's EIO
    }
    // A table shorter than the header says is refused, not read past.
    assert_eq!(elf::plan(&header, &table[..len - 1], file.len), Err(Errno::ENOEXEC));
    if let Some(phoff) = direct_phoff {
        let h = Header { phoff, ..header };
        match elf::plan(&h, &table, file.len) {
            Ok(p) => check_plan(&h, &table, file.len, &p),
            Err(e) => {
                assert_eq!(e, Errno::ENOEXEC);
                assert_eq!(model_plan(&h, &table, file.len), None, "a good file refused");
            }
        }
    }
    match elf::plan(&header, &table, file.len) {
        Ok(p) => {
            check_plan(&header, &table, file.len, &p);
            Some(p)
        }
        Err(e) => {
            assert_eq!(e, Errno::ENOEXEC);
            assert_eq!(model_plan(&header, &table, file.len), None, "a good file refused");
            None
        }
    }
}

// ---------------------------------------------------------------------------------------
// Arguments.

/// E2BIG as documented, in 128-bit arithmetic: bytes of strings (NULs included) or E2BIG.
fn model_args(argc: u128, envc: u128, strings: &[u128], stack_limit: u64) -> Result<u128, Errno> {
    let limit = u128::from(stack_limit / 4)
        .min(u128::from(DEFAULT_STACK_LIMIT as u64 / 4 * 3))
        .max(ARG_MAX as u128);
    let pointers = (argc.max(1) + envc) * 8;
    if pointers >= limit {
        return Err(Errno::E2BIG);
    }
    let mut used = 0;
    for &len in strings {
        if len + 1 > MAX_ARG_STRLEN as u128 {
            return Err(Errno::E2BIG);
        }
        used += len + 1;
    }
    if pointers + used > limit { Err(Errno::E2BIG) } else { Ok(used) }
}

fn check_sizes(data: &[u8], lens: &[usize], argc: usize, path_len: usize, stack_limit: u64) {
    let shift = u32::from(byte(data, 19) % 64);
    let big: Vec<usize> =
        lens.iter().map(|&l| usize::try_from((l as u128) << shift).unwrap_or(usize::MAX)).collect();
    let (argv, envp) = big.split_at(argc);
    let all: Vec<u128> =
        std::iter::once(path_len).chain(big.iter().copied()).map(|l| l as u128).collect();
    let got = arg_limits::check(
        argv.iter().copied(),
        envp.iter().copied(),
        path_len,
        stack_limit as usize,
    );
    let want = model_args(argv.len() as u128, envp.len() as u128, &all, stack_limit);
    assert_eq!(got.map(|u| u as u128), want, "arg_limits::check");

    // Any counts (the kernel reads at most the budget's worth of pointers; the rules must
    // hold anyway), and the file name alone.
    let (c, e) = (le64(data, 56) as usize, le64(data, 64) as usize);
    let got = Budget::new(c, e, path_len, stack_limit as usize).map(|b| b.used() as u128);
    let want = model_args(c as u128, e as u128, &[path_len as u128], stack_limit);
    assert_eq!(got, want, "Budget::new({c}, {e})");
}

// ---------------------------------------------------------------------------------------
// The initial stack.

fn word(img: &StackImage, addr: u64) -> u64 {
    assert!(addr >= img.sp && addr.is_multiple_of(8), "word {addr:#x} below sp or misaligned");
    let i = (addr - img.sp) as usize;
    u64::from_le_bytes(img.bytes[i..i + 8].try_into().expect("word past the stack top"))
}

/// The NUL-terminated string at `addr`, which must lie in the image.
fn cstr(img: &StackImage, addr: u64) -> &[u8] {
    assert!(addr >= img.sp, "string below sp");
    let i = usize::try_from(addr - img.sp).unwrap();
    let rest = img.bytes.get(i..).expect("string past the stack top");
    let n = rest.iter().position(|&b| b == 0).expect("string without NUL");
    &rest[..n]
}

fn check_stack(spec: &StackSpec<'_>, stack_limit: u64, pointers: &mut Vec<u64>) {
    let img = initial_stack::build(spec, STACK_TOP);
    assert_eq!(img.sp % 16, 0, "rsp not 16-byte aligned at entry");
    assert_eq!(img.sp + img.bytes.len() as u64, STACK_TOP);
    let strings: usize = spec.argv.iter().chain(spec.envp).map(|s| s.len() + 1).sum::<usize>()
        + spec.execfn.len()
        + 1;
    let words = 1 + spec.argv.len() + 1 + spec.envp.len() + 1 + 2 * (spec.auxv.len() + 4);
    let needed = strings + 8 + PLATFORM.len() + 1 + 16 + 8 * words;
    assert!(img.bytes.len() >= needed && img.bytes.len() < needed + 16, "padding");
    // argc, argv, envp.
    let mut at = img.sp;
    assert_eq!(word(&img, at), spec.argv.len() as u64);
    at += 8;
    pointers.clear();
    for list in [spec.argv, spec.envp] {
        for s in list {
            let p = word(&img, at);
            assert_eq!(cstr(&img, p), *s);
            pointers.push(p);
            at += 8;
        }
        assert_eq!(word(&img, at), 0);
        at += 8;
    }
    // auxv: the given entries in order, then AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_NULL.
    for &(k, v) in spec.auxv {
        assert_eq!((word(&img, at), word(&img, at + 8)), (k, v));
        at += 16;
    }
    let mut tail = [0u64; 8];
    for (i, t) in tail.iter_mut().enumerate() {
        *t = word(&img, at + 8 * i as u64);
    }
    let table_end = at + 64;
    assert_eq!(
        [tail[0], tail[2], tail[4], tail[6], tail[7]],
        [AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_NULL, 0]
    );
    let (random, execfn, platform) = (tail[1], tail[3], tail[5]);
    assert!(random >= table_end, "AT_RANDOM overlaps the table");
    let r = (random - img.sp) as usize;
    assert_eq!(img.bytes[r..r + 16], spec.random);
    assert_eq!(cstr(&img, platform), PLATFORM);
    assert!(platform >= random + 16);
    assert_eq!(cstr(&img, execfn), spec.execfn);
    // Strings: above the platform string, in order, each after the previous one's NUL, the
    // file name last, then the 8-byte zero end marker at the very top.
    let mut floor = platform + PLATFORM.len() as u64 + 1;
    let lens = spec.argv.iter().chain(spec.envp).map(|s| s.len());
    for (&p, len) in pointers.iter().zip(lens) {
        assert!(p >= floor, "strings overlap or are out of order");
        floor = p + len as u64 + 1;
    }
    assert!(execfn >= floor);
    assert_eq!(execfn + spec.execfn.len() as u64 + 1 + 8, STACK_TOP);
    assert_eq!(img.bytes[img.bytes.len() - 8..], [0; 8]);
    // The kernel refuses (E2BIG) an image reaching into the stack's lowest page; whatever
    // arg_limits::check accepted fits any stack limit of 256 KiB or more.
    if stack_limit >= 2 * ARG_MAX as u64 {
        assert!(
            img.sp >= stack_bottom(stack_limit) + PAGE,
            "accepted arguments overflow the stack"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let flags = byte(data, 0);
    let p = le64(data, 1);
    let stack_limit = le64(data, 9);
    let argc = usize::from(byte(data, 17) % 9);
    let envc = usize::from(byte(data, 18) % 9);
    let path_len = usize::from(le16(data, 20) % 4096);
    let lens: Vec<usize> = (0..argc + envc).map(|i| usize::from(le16(data, 24 + 2 * i))).collect();
    assert!(lens.len() <= MAX_STRINGS);
    let contents = data.get(HEADER..).unwrap_or(&[]);
    let len = contents.len() as u64;
    let file = File {
        data: contents,
        len: match flags & 3 {
            0 => len,
            1 => p % (len + 1),
            2 => len + p % (1 << 20),
            _ => p,
        },
    };

    check_sizes(data, &lens, argc, path_len, stack_limit);

    // Real strings (NUL-free, as the kernel measures them with strnlen), each filled with
    // its own letter so a mix-up shows.
    let owned: Vec<Vec<u8>> =
        lens.iter().enumerate().map(|(i, &l)| vec![b'a' + i as u8; l % 4096]).collect();
    let path = vec![b'/'; path_len];
    let strs: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
    let (argv, envp) = strs.split_at(argc);
    let random: [u8; 16] = std::array::from_fn(|i| byte(data, 1 + i));
    let creds = Credentials::new(le16(data, 22).into(), 100);
    let secure = flags & 8 != 0;
    let mut scratch = Vec::new();

    // The kernel's `exec/binary.rs`: the first PROBE_LEN bytes decide.
    let mut probe = [0u8; PROBE_LEN];
    let n = file.read_at(0, &mut probe);
    assert_eq!(n as u64, file.len.min(PROBE_LEN as u64));
    let head = &probe[..n];
    match posix::exec::probe(head) {
        FileKind::Elf => {
            assert!(head.starts_with(b"\x7fELF"));
            let direct = (flags & 4 != 0).then_some(p);
            if let Some(plan) = check_elf(head, &file, direct) {
                let aux = auxv::entries(&plan, &creds, 0x178b_fbff, secure);
                let get = |k: u32| aux.iter().find(|e| e.0 == u64::from(k)).unwrap().1;
                assert_eq!(get(AT_PHDR), plan.phdr);
                assert_eq!(get(AT_ENTRY), plan.entry);
                assert_eq!(get(AT_PHNUM), u64::from(plan.phnum));
                assert_eq!(get(AT_SECURE), u64::from(secure));
                if arg_limits::check(
                    argv.iter().map(|s| s.len()),
                    envp.iter().map(|s| s.len()),
                    path.len(),
                    stack_limit as usize,
                )
                .is_ok()
                {
                    let spec = StackSpec { argv, envp, execfn: &path, auxv: &aux, random };
                    check_stack(&spec, stack_limit, &mut scratch);
                }
            }
        }
        FileKind::Script => {
            assert!(head.starts_with(b"#!"));
            if let Some(new) = check_script(head, &path, argv)
                && arg_limits::check(
                    new.iter().map(|s| s.len()),
                    envp.iter().map(|s| s.len()),
                    path.len(),
                    stack_limit as usize,
                )
                .is_ok()
            {
                let spec = StackSpec { argv: &new, envp, execfn: &path, auxv: &[], random };
                check_stack(&spec, stack_limit, &mut scratch);
            }
        }
        FileKind::Unknown => assert!(!head.starts_with(b"\x7fELF") && !head.starts_with(b"#!")),
    }
});
