//! Waiting for children (wait4(2), waitid(2); POSIX XSH `waitpid`, `waitid`): the
//! registry picks a child whose state change the request wants
//! (`posix::process::Table::wait_select`); an exited one is reaped unless WNOWAIT; with
//! none ready the caller sleeps until a child changes state (`Process::child_events`),
//! or returns at once with WNOHANG; ECHILD when no child matches at all.

use super::{Pid, current, exit, registry};
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
    let (pid, event, uid) = {
        let mut r = registry::lock();
        let Some((pid, event)) = r.table.wait_select(caller, req.spec, req.flags)? else {
            return Ok(None);
        };
        let uid = r.get(pid).map_or(0, |p| p.creds.lock().ruid);
        (pid, event, uid)
    };
    let exited = matches!(event, ChildEvent::Exited(_) | ChildEvent::Killed { .. });
    if exited && !req.flags.nowait {
        exit::reap(pid);
    }
    Ok(Some(Reported { pid, event, uid }))
}
