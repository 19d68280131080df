//! Acting on pending signals on the way back to user mode (Linux `get_signal`): the
//! lowest-numbered unblocked signal first, thread-directed before process-directed; each
//! is taken from its pending set and its default action done: terminate (the process
//! ends, reported as killed by it), stop (the process waits until SIGCONT or SIGKILL, its
//! parent told), or nothing.

use super::super::exit::exit_process;
use super::super::task::work;
use super::super::{current, registry};
use super::send::{Notice, notify_parent};
use crate::arch::UserContext;
use crate::sched::{self, Kind, WaitError};
use core::sync::atomic::Ordering;
use posix::process::status::ChildEvent;
use posix::signal::SigSet;
use posix::signal::disposition::{Delivery, Disposition, delivery};
use posix::signal::num::{SIGTSTP, SIGTTIN, SIGTTOU};

/// Acts on the current task's pending, unblocked signals. Does not return if one ends the
/// process. `ctx` is the user context a handler frame will be built on (signals issue).
pub fn deliver(_ctx: &mut UserContext) {
    let task = current::task();
    let process = current::process_of(task);
    loop {
        let mask = task.sigmask().0;
        let own = task.pending.load(Ordering::Relaxed) & !mask;
        let shared = process.pending.load(Ordering::Relaxed) & !mask;
        let Some(sig) = SigSet(own).first().or_else(|| SigSet(shared).first()) else {
            task.work.fetch_and(!(work::SIGNAL | work::INTERRUPT), Ordering::Relaxed);
            return;
        };
        let bit = SigSet::of(sig).0;
        if own & bit != 0 {
            task.pending.fetch_and(!bit, Ordering::Relaxed);
        } else {
            process.pending.fetch_and(!bit, Ordering::Relaxed);
        }
        let handler = process.signals.lock().get(sig).handler;
        let disposition = Disposition::of(sig, handler);
        let orphaned = matches!(sig, SIGTSTP | SIGTTIN | SIGTTOU) && {
            let r = registry::lock();
            r.table.get(process.pid).is_some_and(|e| r.table.is_orphaned(e.pgid))
        };
        match delivery(sig, disposition, orphaned) {
            // A handler cannot run yet: the signal is dropped (see `signal`).
            Delivery::Nothing | Delivery::Handler => {}
            // Core-dumping signals end the process without a core file (none is written).
            Delivery::Terminate { .. } => exit_process(ChildEvent::killed_by(sig)),
            Delivery::Stop => stop(sig),
        }
    }
}

/// Stops the current process for `sig` until SIGCONT or SIGKILL (POSIX XSH 2.4.3): the
/// registry records it (for `wait`'s WUNTRACED and the orphaned-group rule) and the parent
/// is told. Other signals stay pending meanwhile.
fn stop(sig: u8) {
    let task = current::task();
    let process = current::process_of(task);
    process.stopped.store(true, Ordering::Relaxed);
    let parent = registry::lock().table.stop(process.pid, sig);
    if let Some(ppid) = parent {
        notify_parent(ppid, Notice::StopOrContinue);
    }
    let chan = process.self_chan();
    loop {
        match sched::wait_until(Kind::Chan(chan), 0, &mut || {
            !process.stopped.load(Ordering::Relaxed)
        }) {
            Ok(()) | Err(WaitError::TimedOut) => return,
            // Signals other than SIGKILL (which ends the stop itself) wait for SIGCONT.
            Err(WaitError::Interrupted) => {
                task.work.fetch_and(!work::INTERRUPT, Ordering::Relaxed);
            }
        }
    }
}
