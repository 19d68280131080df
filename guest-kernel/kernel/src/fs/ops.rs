//! The path-based calls: `open`, `stat`, `access`, `readlink`, `chdir`/`fchdir`, `getcwd`,
//! `mkdir`, `unlink`/`rmdir`, `rename`, `symlink`, `link`. Each resolves its path with `namei`
//! and applies the permission rules of open(2), path_resolution(7) and Linux's
//! `may_open`/`may_delete`, then asks the file system.

use super::context::{At, FsContext, Target};
use super::file::{FileSlot, OpenFile};
use super::mount;
use super::namei::{End, Walker};
use super::node::{NodeRef, Perm};
use alloc::sync::Arc;
use alloc::vec::Vec;
use posix::Errno;
use posix::cred::{Credentials, MAY_EXEC, MAY_WRITE};
use posix::fs::attr::{self, Attrs};
use posix::fs::flags::{
    self, AT_EACCESS, AT_EMPTY_PATH, AT_NO_AUTOMOUNT, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW,
};
use posix::fs::mode::{self, S_IFDIR, S_IFLNK, S_IFREG, S_ISGID, S_ISVTX};
use posix::fs::stat::Stat;

fn allowed(creds: &Credentials, p: Perm, want: u32) -> Result<(), Errno> {
    if creds.may_access(p.mode, p.uid, p.gid, want) { Ok(()) } else { Err(Errno::EACCES) }
}

/// Checks that `dir` may get a new entry or lose one: write and search permission
/// (EACCES), a writable file system (EROFS).
fn may_modify(creds: &Credentials, dir: &NodeRef) -> Result<(), Errno> {
    if dir.read_only() {
        return Err(Errno::EROFS);
    }
    allowed(creds, dir.perm(), MAY_WRITE | MAY_EXEC)
}

/// Owner of a new file: the caller's file-system uid, and the directory's group if it is
/// set-group-id, else the caller's file-system gid (Linux `inode_init_owner`).
fn new_owner(creds: &Credentials, dir: &NodeRef) -> (u32, u32) {
    let p = dir.perm();
    (creds.fsuid, if p.mode & S_ISGID != 0 { p.gid } else { creds.fsgid })
}

/// A new entry's parent and name from a walk that found nothing there; EEXIST if
/// something is there.
fn creation_point(end: End) -> Result<(NodeRef, Vec<u8>, bool), Errno> {
    if end.node.is_some() {
        return Err(Errno::EEXIST);
    }
    let parent = end.parent.ok_or(Errno::EEXIST)?;
    Ok((parent, end.name, end.trailing_slash))
}

/// `open(2)` / `openat(2)`: see the module docs of `fs` and open(2) ERRORS.
pub fn open(
    ctx: &FsContext,
    creds: &Credentials,
    at: At<'_>,
    path: &[u8],
    flags: u32,
    create_mode: u32,
) -> Result<Arc<OpenFile>, Errno> {
    let req = flags::decode_open(flags)?;
    // O_CREAT|O_EXCL never follows a final link (open(2)); O_NOFOLLOW neither.
    let follow = !req.nofollow && !req.exclusive;
    let walker = Walker::new(ctx, creds);
    let end = if req.create { walker.with_names() } else { walker }.walk(at, path, follow)?;
    let mut created = false;
    let node = match end.node {
        Some(node) => {
            if req.exclusive {
                return Err(Errno::EEXIST);
            }
            // Linux `do_open`: O_CREAT on an existing directory is EISDIR.
            if req.create && mode::is_dir(node.perm().mode) {
                return Err(Errno::EISDIR);
            }
            if end.trailing_slash && !mode::is_dir(node.perm().mode) {
                return Err(Errno::ENOTDIR);
            }
            node
        }
        None if !req.create => return Err(Errno::ENOENT),
        None if end.trailing_slash => return Err(Errno::EISDIR),
        None => {
            let parent = end.parent.ok_or(Errno::ENOENT)?;
            may_modify(creds, &parent)?;
            let perm = S_IFREG | mode::apply_umask(create_mode, ctx.umask());
            created = true;
            parent.create(&end.name, perm, new_owner(creds, &parent), None)?
        }
    };
    let p = node.perm();
    if !req.path_only {
        if mode::is_symlink(p.mode) {
            return Err(Errno::ELOOP);
        }
        if mode::is_dir(p.mode) && req.want & MAY_WRITE != 0 {
            return Err(Errno::EISDIR);
        }
    }
    if req.directory && !mode::is_dir(p.mode) {
        return Err(Errno::ENOTDIR);
    }
    if !req.path_only && !created {
        let fs_object = mode::is_reg(p.mode) || mode::is_dir(p.mode);
        if req.want & MAY_WRITE != 0 && (fs_object && node.read_only() || node.write_protected()) {
            return Err(Errno::EROFS);
        }
        allowed(creds, p, req.want)?;
    }
    if req.truncate && !req.path_only && !created && mode::is_reg(p.mode) {
        node.truncate(0)?;
    }
    let stream = if req.path_only { None } else { node.open_stream() };
    // A device or FIFO node with nothing behind it (on the root image or made by mknod):
    // no driver, as Linux answers for a device number nobody registered.
    let special = !(mode::is_reg(p.mode) || mode::is_dir(p.mode) || mode::is_symlink(p.mode));
    if special && !req.path_only && stream.is_none() && !node.is_block_device() {
        return Err(Errno::ENXIO);
    }
    let slot = FileSlot::take(creds.euid == 0)?;
    Ok(Arc::new(OpenFile::new(slot, node, stream, req.read, req.write, req.status)))
}

/// `stat(2)` / `lstat(2)` / `newfstatat(2)`: `flags` may hold AT_SYMLINK_NOFOLLOW (and
/// AT_NO_AUTOMOUNT, meaningless here); AT_EMPTY_PATH is core's (it stats the fd's file).
pub fn stat(
    ctx: &FsContext,
    creds: &Credentials,
    at: At<'_>,
    path: &[u8],
    flags: u32,
) -> Result<Stat, Errno> {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let follow = flags & AT_SYMLINK_NOFOLLOW == 0;
    Ok(Walker::new(ctx, creds).walk(at, path, follow)?.existing()?.stat())
}

/// `access(2)` / `faccessat(2)` / `faccessat2`: with the real user and group ids unless
/// AT_EACCESS ([`attr::access_credentials`]). `target` says whether a final link is
/// followed (the caller decodes AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH into it; `flags`
/// is checked here). EROFS for write access to a file on a read-only file system.
pub fn access(
    ctx: &FsContext,
    creds: &Credentials,
    target: Target<'_>,
    mode_bits: u32,
    flags: u32,
) -> Result<(), Errno> {
    if flags & !(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let want = flags::access_want(mode_bits)?;
    let creds = &attr::access_credentials(creds, flags & AT_EACCESS != 0);
    let node = match target {
        Target::Path(at, path, follow) => {
            Walker::new(ctx, creds).walk(at, path, follow)?.existing()?
        }
        Target::File(file) => file.node().clone(),
    };
    let p = node.perm();
    let fs_object = mode::is_reg(p.mode) || mode::is_dir(p.mode) || mode::is_symlink(p.mode);
    if want & MAY_WRITE != 0 && fs_object && node.read_only() {
        return Err(Errno::EROFS);
    }
    allowed(creds, p, want)
}

/// `readlink(2)`: the target of the symbolic link `path` names (not followed); EINVAL if
/// it is not a link. Core copies at most `bufsiz` bytes (no NUL).
pub fn readlink(
    ctx: &FsContext,
    creds: &Credentials,
    at: At<'_>,
    path: &[u8],
) -> Result<Vec<u8>, Errno> {
    Walker::new(ctx, creds).walk(at, path, false)?.existing()?.readlink()
}

/// `chdir(2)`: ENOTDIR unless a directory, EACCES without search permission on it.
pub fn chdir(ctx: &mut FsContext, creds: &Credentials, path: &[u8]) -> Result<(), Errno> {
    let node = Walker::new(ctx, creds).walk(At::Cwd, path, true)?.existing()?;
    enter(ctx, creds, node)
}

/// `fchdir(2)`: the working directory becomes the open directory `file`.
pub fn fchdir(ctx: &mut FsContext, creds: &Credentials, file: &OpenFile) -> Result<(), Errno> {
    enter(ctx, creds, file.node().clone())
}

fn enter(ctx: &mut FsContext, creds: &Credentials, node: NodeRef) -> Result<(), Errno> {
    let p = node.perm();
    if !mode::is_dir(p.mode) {
        return Err(Errno::ENOTDIR);
    }
    allowed(creds, p, MAY_EXEC)?;
    ctx.cwd = node;
    Ok(())
}

/// `getcwd(2)`: the working directory's absolute path (no NUL; core adds it and gives
/// ERANGE if the buffer is short). Found by walking `..` up to the process root and
/// looking each directory up by inode number in its parent. ENOENT if the working
/// directory was removed.
pub fn getcwd(ctx: &FsContext) -> Result<Vec<u8>, Errno> {
    let root_id = ctx.root.id();
    let mut names: Vec<Vec<u8>> = Vec::new();
    let mut cur = ctx.cwd.clone();
    while cur.id() != root_id {
        let id = cur.id();
        if let Some((parent, name)) = mount::mounted_on(id) {
            names.push(name.to_vec());
            cur = parent;
            continue;
        }
        let parent = cur.lookup(b"..")?;
        if parent.id() == id {
            break; // a file system root that is not mounted anywhere (cannot happen)
        }
        let mut found = None;
        parent.read_dir(0, &mut |e| {
            if e.ino == id.ino && e.name != b"." && e.name != b".." {
                found = Some(e.name.to_vec());
                return false;
            }
            true
        })?;
        names.push(found.ok_or(Errno::ENOENT)?);
        cur = parent;
    }
    let mut path = Vec::new();
    for name in names.iter().rev() {
        path.push(b'/');
        path.extend_from_slice(name);
    }
    if path.is_empty() {
        path.push(b'/');
    }
    Ok(path)
}

/// `mkdir(2)` / `mkdirat(2)`.
pub fn mkdir(
    ctx: &FsContext,
    creds: &Credentials,
    at: At<'_>,
    path: &[u8],
    dir_mode: u32,
) -> Result<(), Errno> {
    let end = Walker::new(ctx, creds).with_names().walk(at, path, false)?;
    let (parent, name, _) = creation_point(end)?;
    may_modify(creds, &parent)?;
    let inherit = parent.perm().mode & S_ISGID;
    let bits = mode::apply_umask(dir_mode & 0o1777, ctx.umask()) | inherit;
    parent.create(&name, S_IFDIR | bits, new_owner(creds, &parent), None).map(drop)
}

/// `symlink(2)` / `symlinkat(2)`: a link at `path` to `target` (stored as given).
pub fn symlink(
    ctx: &FsContext,
    creds: &Credentials,
    target: &[u8],
    at: At<'_>,
    path: &[u8],
) -> Result<(), Errno> {
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    let end = Walker::new(ctx, creds).with_names().walk(at, path, false)?;
    let (parent, name, trailing) = creation_point(end)?;
    if trailing {
        return Err(Errno::ENOENT);
    }
    may_modify(creds, &parent)?;
    parent.create(&name, S_IFLNK | 0o777, new_owner(creds, &parent), Some(target)).map(drop)
}

/// `link(2)` / `linkat(2)`: a new name `new` for the file `old` names (`link` does not
/// follow a final symbolic link of `old`; `linkat` does with AT_SYMLINK_FOLLOW; the
/// caller puts that, and AT_EMPTY_PATH, into `old`). Errors in Linux's order
/// (`do_linkat`, `filename_create`, `vfs_link`): those of finding `old`, then of the new
/// name's directory; EEXIST if `new` exists (or is `.`, `..`, `/`); ENOENT for a missing
/// name with a trailing slash; EROFS; EXDEV across file systems ("oldpath and newpath
/// are not on the same mounted filesystem"); EPERM from the hard-link protection
/// ([`attr::may_link`]); EACCES without write and search permission on the directory;
/// EPERM for a directory; ENOENT for a file no longer linked anywhere.
pub fn link(
    ctx: &FsContext,
    creds: &Credentials,
    old: Target<'_>,
    new_at: At<'_>,
    new: &[u8],
) -> Result<(), Errno> {
    let node = match old {
        Target::Path(at, path, follow) => {
            Walker::new(ctx, creds).walk(at, path, follow)?.existing()?
        }
        Target::File(file) => file.node().clone(),
    };
    let end = Walker::new(ctx, creds).with_names().walk(new_at, new, false)?;
    let (parent, name, trailing_slash) = creation_point(end)?;
    if trailing_slash {
        return Err(Errno::ENOENT);
    }
    if parent.read_only() {
        return Err(Errno::EROFS);
    }
    if parent.id().dev != node.id().dev {
        return Err(Errno::EXDEV);
    }
    let p = node.perm();
    attr::may_link(creds, Attrs { mode: p.mode, uid: p.uid, gid: p.gid })?;
    allowed(creds, parent.perm(), MAY_WRITE | MAY_EXEC)?;
    attr::linkable(p.mode)?;
    parent.link(&name, &node)
}

/// The sticky-directory rule (inode(7) S_ISVTX; Linux `check_sticky`): in a sticky
/// directory only the file's owner, the directory's owner or root may remove or rename.
fn check_sticky(creds: &Credentials, dir: Perm, file: Perm) -> Result<(), Errno> {
    if dir.mode & S_ISVTX != 0
        && creds.fsuid != 0
        && creds.fsuid != file.uid
        && creds.fsuid != dir.uid
    {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// `unlink(2)`, `rmdir(2)`, `unlinkat(2)` (`flags`: AT_REMOVEDIR).
pub fn unlink(
    ctx: &FsContext,
    creds: &Credentials,
    at: At<'_>,
    path: &[u8],
    flags: u32,
) -> Result<(), Errno> {
    if flags & !AT_REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    let dir = flags & AT_REMOVEDIR != 0;
    let end = Walker::new(ctx, creds).with_names().walk(at, path, false)?;
    let Some(parent) = end.parent else {
        // `.`, `..` or `/` as the last component (rmdir(2): EINVAL for `.`, ENOTEMPTY
        // for `..`; unlink of a directory is EISDIR).
        return Err(if !dir {
            Errno::EISDIR
        } else if path.ends_with(b"..") {
            Errno::ENOTEMPTY
        } else if path.iter().all(|&b| b == b'/') {
            Errno::EBUSY
        } else {
            Errno::EINVAL
        });
    };
    let node = end.node.ok_or(Errno::ENOENT)?;
    if !dir && end.trailing_slash {
        return Err(if mode::is_dir(node.perm().mode) { Errno::EISDIR } else { Errno::ENOTDIR });
    }
    may_modify(creds, &parent)?;
    check_sticky(creds, parent.perm(), node.perm())?;
    if mount::is_mount_point(parent.id(), &end.name) {
        return Err(Errno::EBUSY);
    }
    parent.unlink(&end.name, dir)
}

/// `rename(2)` / `renameat(2)`: EXDEV across file systems; the rest is the file system's
/// (replacing an existing target atomically).
pub fn rename(
    ctx: &FsContext,
    creds: &Credentials,
    old_at: At<'_>,
    old: &[u8],
    new_at: At<'_>,
    new: &[u8],
) -> Result<(), Errno> {
    let from = Walker::new(ctx, creds).with_names().walk(old_at, old, false)?;
    let to = Walker::new(ctx, creds).with_names().walk(new_at, new, false)?;
    let (Some(from_dir), Some(to_dir)) = (from.parent, to.parent) else {
        return Err(Errno::EBUSY);
    };
    let node = from.node.ok_or(Errno::ENOENT)?;
    may_modify(creds, &from_dir)?;
    may_modify(creds, &to_dir)?;
    check_sticky(creds, from_dir.perm(), node.perm())?;
    if let Some(target) = &to.node {
        check_sticky(creds, to_dir.perm(), target.perm())?;
    }
    if from_dir.fs_key() != to_dir.fs_key() {
        return Err(Errno::EXDEV);
    }
    from_dir.rename(&from.name, &to_dir, &to.name)
}
