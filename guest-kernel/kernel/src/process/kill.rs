//! kill(2) and tgkill(2): who receives a signal and whether the sender may send it.
//!
//! Targets (`posix::process::Table::kill_targets`): pid > 0 that process, 0 the caller's
//! group, -1 every process but init and the caller, < -1 group -pid. Permission:
//! `posix::signal::may_signal` (EPERM). Linux's results (kernel/signal.c): one process,
//! its error; a group, success if any member got the signal, else the last error;
//! -1, success if any was not refused for permission, else the last error, and ESRCH for
//! no target at all. Signal 0 checks existence and permission only.

use super::signal::{send_to_process, send_to_self, send_to_task};
use super::{Pid, Process, current, registry};
use alloc::sync::Arc;
use alloc::vec::Vec;
use posix::Errno;
use posix::cred::Credentials;
use posix::signal::info::{SigInfo, code};

/// The sender's identity for the permission check.
struct Sender {
    pid: Pid,
    creds: Credentials,
    sid: Pid,
}

fn sender() -> Sender {
    let me = current::process();
    let creds = me.creds.lock().clone();
    let sid = registry::lock().table.get(me.pid).map_or(me.pid, |e| e.sid);
    Sender { pid: me.pid, creds, sid }
}

/// Checks `sig` (0..=64; EINVAL otherwise).
fn check_signal(sig: i32) -> Result<u8, Errno> {
    if sig == 0 || posix::signal::valid(sig) { Ok(sig as u8) } else { Err(Errno::EINVAL) }
}

/// Sends `sig` to `target` (session `sid`) from `from`, with `info` (kill's own when
/// `None`): EPERM without permission.
fn send_checked(
    from: &Sender,
    target: &Process,
    sid: Pid,
    sig: u8,
    info: Option<SigInfo>,
) -> Result<(), Errno> {
    // `from.creds` is a copy, so holding the target's lock is safe even for the caller.
    if !posix::signal::may_signal(&from.creds, from.sid, &target.creds.lock(), sid, sig) {
        return Err(Errno::EPERM);
    }
    let info = info
        .unwrap_or_else(|| SigInfo::from_process(sig, code::SI_USER, from.pid, from.creds.ruid));
    if sig == 0 { Ok(()) } else { send_to_process(target, sig, info) }
}

/// kill(pid, sig).
pub fn kill(pid: i64, sig: i32) -> Result<(), Errno> {
    kill_with(pid, sig, None)
}

/// rt_sigqueueinfo(pid, sig, info): `info` as the sender wrote it, to one process. A
/// sender may not pose as the kernel or as kill(2) towards another process: a code >= 0
/// or SI_TKILL is EPERM unless the target is itself (Linux `do_rt_sigqueueinfo`).
pub fn queue(pid: i64, sig: i32, mut info: SigInfo) -> Result<(), Errno> {
    if pid <= 0 {
        // Linux looks the pid up: no process has a pid of 0 or below.
        return Err(Errno::ESRCH);
    }
    if (info.code >= 0 || info.code == code::SI_TKILL) && pid != i64::from(current::process().pid) {
        return Err(Errno::EPERM);
    }
    info.signo = sig;
    kill_with(pid, sig, Some(info))
}

/// kill(2)'s targets and rules, with `info` for what is sent (`None`: kill's own).
fn kill_with(pid: i64, sig: i32, info: Option<SigInfo>) -> Result<(), Errno> {
    let sig = check_signal(sig)?;
    let me = current::process();
    if pid == i64::from(me.pid) {
        // To itself: always permitted (the sender's ids are the target's), so no lookup,
        // no credentials copy (raise(3) and abort(3) come this way).
        if sig == 0 {
            return Ok(());
        }
        let info = info.unwrap_or_else(|| {
            SigInfo::from_process(sig, code::SI_USER, me.pid, me.creds.lock().ruid)
        });
        return send_to_self(sig, &info);
    }
    let from = sender();
    if pid > 0 {
        // One target: no lists (kill(2) of one process is the common case, and each
        // allocation costs hundreds of emulated instructions).
        let (target, sid) = {
            let r = registry::lock();
            let target = Pid::try_from(pid).ok().and_then(|p| r.get(p)).ok_or(Errno::ESRCH)?;
            (target.clone(), r.table.get(target.pid).map_or(target.pid, |e| e.sid))
        };
        return send_checked(&from, &target, sid, sig, info);
    }
    let targets: Vec<(Arc<Process>, Pid)> = {
        let r = registry::lock();
        r.table
            .kill_targets(from.pid, pid)?
            .into_iter()
            .filter_map(|p| Some((r.get(p)?.clone(), r.table.get(p)?.sid)))
            .collect()
    };
    if targets.is_empty() {
        return Err(Errno::ESRCH);
    }
    let mut result = Err(Errno::ESRCH);
    let mut delivered = false;
    for (target, sid) in &targets {
        let r = send_checked(&from, target, *sid, sig, info);
        // kill(-1): a refusal for permission does not count as an attempt (Linux).
        delivered |= r.is_ok() || (pid == -1 && r != Err(Errno::EPERM));
        result = r;
    }
    if delivered { Ok(()) } else { result }
}

/// tgkill(tgid, tid, sig) (`tgid` None: tkill): the thread `tid` of process `tgid`.
pub fn tgkill(tgid: Option<Pid>, tid: Pid, sig: i32) -> Result<(), Errno> {
    tgkill_with(tgid, tid, sig, None)
}

/// rt_tgsigqueueinfo(tgid, tid, sig, info): as [`queue`], to one thread.
pub fn tgqueue(tgid: Pid, tid: Pid, sig: i32, mut info: SigInfo) -> Result<(), Errno> {
    if (info.code >= 0 || info.code == code::SI_TKILL) && tgid != current::process().pid {
        return Err(Errno::EPERM);
    }
    info.signo = sig;
    tgkill_with(Some(tgid), tid, sig, Some(info))
}

/// tgkill's targets and rules, with `info` for what is sent (`None`: tgkill's own).
fn tgkill_with(tgid: Option<Pid>, tid: Pid, sig: i32, info: Option<SigInfo>) -> Result<(), Errno> {
    let sig = check_signal(sig)?;
    let from = sender();
    let (target, sid) = {
        let r = registry::lock();
        // One thread per process: thread `tid` is process `tid`'s.
        let process = r.get(tid).filter(|_| tgid.is_none_or(|g| g == tid)).ok_or(Errno::ESRCH)?;
        (process.clone(), r.table.get(tid).map_or(tid, |e| e.sid))
    };
    let creds = target.creds.lock().clone();
    if !posix::signal::may_signal(&from.creds, from.sid, &creds, sid, sig) {
        return Err(Errno::EPERM);
    }
    // A zombie's thread takes the signal and nothing happens (Linux `do_send_specific`).
    match target.main_task() {
        Some(task) if sig != 0 => {
            let info = info.unwrap_or_else(|| {
                SigInfo::from_process(sig, code::SI_TKILL, from.pid, from.creds.ruid)
            });
            send_to_task(&task, sig, info)
        }
        _ => Ok(()),
    }
}

/// Sends `sig` from the kernel to every member of process group `pgid` (Linux
/// `kill_pgrp(pgrp, sig, 1)`): the terminal's signal characters, SIGWINCH, SIGTTIN and
/// SIGTTOU, SIGHUP at a hangup. A group that does not exist gets nothing.
pub fn signal_group(pgid: Pid, sig: u8) {
    let members: Vec<Arc<Process>> = {
        let r = registry::lock();
        r.table.members(pgid).filter_map(|p| r.get(p).cloned()).collect()
    };
    for p in &members {
        let _ = send_to_process(p, sig, SigInfo::new(sig, code::SI_KERNEL));
    }
}
