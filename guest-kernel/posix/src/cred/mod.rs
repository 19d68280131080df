//! Credentials and file access checks (POSIX.1-2017 XBD 4.5 "File Access Permissions";
//! credentials(7); Linux fs/namei.c `generic_permission`).
//!
//! A process has real, effective, saved and file-system user and group ids plus
//! supplementary groups. File access uses the file-system ids (which follow the effective
//! ids unless changed with setfsuid/setfsgid) and the supplementary groups.
//!
//! Files: this one holds the [`Credentials`] type and the file access check; [`setid`]
//! the rules of the calls that change credentials (setuid, setreuid, setresuid, setfsuid,
//! their group twins, setgroups and getgroups' size rule, set-id exec), applied by the
//! kernel's `syscall/cred.rs` and `exec/`.

pub mod setid;

use alloc::vec::Vec;

/// A user id.
pub type Uid = u32;
/// A group id.
pub type Gid = u32;

/// Permission to read (`MAY_READ`).
pub const MAY_READ: u32 = 4;
/// Permission to write (`MAY_WRITE`).
pub const MAY_WRITE: u32 = 2;
/// Permission to execute a file or search a directory (`MAY_EXEC`).
pub const MAY_EXEC: u32 = 1;

/// The ids a process acts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// Real user id.
    pub ruid: Uid,
    /// Effective user id.
    pub euid: Uid,
    /// Saved set-user-id.
    pub suid: Uid,
    /// File-system user id (used for access checks).
    pub fsuid: Uid,
    /// Real group id.
    pub rgid: Gid,
    /// Effective group id.
    pub egid: Gid,
    /// Saved set-group-id.
    pub sgid: Gid,
    /// File-system group id.
    pub fsgid: Gid,
    /// Supplementary groups.
    pub groups: Vec<Gid>,
}

impl Credentials {
    /// All ids `uid`/`gid`, no supplementary groups (init starts as root: `root()`).
    pub fn new(uid: Uid, gid: Gid) -> Self {
        Credentials {
            ruid: uid,
            euid: uid,
            suid: uid,
            fsuid: uid,
            rgid: gid,
            egid: gid,
            sgid: gid,
            fsgid: gid,
            groups: Vec::new(),
        }
    }

    /// The superuser.
    pub fn root() -> Self {
        Self::new(0, 0)
    }

    /// Whether RLIMIT_NPROC does not hold this process back from creating more (Linux
    /// kernel/fork.c `copy_process`: the real user is root's, `INIT_USER`, or the process
    /// has CAP_SYS_RESOURCE or CAP_SYS_ADMIN, which follow the effective uid 0).
    pub fn ignores_nproc(&self) -> bool {
        self.ruid == 0 || self.euid == 0
    }

    /// Whether `gid` is the file-system group or a supplementary group.
    pub fn in_group(&self, gid: Gid) -> bool {
        self.fsgid == gid || self.groups.contains(&gid)
    }

    /// Whether access `want` (a mask of `MAY_*`) to a file with `mode` (the `st_mode`
    /// bits, type included), owner `uid` and group `gid` is allowed.
    ///
    /// Owner, group, other: exactly one class applies, chosen in that order (a member of
    /// the owning group is judged by the group bits even if "other" would allow more).
    /// A file-system uid of 0 may read and write anything and search any directory, and
    /// may execute a file only if some execute bit is set (Linux `capable_wrt_inode`
    /// rules for CAP_DAC_OVERRIDE).
    pub fn may_access(&self, mode: u32, uid: Uid, gid: Gid, want: u32) -> bool {
        if self.fsuid == 0 {
            let is_dir = mode & 0o170000 == 0o040000;
            return want & MAY_EXEC == 0 || is_dir || mode & 0o111 != 0;
        }
        let bits = if self.fsuid == uid {
            (mode >> 6) & 7
        } else if self.in_group(gid) {
            (mode >> 3) & 7
        } else {
            mode & 7
        };
        want & !bits == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: u32 = 0o100000;
    const DIR: u32 = 0o040000;

    #[test]
    fn owner_group_other_classes() {
        let mut user = Credentials::new(1000, 100);
        user.groups.push(50);
        assert!(user.may_access(FILE | 0o600, 1000, 0, MAY_READ | MAY_WRITE));
        assert!(!user.may_access(FILE | 0o066, 1000, 100, MAY_READ), "owner class only");
        assert!(user.may_access(FILE | 0o040, 0, 50, MAY_READ), "supplementary group");
        assert!(!user.may_access(FILE | 0o004, 0, 100, MAY_READ), "group class only");
        assert!(user.may_access(FILE | 0o004, 0, 7, MAY_READ), "other");
        assert!(!user.may_access(FILE | 0o644, 0, 7, MAY_WRITE));
        assert!(!user.may_access(FILE | 0o644, 1000, 7, MAY_EXEC));
    }

    #[test]
    fn root_overrides_except_exec_without_any_x() {
        let root = Credentials::root();
        assert!(root.may_access(FILE, 5, 5, MAY_READ | MAY_WRITE));
        assert!(!root.may_access(FILE | 0o644, 5, 5, MAY_EXEC));
        assert!(root.may_access(FILE | 0o001, 5, 5, MAY_EXEC));
        assert!(root.may_access(DIR, 5, 5, MAY_EXEC), "root searches any directory");
    }

    #[test]
    fn nproc_binds_only_when_no_uid_that_matters_is_0() {
        assert!(Credentials::root().ignores_nproc());
        let mut c = Credentials::new(1000, 1000);
        assert!(!c.ignores_nproc());
        c.euid = 0;
        assert!(c.ignores_nproc(), "effective root");
        let mut c = Credentials::new(0, 0);
        c.euid = 1000;
        c.suid = 1000;
        assert!(c.ignores_nproc(), "real root (INIT_USER)");
    }

    #[test]
    fn fs_ids_are_what_counts() {
        let mut c = Credentials::new(1000, 1000);
        c.euid = 0;
        assert!(!c.may_access(FILE | 0o600, 0, 0, MAY_READ), "fsuid, not euid");
        c.fsuid = 0;
        assert!(c.may_access(FILE | 0o600, 5, 5, MAY_READ));
    }
}
