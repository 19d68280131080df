//! Identity: getpid(2), getppid(2), gettid(2), getuid(2), geteuid(2), getgid(2),
//! getegid(2). These cannot fail.

use super::SysResult;
use crate::arch::x86_64::trap_entry::TrapFrame;
use crate::process::current;

/// getpid().
pub fn sys_getpid(_: &mut TrapFrame) -> SysResult {
    Ok(u64::from(current::process().pid))
}

/// getppid().
pub fn sys_getppid(_: &mut TrapFrame) -> SysResult {
    Ok(u64::from(current::process().ppid))
}

/// gettid().
pub fn sys_gettid(_: &mut TrapFrame) -> SysResult {
    Ok(u64::from(current::task().tid))
}

/// getuid().
pub fn sys_getuid(_: &mut TrapFrame) -> SysResult {
    Ok(u64::from(current::process().creds.lock().ruid))
}

/// geteuid().
pub fn sys_geteuid(_: &mut TrapFrame) -> SysResult {
    Ok(u64::from(current::process().creds.lock().euid))
}

/// getgid().
pub fn sys_getgid(_: &mut TrapFrame) -> SysResult {
    Ok(u64::from(current::process().creds.lock().rgid))
}

/// getegid().
pub fn sys_getegid(_: &mut TrapFrame) -> SysResult {
    Ok(u64::from(current::process().creds.lock().egid))
}
