//! Descriptors: dup(2), dup2(2), dup3(2), fcntl(2), pipe(2), pipe2(2).

use super::SysResult;
use super::args::Fd;
use crate::fs;
use crate::process::current;
use crate::uaccess;
use linux_raw_sys::general::{
    F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, O_CLOEXEC, O_DIRECT,
    O_NONBLOCK,
};
use posix::Errno;

/// dup(fd).
pub fn sys_dup(fd: Fd) -> SysResult {
    let fd = current::process().files.lock().dup(fd.0)?;
    Ok(fd as u64)
}

/// dup2(old, new).
pub fn sys_dup2(old: Fd, new: Fd) -> SysResult {
    let fd = current::process().files.lock().dup2(old.0, new.0)?;
    Ok(fd as u64)
}

/// dup3(old, new, flags).
pub fn sys_dup3(old: Fd, new: Fd, flags: u32) -> SysResult {
    let fd = current::process().files.lock().dup3(old.0, new.0, flags)?;
    Ok(fd as u64)
}

/// fcntl(fd, cmd, arg): F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL;
/// other commands EINVAL (fcntl(2): "cmd is not recognized by this kernel").
pub fn sys_fcntl(fd: Fd, cmd: u32, arg: u64) -> SysResult {
    let fd = fd.0;
    let process = current::process();
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let min = i32::try_from(arg).map_err(|_| Errno::EINVAL)?;
            let fd = process.files.lock().dup_from(fd, min, cmd == F_DUPFD_CLOEXEC)?;
            Ok(fd as u64)
        }
        F_GETFD => Ok(if process.files.lock().cloexec(fd)? { u64::from(FD_CLOEXEC) } else { 0 }),
        F_SETFD => {
            process.files.lock().set_cloexec(fd, arg as u32 & FD_CLOEXEC != 0)?;
            Ok(0)
        }
        F_GETFL => Ok(u64::from(process.files.lock().get(fd)?.status_flags())),
        F_SETFL => {
            process.files.lock().get(fd)?.set_status_flags(arg as u32);
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// pipe2(fds, flags): EINVAL for flags other than O_CLOEXEC, O_NONBLOCK, O_DIRECT.
pub fn sys_pipe2(fds: u64, flags: u32) -> SysResult {
    pipe(fds, flags)
}

/// pipe(fds).
pub fn sys_pipe(fds: u64) -> SysResult {
    pipe(fds, 0)
}

fn pipe(fds: u64, flags: u32) -> SysResult {
    if flags & !(O_CLOEXEC | O_NONBLOCK | O_DIRECT) != 0 {
        return Err(Errno::EINVAL);
    }
    uaccess::check(fds, 8)?;
    let privileged = current::process().creds.lock().euid == 0;
    let (read_end, write_end) = fs::pipe(flags, privileged)?;
    let cloexec = flags & O_CLOEXEC != 0;
    let mut table = current::process().files.lock();
    let r = table.alloc(read_end, cloexec)?;
    let w = match table.alloc(write_end, cloexec) {
        Ok(w) => w,
        Err(e) => {
            let _ = table.close(r);
            return Err(e);
        }
    };
    drop(table);
    if let Err(e) = uaccess::write(fds, &[r, w]) {
        let mut table = current::process().files.lock();
        let _ = table.close(r);
        let _ = table.close(w);
        return Err(e);
    }
    Ok(0)
}
