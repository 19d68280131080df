//! Raw system calls: the fuzzed call itself (which makes a child of a fork-like call exit
//! before it touches memory), the clone that starts a worker on its own stack, and the
//! few typed calls the supervisor and the workers' housekeeping make.
//!
//! Workers share the supervisor's address space and must not use the C library or Rust's
//! allocator (musl's allocator takes no locks in a process it believes single-threaded),
//! so everything a worker does goes through these wrappers.

use core::arch::asm;

/// Linux x86-64 system-call numbers used outside the fuzzed table.
pub mod nr {
    #![allow(missing_docs)]
    pub const WRITE: u64 = 1;
    pub const OPEN: u64 = 2;
    pub const CLOSE: u64 = 3;
    pub const MMAP: u64 = 9;
    pub const MUNMAP: u64 = 11;
    pub const RT_SIGACTION: u64 = 13;
    pub const RT_SIGPROCMASK: u64 = 14;
    pub const PIPE2: u64 = 293;
    pub const DUP2: u64 = 33;
    pub const NANOSLEEP: u64 = 35;
    pub const GETPID: u64 = 39;
    pub const SOCKETPAIR: u64 = 53;
    pub const CLONE: u64 = 56;
    pub const EXIT: u64 = 60;
    pub const WAIT4: u64 = 61;
    pub const KILL: u64 = 62;
    pub const UNAME: u64 = 63;
    pub const FCNTL: u64 = 72;
    pub const CHDIR: u64 = 80;
    pub const RENAME: u64 = 82;
    pub const MKDIR: u64 = 83;
    pub const UMASK: u64 = 95;
    pub const GETUID: u64 = 102;
    pub const SETGROUPS: u64 = 116;
    pub const SETRESUID: u64 = 117;
    pub const SETRESGID: u64 = 119;
    pub const ARCH_PRCTL: u64 = 158;
    pub const PRLIMIT64: u64 = 302;
}

/// `-errno` values the code looks at.
pub mod errno {
    #![allow(missing_docs)]
    pub const EINTR: i64 = 4;
    pub const EMFILE: i64 = 24;
}

/// A raw system call with six arguments; returns the kernel's value (negative errno on
/// failure).
///
/// # Safety
/// The arguments must be valid for system call `nr`, or deliberately invalid in a way
/// that cannot harm this process's memory.
#[inline(always)]
pub unsafe fn syscall6(nr: u64, a: [u64; 6]) -> i64 {
    let ret: i64;
    // SAFETY: the `syscall` instruction clobbers only rcx and r11 (and rax, the result);
    // the caller vouches for what the call does to memory.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") nr as i64 => ret,
            in("rdi") a[0], in("rsi") a[1], in("rdx") a[2],
            in("r10") a[3], in("r8") a[4], in("r9") a[5],
            lateout("rcx") _, lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

/// The fuzzed system call. If it returns 0 in the child of a fork-like call (`clone`,
/// `fork`, `vfork`, `clone3`, whatever the upper bits of the number), the child exits at
/// once with `exit(0)`, without touching memory: it may share the worker's address space
/// and even its stack.
///
/// # Safety
/// The caller vouches that the call cannot write into memory this process relies on (the
/// arguments come from `args.rs`, whose pointers for the kernel to write through are the
/// worker's scratch and arena regions or invalid).
#[inline(never)]
pub unsafe fn fuzz_call(nr: u64, a: [u64; 6]) -> i64 {
    let ret: i64;
    // SAFETY: as `syscall6`; r12 keeps the number across the call (the kernel preserves
    // it), and the child path only executes `exit`.
    unsafe {
        asm!(
            "syscall",
            "test rax, rax",
            "jnz 3f",
            "mov ecx, r12d",
            "and ecx, 0xbfffffff",
            "cmp ecx, 56",
            "je 2f",
            "cmp ecx, 57",
            "je 2f",
            "cmp ecx, 58",
            "je 2f",
            "cmp ecx, 435",
            "je 2f",
            "jmp 3f",
            "2:",
            "mov eax, 60",
            "xor edi, edi",
            "syscall",
            "ud2",
            "3:",
            in("r12") nr,
            inlateout("rax") nr as i64 => ret,
            in("rdi") a[0], in("rsi") a[1], in("rdx") a[2],
            in("r10") a[3], in("r8") a[4], in("r9") a[5],
            lateout("rcx") _, lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

/// `CLONE_VM`.
const CLONE_VM: u64 = 0x100;
/// `SIGCHLD`, the exit signal of a worker.
const SIGCHLD: u64 = 17;

/// Starts `entry(arg)` in a new process that shares this one's memory (`clone(CLONE_VM |
/// SIGCHLD)`), running on the stack that ends at `stack_top`. Returns the child's pid or
/// `-errno`.
///
/// # Safety
/// `stack_top` must be the top of a mapped stack nobody else uses, and `entry` must never
/// return and use nothing that assumes it runs in the process that called this (no C
/// library, no allocator, no thread-locals).
pub unsafe fn spawn_shared(stack_top: u64, entry: extern "C" fn(u64) -> !, arg: u64) -> i64 {
    let ret: i64;
    // SAFETY: the parent returns from `syscall` as usual; the child starts on its own
    // stack (RSP = stack_top) and calls `entry`, which never returns.
    unsafe {
        asm!(
            "syscall",
            "test rax, rax",
            "jnz 2f",
            "and rsp, -16",
            "mov rdi, r12",
            "call r13",
            "ud2",
            "2:",
            inlateout("rax") nr::CLONE as i64 => ret,
            in("rdi") CLONE_VM | SIGCHLD,
            in("rsi") stack_top,
            in("rdx") 0u64,
            in("r10") 0u64,
            in("r8") 0u64,
            in("r12") arg,
            in("r13") entry as usize as u64,
            lateout("rcx") _, lateout("r11") _,
        );
    }
    ret
}

/// Runs a system call that takes only integers and NUL-terminated strings the caller
/// owns.
fn call(nr: u64, a: [u64; 6]) -> i64 {
    // SAFETY: every wrapper below passes integers, or pointers to memory it owns and that
    // is large enough for what the call writes.
    unsafe { syscall6(nr, a) }
}

/// `write(fd, buf)`.
pub fn write(fd: i32, buf: &[u8]) -> i64 {
    call(nr::WRITE, [fd as u64, buf.as_ptr() as u64, buf.len() as u64, 0, 0, 0])
}

/// `write` of the whole buffer, retrying short writes (errors end it).
pub fn write_all(fd: i32, mut buf: &[u8]) {
    while !buf.is_empty() {
        let n = write(fd, buf);
        if n == -errno::EINTR {
            continue;
        }
        if n <= 0 {
            return;
        }
        buf = &buf[(n as usize).min(buf.len())..];
    }
}

/// `getpid()`.
pub fn getpid() -> i32 {
    call(nr::GETPID, [0; 6]) as i32
}

/// `getuid()`.
pub fn getuid() -> u32 {
    call(nr::GETUID, [0; 6]) as u32
}

/// `exit(code)`: ends this process only (not the others sharing its memory).
pub fn exit(code: i32) -> ! {
    call(nr::EXIT, [code as u64, 0, 0, 0, 0, 0]);
    // SAFETY: exit does not return; if it somehow did, a fault is the best outcome.
    unsafe { asm!("ud2", options(noreturn)) }
}

/// `kill(pid, sig)`.
pub fn kill(pid: i32, sig: i32) -> i64 {
    call(nr::KILL, [pid as u64, sig as u64, 0, 0, 0, 0])
}

/// `wait4(pid, &status, options, NULL)`: (pid or `-errno`, status).
pub fn wait4(pid: i32, options: u32) -> (i64, i32) {
    let mut status = 0i32;
    // SAFETY: `status` is a writable i32.
    let r = unsafe {
        syscall6(
            nr::WAIT4,
            [pid as u64, &mut status as *mut i32 as u64, u64::from(options), 0, 0, 0],
        )
    };
    (r, status)
}

/// `nanosleep` for `ms` milliseconds (an interruption just ends it early).
pub fn sleep_ms(ms: u64) {
    let ts = [(ms / 1000) as i64, ((ms % 1000) * 1_000_000) as i64];
    // SAFETY: `ts` is a valid timespec; no remainder is asked for.
    unsafe { syscall6(nr::NANOSLEEP, [ts.as_ptr() as u64, 0, 0, 0, 0, 0]) };
}

/// `mmap(addr, len, prot, flags, -1, 0)` of anonymous memory.
pub fn mmap_anon(addr: u64, len: u64, prot: u32, flags: u32) -> i64 {
    call(nr::MMAP, [addr, len, u64::from(prot), u64::from(flags), u64::MAX, 0])
}

/// `munmap(addr, len)`.
///
/// # Safety
/// Nothing this process still uses may live in the range.
pub unsafe fn munmap(addr: u64, len: u64) -> i64 {
    // SAFETY: the caller vouches that the range holds nothing in use.
    unsafe { syscall6(nr::MUNMAP, [addr, len, 0, 0, 0, 0]) }
}

/// `rt_sigaction(sig, {handler, flags 0, mask 0}, NULL, 8)`.
pub fn set_handler(sig: i32, handler: u64) -> i64 {
    // struct kernel_sigaction: handler, flags, restorer, mask.
    let act = [handler, 0u64, 0u64, 0u64];
    // SAFETY: `act` is a valid kernel sigaction; no old action is asked for.
    unsafe { syscall6(nr::RT_SIGACTION, [sig as u64, act.as_ptr() as u64, 0, 8, 0, 0]) }
}

/// `arch_prctl(ARCH_GET_FS)`: this process's FS base (its thread pointer).
pub fn fs_base() -> u64 {
    let mut base = 0u64;
    // SAFETY: the kernel writes one u64 into `base`.
    unsafe { syscall6(nr::ARCH_PRCTL, [0x1003, &mut base as *mut u64 as u64, 0, 0, 0, 0]) };
    base
}

/// Drops root: no supplementary groups, then every gid and uid to `id`.
pub fn drop_to(id: u32) -> bool {
    let id = u64::from(id);
    call(nr::SETGROUPS, [0, 0, 0, 0, 0, 0]) == 0
        && call(nr::SETRESGID, [id, id, id, 0, 0, 0]) == 0
        && call(nr::SETRESUID, [id, id, id, 0, 0, 0]) == 0
}

/// `sysinfo(2)`: (free RAM in bytes, number of processes), if the call works.
pub fn sysinfo() -> Option<(u64, u16)> {
    // struct sysinfo: uptime, loads[3], totalram, freeram, sharedram, bufferram,
    // totalswap, freeswap (8 bytes each), procs (u16), ..., mem_unit (u32 at 104).
    let mut buf = [0u64; 16];
    // SAFETY: `buf` (128 bytes) holds a struct sysinfo (112 bytes).
    let r = unsafe { syscall6(99, [buf.as_mut_ptr() as u64, 0, 0, 0, 0, 0]) };
    let unit = (buf[13] & 0xffff_ffff).max(1);
    (r == 0).then_some((buf[5] * unit, buf[10] as u16))
}

/// The time-stamp counter (user mode reads it directly; the worker keeps PR_SET_TSC from
/// making it fault).
#[inline(always)]
pub fn rdtsc() -> u64 {
    let (lo, hi): (u32, u32);
    // SAFETY: rdtsc only reads the counter.
    unsafe {
        asm!("rdtsc", out("eax") lo, out("edx") hi, options(nomem, nostack, preserves_flags))
    };
    (u64::from(hi) << 32) | u64::from(lo)
}

/// The `release` field of `uname(2)` (up to its NUL).
pub fn uname_release() -> [u8; 65] {
    let mut buf = [0u8; 65 * 6];
    // SAFETY: `buf` is a writable struct utsname (6 fields of 65 bytes).
    unsafe { syscall6(nr::UNAME, [buf.as_mut_ptr() as u64, 0, 0, 0, 0, 0]) };
    let mut release = [0u8; 65];
    release.copy_from_slice(&buf[130..195]);
    release
}
