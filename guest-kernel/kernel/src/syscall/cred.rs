//! Credentials: getuid(2), geteuid(2), getgid(2), getegid(2), getresuid(2), getresgid(2),
//! getgroups(2); the calls that change them, setuid(2), setgid(2), setreuid(2),
//! setregid(2), setresuid(2), setresgid(2), setfsuid(2), setfsgid(2), setgroups(2), whose
//! rules (privilege, EPERM, EINVAL, the saved and file-system ids) are
//! `posix::cred::setid`'s.
//!
//! A change is decided and stored under the registry lock (taken before the process's
//! credentials lock, the registry's order): RLIMIT_NPROC counts processes per real uid in
//! the registry, so a new real uid moves the process to its new owner's count in the same
//! step, and the count a reaped zombie gives back is always the one it was counted under.

use super::SysResult;
use crate::process::{current, registry};
use crate::uaccess;
use alloc::vec::Vec;
use posix::Errno;
use posix::cred::setid::{self, UNCHANGED};
use posix::cred::{Credentials, Gid, Uid};

/// The caller's credentials, copied (user memory may only be touched without the lock).
fn creds() -> Credentials {
    current::process().creds.lock().clone()
}

/// Applies `rule` to the caller's credentials and stores the result (0), or fails with the
/// rule's errno and changes nothing.
fn change(rule: impl FnOnce(&Credentials) -> Result<Credentials, Errno>) -> SysResult {
    let process = current::process();
    let mut registry = registry::lock();
    let mut creds = process.creds.lock();
    let new = rule(&creds)?;
    registry.changed_uid(creds.ruid, new.ruid);
    *creds = new;
    Ok(0)
}

/// getuid().
pub fn sys_getuid() -> SysResult {
    Ok(u64::from(current::process().creds.lock().ruid))
}

/// geteuid().
pub fn sys_geteuid() -> SysResult {
    Ok(u64::from(current::process().creds.lock().euid))
}

/// getgid().
pub fn sys_getgid() -> SysResult {
    Ok(u64::from(current::process().creds.lock().rgid))
}

/// getegid().
pub fn sys_getegid() -> SysResult {
    Ok(u64::from(current::process().creds.lock().egid))
}

/// Writes three ids to three user addresses in order (EFAULT at the first that fails,
/// the ones before it written, as Linux's successive `put_user`s).
fn put_three(addrs: [u64; 3], ids: [u32; 3]) -> SysResult {
    for (addr, id) in addrs.into_iter().zip(ids) {
        uaccess::write(addr, &id)?;
    }
    Ok(0)
}

/// getresuid(ruid, euid, suid).
pub fn sys_getresuid(ruid: u64, euid: u64, suid: u64) -> SysResult {
    let c = creds();
    put_three([ruid, euid, suid], [c.ruid, c.euid, c.suid])
}

/// getresgid(rgid, egid, sgid).
pub fn sys_getresgid(rgid: u64, egid: u64, sgid: u64) -> SysResult {
    let c = creds();
    put_three([rgid, egid, sgid], [c.rgid, c.egid, c.sgid])
}

/// setuid(uid).
pub fn sys_setuid(uid: Uid) -> SysResult {
    change(|c| setid::setuid(c, uid))
}

/// setgid(gid).
pub fn sys_setgid(gid: Gid) -> SysResult {
    change(|c| setid::setgid(c, gid))
}

/// setreuid(ruid, euid).
pub fn sys_setreuid(ruid: Uid, euid: Uid) -> SysResult {
    change(|c| setid::setreuid(c, ruid, euid))
}

/// setregid(rgid, egid).
pub fn sys_setregid(rgid: Gid, egid: Gid) -> SysResult {
    change(|c| setid::setregid(c, rgid, egid))
}

/// setresuid(ruid, euid, suid).
pub fn sys_setresuid(ruid: Uid, euid: Uid, suid: Uid) -> SysResult {
    change(|c| setid::setresuid(c, ruid, euid, suid))
}

/// setresgid(rgid, egid, sgid).
pub fn sys_setresgid(rgid: Gid, egid: Gid, sgid: Gid) -> SysResult {
    change(|c| setid::setresgid(c, rgid, egid, sgid))
}

/// setfsuid(fsuid): the previous fs uid, whether or not it changed (no error return).
pub fn sys_setfsuid(fsuid: Uid) -> SysResult {
    let mut creds = current::process().creds.lock();
    let (old, new) = setid::setfsuid(&creds, fsuid);
    *creds = new;
    Ok(u64::from(old))
}

/// setfsgid(fsgid): the previous fs gid, whether or not it changed (no error return).
pub fn sys_setfsgid(fsgid: Gid) -> SysResult {
    let mut creds = current::process().creds.lock();
    let (old, new) = setid::setfsgid(&creds, fsgid);
    *creds = new;
    Ok(u64::from(old))
}

/// getgroups(size, list): the number of supplementary groups; with a nonzero size they
/// are also copied to `list` (EINVAL if it is smaller than their number).
pub fn sys_getgroups(size: i32, list: u64) -> SysResult {
    let groups = creds().groups;
    if setid::getgroups_copies(groups.len(), size)? {
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(groups.len() * 4).map_err(|_| Errno::ENOMEM)?;
        groups.iter().for_each(|g| bytes.extend_from_slice(&g.to_ne_bytes()));
        uaccess::write_bytes(list, &bytes)?;
    }
    Ok(groups.len() as u64)
}

/// setgroups(size, list): EPERM and EINVAL for the size first (`setid::setgroups_size`),
/// then the list is read (EFAULT) and checked (EINVAL for -1).
pub fn sys_setgroups(size: i32, list: u64) -> SysResult {
    let n = setid::setgroups_size(&creds(), size)?;
    let groups = read_gids(list, n)?;
    change(|c| setid::setgroups(c, groups))
}

/// Reads `n` gids from `list`. Linux reads them one by one and checks each as it goes, so
/// when the list runs into unreadable memory after a -1, the error is EINVAL, not EFAULT;
/// the whole list is read at once and only such a failure looks at the ids one by one.
fn read_gids(list: u64, n: usize) -> Result<Vec<Gid>, Errno> {
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(n * 4).map_err(|_| Errno::ENOMEM)?;
    bytes.resize(n * 4, 0);
    if let Err(fault) = uaccess::read_bytes(list, &mut bytes) {
        for i in 0..n as u64 {
            if uaccess::read::<u32>(list.wrapping_add(4 * i))? == UNCHANGED {
                return Err(Errno::EINVAL);
            }
        }
        return Err(fault);
    }
    let mut groups = Vec::new();
    groups.try_reserve_exact(n).map_err(|_| Errno::ENOMEM)?;
    groups.extend(bytes.chunks_exact(4).map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]])));
    Ok(groups)
}
