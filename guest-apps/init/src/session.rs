//! The program's session, as `login`/`getty` would set it up: in the forked child, right
//! before exec, `setsid` makes it the leader of a new session and process group (so its
//! `killpg(getpgrp(), ...)` and job control concern the program, never init), and when
//! the console is a terminal (`console.tty=1`) it takes the console as its controlling
//! terminal (`TIOCSCTTY` on descriptor 0) with its group in the foreground (`tcsetpgrp`),
//! so ^C, ^Z and ^\ reach it. On a console that is not a terminal `TIOCSCTTY` fails with
//! ENOTTY and the program simply has no controlling terminal. init stays in its own
//! session. Only raw system calls here: async-signal-safe between fork and exec.

/// x86_64 system call numbers.
const SYS_IOCTL: i64 = 16;
const SYS_GETPID: i64 = 39;
const SYS_SETSID: i64 = 112;
/// ioctl requests (asm-generic/ioctls.h).
const TIOCSCTTY: u64 = 0x540e;
const TIOCSPGRP: u64 = 0x5410;
/// `ENOTTY`.
const ENOTTY: i64 = 25;

/// A system call with up to three arguments; returns the raw result (-errno on failure).
fn syscall3(nr: i64, a: u64, b: u64, c: u64) -> i64 {
    let ret: i64;
    // SAFETY: the calls made here (setsid, getpid, ioctl TIOCSCTTY/TIOCSPGRP) read at most
    // one i32 through `c`, which `lead_session` points at a live local; nothing is written.
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") nr => ret,
            in("rdi") a, in("rsi") b, in("rdx") c,
            lateout("rcx") _, lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

fn check(ret: i64) -> std::io::Result<i64> {
    if ret < 0 { Err(std::io::Error::from_raw_os_error(-ret as i32)) } else { Ok(ret) }
}

/// In the child: a new session, with the console as controlling terminal and the child's
/// group in the foreground when the console is a terminal.
pub fn lead_session() -> std::io::Result<()> {
    check(syscall3(SYS_SETSID, 0, 0, 0))?;
    match syscall3(SYS_IOCTL, 0, TIOCSCTTY, 0) {
        r if r == -ENOTTY => return Ok(()),
        r => check(r)?,
    };
    let pgrp = syscall3(SYS_GETPID, 0, 0, 0) as i32;
    check(syscall3(SYS_IOCTL, 0, TIOCSPGRP, &pgrp as *const i32 as u64))?;
    Ok(())
}
