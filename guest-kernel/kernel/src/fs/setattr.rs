//! The calls that change a file's attributes: chmod(2), chown(2), utimensat(2),
//! truncate(2), and the set-id bits a write or truncation clears (Linux `notify_change`
//! and its callers in `fs/open.c`, `fs/utimes.c`, `file_remove_privs`).
//!
//! The rules are `posix::fs::attr`. This file finds the node, refuses a change on a
//! read-only file system with EROFS before any permission check (Linux's
//! `mnt_want_write` comes first), asks the rule and applies its answer with
//! `Node::set_attr`, which also sets the change time. `ftruncate` is
//! `OpenFile::truncate`, which shares [`remove_privs`].

use super::context::{At, FsContext, Target};
use super::namei;
use super::node::{AttrChange, NodeRef, Perm};
use posix::Errno;
use posix::cred::{Credentials, MAY_WRITE};
use posix::fs::attr::{self, Attrs};

/// The node `target` names.
fn node_of(ctx: &FsContext, creds: &Credentials, target: Target<'_>) -> Result<NodeRef, Errno> {
    match target {
        Target::Path(at, path, follow) => namei::resolve(ctx, creds, at, path, follow),
        Target::File(file) => Ok(file.node().clone()),
    }
}

fn attrs(p: Perm) -> Attrs {
    Attrs { mode: p.mode, uid: p.uid, gid: p.gid }
}

/// EROFS for a node on a read-only file system.
fn writable(node: &NodeRef) -> Result<(), Errno> {
    if node.read_only() { Err(Errno::EROFS) } else { Ok(()) }
}

/// `chmod(2)`, `fchmod(2)`, `fchmodat(2)`: the permission bits become `mode` (07777),
/// as [`attr::chmod`] allows and adjusts.
pub fn chmod(
    ctx: &FsContext,
    creds: &Credentials,
    target: Target<'_>,
    mode: u32,
) -> Result<(), Errno> {
    let node = node_of(ctx, creds, target)?;
    writable(&node)?;
    let new = attr::chmod(creds, attrs(node.perm()), mode)?;
    node.set_attr(&AttrChange { mode: Some(new), ..AttrChange::default() })
}

/// `chown(2)`, `fchown(2)`, `lchown(2)`, `fchownat(2)`: owner `uid` and group `gid`
/// (`None`: unchanged, the callers' -1), as [`attr::chown`] allows, with the set-id bits
/// it clears.
pub fn chown(
    ctx: &FsContext,
    creds: &Credentials,
    target: Target<'_>,
    uid: Option<u32>,
    gid: Option<u32>,
) -> Result<(), Errno> {
    let node = node_of(ctx, creds, target)?;
    writable(&node)?;
    let old = attrs(node.perm());
    let new = attr::chown(creds, old, uid, gid)?;
    let mode = (new.mode != old.mode).then_some(new.mode);
    node.set_attr(&AttrChange { mode, uid, gid, ..AttrChange::default() })
}

/// `utimensat(2)` and the calls built on it (`futimens`, `utimes`, `futimesat`, `utime`):
/// access and modification times from `times` (`(tv_sec, tv_nsec)` pairs as user space
/// gave them, `None` for "both now"), if [`attr::may_set_times`] allows. In Linux's order
/// (`vfs_utimes`): the file is found first, then the nanoseconds are checked (EINVAL),
/// then EROFS, then the permission.
pub fn set_times(
    ctx: &FsContext,
    creds: &Credentials,
    target: Target<'_>,
    times: Option<[(i64, i64); 2]>,
) -> Result<(), Errno> {
    let node = node_of(ctx, creds, target)?;
    let times = attr::decode_times(times)?;
    writable(&node)?;
    attr::may_set_times(creds, attrs(node.perm()), &times)?;
    node.set_attr(&AttrChange { atime: times.atime, mtime: times.mtime, ..AttrChange::default() })
}

/// `truncate(2)`: the regular file `path` names (final link followed) gets size `len`,
/// in Linux's order of errors (`vfs_truncate`): EISDIR or EINVAL for the kind of file,
/// EROFS, EACCES without write permission. The set-id bits go as for a write; the times
/// change only when the size does (Linux passes no time flags for a path truncation, and
/// tmpfs changes them with the size).
pub fn truncate(
    ctx: &FsContext,
    creds: &Credentials,
    at: At<'_>,
    path: &[u8],
    len: u64,
) -> Result<(), Errno> {
    let node = namei::resolve(ctx, creds, at, path, true)?;
    let p = node.perm();
    attr::truncatable(p.mode)?;
    writable(&node)?;
    if !creds.may_access(p.mode, p.uid, p.gid, MAY_WRITE) {
        return Err(Errno::EACCES);
    }
    remove_privs(&node, creds)?;
    if node.size() != len {
        node.truncate(len)?;
    }
    Ok(())
}

/// Clears the set-user-id and set-group-id bits of `node` that a write or truncation by
/// `creds` removes (Linux `file_remove_privs`; the rule is [`attr::mode_after_write`]).
pub(super) fn remove_privs(node: &NodeRef, creds: &Credentials) -> Result<(), Errno> {
    match attr::mode_after_write(creds, attrs(node.perm())) {
        Some(mode) => node.set_attr(&AttrChange { mode: Some(mode), ..AttrChange::default() }),
        None => Ok(()),
    }
}
