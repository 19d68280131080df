//! The few Linux system calls job control needs that std does not offer: process groups,
//! the terminal's foreground group, `wait4` with `WUNTRACED`, `kill` and signal
//! dispositions. Raw system calls, as the other guest programs make them (no libc crate in
//! this workspace): the same code runs in the guest and, for the tests, on the host.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

const SYS_READ: usize = 0;
const SYS_RT_SIGACTION: usize = 13;
const SYS_RT_SIGPROCMASK: usize = 14;
const SYS_IOCTL: usize = 16;
const SYS_GETPID: usize = 39;
const SYS_WAIT4: usize = 61;
const SYS_KILL: usize = 62;
const SYS_FCNTL: usize = 72;
const SYS_SETPGID: usize = 109;
const SYS_GETPGRP: usize = 111;

const TCGETS: usize = 0x5401;
const TCSETSW: usize = 0x5403;
const TIOCGPGRP: usize = 0x540f;
const TIOCSPGRP: usize = 0x5410;
const F_DUPFD_CLOEXEC: usize = 1030;
const SA_RESTORER: u64 = 0x0400_0000;
const SA_RESTART: u64 = 0x1000_0000;
const SIG_BLOCK: usize = 0;
const SIG_SETMASK: usize = 2;
const SIG_DFL: usize = 0;

/// `wait4` option: report stopped children too.
pub const WUNTRACED: i32 = 2;
/// `wait4` option: report continued children too.
pub const WCONTINUED: i32 = 8;
/// `wait4` option: do not block.
pub const WNOHANG: i32 = 1;

/// One raw system call with up to four arguments; the kernel's value (negative errno on
/// failure).
fn syscall4(nr: usize, a: usize, b: usize, c: usize, d: usize) -> isize {
    let ret: isize;
    // SAFETY: the `syscall` instruction clobbers only rcx and r11 (declared); each caller
    // passes arguments valid for `nr` (pointers to live buffers of the right size).
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") nr as isize => ret,
            in("rdi") a, in("rsi") b, in("rdx") c, in("r10") d,
            lateout("rcx") _, lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

/// A system call's value as `io::Result` (negative values are errnos).
fn check(ret: isize) -> io::Result<usize> {
    if ret < 0 { Err(io::Error::from_raw_os_error(-ret as i32)) } else { Ok(ret as usize) }
}

/// `getpid()`.
pub fn getpid() -> i32 {
    syscall4(SYS_GETPID, 0, 0, 0, 0) as i32
}

/// `getpgrp()`.
pub fn getpgrp() -> i32 {
    syscall4(SYS_GETPGRP, 0, 0, 0, 0) as i32
}

/// `setpgid(pid, pgid)`.
pub fn setpgid(pid: i32, pgid: i32) -> io::Result<()> {
    check(syscall4(SYS_SETPGID, pid as usize, pgid as usize, 0, 0)).map(drop)
}

/// `tcgetpgrp(fd)`: the terminal's foreground process group.
pub fn tcgetpgrp(fd: i32) -> io::Result<i32> {
    let mut pgrp: i32 = 0;
    let ptr = &raw mut pgrp as usize;
    check(syscall4(SYS_IOCTL, fd as usize, TIOCGPGRP, ptr, 0))?;
    Ok(pgrp)
}

/// `tcsetpgrp(fd, pgrp)`: makes `pgrp` the terminal's foreground process group.
pub fn tcsetpgrp(fd: i32, pgrp: i32) -> io::Result<()> {
    let ptr = &raw const pgrp as usize;
    check(syscall4(SYS_IOCTL, fd as usize, TIOCSPGRP, ptr, 0)).map(drop)
}

/// A terminal's settings: Linux's `struct termios` as `TCGETS` fills it (36 bytes),
/// kept whole and opaque.
#[derive(Clone, Copy)]
pub struct Termios([u8; 64]);

/// `tcgetattr(fd)`; fails with ENOTTY when `fd` is not a terminal (so this is `isatty`).
pub fn tcgetattr(fd: i32) -> io::Result<Termios> {
    let mut t = Termios([0; 64]);
    let ptr = t.0.as_mut_ptr() as usize;
    check(syscall4(SYS_IOCTL, fd as usize, TCGETS, ptr, 0))?;
    Ok(t)
}

/// `tcsetattr(fd, TCSADRAIN, t)`.
pub fn tcsetattr(fd: i32, t: &Termios) -> io::Result<()> {
    let ptr = t.0.as_ptr() as usize;
    check(syscall4(SYS_IOCTL, fd as usize, TCSETSW, ptr, 0)).map(drop)
}

/// `fcntl(fd, F_DUPFD_CLOEXEC, min)`: a close-on-exec copy of `fd` numbered `min` or above.
pub fn dup_cloexec(fd: i32, min: i32) -> io::Result<i32> {
    check(syscall4(SYS_FCNTL, fd as usize, F_DUPFD_CLOEXEC, min as usize, 0)).map(|n| n as i32)
}

/// `kill(pid, sig)` (a negative `pid` names a process group).
pub fn kill(pid: i32, sig: i32) -> io::Result<()> {
    check(syscall4(SYS_KILL, pid as isize as usize, sig as usize, 0, 0)).map(drop)
}

/// `wait4(pid, &status, options, NULL)`: the pid that changed state and its raw status,
/// or `None` with `WNOHANG` when none did.
pub fn wait4(pid: i32, options: i32) -> io::Result<Option<(i32, i32)>> {
    let mut status: i32 = 0;
    let ptr = &raw mut status as usize;
    let pid = check(syscall4(SYS_WAIT4, pid as isize as usize, ptr, options as usize, 0))?;
    Ok((pid != 0).then_some((pid as i32, status)))
}

/// `read(fd, buf)`, without retrying on EINTR (the caller decides).
pub fn read(fd: i32, buf: &mut [u8]) -> io::Result<usize> {
    check(syscall4(SYS_READ, fd as usize, buf.as_mut_ptr() as usize, buf.len(), 0))
}

/// The kernel's `struct sigaction` for `rt_sigaction` on x86_64.
#[repr(C)]
struct KernelSigaction {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: u64,
}

fn sigaction(sig: i32, handler: usize, flags: u64, restorer: usize) -> io::Result<()> {
    let action = KernelSigaction { handler, flags, restorer, mask: 0 };
    let ptr = &raw const action as usize;
    check(syscall4(SYS_RT_SIGACTION, sig as usize, ptr, 0, 8)).map(drop)
}

/// Restores `sig`'s default action.
pub fn default(sig: i32) -> io::Result<()> {
    sigaction(sig, SIG_DFL, 0, 0)
}

// The return path of a signal handler: `rt_sigreturn`, which the kernel enters through
// `sa_restorer` (SA_RESTORER, as every libc installs handlers on x86_64).
std::arch::global_asm!(
    ".pushsection .text.sh_restore_rt,\"ax\",@progbits",
    ".p2align 4",
    "sh_restore_rt:",
    "mov eax, 15",
    "syscall",
    ".popsection",
);

unsafe extern "C" {
    /// Defined by the `global_asm!` above; never called from Rust.
    safe fn sh_restore_rt();
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn note_interrupt(_sig: i32) {
    INTERRUPTED.store(true, Ordering::Relaxed);
}

extern "C" fn do_nothing(_sig: i32) {}

/// Catches `sig` with a handler that only records it (see [`take_interrupt`]), without
/// SA_RESTART, so a blocking `read` or `wait4` returns EINTR.
pub fn catch(sig: i32) -> io::Result<()> {
    let restorer = sh_restore_rt as *const () as usize;
    sigaction(sig, note_interrupt as *const () as usize, SA_RESTORER, restorer)
}

/// Catches `sig` with a handler that does nothing (SA_RESTART: system calls go on). For
/// the shell itself this is ignoring it; unlike SIG_IGN it does not pass to the programs
/// the shell runs, as `exec` resets caught signals to their defaults.
pub fn hold_off(sig: i32) -> io::Result<()> {
    let restorer = sh_restore_rt as *const () as usize;
    sigaction(sig, do_nothing as *const () as usize, SA_RESTORER | SA_RESTART, restorer)
}

/// Runs `f` with signal `sig` blocked (`rt_sigprocmask`), then restores the mask.
pub fn with_blocked<T>(sig: i32, f: impl FnOnce() -> T) -> T {
    let set: u64 = 1 << (sig - 1);
    let mut old: u64 = 0;
    let (set_ptr, old_ptr) = (&raw const set as usize, &raw mut old as usize);
    let blocked = syscall4(SYS_RT_SIGPROCMASK, SIG_BLOCK, set_ptr, old_ptr, 8) == 0;
    let result = f();
    if blocked {
        syscall4(SYS_RT_SIGPROCMASK, SIG_SETMASK, &raw const old as usize, 0, 8);
    }
    result
}

/// Whether a caught signal arrived since the last call.
pub fn take_interrupt() -> bool {
    INTERRUPTED.swap(false, Ordering::Relaxed)
}
