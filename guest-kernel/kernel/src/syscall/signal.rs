//! Signals: rt_sigaction(2), rt_sigprocmask(2), rt_sigpending(2), sigaltstack(2) store
//! and report the state; kill(2), tkill(2) and tgkill(2) send (`process::kill`), and the
//! default actions happen on the target's way back to user mode (`process::signal`).
//! Handlers run from the signals issue on; until then sending a caught signal is ENOSYS.

use super::SysResult;
use crate::arch::UserContext;
use crate::process::signal::{RawStack, SigAction, send_to_task};
use crate::process::{current, kill};
use crate::uaccess;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK};
use posix::Errno;
use posix::signal::SigSet;
use posix::signal::disposition::{Disposition, discarded_when_sent};

/// The only signal-set size the kernel accepts (`sizeof(sigset_t)` of the kernel ABI).
const SIGSET_SIZE: usize = 8;

/// rt_sigaction(sig, act, oact, sigsetsize).
pub fn sys_rt_sigaction(sig: i32, act: u64, oact: u64, sigsetsize: usize) -> SysResult {
    if sigsetsize != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let new = match act {
        0 => None,
        addr => Some(uaccess::read::<SigAction>(addr)?),
    };
    let process = current::process();
    let old = process.signals.lock().exchange(sig, new)?;
    if let Some(action) = new {
        // POSIX XSH 2.4.3: setting a pending signal's action to ignore discards it.
        let sig = sig as u8;
        let disposition = Disposition::of(sig, action.handler);
        if discarded_when_sent(sig, disposition, false) {
            let bit = !SigSet::of(sig).0;
            process.pending.fetch_and(bit, Ordering::Relaxed);
            current::task().pending.fetch_and(bit, Ordering::Relaxed);
        }
    }
    if oact != 0 {
        uaccess::write(oact, &old)?;
    }
    Ok(0)
}

/// rt_sigprocmask(how, set, oset, sigsetsize): EINVAL for another set size or an unknown
/// `how` (when a set is given); SIGKILL and SIGSTOP are never blocked.
pub fn sys_rt_sigprocmask(how: u32, set: u64, oset: u64, sigsetsize: usize) -> SysResult {
    if sigsetsize != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let task = current::task();
    let old = task.sigmask();
    if set != 0 {
        let set = SigSet(uaccess::read::<u64>(set)?);
        let new = match how {
            SIG_BLOCK => SigSet(old.0 | set.0),
            SIG_UNBLOCK => SigSet(old.0 & !set.0),
            SIG_SETMASK => set,
            _ => return Err(Errno::EINVAL),
        };
        task.set_sigmask(new, current::process().pending.load(Ordering::Relaxed));
    }
    if oset != 0 {
        uaccess::write(oset, &old.0)?;
    }
    Ok(0)
}

/// sigaltstack(ss, old_ss): whether the caller runs on its alternate stack (which it may
/// then not change) depends on its stack pointer, hence the context.
pub fn sys_sigaltstack(ctx: &UserContext, ss: u64, old_ss: u64) -> SysResult {
    let rsp = ctx.stack_pointer();
    let task = current::task();
    let old = task.altstack.lock().report(rsp);
    if ss != 0 {
        let new: RawStack = uaccess::read(ss)?;
        task.altstack.lock().set(new, rsp)?;
    }
    if old_ss != 0 {
        uaccess::write(old_ss, &old)?;
    }
    Ok(0)
}

/// kill(pid, sig): see `process::kill` for targets, permissions and results.
pub fn sys_kill(pid: i32, sig: i32) -> SysResult {
    kill::kill(i64::from(pid), sig)?;
    Ok(0)
}

/// tkill(tid, sig): EINVAL for a tid <= 0.
pub fn sys_tkill(tid: i32, sig: i32) -> SysResult {
    if tid <= 0 {
        return Err(Errno::EINVAL);
    }
    kill::tgkill(None, tid as u32, sig)?;
    Ok(0)
}

/// tgkill(tgid, tid, sig): EINVAL for ids <= 0.
pub fn sys_tgkill(tgid: i32, tid: i32, sig: i32) -> SysResult {
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    kill::tgkill(Some(tgid as u32), tid as u32, sig)?;
    Ok(0)
}

/// rt_sigpending(set, sigsetsize): the pending signals that are blocked (those not
/// blocked are acted on before user code runs again).
pub fn sys_rt_sigpending(set: u64, sigsetsize: usize) -> SysResult {
    if sigsetsize != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let task = current::task();
    let pending =
        task.pending.load(Ordering::Relaxed) | current::process().pending.load(Ordering::Relaxed);
    uaccess::write(set, &(pending & task.sigmask().0))?;
    Ok(0)
}

/// After EPIPE from a write: SIGPIPE to the writer thread (pipe(7)); with the default
/// action it ends the process on its way out, otherwise the caller just sees EPIPE.
pub fn raise_sigpipe() {
    let me = current::process();
    let uid = me.creds.lock().ruid;
    let sig = posix::signal::num::SIGPIPE;
    let info = posix::signal::info::SigInfo::from_process(
        sig,
        posix::signal::info::code::SI_USER,
        me.pid,
        uid,
    );
    let _ = send_to_task(current::task(), sig, info);
}

/// pause(2): sleeps until a signal ends the wait: EINTR once a handler ran; a signal that
/// stops the process makes it sleep on after SIGCONT (restarted), an ignored one does not
/// wake it (`ERESTARTNOHAND`, as Linux).
pub fn sys_pause() -> SysResult {
    let _ = crate::sched::wait_until(crate::sched::Kind::Sleep, 0, &mut || false);
    Err(crate::sched::ERESTARTNOHAND)
}

/// rt_sigsuspend(mask, sigsetsize): waits for a signal with `mask` as the mask, then
/// fails with EINTR once a handler ran; the old mask comes back when the handler returns
/// (the frame records it) or at once if no handler runs (sigsuspend(2), Linux
/// `sigsuspend` and `restore_saved_sigmask`).
pub fn sys_rt_sigsuspend(mask: u64, sigsetsize: usize) -> SysResult {
    if sigsetsize != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let mask = SigSet(uaccess::read::<u64>(mask)?);
    let task = current::task();
    task.saved_sigmask.store(task.sigmask().0, Ordering::Relaxed);
    task.set_sigmask(mask, current::process().pending.load(Ordering::Relaxed));
    let _ = crate::sched::wait_until(crate::sched::Kind::Sleep, 0, &mut || false);
    Err(crate::sched::ERESTARTNOHAND)
}

/// rt_sigqueueinfo(tgid, sig, uinfo): `sig` with the sender's `siginfo` (sigqueue(3) sends
/// SI_QUEUE and a value) to process `tgid`; kill(2)'s permission rules; EAGAIN when the
/// target's queue of real-time signals is full.
pub fn sys_rt_sigqueueinfo(tgid: i32, sig: i32, uinfo: u64) -> SysResult {
    let info = uaccess::read_siginfo(uinfo)?;
    kill::queue(i64::from(tgid), sig, info)?;
    Ok(0)
}

/// rt_tgsigqueueinfo(tgid, tid, sig, uinfo): as rt_sigqueueinfo, to thread `tid`.
pub fn sys_rt_tgsigqueueinfo(tgid: i32, tid: i32, sig: i32, uinfo: u64) -> SysResult {
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    let info = uaccess::read_siginfo(uinfo)?;
    kill::tgqueue(tgid as u32, tid as u32, sig, info)?;
    Ok(0)
}

/// rt_sigtimedwait(set, uinfo, timeout, sigsetsize) (sigwaitinfo(2), sigtimedwait(2)):
/// takes a pending signal of `set` (lowest first, the thread's before the process's)
/// without running its handler, writes its `siginfo` and returns its number; waits for one
/// meanwhile, with the signals of `set` unblocked for the wait (Linux `do_sigtimedwait`),
/// up to `timeout` (NULL: no limit): EAGAIN when it passes, EINTR when another signal's
/// handler runs first.
pub fn sys_rt_sigtimedwait(set: u64, uinfo: u64, timeout: u64, sigsetsize: usize) -> SysResult {
    if sigsetsize != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let wanted = SigSet(uaccess::read::<u64>(set)?).blockable().0;
    let deadline = match timeout {
        0 => None,
        addr => Some(super::time::read_timespec(addr)?),
    };
    let task = current::task();
    let process = current::process();
    let ready = || {
        let own = task.pending.load(Ordering::Relaxed) & wanted;
        let shared = process.pending.load(Ordering::Relaxed) & wanted;
        SigSet(own)
            .first()
            .map(|s| (s, true))
            .or_else(|| SigSet(shared).first().map(|s| (s, false)))
    };
    if ready().is_none() {
        if deadline == Some(0) {
            return Err(Errno::EAGAIN);
        }
        let old = task.sigmask();
        task.set_sigmask(SigSet(old.0 & !wanted), process.pending.load(Ordering::Relaxed));
        let until = deadline.map_or(0, crate::time::deadline_after_ns);
        let waited =
            crate::sched::wait_until(crate::sched::Kind::Sleep, until, &mut || ready().is_some());
        task.set_sigmask(old, process.pending.load(Ordering::Relaxed));
        match waited {
            Ok(()) => {}
            Err(crate::sched::WaitError::TimedOut) => return Err(Errno::EAGAIN),
            Err(crate::sched::WaitError::Interrupted) => return Err(crate::sched::ERESTARTNOHAND),
        }
    }
    let Some((sig, own)) = ready() else { return Err(Errno::EAGAIN) };
    let info = crate::process::signal::deliver::dequeue(sig, own);
    if uinfo != 0 {
        uaccess::write_siginfo(uinfo, &info)?;
    }
    Ok(u64::from(sig))
}

/// rt_sigreturn(): back from a handler: the context and mask saved in the frame the handler
/// returned from (at the stack pointer, the return address popped). A frame that cannot
/// be read, or that asks for a RIP outside user space, ends the process with SIGSEGV.
pub fn sys_rt_sigreturn(ctx: &mut UserContext) -> SysResult {
    crate::process::signal::sigreturn(ctx);
    // The restored RAX is the interrupted code's: keep it.
    Ok(ctx.return_value())
}
