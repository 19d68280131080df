//! Signal state: rt_sigaction(2), rt_sigprocmask(2), sigaltstack(2) store what they are
//! given; kill(2), tkill(2) and tgkill(2) aimed at the caller apply a signal's default
//! action (handlers run from the signals issue on; until then a caught signal sent to
//! oneself is dropped).

use super::SysResult;
use super::args::Args;
use crate::arch::x86_64::trap_entry::TrapFrame;
use crate::process::current;
use crate::process::exit::exit_process;
use crate::process::signal::{RawStack, SIG_DFL, SigAction};
use crate::uaccess;
use linux_raw_sys::general::{SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK};
use posix::Errno;
use posix::process::status::ChildEvent;
use posix::signal::{DefaultAction, SigSet, default_action};

/// The only signal-set size the kernel accepts (`sizeof(sigset_t)` of the kernel ABI).
const SIGSET_SIZE: usize = 8;

/// rt_sigaction(sig, act, oact, sigsetsize).
pub fn sys_rt_sigaction(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    if a.usize(3) != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let new = match a.u64(1) {
        0 => None,
        addr => Some(uaccess::read::<SigAction>(addr)?),
    };
    let old = current::process().signals.lock().exchange(a.i32(0), new)?;
    if a.u64(2) != 0 {
        uaccess::write(a.u64(2), &old)?;
    }
    Ok(0)
}

/// rt_sigprocmask(how, set, oset, sigsetsize): EINVAL for another set size or an unknown
/// `how` (when a set is given); SIGKILL and SIGSTOP are never blocked.
pub fn sys_rt_sigprocmask(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    if a.usize(3) != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let task = current::task();
    let old = task.sigmask();
    if a.u64(1) != 0 {
        let set = SigSet(uaccess::read::<u64>(a.u64(1))?);
        let new = match a.u32(0) {
            SIG_BLOCK => SigSet(old.0 | set.0),
            SIG_UNBLOCK => SigSet(old.0 & !set.0),
            SIG_SETMASK => set,
            _ => return Err(Errno::EINVAL),
        };
        task.set_sigmask(new);
    }
    if a.u64(2) != 0 {
        uaccess::write(a.u64(2), &old.0)?;
    }
    Ok(0)
}

/// sigaltstack(ss, old_ss).
pub fn sys_sigaltstack(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let rsp = frame.rsp;
    let task = current::task();
    let old = task.altstack.lock().report(rsp);
    if a.u64(0) != 0 {
        let new: RawStack = uaccess::read(a.u64(0))?;
        task.altstack.lock().set(new, rsp)?;
    }
    if a.u64(1) != 0 {
        uaccess::write(a.u64(1), &old)?;
    }
    Ok(0)
}

/// Sends `sig` (1..=64, or 0 to probe) to the calling process: its default action if it
/// is neither blocked, ignored nor caught.
fn to_self(sig: i32) -> SysResult {
    if sig == 0 {
        return Ok(0);
    }
    if !posix::signal::valid(sig) {
        return Err(Errno::EINVAL);
    }
    let sig = sig as u8;
    let handler = current::process().signals.lock().exchange(i32::from(sig), None)?.handler;
    let blocked = current::task().sigmask().contains(sig);
    // Ignored, caught (no delivery yet) or blocked (it would stay pending): no effect.
    if handler != SIG_DFL || blocked {
        return Ok(0);
    }
    match default_action(sig) {
        DefaultAction::Terminate => exit_process(ChildEvent::Killed { signal: sig, core: false }),
        DefaultAction::Core => exit_process(ChildEvent::Killed { signal: sig, core: true }),
        DefaultAction::Ignore | DefaultAction::Continue | DefaultAction::Stop => Ok(0),
    }
}

/// kill(pid, sig): only the caller itself (its pid, 0 for its group, -1 for everyone it
/// may signal) exists; ESRCH for any other pid.
pub fn sys_kill(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let pid = a.i32(0);
    let own = current::process().pid as i32;
    if pid != own && pid != 0 && pid != -1 && pid != -own {
        return Err(Errno::ESRCH);
    }
    to_self(a.i32(1))
}

/// tkill(tid, sig).
pub fn sys_tkill(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    if a.i32(0) <= 0 {
        return Err(Errno::EINVAL);
    }
    if a.i32(0) as u32 != current::task().tid {
        return Err(Errno::ESRCH);
    }
    to_self(a.i32(1))
}

/// tgkill(tgid, tid, sig).
pub fn sys_tgkill(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    if a.i32(0) <= 0 || a.i32(1) <= 0 {
        return Err(Errno::EINVAL);
    }
    if a.i32(0) as u32 != current::process().pid || a.i32(1) as u32 != current::task().tid {
        return Err(Errno::ESRCH);
    }
    to_self(a.i32(2))
}

/// After EPIPE from a write: SIGPIPE to the writer (pipe(7)); with the default action it
/// ends the process, otherwise the caller just sees EPIPE.
pub fn raise_sigpipe() {
    let _ = to_self(i32::from(posix::signal::num::SIGPIPE));
}
