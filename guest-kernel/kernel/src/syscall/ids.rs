//! Identity: getpid(2), getppid(2), gettid(2) (the user and group ids are `cred.rs`'s);
//! process groups and sessions: setpgid(2), getpgid(2), getpgrp(2), setsid(2),
//! getsid(2), whose rules (and error cases) are `posix::process::Table`'s.

use super::SysResult;
use crate::process::{current, exit, registry};
use posix::Errno;

/// getpid().
pub fn sys_getpid() -> SysResult {
    Ok(u64::from(current::process().pid))
}

/// getppid().
pub fn sys_getppid() -> SysResult {
    Ok(u64::from(current::process().ppid()))
}

/// gettid().
pub fn sys_gettid() -> SysResult {
    Ok(u64::from(current::task().tid))
}

/// A pid argument that must not be negative (getpgid, getsid): ESRCH otherwise, as
/// Linux's lookup of a negative pid finds nothing.
fn pid_arg(raw: i32) -> Result<u32, Errno> {
    u32::try_from(raw).map_err(|_| Errno::ESRCH)
}

/// setpgid(pid, pgid).
pub fn sys_setpgid(pid: i32, pgid: i32) -> SysResult {
    let me = current::process().pid;
    let fx = registry::lock().table.setpgid(me, i64::from(pid), i64::from(pgid))?;
    exit::hang_up(&fx.hangup_groups);
    Ok(0)
}

/// getpgid(pid).
pub fn sys_getpgid(pid: i32) -> SysResult {
    let pid = pid_arg(pid)?;
    let me = current::process().pid;
    Ok(u64::from(registry::lock().table.getpgid(me, pid)?))
}

/// getpgrp().
pub fn sys_getpgrp() -> SysResult {
    let me = current::process().pid;
    Ok(u64::from(registry::lock().table.getpgid(me, 0)?))
}

/// setsid(): the new session's id (the caller's pid).
pub fn sys_setsid() -> SysResult {
    let me = current::process().pid;
    let (sid, fx) = registry::lock().table.setsid(me)?;
    exit::hang_up(&fx.hangup_groups);
    Ok(u64::from(sid))
}

/// getsid(pid).
pub fn sys_getsid(pid: i32) -> SysResult {
    let pid = pid_arg(pid)?;
    let me = current::process().pid;
    Ok(u64::from(registry::lock().table.getsid(me, pid)?))
}
