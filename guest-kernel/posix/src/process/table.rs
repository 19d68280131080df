//! The process table's relationships: parent and children, process groups, sessions, and
//! the states a parent's `wait` observes. The kernel keeps each process's resources
//! elsewhere and asks this table every question about who is related to whom, so the
//! POSIX rules live in one host-tested place.
//!
//! Rules and their sources:
//! - `setpgid` (POSIX XSH `setpgid`; Linux kernel/sys.c): EINVAL for a negative pgid; ESRCH
//!   unless the target is the caller or its child; EPERM for a child in another session;
//!   EACCES for a child that has already exec'd; EPERM for a session leader; EPERM when
//!   joining a group that does not exist in the caller's session.
//! - `setsid` (POSIX XSH `setsid`): EPERM if the caller's pid is already a process-group id.
//! - Orphaned process groups (POSIX XBD 3.266; XSH `_exit`): a group is orphaned when no
//!   member has a parent in a different group of the same session. Like DragonFly
//!   (`fixjobc`, `orphanpg`), each group keeps that count of qualifying members
//!   incrementally; when a change brings it to zero and a member is stopped, the group
//!   must get SIGHUP then SIGCONT ([`Effects::hangup_groups`]).
//! - Exit (XSH `_exit`): children go to init (pid 1); the process stays a zombie until
//!   its parent waits for it.
//! - Wait selection (wait(2)): pid > 0 that child, -1 any, 0 the caller's group, < -1 group
//!   -pid; ECHILD when no child matches at all.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use super::pid::{Pid, PidAllocator};
use super::status::ChildEvent;
use crate::Errno;

/// init's pid: the reaper of orphans.
pub const INIT: Pid = 1;

/// One process as the table sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Parent (0 for init).
    pub ppid: Pid,
    /// Process group.
    pub pgid: Pid,
    /// Session.
    pub sid: Pid,
    /// Whether it has called exec since fork (setpgid on it then fails with EACCES).
    pub execd: bool,
    /// `Some` once it has exited: how it ended.
    pub zombie: Option<ChildEvent>,
    /// The signal that stopped it, while stopped.
    pub stopped: Option<u8>,
    /// A stop or continue not yet reported to a waiting parent.
    pub unreported: Option<ChildEvent>,
}

/// A process group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Group {
    sid: Pid,
    members: BTreeSet<Pid>,
    /// Live members whose parent is in another group of the same session.
    jobc: u32,
}

/// What the kernel must do after a change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// Process groups that just became orphaned with stopped members: send each SIGHUP,
    /// then SIGCONT.
    pub hangup_groups: Vec<Pid>,
    /// The process to notify with SIGCHLD (and wake from `wait`), if any.
    pub notify: Option<Pid>,
    /// Children that were handed to init; init must be woken if any is already a zombie.
    pub reparented: Vec<Pid>,
}

/// Which children a wait is interested in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitSpec {
    /// This child (pid > 0).
    Pid(Pid),
    /// Any child (pid == -1, P_ALL).
    Any,
    /// Children in this process group (pid == 0: the caller's group; pid < -1; P_PGID).
    Group(Pid),
}

/// Which events a wait reports (wait4's WUNTRACED/WCONTINUED, waitid's
/// WEXITED/WSTOPPED/WCONTINUED/WNOWAIT).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitFlags {
    /// Report exits (always for wait4).
    pub exited: bool,
    /// Report stops.
    pub stopped: bool,
    /// Report continues.
    pub continued: bool,
    /// Leave the child waitable (WNOWAIT).
    pub nowait: bool,
}

impl WaitFlags {
    /// wait4 with no options: exits only.
    pub const EXITED: WaitFlags =
        WaitFlags { exited: true, stopped: false, continued: false, nowait: false };
}

/// The table.
///
/// Besides the entries and groups it keeps two indexes so that no operation scans every
/// process (each costs ~1 µs per instruction in the guest kernel, and a fork bomb makes
/// hundreds of processes): the children of each process, and the number of groups of each
/// session (a session id stays in use while any of its groups exists).
#[derive(Debug, Default)]
pub struct Table {
    procs: BTreeMap<Pid, Entry>,
    groups: BTreeMap<Pid, Group>,
    pids: PidAllocator,
    /// Children of each process that has any (zombies included).
    kids: BTreeMap<Pid, BTreeSet<Pid>>,
    /// Number of groups in each session.
    sessions: BTreeMap<Pid, u32>,
}

impl Table {
    /// An empty table.
    pub const fn new() -> Self {
        Self {
            procs: BTreeMap::new(),
            groups: BTreeMap::new(),
            pids: PidAllocator::new(),
            kids: BTreeMap::new(),
            sessions: BTreeMap::new(),
        }
    }

    /// Creates init: pid 1, leader of its own group and session.
    pub fn create_init(&mut self, now: u64) -> Result<Pid, Errno> {
        let pid = self.alloc(now)?;
        self.procs.insert(
            pid,
            Entry {
                ppid: 0,
                pgid: pid,
                sid: pid,
                execd: false,
                zombie: None,
                stopped: None,
                unreported: None,
            },
        );
        self.add_group(pid, Group { sid: pid, members: BTreeSet::from([pid]), jobc: 0 });
        Ok(pid)
    }

    /// Records a new group (and its place in its session).
    fn add_group(&mut self, pgid: Pid, group: Group) {
        *self.sessions.entry(group.sid).or_insert(0) += 1;
        self.groups.insert(pgid, group);
    }

    /// Forgets group `pgid` if it has no members left.
    fn drop_group_if_empty(&mut self, pgid: Pid) {
        if self.groups.get(&pgid).is_some_and(|g| g.members.is_empty())
            && let Some(g) = self.groups.remove(&pgid)
            && let Some(n) = self.sessions.get_mut(&g.sid)
        {
            *n -= 1;
            if *n == 0 {
                self.sessions.remove(&g.sid);
            }
        }
    }

    fn alloc(&mut self, now: u64) -> Result<Pid, Errno> {
        let (procs, groups, sessions) = (&self.procs, &self.groups, &self.sessions);
        self.pids.alloc(now, |id| {
            procs.contains_key(&id) || groups.contains_key(&id) || sessions.contains_key(&id)
        })
    }

    /// The entry for `pid`.
    pub fn get(&self, pid: Pid) -> Option<&Entry> {
        self.procs.get(&pid)
    }

    /// Number of processes (zombies included).
    pub fn len(&self) -> usize {
        self.procs.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.procs.is_empty()
    }

    /// Children of `pid`, zombies included, in pid order.
    pub fn children(&self, pid: Pid) -> impl Iterator<Item = Pid> + '_ {
        self.kids.get(&pid).into_iter().flat_map(|k| k.iter().copied())
    }

    /// Whether `pid` has any child (zombies included).
    pub fn has_children(&self, pid: Pid) -> bool {
        self.kids.get(&pid).is_some_and(|k| !k.is_empty())
    }

    /// Members of process group `pgid` (zombies included).
    pub fn members(&self, pgid: Pid) -> impl Iterator<Item = Pid> + '_ {
        self.groups.get(&pgid).into_iter().flat_map(|g| g.members.iter().copied())
    }

    /// The session of process group `pgid`, if the group exists.
    pub fn group_session(&self, pgid: Pid) -> Option<Pid> {
        self.groups.get(&pgid).map(|g| g.sid)
    }

    /// Whether process group `pgid` is orphaned (no live member has a parent in another
    /// group of the same session). False for a group that does not exist.
    pub fn is_orphaned(&self, pgid: Pid) -> bool {
        self.groups.get(&pgid).is_some_and(|g| g.jobc == 0)
    }

    fn live(&self, pid: Pid) -> bool {
        self.procs.get(&pid).is_some_and(|e| e.zombie.is_none())
    }

    /// Adjusts the count of group `pgid`; a drop to zero with a stopped member means the
    /// group needs SIGHUP + SIGCONT.
    fn adjust(&mut self, pgid: Pid, entering: bool, fx: &mut Effects) {
        let Some(group) = self.groups.get_mut(&pgid) else { return };
        if entering {
            group.jobc += 1;
        } else {
            group.jobc = group.jobc.saturating_sub(1);
            if group.jobc == 0 {
                let stopped = group.members.iter().any(|m| {
                    self.procs.get(m).is_some_and(|e| e.zombie.is_none() && e.stopped.is_some())
                });
                if stopped && !fx.hangup_groups.contains(&pgid) {
                    fx.hangup_groups.push(pgid);
                }
            }
        }
    }

    /// DragonFly's `fixjobc`: `pid` enters or leaves group `pgid`; adjust the counts of
    /// that group (for `pid` itself, qualified by its parent) and of its children's groups
    /// (qualified by `pid`).
    fn fixjobc(&mut self, pid: Pid, pgid: Pid, entering: bool, fx: &mut Effects) {
        let Some(sid) = self.groups.get(&pgid).map(|g| g.sid) else { return };
        let parent = self.procs.get(&pid).map_or(0, |e| e.ppid);
        if let Some(p) = self.procs.get(&parent).filter(|e| e.zombie.is_none())
            && p.pgid != pgid
            && p.sid == sid
        {
            self.adjust(pgid, entering, fx);
        }
        let kids: Vec<Pid> = self.children(pid).filter(|&c| self.live(c)).collect();
        for child in kids {
            let cg = self.procs[&child].pgid;
            if cg != pgid && self.groups.get(&cg).is_some_and(|g| g.sid == sid) {
                self.adjust(cg, entering, fx);
            }
        }
    }

    /// `fork`: a child of `parent` in its group and session.
    pub fn fork(&mut self, parent: Pid, now: u64) -> Result<Pid, Errno> {
        let p = self.procs.get(&parent).filter(|e| e.zombie.is_none()).ok_or(Errno::ESRCH)?.clone();
        let pid = self.alloc(now)?;
        self.procs.insert(
            pid,
            Entry {
                ppid: parent,
                pgid: p.pgid,
                sid: p.sid,
                execd: false,
                zombie: None,
                stopped: None,
                unreported: None,
            },
        );
        if let Some(g) = self.groups.get_mut(&p.pgid) {
            g.members.insert(pid);
        }
        self.kids.entry(parent).or_default().insert(pid);
        let mut fx = Effects::default();
        self.fixjobc(pid, p.pgid, true, &mut fx);
        Ok(pid)
    }

    /// `execve` succeeded in `pid`.
    pub fn exec(&mut self, pid: Pid) {
        if let Some(e) = self.procs.get_mut(&pid) {
            e.execd = true;
        }
    }

    /// `pid` ended with `event`: it becomes a zombie, its children go to init.
    pub fn exit(&mut self, pid: Pid, event: ChildEvent) -> Effects {
        let mut fx = Effects::default();
        let Some(entry) = self.procs.get(&pid).filter(|e| e.zombie.is_none()).cloned() else {
            return fx;
        };
        self.fixjobc(pid, entry.pgid, false, &mut fx);
        if let Some(e) = self.procs.get_mut(&pid) {
            e.zombie = Some(event);
            e.stopped = None;
            e.unreported = None;
        }
        let kids: Vec<Pid> =
            self.kids.remove(&pid).map(|k| k.into_iter().collect()).unwrap_or_default();
        if !kids.is_empty() {
            self.kids.entry(INIT).or_default().extend(kids.iter().copied());
        }
        for child in kids {
            if let Some(c) = self.procs.get_mut(&child) {
                c.ppid = INIT;
            }
            fx.reparented.push(child);
            // init may qualify the child's group now.
            if self.live(child) && pid != INIT {
                let cg = self.procs[&child].pgid;
                let qualifies = self.procs.get(&INIT).is_some_and(|i| {
                    i.zombie.is_none()
                        && i.pgid != cg
                        && self.groups.get(&cg).is_some_and(|g| g.sid == i.sid)
                });
                if qualifies {
                    self.adjust(cg, true, &mut fx);
                }
            }
        }
        fx.notify = (entry.ppid != 0).then_some(entry.ppid);
        fx
    }

    /// Removes zombie `pid` after its parent collected it.
    pub fn reap(&mut self, pid: Pid, now: u64) -> Result<ChildEvent, Errno> {
        let event = self.procs.get(&pid).and_then(|e| e.zombie).ok_or(Errno::ECHILD)?;
        let entry = self.procs.remove(&pid).ok_or(Errno::ECHILD)?;
        if let Some(g) = self.groups.get_mut(&entry.pgid) {
            g.members.remove(&pid);
        }
        self.drop_group_if_empty(entry.pgid);
        if let Some(k) = self.kids.get_mut(&entry.ppid) {
            k.remove(&pid);
            if k.is_empty() {
                self.kids.remove(&entry.ppid);
            }
        }
        self.pids.free(pid, now);
        Ok(event)
    }

    /// `setpgid(pid, pgid)` called by `caller` (0 for either means the caller's / the
    /// target's own id).
    pub fn setpgid(&mut self, caller: Pid, pid: i64, pgid: i64) -> Result<Effects, Errno> {
        if pgid < 0 || pid < 0 {
            return Err(Errno::EINVAL);
        }
        let target =
            if pid == 0 { caller } else { Pid::try_from(pid).map_err(|_| Errno::ESRCH)? };
        let pgid =
            if pgid == 0 { target } else { Pid::try_from(pgid).map_err(|_| Errno::EPERM)? };
        let me = self.procs.get(&caller).ok_or(Errno::ESRCH)?.clone();
        // A zombie child is still the caller's child until it is reaped: Linux finds it by
        // pid and moves it (glibc's fork returns before a child that exits at once is
        // reaped, and shells then call setpgid on it).
        let t = self.procs.get(&target).ok_or(Errno::ESRCH)?.clone();
        if t.ppid == caller && target != caller {
            if t.sid != me.sid {
                return Err(Errno::EPERM);
            }
            if t.execd {
                return Err(Errno::EACCES);
            }
        } else if target != caller {
            return Err(Errno::ESRCH);
        }
        if t.sid == target {
            return Err(Errno::EPERM);
        }
        if pgid != target && self.groups.get(&pgid).is_none_or(|g| g.sid != me.sid) {
            return Err(Errno::EPERM);
        }
        let mut fx = Effects::default();
        if pgid == t.pgid {
            return Ok(fx);
        }
        if !self.groups.contains_key(&pgid) {
            self.add_group(pgid, Group { sid: t.sid, ..Group::default() });
        }
        if t.zombie.is_some() {
            // A zombie counts in no group's job-control count and has no children.
            self.move_to_group(target, t.pgid, pgid);
            return Ok(fx);
        }
        // Count into the new group before out of the old (DragonFly's order), so the old
        // one cannot reach zero spuriously.
        self.fixjobc(target, pgid, true, &mut fx);
        self.fixjobc(target, t.pgid, false, &mut fx);
        self.move_to_group(target, t.pgid, pgid);
        Ok(fx)
    }

    fn move_to_group(&mut self, pid: Pid, from: Pid, to: Pid) {
        if let Some(g) = self.groups.get_mut(&from) {
            g.members.remove(&pid);
        }
        self.drop_group_if_empty(from);
        if let Some(g) = self.groups.get_mut(&to) {
            g.members.insert(pid);
        }
        if let Some(e) = self.procs.get_mut(&pid) {
            e.pgid = to;
        }
    }

    /// `setsid()` by `caller`: a new session and group, both `caller`'s pid.
    pub fn setsid(&mut self, caller: Pid) -> Result<(Pid, Effects), Errno> {
        let me = self.procs.get(&caller).ok_or(Errno::ESRCH)?.clone();
        if self.groups.contains_key(&caller) {
            return Err(Errno::EPERM);
        }
        let mut fx = Effects::default();
        self.add_group(caller, Group { sid: caller, ..Group::default() });
        self.fixjobc(caller, caller, true, &mut fx);
        self.fixjobc(caller, me.pgid, false, &mut fx);
        self.move_to_group(caller, me.pgid, caller);
        if let Some(e) = self.procs.get_mut(&caller) {
            e.sid = caller;
        }
        Ok((caller, fx))
    }

    /// `getpgid(pid)` (0: the caller).
    pub fn getpgid(&self, caller: Pid, pid: Pid) -> Result<Pid, Errno> {
        let pid = if pid == 0 { caller } else { pid };
        self.procs.get(&pid).map(|e| e.pgid).ok_or(Errno::ESRCH)
    }

    /// `getsid(pid)` (0: the caller).
    pub fn getsid(&self, caller: Pid, pid: Pid) -> Result<Pid, Errno> {
        let pid = if pid == 0 { caller } else { pid };
        self.procs.get(&pid).map(|e| e.sid).ok_or(Errno::ESRCH)
    }

    /// A stop signal `sig` stopped `pid`. Returns the parent to notify.
    pub fn stop(&mut self, pid: Pid, sig: u8) -> Option<Pid> {
        let e = self.procs.get_mut(&pid).filter(|e| e.zombie.is_none())?;
        e.stopped = Some(sig);
        e.unreported = Some(ChildEvent::Stopped(sig));
        Some(e.ppid)
    }

    /// SIGCONT resumed `pid` if it was stopped. Returns the parent to notify.
    pub fn cont(&mut self, pid: Pid) -> Option<Pid> {
        let e = self.procs.get_mut(&pid).filter(|e| e.zombie.is_none() && e.stopped.is_some())?;
        e.stopped = None;
        e.unreported = Some(ChildEvent::Continued);
        Some(e.ppid)
    }

    /// Finds a child of `caller` that `spec` and `flags` make reportable. `Ok(None)`: some
    /// child matches but none has anything to report (block, or return 0 with WNOHANG).
    /// A stop or continue is consumed unless `nowait`; an exit is left for [`Table::reap`].
    pub fn wait_select(
        &mut self,
        caller: Pid,
        spec: WaitSpec,
        flags: WaitFlags,
    ) -> Result<Option<(Pid, ChildEvent)>, Errno> {
        let matches = |pid: Pid, e: &Entry| {
            e.ppid == caller
                && match spec {
                    WaitSpec::Pid(p) => p == pid,
                    WaitSpec::Any => true,
                    WaitSpec::Group(g) => e.pgid == g,
                }
        };
        // One pass in pid order, stopping at the first reportable child: collecting the
        // candidates first made a parent reaping N children O(N²) (a fork bomb's cleanup).
        let mut any = false;
        let mut found = None;
        for pid in self.children(caller) {
            if matches!(spec, WaitSpec::Pid(p) if p != pid) {
                continue;
            }
            let Some(e) = self.procs.get(&pid).filter(|e| matches(pid, e)) else { continue };
            any = true;
            if let Some(event) = e.zombie {
                if flags.exited {
                    return Ok(Some((pid, event)));
                }
                continue;
            }
            let wanted = match e.unreported {
                Some(ChildEvent::Stopped(_)) => flags.stopped,
                Some(ChildEvent::Continued) => flags.continued,
                _ => false,
            };
            if wanted {
                found = Some((pid, e.unreported.unwrap_or(ChildEvent::Continued)));
                break;
            }
        }
        if !any {
            return Err(Errno::ECHILD);
        }
        if let Some((pid, _)) = found
            && !flags.nowait
            && let Some(e) = self.procs.get_mut(&pid)
        {
            e.unreported = None;
        }
        if found.is_some() {
            return Ok(found);
        }
        Ok(None)
    }

    /// The processes `kill(pid_arg, ..)` from `caller` addresses (kill(2)): pid_arg > 0
    /// that process; 0 the caller's group; -1 every process but init and the caller;
    /// < -1 group -pid_arg. ESRCH when the set is empty. Permission is the caller's
    /// business (`signal::may_signal`), as is ignoring zombies.
    pub fn kill_targets(&self, caller: Pid, pid_arg: i64) -> Result<Vec<Pid>, Errno> {
        let targets: Vec<Pid> = match pid_arg {
            p if p > 0 => {
                Pid::try_from(p).ok().filter(|p| self.procs.contains_key(p)).into_iter().collect()
            }
            0 => self.members(self.procs.get(&caller).map_or(0, |e| e.pgid)).collect(),
            -1 => self.procs.keys().copied().filter(|&p| p != INIT && p != caller).collect(),
            p => Pid::try_from(-p).map(|g| self.members(g).collect()).unwrap_or_default(),
        };
        if targets.is_empty() { Err(Errno::ESRCH) } else { Ok(targets) }
    }

    /// Whether the children and session indexes agree with the entries (for tests).
    pub fn indexes_consistent(&self) -> bool {
        let kids_ok = self
            .procs
            .iter()
            .all(|(p, e)| e.ppid == 0 || self.kids.get(&e.ppid).is_some_and(|k| k.contains(p)))
            && self.kids.iter().all(|(parent, k)| {
                !k.is_empty()
                    && k.iter().all(|c| self.procs.get(c).is_some_and(|e| e.ppid == *parent))
            });
        let mut sessions = BTreeMap::new();
        for g in self.groups.values() {
            *sessions.entry(g.sid).or_insert(0u32) += 1;
        }
        kids_ok && sessions == self.sessions
    }

    /// Recomputes every group's count from the definition (for tests and debugging):
    /// `Some(pgid)` of the first group whose kept count is wrong.
    pub fn check_jobc(&self) -> Option<Pid> {
        for (&pgid, g) in &self.groups {
            let count = g
                .members
                .iter()
                .filter(|&&m| self.live(m))
                .filter(|&&m| {
                    let parent = self.procs[&m].ppid;
                    self.procs
                        .get(&parent)
                        .is_some_and(|p| p.zombie.is_none() && p.pgid != pgid && p.sid == g.sid)
                })
                .count() as u32;
            if count != g.jobc {
                return Some(pgid);
            }
        }
        None
    }
}
