//! Dropping root in the program's process, between fork and exec.
//!
//! Order matters: `setgroups` and `setgid` need privilege, so they come before `setuid`,
//! which gives it up for good (as root, `setuid` sets the real, effective, saved and fs
//! uids; `setgid` likewise for the gids). This runs in the forked child, where only
//! async-signal-safe work is allowed: raw system calls on memory prepared before the fork.

use crate::user::Identity;

/// `setuid`, `setgid`, `setgroups` (x86_64 system call numbers).
const SYS_SETUID: i64 = 105;
const SYS_SETGID: i64 = 106;
const SYS_SETGROUPS: i64 = 116;

/// A two-argument system call; returns the raw result (-errno on failure).
fn syscall2(nr: i64, a: u64, b: u64) -> i64 {
    let ret: i64;
    // SAFETY: the calls made here (setuid/setgid/setgroups) read at most `b` as a pointer
    // to `a` u32s, which the caller guarantees (see `become_user`); they write no memory.
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") nr => ret,
            in("rdi") a, in("rsi") b,
            lateout("rcx") _, lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

/// Turns a raw result into `io::Result` without allocating.
fn check(ret: i64) -> std::io::Result<()> {
    if ret < 0 { Err(std::io::Error::from_raw_os_error(-ret as i32)) } else { Ok(()) }
}

/// Switches the calling process to `who`'s ids: groups, then gid, then uid.
pub fn become_user(who: &Identity) -> std::io::Result<()> {
    let groups = &who.groups;
    check(syscall2(SYS_SETGROUPS, groups.len() as u64, groups.as_ptr() as u64))?;
    check(syscall2(SYS_SETGID, u64::from(who.gid), 0))?;
    check(syscall2(SYS_SETUID, u64::from(who.uid), 0))
}
