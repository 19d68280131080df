//! Changing credentials: setuid(2), setgid(2), setreuid(2)/setregid(2),
//! setresuid(2)/setresgid(2), setfsuid(2)/setfsgid(2), setgroups(2) and getgroups(2)'s size
//! rule, as Linux's kernel/sys.c and kernel/groups.c apply them, and the ids after an
//! execve of a set-user-ID or set-group-ID file ([`after_exec`]). The kernel's
//! `syscall/cred.rs` reads the arguments, calls these and stores the result; `exec/`
//! applies [`after_exec`].
//!
//! **Privilege.** Linux decides with capabilities: CAP_SETUID for the user ids, CAP_SETGID
//! for the group ids and setgroups. In the capability-less model of credentials(7) that
//! these kernels implement ("a process whose only privilege is root's") the effective
//! capabilities follow the effective uid (capabilities(7) "Effect of user ID changes on
//! capabilities": euid 0 -> nonzero clears them, nonzero -> 0 restores the permitted set,
//! and the permitted set is lost only when no uid is 0 any more), so both checks are
//! "the effective uid is 0" — for the group calls too. A change of the file-system uid moves
//! only the file capabilities (CAP_SETUID is not one of them), so fsuid plays no part here.
//!
//! **One rule for users and groups.** Each call exists twice with the same rule over
//! (real, effective, saved, file-system) ids; the rule is written once over [`Ids`] and the
//! public functions pick the family. `(uid_t)-1` ([`UNCHANGED`]) leaves an id as it is in
//! the calls that take several, and is EINVAL where one id is required (setuid, setgid: not
//! a valid id, Linux `uid_valid`).
//!
//! **The file-system id follows the effective id** on every call that may change the
//! effective id (setuid, setreuid, setresuid and the group twins), even when it does not
//! change it: setreuid(-1, -1) after setfsuid(5) sets the fsuid back to the euid. The one
//! exception is setresuid's no-op shortcut (Linux 5.19+): when every requested id is -1 or
//! already the current one and the fsuid already equals the euid, nothing is written.

use super::{Credentials, Gid, Uid};
use crate::Errno;
use alloc::vec::Vec;

/// The id that means "leave unchanged" (`(uid_t)-1`, `(gid_t)-1`), and that no process may
/// have.
pub const UNCHANGED: u32 = u32::MAX;

/// Most supplementary groups a process may have (Linux `NGROUPS_MAX`).
pub const NGROUPS_MAX: usize = 65536;

/// One family of ids: real, effective, saved and file-system (user or group).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ids {
    r: u32,
    e: u32,
    s: u32,
    fs: u32,
}

impl Ids {
    /// Whether `id` is the real, effective or saved id: the ids an unprivileged process may
    /// switch among.
    fn holds(&self, id: u32) -> bool {
        id == self.r || id == self.e || id == self.s
    }

    /// setuid(2): privileged, all of real, effective, saved (and fs) become `id`; otherwise
    /// only the effective (and fs) id, and only to the real or the saved id (EPERM).
    fn set(self, id: u32, privileged: bool) -> Result<Ids, Errno> {
        if id == UNCHANGED {
            return Err(Errno::EINVAL);
        }
        if privileged {
            return Ok(Ids { r: id, e: id, s: id, fs: id });
        }
        if id != self.r && id != self.s {
            return Err(Errno::EPERM);
        }
        Ok(Ids { e: id, fs: id, ..self })
    }

    /// setreuid(2): an unprivileged process may set the real id to the real or effective
    /// id, and the effective id to the real, effective or saved id (EPERM otherwise). "If
    /// the real user ID is set (i.e., ruid is not -1) or the effective user ID is set to a
    /// value not equal to the previous real user ID, the saved set-user-ID will be set to
    /// the new effective user ID." The fs id becomes the effective id in any case.
    fn set_re(self, r: u32, e: u32, privileged: bool) -> Result<Ids, Errno> {
        let mut new = self;
        if r != UNCHANGED {
            if !privileged && r != self.r && r != self.e {
                return Err(Errno::EPERM);
            }
            new.r = r;
        }
        if e != UNCHANGED {
            if !privileged && !self.holds(e) {
                return Err(Errno::EPERM);
            }
            new.e = e;
        }
        if r != UNCHANGED || (e != UNCHANGED && e != self.r) {
            new.s = new.e;
        }
        new.fs = new.e;
        Ok(new)
    }

    /// setresuid(2): "An unprivileged process may change its real UID, effective UID, and
    /// saved set-user-ID, each to one of: the current real UID, the current effective UID,
    /// or the current saved set-user-ID"; a privileged one sets them to anything. -1 leaves
    /// one unchanged; the fs id becomes the effective id, except in Linux's no-op case
    /// (module comment).
    fn set_res(self, r: u32, e: u32, s: u32, privileged: bool) -> Result<Ids, Errno> {
        let same = |want: u32, have: u32| want == UNCHANGED || want == have;
        if same(r, self.r) && (e == UNCHANGED || (e == self.e && e == self.fs)) && same(s, self.s) {
            return Ok(self);
        }
        let foreign = |id: u32| id != UNCHANGED && !self.holds(id);
        if !privileged && (foreign(r) || foreign(e) || foreign(s)) {
            return Err(Errno::EPERM);
        }
        let pick = |want: u32, have: u32| if want == UNCHANGED { have } else { want };
        let e = pick(e, self.e);
        Ok(Ids { r: pick(r, self.r), e, s: pick(s, self.s), fs: e })
    }

    /// setfsuid(2): the fs id becomes `id` if that is the real, effective, saved or current
    /// fs id, or the caller is privileged; otherwise (and for -1) nothing changes. Returns
    /// the previous fs id in every case: the call has no error return.
    fn set_fs(self, id: u32, privileged: bool) -> (u32, Ids) {
        let allowed = id != UNCHANGED && (self.holds(id) || id == self.fs || privileged);
        (self.fs, if allowed { Ids { fs: id, ..self } } else { self })
    }
}

impl Credentials {
    /// Whether the set*id calls treat the caller as privileged (CAP_SETUID and CAP_SETGID;
    /// see the module comment): the effective uid is 0.
    pub fn may_set_ids(&self) -> bool {
        self.euid == 0
    }

    fn uids(&self) -> Ids {
        Ids { r: self.ruid, e: self.euid, s: self.suid, fs: self.fsuid }
    }

    fn gids(&self) -> Ids {
        Ids { r: self.rgid, e: self.egid, s: self.sgid, fs: self.fsgid }
    }

    fn with_uids(&self, ids: Ids) -> Credentials {
        Credentials { ruid: ids.r, euid: ids.e, suid: ids.s, fsuid: ids.fs, ..self.clone() }
    }

    fn with_gids(&self, ids: Ids) -> Credentials {
        Credentials { rgid: ids.r, egid: ids.e, sgid: ids.s, fsgid: ids.fs, ..self.clone() }
    }
}

/// setuid(uid) (setuid(2)): "If the calling process is privileged, the real UID and saved
/// set-user-ID are also set"; otherwise only the effective uid changes, to the real uid or
/// the saved set-user-id (EPERM). EINVAL for -1.
pub fn setuid(c: &Credentials, uid: Uid) -> Result<Credentials, Errno> {
    Ok(c.with_uids(c.uids().set(uid, c.may_set_ids())?))
}

/// setgid(gid) (setgid(2)): as [`setuid`] for the group ids (privilege: CAP_SETGID, i.e.
/// euid 0).
pub fn setgid(c: &Credentials, gid: Gid) -> Result<Credentials, Errno> {
    Ok(c.with_gids(c.gids().set(gid, c.may_set_ids())?))
}

/// setreuid(ruid, euid) (setreuid(2)); -1 leaves one unchanged. See `Ids::set_re`.
pub fn setreuid(c: &Credentials, ruid: Uid, euid: Uid) -> Result<Credentials, Errno> {
    Ok(c.with_uids(c.uids().set_re(ruid, euid, c.may_set_ids())?))
}

/// setregid(rgid, egid) (setregid(2)): as [`setreuid`] for the group ids.
pub fn setregid(c: &Credentials, rgid: Gid, egid: Gid) -> Result<Credentials, Errno> {
    Ok(c.with_gids(c.gids().set_re(rgid, egid, c.may_set_ids())?))
}

/// setresuid(ruid, euid, suid) (setresuid(2)); -1 leaves one unchanged. See
/// `Ids::set_res`.
pub fn setresuid(c: &Credentials, ruid: Uid, euid: Uid, suid: Uid) -> Result<Credentials, Errno> {
    Ok(c.with_uids(c.uids().set_res(ruid, euid, suid, c.may_set_ids())?))
}

/// setresgid(rgid, egid, sgid) (setresgid(2)): as [`setresuid`] for the group ids.
pub fn setresgid(c: &Credentials, rgid: Gid, egid: Gid, sgid: Gid) -> Result<Credentials, Errno> {
    Ok(c.with_gids(c.gids().set_res(rgid, egid, sgid, c.may_set_ids())?))
}

/// setfsuid(fsuid) (setfsuid(2)): the previous fs uid, and the credentials after the call
/// (unchanged when not allowed: "On success, ... the previous value of fsuid is returned.
/// On error, the current value of fsuid is returned", the same number).
pub fn setfsuid(c: &Credentials, fsuid: Uid) -> (Uid, Credentials) {
    let (old, ids) = c.uids().set_fs(fsuid, c.may_set_ids());
    (old, c.with_uids(ids))
}

/// setfsgid(fsgid) (setfsgid(2)): as [`setfsuid`] for the group (privilege: CAP_SETGID,
/// i.e. euid 0).
pub fn setfsgid(c: &Credentials, fsgid: Gid) -> (Gid, Credentials) {
    let (old, ids) = c.gids().set_fs(fsgid, c.may_set_ids());
    (old, c.with_gids(ids))
}

/// The credentials after an execve of a file with `mode` (the `st_mode` bits), owner `uid`
/// and group `gid`, and whether the exec is "secure" (`AT_SECURE`), as Linux
/// (fs/exec.c `bprm_fill_uid`, security/commoncap.c `cap_bprm_creds_from_file`;
/// execve(2), credentials(7)):
///
/// - a set-user-ID file makes its owner the effective uid; a set-group-ID file with group
///   execute makes its group the effective gid (set-group-ID without group execute marks
///   mandatory locking, not a set-gid program); neither on a `nosuid` mount;
/// - then, always, the saved and fs ids become the effective ones ("the effective user ID
///   of the process is copied to the saved set-user-ID");
/// - secure when the effective uid is not the real uid or the effective gid not the real
///   gid (`is_setid`; with root's privilege only, a grown capability set implies the same).
pub fn after_exec(
    c: &Credentials,
    mode: u32,
    uid: Uid,
    gid: Gid,
    nosuid: bool,
) -> (Credentials, bool) {
    let mut new = c.clone();
    if !nosuid {
        if mode & 0o4000 != 0 {
            new.euid = uid;
        }
        if mode & 0o2010 == 0o2010 {
            new.egid = gid;
        }
    }
    new.suid = new.euid;
    new.fsuid = new.euid;
    new.sgid = new.egid;
    new.fsgid = new.egid;
    let secure = new.euid != new.ruid || new.egid != new.rgid;
    (new, secure)
}

/// setgroups(size, list), before the list is read (Linux `setgroups` checks in this
/// order): EPERM without CAP_SETGID (euid 0), EINVAL for a size above [`NGROUPS_MAX`]
/// (a negative `int` too, compared unsigned). Returns how many ids to read.
pub fn setgroups_size(c: &Credentials, size: i32) -> Result<usize, Errno> {
    if !c.may_set_ids() {
        return Err(Errno::EPERM);
    }
    match usize::try_from(size) {
        Ok(n) if n <= NGROUPS_MAX => Ok(n),
        _ => Err(Errno::EINVAL),
    }
}

/// setgroups with the list read: EINVAL if an id is -1 (not a valid gid); the groups are
/// kept sorted (Linux `groups_sort`, so getgroups returns them in ascending order;
/// duplicates stay). The fs and effective gids are not touched.
pub fn setgroups(c: &Credentials, mut groups: Vec<Gid>) -> Result<Credentials, Errno> {
    if groups.contains(&UNCHANGED) {
        return Err(Errno::EINVAL);
    }
    groups.sort_unstable();
    Ok(Credentials { groups, ..c.clone() })
}

/// getgroups(size, list) (getgroups(2)): EINVAL for a negative size, or a nonzero one
/// smaller than the number of groups `count`. Returns whether to copy the groups out
/// (size 0 only asks for the count, which the call returns either way).
pub fn getgroups_copies(count: usize, size: i32) -> Result<bool, Errno> {
    let size = usize::try_from(size).map_err(|_| Errno::EINVAL)?;
    match size {
        0 => Ok(false),
        n if n < count => Err(Errno::EINVAL),
        _ => Ok(true),
    }
}

#[cfg(test)]
mod tests;
