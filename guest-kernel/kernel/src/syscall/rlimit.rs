//! Resource limits: prlimit64(2), getrlimit(2), setrlimit(2); umask(2).

use super::SysResult;
use crate::process::current;
use crate::uaccess;
use linux_raw_sys::general::{RLIMIT_NOFILE, rlimit64};
use posix::Errno;
use posix::rlimit::Rlimit;

/// Reads a new limit, applies it, writes the old one: the common part of the three calls.
fn exchange(resource: u32, new_addr: u64, old_addr: u64) -> SysResult {
    let new = if new_addr != 0 {
        let r: rlimit64 = uaccess::read(new_addr)?;
        Some(Rlimit { cur: r.rlim_cur, max: r.rlim_max })
    } else {
        None
    };
    let process = current::process();
    let privileged = process.creds.lock().euid == 0;
    let old = {
        let mut limits = process.limits.lock();
        match new {
            Some(new) => limits.set(resource, new, privileged)?,
            None => limits.get(resource)?,
        }
    };
    if let Some(new) = new
        && resource == RLIMIT_NOFILE
    {
        process.files.lock().set_limit(new.cur);
    }
    if old_addr != 0 {
        uaccess::write(old_addr, &rlimit64 { rlim_cur: old.cur, rlim_max: old.max })?;
    }
    Ok(0)
}

/// prlimit64(pid, resource, new, old): `pid` 0 or the caller's own (ESRCH otherwise:
/// there is no other process).
pub fn sys_prlimit64(pid: i32, resource: u32, new: u64, old: u64) -> SysResult {
    if pid != 0 && pid as u32 != current::process().pid {
        return Err(Errno::ESRCH);
    }
    exchange(resource, new, old)
}

/// getrlimit(resource, rlim).
pub fn sys_getrlimit(resource: u32, rlim: u64) -> SysResult {
    uaccess::check(rlim, size_of::<rlimit64>())?;
    exchange(resource, 0, rlim)
}

/// setrlimit(resource, rlim).
pub fn sys_setrlimit(resource: u32, rlim: u64) -> SysResult {
    exchange(resource, rlim, 0)
}

/// umask(mask): sets the file-mode creation mask, returns the old one.
pub fn sys_umask(mask: u32) -> SysResult {
    Ok(u64::from(current::process().fs.lock().set_umask(mask)))
}
