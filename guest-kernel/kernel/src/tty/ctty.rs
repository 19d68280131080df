//! The controlling terminal and job control (POSIX XBD 11.1.3 "The Controlling
//! Terminal", 11.1.4 "Terminal Access Control"; tty_ioctl(4); Linux
//! drivers/tty/tty_jobctrl.c).
//!
//! A session has the terminal as its controlling terminal when the terminal's `session`
//! is its id (there is one terminal, so no per-process pointer is needed): a session
//! leader without one acquires it with TIOCSCTTY (its group becomes the foreground
//! group), gives it up with TIOCNOTTY, and loses it when it exits (the foreground group
//! gets SIGHUP). Opening `/dev/console` or `/dev/tty` never acquires it (Linux: both are
//! `noctty` devices). The access rule for background groups is `posix::tty::job`.

use super::with;
use crate::process::kill::signal_group;
use crate::process::{Pid, current, registry};
use crate::sched;
use linux_raw_sys::general::{SIGCONT, SIGHUP, SIGTTIN, SIGTTOU};
use posix::Errno;
use posix::signal::state::SIG_IGN;
use posix::tty::job::{self, Access, Caller};

/// The caller's pid, process group and session.
fn ids() -> (Pid, Pid, Pid) {
    let pid = current::process().pid;
    let r = registry::lock();
    r.table.get(pid).map_or((pid, pid, pid), |e| (pid, e.pgid, e.sid))
}

/// Whether the caller's session has the terminal as its controlling terminal (`/dev/tty`
/// opens only then: ENXIO otherwise).
pub fn controls_caller_session() -> bool {
    let (_, _, sid) = ids();
    with(|t| t.session != 0 && t.session == sid).unwrap_or(false)
}

/// The job-control check before a read (`ttin`: SIGTTIN) or a write under TOSTOP or a
/// change of the settings (SIGTTOU) (Linux `__tty_check_change`): a background group is
/// sent the signal and the call restarts once it is continued; EIO for an orphaned group
/// or, for a read, one that blocks or ignores SIGTTIN.
pub fn check_access(ttin: bool) -> Result<(), Errno> {
    let (_, pgrp, sid) = ids();
    let Some((session, fg)) = with(|t| (t.session, t.pgrp)) else { return Ok(()) };
    let controlling = session != 0 && session == sid;
    if !controlling || fg == 0 || fg == pgrp {
        return Ok(());
    }
    let sig = (if ttin { SIGTTIN } else { SIGTTOU }) as u8;
    let blocks_or_ignores = current::task().sigmask().contains(sig)
        || current::process().signals.lock().get(sig).handler == SIG_IGN;
    let orphaned = registry::lock().table.is_orphaned(pgrp);
    let caller = Caller { controlling, pgrp, blocks_or_ignores, orphaned };
    match job::check(&caller, fg, ttin) {
        Access::Allowed => Ok(()),
        Access::Fail(e) => Err(e),
        Access::SignalGroup => {
            signal_group(pgrp, sig);
            Err(sched::ERESTARTSYS)
        }
    }
}

/// TIOCSCTTY(`arg`): the caller, a session leader without a controlling terminal, makes
/// the terminal its session's, its group the foreground group. EPERM for a process that
/// is not a session leader, and for a terminal another session has unless `arg` is 1 and
/// the caller is privileged (it is then taken away). Already the caller's: nothing.
pub fn set_controlling(arg: usize) -> Result<(), Errno> {
    let (pid, pgrp, sid) = ids();
    let leader = pid == sid;
    let session = with(|t| t.session).ok_or(Errno::ENOTTY)?;
    if leader && session == sid {
        return Ok(());
    }
    if !leader {
        return Err(Errno::EPERM);
    }
    if session != 0 {
        let privileged = current::process().creds.lock().euid == 0;
        if !(arg == 1 && privileged) {
            return Err(Errno::EPERM);
        }
    }
    with(|t| {
        t.session = sid;
        t.pgrp = pgrp;
    });
    Ok(())
}

/// TIOCNOTTY: the caller gives up its controlling terminal (ENOTTY if it is not this
/// one). A session leader disassociates the whole session, and the foreground group gets
/// SIGHUP and SIGCONT (Linux `disassociate_ctty(0)`).
pub fn give_up() -> Result<(), Errno> {
    let (pid, _, sid) = ids();
    let (session, fg) = with(|t| (t.session, t.pgrp)).ok_or(Errno::ENOTTY)?;
    if session == 0 || session != sid {
        return Err(Errno::ENOTTY);
    }
    if pid != sid {
        // Linux clears only the caller's pointer to the terminal; with the terminal kept
        // per session here, a member other than the leader cannot give it up alone.
        return Err(Errno::EPERM);
    }
    disassociate();
    if fg != 0 {
        signal_group(fg, SIGHUP as u8);
        signal_group(fg, SIGCONT as u8);
    }
    Ok(())
}

fn disassociate() {
    with(|t| {
        t.session = 0;
        t.pgrp = 0;
    });
}

/// The end of process `pid`: if it leads the session the terminal belongs to, the
/// terminal is hung up for that session: it is disassociated and the foreground group
/// gets SIGHUP (Linux `disassociate_ctty(1)` → `tty_vhangup_session`, which sends the
/// foreground group SIGHUP only; groups left orphaned with stopped members get SIGHUP
/// and SIGCONT from the exit itself).
pub fn session_leader_exits(pid: Pid) {
    let Some((session, fg)) = with(|t| (t.session, t.pgrp)) else { return };
    if session == 0 || session != pid {
        return;
    }
    disassociate();
    if fg != 0 {
        signal_group(fg, SIGHUP as u8);
    }
}

/// TIOCGPGRP: the foreground process group (0: none); ENOTTY unless this is the caller's
/// controlling terminal.
pub fn foreground() -> Result<Pid, Errno> {
    let (_, _, sid) = ids();
    let (session, fg) = with(|t| (t.session, t.pgrp)).ok_or(Errno::ENOTTY)?;
    if session == 0 || session != sid {
        return Err(Errno::ENOTTY);
    }
    Ok(fg)
}

/// TIOCSPGRP(`pgrp`), after its job-control check (the caller's: its EIO is ENOTTY,
/// Linux `tiocspgrp`): EINVAL for a negative id, ENOTTY unless this is the caller's controlling
/// terminal, ESRCH for an id no process or group has, EPERM for a group of another
/// session. Linux accepts the id of a process of the session that leads no group (it
/// looks the id up as a group, then as a process).
pub fn set_foreground(pgrp: i32) -> Result<(), Errno> {
    if pgrp < 0 {
        return Err(Errno::EINVAL);
    }
    let pgrp = pgrp as Pid;
    let (_, _, sid) = ids();
    let session = with(|t| t.session).ok_or(Errno::ENOTTY)?;
    if session == 0 || session != sid {
        return Err(Errno::ENOTTY);
    }
    let its_session = {
        let r = registry::lock();
        r.table.group_session(pgrp).or_else(|| r.table.get(pgrp).map(|e| e.sid))
    };
    match its_session {
        None => Err(Errno::ESRCH),
        Some(s) if s != sid => Err(Errno::EPERM),
        Some(_) => {
            with(|t| t.pgrp = pgrp);
            Ok(())
        }
    }
}

/// TIOCGSID: the session the terminal belongs to; ENOTTY unless this is the caller's
/// controlling terminal.
pub fn session() -> Result<Pid, Errno> {
    let (_, _, sid) = ids();
    let session = with(|t| t.session).ok_or(Errno::ENOTTY)?;
    if session == 0 || session != sid {
        return Err(Errno::ENOTTY);
    }
    Ok(session)
}
