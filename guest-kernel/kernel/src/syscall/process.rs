//! Process creation and reaping: fork(2), vfork(2), clone(2), wait4(2), waitid(2). The
//! arguments are decoded by `posix::process::{clone, wait}`; the work is
//! `process::{fork, wait}`.

use super::SysResult;
use crate::arch::UserContext;
use crate::process::fork::{CloneArgs, fork};
use crate::process::wait::{Reported, own_pgid, wait};
use crate::uaccess;
use posix::process::CloneRequest;
use posix::process::wait_request::{wait4_request, waitid_request};
use posix::signal::num::SIGCHLD;

/// fork(): the child starts from a copy of the caller's context `ctx`.
pub fn sys_fork(ctx: &UserContext) -> SysResult {
    Ok(u64::from(fork(CloneRequest::FORK, CloneArgs::default(), ctx)?))
}

/// vfork(): the caller sleeps until the child execs or exits.
pub fn sys_vfork(ctx: &UserContext) -> SysResult {
    Ok(u64::from(fork(CloneRequest::VFORK, CloneArgs::default(), ctx)?))
}

/// clone(flags, stack, parent_tid, child_tid, tls) (the x86-64 argument order). A TLS base
/// outside user space is EPERM, as Linux's `copy_thread` answers (`do_set_thread_area_64`:
/// "tls >= TASK_SIZE_MAX"): loading it into FS_BASE would fault in the kernel.
#[inline] // Compiled into its table wrapper (see table.rs).
pub fn sys_clone(
    ctx: &mut UserContext,
    flags: u64,
    stack: u64,
    parent_tid: u64,
    child_tid: u64,
    tls: u64,
) -> SysResult {
    let req = CloneRequest::parse(flags)?;
    let args = CloneArgs { stack, parent_tid, child_tid, tls };
    if req.set_tls && args.tls >= posix::exec::elf::USER_END {
        return Err(posix::Errno::EPERM);
    }
    Ok(u64::from(fork(req, args, ctx)?))
}

/// Writes the `struct rusage` of `reported` at `addr`, if given: the child's CPU times and
/// its waited-for children's; all zero when nothing was reported (WNOHANG), as Linux.
fn write_rusage(addr: u64, reported: Option<&Reported>) -> Result<(), posix::Errno> {
    if addr == 0 {
        return Ok(());
    }
    let times = reported.map_or_else(Default::default, |r| r.usage);
    uaccess::write(addr, &super::usage::rusage_of(times))
}

/// wait4(pid, status, options, rusage): the child's pid and its status word (Linux
/// encoding), 0 with WNOHANG when no child is ready.
#[inline] // Compiled into its table wrapper (see table.rs).
pub fn sys_wait4(pid: i32, status: u64, options: u32, rusage: u64) -> SysResult {
    let req = wait4_request(pid, options, own_pgid())?;
    let Some(reported) = wait(req)? else {
        return Ok(0);
    };
    if status != 0 {
        uaccess::write(status, &reported.event.wait_status())?;
    }
    write_rusage(rusage, Some(&reported))?;
    Ok(u64::from(reported.pid))
}

/// The `siginfo_t` of a child's state change (SIGCHLD layout: si_signo, si_errno,
/// si_code, then si_pid, si_uid, si_status at bytes 16, 20, 24; 128 bytes), or all zero
/// for "nothing to report" (waitid with WNOHANG, as Linux writes it).
fn child_siginfo(reported: Option<Reported>) -> [u8; 128] {
    let mut info = [0u8; 128];
    if let Some(r) = reported {
        let (code, status) = r.event.siginfo();
        let mut put = |at: usize, v: i32| info[at..at + 4].copy_from_slice(&v.to_le_bytes());
        put(0, i32::from(SIGCHLD));
        put(8, code);
        put(16, r.pid as i32);
        put(20, r.uid as i32);
        put(24, status);
    }
    info
}

/// waitid(idtype, id, infop, options, rusage): 0, with `infop` describing the child
/// (zeroed when WNOHANG found nothing).
pub fn sys_waitid(idtype: u32, id: i32, infop: u64, options: u32, rusage: u64) -> SysResult {
    let req = waitid_request(idtype, id, options, own_pgid())?;
    let reported = wait(req)?;
    if infop != 0 {
        uaccess::write_bytes(infop, &child_siginfo(reported))?;
    }
    write_rusage(rusage, reported.as_ref())?;
    Ok(0)
}
