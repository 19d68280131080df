//! Sending a signal: what happens at once (SIGKILL and SIGCONT resume a stopped process,
//! SIGCONT and the stop signals cancel each other), whether it is discarded, and marking
//! it pending so that the target acts on it on its way back to user mode, interrupting a
//! blocking wait if the signal requires (`posix::signal::disposition` holds the rules).
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
use posix::signal::num::{SIGCHLD, SIGKILL};
use posix::signal::state::SIG_IGN;

/// Sends `sig` (1..=64) to `process` (process-directed: `kill`). ENOSYS if the process
/// catches it: handlers cannot run yet (see the module docs of `signal`). A zombie takes
/// any signal and nothing happens.
pub fn send_to_process(process: &Process, sig: u8) -> Result<(), Errno> {
    send(process, None, sig)
}

/// Sends `sig` to the thread `task` (`tgkill`, SIGPIPE).
pub fn send_to_task(task: &Task, sig: u8) -> Result<(), Errno> {
    send(super::super::current::process_of(task), Some(task), sig)
}

fn send(process: &Process, thread: Option<&Task>, sig: u8) -> Result<(), Errno> {
    let main = process.main_task();
    let Some(task) = thread.or(main.as_deref()) else { return Ok(()) };
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
    if disposition == Disposition::Catch {
        return Err(Errno::ENOSYS);
    }
    let bit = SigSet::of(sig).0;
    match thread {
        Some(t) => t.pending.fetch_or(bit, Ordering::Relaxed),
        None => process.pending.fetch_or(bit, Ordering::Relaxed),
    };
    if !blocked {
        let mut flags = work::SIGNAL;
        if interrupts(sig, disposition) {
            flags |= work::INTERRUPT;
        }
        task.work.fetch_or(flags, Ordering::Relaxed);
        if flags & work::INTERRUPT != 0 {
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
        notify_parent(ppid, Notice::StopOrContinue);
    }
}

/// What a parent is told about a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The child stopped or continued (SIGCHLD unless the parent set SA_NOCLDSTOP).
    StopOrContinue,
    /// The child exited; `signal` is its exit signal (SIGCHLD, or 0 for none).
    Exited {
        /// The signal to send.
        signal: u8,
    },
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
    let (signal, autoreap) = match notice {
        Notice::StopOrContinue if flags & SA_NOCLDSTOP != 0 => (0, false),
        Notice::StopOrContinue => (SIGCHLD, false),
        Notice::Exited { signal } => {
            let ignored = action.handler == SIG_IGN || flags & SA_NOCLDWAIT != 0;
            let autoreap = signal == SIGCHLD && ignored;
            (if autoreap && action.handler == SIG_IGN { 0 } else { signal }, autoreap)
        }
    };
    if signal != 0 {
        // A caught signal cannot be delivered yet: dropped (see the module docs).
        let _ = send_to_process(&parent, signal);
    }
    autoreap
}
