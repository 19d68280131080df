//! Sending a signal: what happens at once (SIGKILL and SIGCONT resume a stopped process,
//! SIGCONT and the stop signals cancel each other), whether it is discarded, and marking
//! it pending, with its `siginfo`, so that the target acts on it on its way back to user
//! mode, interrupting a blocking wait if the signal requires
//! (`posix::signal::disposition` holds the rules). A standard signal already pending
//! keeps its first `siginfo` (they coalesce, signal(7)).
//!
//! Also the notices a parent gets about its children (SIGCHLD and the wake-up of `wait`).

use super::super::task::work;
use super::super::{Process, Task, registry};
use crate::sched;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{SA_NOCLDSTOP, SA_NOCLDWAIT};
use posix::Errno;
use posix::signal::SigSet;
use posix::signal::disposition::{Disposition, discarded_when_sent, interrupts, on_generation};
use posix::signal::info::SigInfo;
use posix::signal::num::{SIGCHLD, SIGKILL};
use posix::signal::state::SIG_IGN;
use spin::mutex::SpinMutex;

/// Sends `sig` (1..=64, described by `info`) to `process` (process-directed: `kill`). A
/// zombie takes any signal and nothing happens.
#[inline]
pub fn send_to_process(process: &Process, sig: u8, info: SigInfo) -> Result<(), Errno> {
    let Some(main) = process.main_task() else { return Ok(()) };
    send(process, &main, Target::Process, sig, &info)
}

/// Sends `sig` to the current process from itself (kill(2) or raise(3) of its own pid):
/// process-directed, its running task the one told (Linux's `complete_signal` prefers the
/// current thread too). It is in a system call, so neither exiting nor waiting: no lookup
/// of the task list, and no wake-up (the sender is awake).
pub fn send_to_self(sig: u8, info: &SigInfo) -> Result<(), Errno> {
    let task = super::super::current::task();
    send(super::super::current::process_of(task), task, Target::Itself, sig, info)
}

/// Sends `sig` to the thread `task` (`tgkill`, SIGPIPE, faults).
#[inline]
pub fn send_to_task(task: &Task, sig: u8, info: SigInfo) -> Result<(), Errno> {
    send(super::super::current::process_of(task), task, Target::Thread, sig, &info)
}

/// Whom a signal is sent to: where it is pending, and whether its task may need waking.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The process (pending for all its threads), told through one of its tasks.
    Process,
    /// The current process, from its own running task (no wake-up needed).
    Itself,
    /// One thread.
    Thread,
}

/// Notes `info` for `sig`, pending or not per `pending`. A standard signal that is already
/// pending keeps its first `siginfo` (signals coalesce); a real-time one queues each
/// instance, up to `limit` queued (RLIMIT_SIGPENDING, counted per process here where Linux
/// counts per user): beyond it, or without memory, a queued signal (sigqueue, tgkill) is
/// EAGAIN and one from kill(2) or the kernel goes without a `siginfo` (signal(7), Linux
/// `__send_signal`). `process` is the target (its RLIMIT_SIGPENDING).
fn note_info(
    infos: &SpinMutex<alloc::vec::Vec<SigInfo>>,
    pending: u64,
    sig: u8,
    info: &SigInfo,
    process: &Process,
) -> Result<(), Errno> {
    let realtime = sig >= posix::signal::num::SIGRTMIN;
    if !realtime && pending & SigSet::of(sig).0 != 0 {
        return Ok(());
    }
    let limit = if realtime {
        process.limits.lock().cur(linux_raw_sys::general::RLIMIT_SIGPENDING)
    } else {
        0
    };
    let mut infos = infos.lock();
    if !realtime {
        infos.retain(|i| i.signo != i32::from(sig));
    }
    let rtmin = i32::from(posix::signal::num::SIGRTMIN);
    let room = !realtime || (infos.iter().filter(|i| i.signo >= rtmin).count() as u64) < limit;
    if room && infos.try_reserve(1).is_ok() {
        infos.push(*info);
        Ok(())
    } else if realtime && info.code != posix::signal::info::code::SI_USER && info.code < 0x80 {
        Err(Errno::EAGAIN)
    } else {
        Ok(())
    }
}

/// Takes the first `siginfo` noted for `sig` (a kernel-sent one if none was), and whether
/// another instance of it stays queued (a real-time signal sent more than once).
pub fn take_info(infos: &SpinMutex<alloc::vec::Vec<SigInfo>>, sig: u8) -> (SigInfo, bool) {
    let mut infos = infos.lock();
    let signo = i32::from(sig);
    match infos.iter().position(|i| i.signo == signo) {
        Some(at) => {
            // The only one noted is the common case: `pop` spares `remove`'s call to
            // `memmove` (order matters for real-time signals, so no `swap_remove`).
            let info = if at + 1 == infos.len() { infos.pop() } else { Some(infos.remove(at)) };
            let info = info.unwrap_or(SigInfo::new(sig, posix::signal::info::code::SI_KERNEL));
            let more = infos.iter().any(|i| i.signo == signo);
            (info, more)
        }
        None => (SigInfo::new(sig, posix::signal::info::code::SI_KERNEL), false),
    }
}

/// Sends `sig` to `process`, with `task` the thread told (the target itself for
/// [`Target::Thread`]).
fn send(process: &Process, task: &Task, to: Target, sig: u8, info: &SigInfo) -> Result<(), Errno> {
    let handler = process.signals.lock().get(sig).handler;
    let disposition = Disposition::of(sig, handler);
    let (cancel, resume) = on_generation(sig);
    if cancel != SigSet::EMPTY {
        process.pending.fetch_and(!cancel.0, Ordering::Relaxed);
        task.pending.fetch_and(!cancel.0, Ordering::Relaxed);
    }
    if resume {
        continue_process(process);
    } else if sig == SIGKILL && process.stopped.swap(false, Ordering::Relaxed) {
        // A stopped process dies without being reported as continued.
        sched::wake(process.self_chan());
    }
    let blocked = task.sigmask().contains(sig);
    if discarded_when_sent(sig, disposition, blocked) {
        return Ok(());
    }
    let bit = SigSet::of(sig).0;
    let (infos, pending) = match to {
        Target::Thread => (&task.infos, &task.pending),
        Target::Process | Target::Itself => (&process.infos, &process.pending),
    };
    note_info(infos, pending.load(Ordering::Relaxed), sig, info, process)?;
    pending.fetch_or(bit, Ordering::Relaxed);
    if !blocked {
        let mut flags = work::SIGNAL;
        if interrupts(sig, disposition) {
            flags |= work::INTERRUPT;
        }
        task.work.fetch_or(flags, Ordering::Relaxed);
        if flags & work::INTERRUPT != 0 && to != Target::Itself {
            sched::wake_task(task);
        }
    }
    Ok(())
}

/// SIGCONT reached `process`: if it was stopped it runs again, and its parent hears of it.
fn continue_process(process: &Process) {
    if !process.stopped.swap(false, Ordering::Relaxed) {
        return;
    }
    let parent = registry::lock().table.cont(process.pid);
    sched::wake(process.self_chan());
    if let Some(ppid) = parent {
        let info = child_info(process, posix::process::status::ChildEvent::Continued);
        notify_parent(ppid, Notice::StopOrContinue { info });
    }
}

/// What a parent is told about a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The child stopped or continued (SIGCHLD unless the parent set SA_NOCLDSTOP).
    StopOrContinue {
        /// What SIGCHLD's handler is told.
        info: SigInfo,
    },
    /// The child exited; `signal` is its exit signal (SIGCHLD, or 0 for none).
    Exited {
        /// The signal to send.
        signal: u8,
        /// What its handler is told.
        info: SigInfo,
    },
}

/// The `siginfo` of SIGCHLD for `child`'s `event` (si_pid, si_uid, CLD_* code, status).
pub fn child_info(child: &Process, event: posix::process::status::ChildEvent) -> SigInfo {
    let (code, status) = event.siginfo();
    let uid = child.creds.lock().ruid;
    SigInfo::child(SIGCHLD, code, child.pid, uid, status)
}

/// Tells process `ppid` about one of its children: its waits wake up, and it gets the
/// signal `notice` calls for. Returns whether an exited child is to be reaped at once:
/// its exit signal is SIGCHLD and the parent ignores SIGCHLD or set SA_NOCLDWAIT (POSIX
/// XSH `_exit`; Linux `do_notify_parent`, which then sends nothing for SIG_IGN).
pub fn notify_parent(ppid: u32, notice: Notice) -> bool {
    let parent = registry::lock().get(ppid).cloned();
    let Some(parent) = parent else { return false };
    let action = parent.signals.lock().get(SIGCHLD);
    let flags = action.flags as u32;
    parent.child_events.fetch_add(1, Ordering::Relaxed);
    sched::wake(parent.child_chan());
    let (signal, autoreap, info) = match notice {
        Notice::StopOrContinue { .. } if flags & SA_NOCLDSTOP != 0 => (0, false, None),
        Notice::StopOrContinue { info } => (SIGCHLD, false, Some(info)),
        Notice::Exited { signal, mut info } => {
            let ignored = action.handler == SIG_IGN || flags & SA_NOCLDWAIT != 0;
            let autoreap = signal == SIGCHLD && ignored;
            info.signo = i32::from(signal);
            (if autoreap && action.handler == SIG_IGN { 0 } else { signal }, autoreap, Some(info))
        }
    };
    if let Some(info) = info.filter(|_| signal != 0) {
        let _ = send_to_process(&parent, signal, info);
    }
    autoreap
}
