//! File attributes: who may change a file's mode, owner, group and times, which set-id
//! bits a change or a write clears, and the argument rules of the calls that do it.
//!
//! Sources: chmod(2), chown(2), utimensat(2), link(2), truncate(2), access(2); Linux
//! `fs/attr.c` (`setattr_prepare`, `chown_ok`, `chgrp_ok`, `may_setattr`,
//! `setattr_should_drop_sgid`, `setattr_should_drop_suidgid`), `fs/open.c`
//! (`chmod_common`, `chown_common`, `do_sys_truncate`, `vfs_truncate`, `do_faccessat`),
//! `fs/utimes.c` (`vfs_utimes`, `sys_utimensat`) and `fs/namei.c` (`may_linkat`,
//! `vfs_link`), as of Linux 6.18. The kernel's `fs::setattr` resolves the file, asks these
//! rules and applies what they return.
//!
//! "Privileged" here is what Linux decides with CAP_CHOWN, CAP_FOWNER and CAP_FSETID:
//! root holds them, and they follow the file-system uid (capabilities(7): a nonzero fsuid
//! drops the file-system capabilities), so the test is `fsuid == 0`, as for the access
//! checks of `cred`.

use crate::Errno;
use crate::cred::{Credentials, Gid, MAY_READ, MAY_WRITE, Uid};
use crate::fs::mode::{self, PERMISSION_BITS, S_IFMT, S_ISGID, S_ISUID};
use crate::fs::stat::Timespec;
use alloc::borrow::Cow;

/// `S_IXGRP`: group execute, which makes S_ISGID a real set-group-id bit (without it, a
/// mandatory-locking mark that writes leave alone).
const S_IXGRP: u32 = linux_raw_sys::general::S_IXGRP;
/// `utimensat`'s "set to the current time" nanosecond value.
pub const UTIME_NOW: i64 = linux_raw_sys::general::UTIME_NOW as i64;
/// `utimensat`'s "leave unchanged" nanosecond value.
pub const UTIME_OMIT: i64 = linux_raw_sys::general::UTIME_OMIT as i64;

/// What the rules look at: a file's mode (type and permission bits), owner and group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attrs {
    /// `st_mode`.
    pub mode: u32,
    /// `st_uid`.
    pub uid: Uid,
    /// `st_gid`.
    pub gid: Gid,
}

/// Whether the caller holds the file capabilities (see the module comment).
pub fn privileged(creds: &Credentials) -> bool {
    creds.fsuid == 0
}

/// The file's owner or privileged (Linux `inode_owner_or_capable`, CAP_FOWNER).
pub fn owner_or_privileged(creds: &Credentials, file: Attrs) -> bool {
    creds.fsuid == file.uid || privileged(creds)
}

/// A member of `gid` (file-system or supplementary group) or privileged (Linux
/// `in_group_or_capable`, CAP_FSETID).
fn in_group_or_privileged(creds: &Credentials, gid: Gid) -> bool {
    creds.in_group(gid) || privileged(creds)
}

/// chmod(2): the file's new mode when the caller asks for `requested`, or the error.
///
/// - EOPNOTSUPP for a symbolic link (only `fchmodat2(AT_SYMLINK_NOFOLLOW)` reaches one;
///   Linux `notify_change` refuses to change a link's mode).
/// - EPERM unless the caller owns the file or is privileged ("The effective UID of the
///   calling process does not match the owner of the file, and the process is not
///   privileged").
/// - Only the 07777 bits change; the type stays.
/// - "If the calling process is not privileged, and the group of the file does not match
///   the effective group ID of the process or one of its supplementary group IDs, the
///   S_ISGID bit will be turned off, but this will not cause an error to be returned."
pub fn chmod(creds: &Credentials, file: Attrs, requested: u32) -> Result<u32, Errno> {
    if mode::is_symlink(file.mode) {
        return Err(Errno::EOPNOTSUPP);
    }
    if !owner_or_privileged(creds, file) {
        return Err(Errno::EPERM);
    }
    let mut new = (file.mode & S_IFMT) | (requested & PERMISSION_BITS);
    if !in_group_or_privileged(creds, file.gid) {
        new &= !S_ISGID;
    }
    Ok(new)
}

/// The S_ISGID bit a change of owner or a write clears (Linux `setattr_should_drop_sgid`):
/// a real set-group-id bit (group execute set) always, a locking mark only when the
/// caller is neither in the file's group nor privileged.
fn sgid_to_drop(creds: &Credentials, file: Attrs) -> u32 {
    if file.mode & S_ISGID == 0 {
        0
    } else if file.mode & S_IXGRP != 0 || !in_group_or_privileged(creds, file.gid) {
        S_ISGID
    } else {
        0
    }
}

/// chown(2): the file's new attributes when the caller asks for owner `uid` and group
/// `gid` (`None` is -1, "unchanged"), or EPERM.
///
/// - "Only a privileged process may change the owner of a file" (changing it to itself is
///   no change: Linux `chown_ok` lets the owner name its own uid).
/// - "The owner of a file may change the group of the file to any group of which that
///   owner is a member" (Linux `chgrp_ok`).
/// - For anything but a directory, the change clears S_ISUID, and S_ISGID as
///   `sgid_to_drop` says, whoever asks, root included ("When the owner or group of an
///   executable file is changed by an unprivileged user, the S_ISUID and S_ISGID mode bits
///   are cleared. [...] since Linux 2.2.13, root is treated like other users"), even for
///   `chown(f, -1, -1)`; clearing them is a mode change, so a caller that neither owns
///   the file nor is privileged gets EPERM then.
pub fn chown(
    creds: &Credentials,
    file: Attrs,
    uid: Option<Uid>,
    gid: Option<Gid>,
) -> Result<Attrs, Errno> {
    let privileged = privileged(creds);
    let owner = creds.fsuid == file.uid;
    if let Some(uid) = uid
        && !(owner && uid == file.uid || privileged)
    {
        return Err(Errno::EPERM);
    }
    if let Some(gid) = gid
        && !(owner && (gid == file.gid || creds.in_group(gid)) || privileged)
    {
        return Err(Errno::EPERM);
    }
    let kill = if mode::is_dir(file.mode) { 0 } else { S_ISUID | sgid_to_drop(creds, file) };
    let mode = file.mode & !kill;
    if mode != file.mode && !owner_or_privileged(creds, file) {
        return Err(Errno::EPERM);
    }
    Ok(Attrs { mode, uid: uid.unwrap_or(file.uid), gid: gid.unwrap_or(file.gid) })
}

/// The mode a regular file keeps after a write or a truncation by the caller, or `None`
/// when nothing changes (Linux `file_remove_privs`, `setattr_should_drop_suidgid`): a
/// caller without CAP_FSETID (not privileged) clears S_ISUID, and S_ISGID as
/// `sgid_to_drop` says, so that a modified program does not keep its set-id bits.
pub fn mode_after_write(creds: &Credentials, file: Attrs) -> Option<u32> {
    if !mode::is_reg(file.mode) || file.mode & (S_ISUID | S_ISGID) == 0 || privileged(creds) {
        return None;
    }
    let kill = (file.mode & S_ISUID) | sgid_to_drop(creds, file);
    (kill != 0).then_some(file.mode & !kill)
}

/// Whether a write might have to clear set-id bits ([`mode_after_write`]): a cheap test
/// on the mode alone, so the write path looks at credentials only for such files.
pub const fn write_may_clear_ids(mode: u32) -> bool {
    mode::is_reg(mode) && mode & (S_ISUID | S_ISGID) != 0
}

/// One time stamp of a `utimensat` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUpdate {
    /// Leave it (`UTIME_OMIT`).
    Keep,
    /// The current time (`UTIME_NOW`, or no times given).
    Now,
    /// This time.
    Set(Timespec),
}

/// A decoded `utimensat`/`utimes` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Times {
    /// The new access time.
    pub atime: TimeUpdate,
    /// The new modification time.
    pub mtime: TimeUpdate,
    /// Whether this is more than "both to now" (Linux `ATTR_TIMES_SET`): then only the
    /// owner or a privileged caller may do it.
    pub explicit: bool,
}

/// Whether `utimensat` has nothing to do: both `tv_nsec` are UTIME_OMIT. Linux returns 0
/// then before it even looks at the path or descriptor (`sys_utimensat`: "Nothing to do,
/// we must not even check the path").
pub fn times_all_omitted(times: Option<[(i64, i64); 2]>) -> bool {
    times.is_some_and(|[a, m]| a.1 == UTIME_OMIT && m.1 == UTIME_OMIT)
}

/// Decodes `utimensat`'s `times` (`(tv_sec, tv_nsec)` for access and modification;
/// `None` for a null pointer, which means both now). EINVAL for a `tv_nsec` that is
/// neither UTIME_NOW, UTIME_OMIT nor in `0..1_000_000_000` (utimensat(2) ERRORS); both
/// UTIME_NOW is the same as a null pointer (`vfs_utimes`).
pub fn decode_times(times: Option<[(i64, i64); 2]>) -> Result<Times, Errno> {
    let Some(raw) = times else {
        return Ok(Times { atime: TimeUpdate::Now, mtime: TimeUpdate::Now, explicit: false });
    };
    let decode = |(sec, nsec): (i64, i64)| match nsec {
        UTIME_NOW => Ok(TimeUpdate::Now),
        UTIME_OMIT => Ok(TimeUpdate::Keep),
        0..=999_999_999 => Ok(TimeUpdate::Set(Timespec { sec, nsec: nsec as u32 })),
        _ => Err(Errno::EINVAL),
    };
    let (atime, mtime) = (decode(raw[0])?, decode(raw[1])?);
    let explicit = !(atime == TimeUpdate::Now && mtime == TimeUpdate::Now);
    Ok(Times { atime, mtime, explicit })
}

/// Converts `utimes`/`futimesat`'s `struct timeval` pair to `utimensat`'s form: EINVAL
/// for microseconds outside `0..1_000_000` (Linux `do_futimesat` checks before the
/// multiplication, which would otherwise turn a bad value into UTIME_NOW or UTIME_OMIT).
pub fn timevals_to_times(tv: [(i64, i64); 2]) -> Result<[(i64, i64); 2], Errno> {
    let convert = |(sec, usec): (i64, i64)| {
        if (0..1_000_000).contains(&usec) { Ok((sec, usec * 1000)) } else { Err(Errno::EINVAL) }
    };
    Ok([convert(tv[0])?, convert(tv[1])?])
}

/// utimensat(2) permissions for a decoded request on `file`:
///
/// - "To set both file timestamps to the current time [...] either: the caller must have
///   write access to the file; the caller's effective user ID must match the owner of the
///   file; or the caller must have appropriate privileges": EACCES otherwise.
/// - "To make any change other than setting both timestamps to the current time [...]
///   either condition 2 or 3 above must apply": EPERM otherwise. As Linux does, this
///   includes one time to now and the other omitted (`ATTR_TIMES_SET`).
pub fn may_set_times(creds: &Credentials, file: Attrs, times: &Times) -> Result<(), Errno> {
    if owner_or_privileged(creds, file) {
        return Ok(());
    }
    if times.explicit {
        return Err(Errno::EPERM);
    }
    if creds.may_access(file.mode, file.uid, file.gid, MAY_WRITE) {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// link(2)'s check on the existing file (Linux `may_linkat` with
/// `fs.protected_hardlinks = 1`, the setting of common distributions, see proc(5)): the
/// owner or a privileged caller may link anything; anyone else only a regular file that
/// is neither set-user-id nor executable set-group-id and that they may read and write.
/// EPERM otherwise ("The caller does not have permission to create a hard link to this
/// file").
pub fn may_link(creds: &Credentials, file: Attrs) -> Result<(), Errno> {
    if owner_or_privileged(creds, file) {
        return Ok(());
    }
    let m = file.mode;
    let safe = mode::is_reg(m)
        && m & S_ISUID == 0
        && m & (S_ISGID | S_IXGRP) != (S_ISGID | S_IXGRP)
        && creds.may_access(m, file.uid, file.gid, MAY_READ | MAY_WRITE);
    if safe { Ok(()) } else { Err(Errno::EPERM) }
}

/// link(2) on the kind of file: EPERM for a directory ("oldpath is a directory").
pub fn linkable(file_mode: u32) -> Result<(), Errno> {
    if mode::is_dir(file_mode) { Err(Errno::EPERM) } else { Ok(()) }
}

/// truncate(2)/ftruncate(2)'s length: EINVAL if negative ("The argument length is
/// negative"), checked before anything else.
pub fn truncate_length(length: i64) -> Result<u64, Errno> {
    u64::try_from(length).map_err(|_| Errno::EINVAL)
}

/// truncate(2) on the kind of file a path names: EISDIR for a directory ("The named file
/// is a directory"), EINVAL for anything else that is not a regular file (Linux
/// `vfs_truncate`).
pub fn truncatable(file_mode: u32) -> Result<(), Errno> {
    if mode::is_dir(file_mode) {
        Err(Errno::EISDIR)
    } else if !mode::is_reg(file_mode) {
        Err(Errno::EINVAL)
    } else {
        Ok(())
    }
}

/// The credentials access(2) checks with: "The check is done using the calling process's
/// real UID and GID, rather than the effective IDs as is done when actually attempting an
/// operation", unless `AT_EACCESS` (faccessat(2): "Perform access checks using the
/// effective user and group IDs"), where the file-system ids stay as they are. The
/// supplementary groups are kept either way (Linux `access_override_creds` changes only
/// the fs ids). Borrowed, not copied, when nothing changes (the usual case: real and
/// file-system ids alike).
pub fn access_credentials(creds: &Credentials, effective: bool) -> Cow<'_, Credentials> {
    if effective || (creds.fsuid, creds.fsgid) == (creds.ruid, creds.rgid) {
        return Cow::Borrowed(creds);
    }
    let mut c = creds.clone();
    c.fsuid = c.ruid;
    c.fsgid = c.rgid;
    Cow::Owned(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::mode::{S_IFDIR, S_IFLNK, S_IFREG};

    fn user(uid: Uid, gid: Gid, groups: &[Gid]) -> Credentials {
        let mut c = Credentials::new(uid, gid);
        c.groups.extend_from_slice(groups);
        c
    }

    fn file(mode: u32, uid: Uid, gid: Gid) -> Attrs {
        Attrs { mode, uid, gid }
    }

    #[test]
    fn chmod_owner_or_root_only() {
        let f = file(S_IFREG | 0o644, 1000, 1000);
        assert_eq!(chmod(&user(1000, 1000, &[]), f, 0o600), Ok(S_IFREG | 0o600));
        assert_eq!(chmod(&Credentials::root(), f, 0o4755), Ok(S_IFREG | 0o4755));
        assert_eq!(chmod(&user(1001, 1000, &[]), f, 0o600), Err(Errno::EPERM));
        // Only the 07777 bits count; the type stays.
        assert_eq!(chmod(&Credentials::root(), f, 0o170777), Ok(S_IFREG | 0o777));
        let mut euid_root = user(1000, 1000, &[]);
        euid_root.euid = 0;
        assert_eq!(chmod(&euid_root, file(S_IFREG, 5, 5), 0), Err(Errno::EPERM), "fsuid counts");
    }

    #[test]
    fn chmod_setgid_outside_own_groups_is_dropped() {
        let owner = user(1000, 1000, &[50]);
        let other_group = file(S_IFREG | 0o755, 1000, 7);
        assert_eq!(chmod(&owner, other_group, 0o2755), Ok(S_IFREG | 0o755));
        assert_eq!(chmod(&owner, file(S_IFREG, 1000, 50), 0o2755), Ok(S_IFREG | 0o2755));
        assert_eq!(chmod(&owner, file(S_IFDIR, 1000, 1000), 0o2775), Ok(S_IFDIR | 0o2775));
        assert_eq!(chmod(&Credentials::root(), other_group, 0o2755), Ok(S_IFREG | 0o2755));
        // Set-user-id and sticky are kept for the owner.
        assert_eq!(chmod(&owner, other_group, 0o5755), Ok(S_IFREG | 0o5755));
    }

    #[test]
    fn chmod_of_a_symlink_is_not_supported() {
        let link = file(S_IFLNK | 0o777, 0, 0);
        assert_eq!(chmod(&Credentials::root(), link, 0o600), Err(Errno::EOPNOTSUPP));
    }

    #[test]
    fn chown_owner_only_by_root() {
        let f = file(S_IFREG | 0o644, 1000, 1000);
        let owner = user(1000, 1000, &[50]);
        assert_eq!(chown(&owner, f, Some(1001), None), Err(Errno::EPERM));
        assert_eq!(chown(&owner, f, Some(1000), None), Ok(f), "its own uid: no change");
        assert_eq!(chown(&user(1001, 1000, &[]), f, Some(1001), None), Err(Errno::EPERM));
        let root = Credentials::root();
        assert_eq!(chown(&root, f, Some(7), Some(8)), Ok(file(S_IFREG | 0o644, 7, 8)));
    }

    #[test]
    fn chgrp_by_owner_to_own_groups() {
        let f = file(S_IFREG | 0o644, 1000, 1000);
        let owner = user(1000, 1000, &[50]);
        assert_eq!(chown(&owner, f, None, Some(50)), Ok(file(S_IFREG | 0o644, 1000, 50)));
        assert_eq!(chown(&owner, f, None, Some(51)), Err(Errno::EPERM));
        assert_eq!(chown(&owner, f, None, Some(1000)), Ok(f));
        // A member of the group who is not the owner may not.
        assert_eq!(
            chown(&user(1001, 50, &[]), file(S_IFREG, 1000, 7), None, Some(50)),
            Err(Errno::EPERM)
        );
    }

    #[test]
    fn chown_clears_set_id_bits_even_for_root() {
        let root = Credentials::root();
        let f = file(S_IFREG | 0o6755, 1000, 1000);
        assert_eq!(chown(&root, f, Some(1), Some(1)), Ok(file(S_IFREG | 0o755, 1, 1)));
        assert_eq!(chown(&root, f, None, None), Ok(file(S_IFREG | 0o755, 1000, 1000)), "-1, -1");
        // S_ISGID without group execute is a locking mark: kept for a group member.
        let mark = file(S_IFREG | 0o6744, 1000, 1000);
        assert_eq!(chown(&root, mark, Some(2), None), Ok(file(S_IFREG | 0o2744, 2, 1000)));
        let owner = user(1000, 1000, &[]);
        assert_eq!(chown(&owner, mark, None, None), Ok(file(S_IFREG | 0o2744, 1000, 1000)));
        let owner_elsewhere = user(1000, 5, &[]);
        assert_eq!(
            chown(&owner_elsewhere, mark, None, None),
            Ok(file(S_IFREG | 0o744, 1000, 1000))
        );
        // Directories keep theirs.
        let dir = file(S_IFDIR | 0o2775, 1000, 1000);
        assert_eq!(chown(&root, dir, Some(3), None), Ok(file(S_IFDIR | 0o2775, 3, 1000)));
    }

    #[test]
    fn chown_minus_one_by_a_stranger() {
        let stranger = user(1001, 1001, &[]);
        let plain = file(S_IFREG | 0o644, 1000, 1000);
        assert_eq!(chown(&stranger, plain, None, None), Ok(plain), "nothing to clear");
        let setuid = file(S_IFREG | 0o4755, 1000, 1000);
        assert_eq!(chown(&stranger, setuid, None, None), Err(Errno::EPERM));
    }

    #[test]
    fn writes_by_the_unprivileged_clear_set_id_bits() {
        let owner = user(1000, 1000, &[]);
        assert_eq!(
            mode_after_write(&owner, file(S_IFREG | 0o6755, 1000, 1000)),
            Some(S_IFREG | 0o755)
        );
        assert_eq!(
            mode_after_write(&owner, file(S_IFREG | 0o4644, 1000, 1000)),
            Some(S_IFREG | 0o644)
        );
        // A locking mark stays for a group member, goes for anyone else.
        assert_eq!(mode_after_write(&owner, file(S_IFREG | 0o2644, 1000, 1000)), None);
        assert_eq!(
            mode_after_write(&owner, file(S_IFREG | 0o2644, 1000, 9)),
            Some(S_IFREG | 0o644)
        );
        assert_eq!(mode_after_write(&Credentials::root(), file(S_IFREG | 0o6755, 5, 5)), None);
        assert_eq!(mode_after_write(&owner, file(S_IFREG | 0o755, 1000, 1000)), None);
        assert_eq!(mode_after_write(&owner, file(S_IFDIR | 0o2755, 1000, 9)), None);
        assert!(write_may_clear_ids(S_IFREG | 0o4000) && !write_may_clear_ids(S_IFREG | 0o1777));
        assert!(!write_may_clear_ids(S_IFDIR | 0o2775));
    }

    #[test]
    fn utimensat_times_decode() {
        assert_eq!(
            decode_times(None),
            Ok(Times { atime: TimeUpdate::Now, mtime: TimeUpdate::Now, explicit: false })
        );
        let both_now = decode_times(Some([(5, UTIME_NOW), (6, UTIME_NOW)])).unwrap();
        assert!(!both_now.explicit, "both UTIME_NOW is a null pointer");
        let t = decode_times(Some([(-1, 999_999_999), (7, UTIME_OMIT)])).unwrap();
        assert_eq!(t.atime, TimeUpdate::Set(Timespec { sec: -1, nsec: 999_999_999 }));
        assert_eq!(t.mtime, TimeUpdate::Keep);
        assert!(t.explicit);
        let now_omit = decode_times(Some([(0, UTIME_NOW), (0, UTIME_OMIT)])).unwrap();
        assert!(now_omit.explicit);
        assert_eq!(decode_times(Some([(0, 1_000_000_000), (0, 0)])), Err(Errno::EINVAL));
        assert_eq!(decode_times(Some([(0, 0), (0, -1)])), Err(Errno::EINVAL));
        assert!(times_all_omitted(Some([(1, UTIME_OMIT), (2, UTIME_OMIT)])));
        assert!(!times_all_omitted(Some([(1, UTIME_OMIT), (2, 0)])) && !times_all_omitted(None));
    }

    #[test]
    fn timevals_convert_and_check() {
        assert_eq!(timevals_to_times([(1, 2), (3, 999_999)]), Ok([(1, 2000), (3, 999_999_000)]));
        assert_eq!(timevals_to_times([(1, 1_000_000), (3, 0)]), Err(Errno::EINVAL));
        assert_eq!(timevals_to_times([(1, 0), (3, -1)]), Err(Errno::EINVAL));
    }

    #[test]
    fn utimensat_permissions() {
        let f = file(S_IFREG | 0o664, 1000, 50);
        let touch = decode_times(None).unwrap();
        let set = decode_times(Some([(1, 0), (2, 0)])).unwrap();
        let (owner, member, other) = (user(1000, 1, &[]), user(2000, 50, &[]), user(3000, 3, &[]));
        assert_eq!(may_set_times(&owner, f, &set), Ok(()));
        assert_eq!(may_set_times(&Credentials::root(), f, &set), Ok(()));
        assert_eq!(may_set_times(&member, f, &touch), Ok(()), "write access suffices for now");
        assert_eq!(may_set_times(&member, f, &set), Err(Errno::EPERM));
        assert_eq!(may_set_times(&other, f, &touch), Err(Errno::EACCES));
        assert_eq!(may_set_times(&other, f, &set), Err(Errno::EPERM));
        let now_omit = decode_times(Some([(0, UTIME_NOW), (0, UTIME_OMIT)])).unwrap();
        assert_eq!(may_set_times(&member, f, &now_omit), Err(Errno::EPERM));
    }

    #[test]
    fn hard_link_protection() {
        let other = user(2000, 2000, &[]);
        let root = Credentials::root();
        let rw = file(S_IFREG | 0o666, 1000, 1000);
        assert_eq!(may_link(&other, rw), Ok(()));
        assert_eq!(may_link(&other, file(S_IFREG | 0o644, 1000, 1000)), Err(Errno::EPERM));
        assert_eq!(may_link(&other, file(S_IFREG | 0o4666, 1000, 1000)), Err(Errno::EPERM));
        assert_eq!(may_link(&other, file(S_IFREG | 0o2676, 1000, 1000)), Err(Errno::EPERM));
        assert_eq!(may_link(&other, file(S_IFREG | 0o2666, 1000, 1000)), Ok(()), "a locking mark");
        assert_eq!(may_link(&user(1000, 1, &[]), file(S_IFREG | 0o4000, 1000, 1000)), Ok(()));
        assert_eq!(may_link(&root, file(S_IFREG, 1000, 1000)), Ok(()));
        assert_eq!(linkable(S_IFDIR | 0o755), Err(Errno::EPERM));
        assert_eq!(linkable(S_IFLNK | 0o777), Ok(()));
    }

    #[test]
    fn truncate_rules() {
        assert_eq!(truncate_length(-1), Err(Errno::EINVAL));
        assert_eq!(truncate_length(0), Ok(0));
        assert_eq!(truncatable(S_IFDIR), Err(Errno::EISDIR));
        assert_eq!(truncatable(mode::S_IFIFO), Err(Errno::EINVAL));
        assert_eq!(truncatable(S_IFREG | 0o644), Ok(()));
    }

    #[test]
    fn access_uses_real_ids_unless_eaccess() {
        let mut c = user(1000, 100, &[7]);
        c.euid = 0;
        c.fsuid = 0;
        c.egid = 0;
        c.fsgid = 0;
        let real = access_credentials(&c, false);
        assert_eq!((real.fsuid, real.fsgid, real.groups.as_slice()), (1000, 100, &[7][..]));
        let effective = access_credentials(&c, true);
        assert_eq!((effective.fsuid, effective.fsgid), (0, 0));
        assert!(matches!(effective, Cow::Borrowed(_)));
        let root = Credentials::root();
        assert!(matches!(access_credentials(&root, false), Cow::Borrowed(_)), "no copy");
    }
}
