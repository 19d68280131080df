//! Waiting for children (wait4(2), waitid(2); POSIX XSH `waitpid`, `waitid`): the
//! registry picks a child whose state change the request wants
//! (`posix::process::Table::wait_select`); an exited one is reaped unless WNOWAIT; with
//! none ready the caller sleeps until a child changes state (`Process::child_events`),
//! or returns at once with WNOHANG; ECHILD when no child matches at all.

use super::{Pid, cputime, current, exit, registry};
use crate::sched::{self, Kind};
use core::sync::atomic::Ordering;
use posix::Errno;
use posix::process::WaitRequest;
use posix::process::status::ChildEvent;

/// A child's reported state change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reported {
    /// The child.
    pub pid: Pid,
    /// What happened to it.
    pub event: ChildEvent,
    /// Its real user id (`si_uid`).
    pub uid: u32,
    /// Its CPU time and its reaped children's (wait4's `rusage`, Linux `RUSAGE_BOTH`).
    pub usage: posix::time::CpuTimes,
}

/// The current process's group (what `wait4(0, ..)` and `waitid(P_PGID, 0, ..)` mean).
pub fn own_pgid() -> Pid {
    let pid = current::process().pid;
    registry::lock().table.get(pid).map_or(pid, |e| e.pgid)
}

/// Waits as `req` says. `Ok(None)`: WNOHANG and nothing to report yet.
pub fn wait(req: WaitRequest) -> Result<Option<Reported>, Errno> {
    let me = current::process();
    loop {
        let seen = me.child_events.load(Ordering::Relaxed);
        let sel = select(me.pid, req)?;
        if let Some(reported) = sel {
            return Ok(Some(reported));
        }
        if req.nohang {
            return Ok(None);
        }
        sched::wait_until(Kind::Chan(me.child_chan()), 0, &mut || {
            me.child_events.load(Ordering::Relaxed) != seen
        })?;
    }
}

/// One look at the children: the first with something to report, reaped if it exited
/// (and the request is not WNOWAIT).
fn select(caller: Pid, req: WaitRequest) -> Result<Option<Reported>, Errno> {
    let (pid, event, child) = {
        let mut r = registry::lock();
        let Some((pid, event)) = r.table.wait_select(caller, req.spec, req.flags)? else {
            return Ok(None);
        };
        (pid, event, r.get(pid).cloned())
    };
    // The registry keeps a child's `Process` until it is reaped, so `child` is there.
    let uid = child.as_ref().map_or(0, |c| c.creds.lock().ruid);
    let usage = child
        .as_ref()
        .map_or_else(Default::default, |c| cputime::process(c).plus(cputime::children(c)));
    let exited = matches!(event, ChildEvent::Exited(_) | ChildEvent::Killed { .. });
    if exited && !req.flags.nowait {
        if let Some(c) = &child {
            cputime::reaped(current::process(), c);
        }
        drop(child);
        exit::reap(pid);
    }
    Ok(Some(Reported { pid, event, uid, usage }))
}
