//! tmpfs directories: entries by name and by position. Positions (what `getdents64`
//! reports as `d_off` and `lseek` takes back) are cookies handed out in creation order
//! and never reused, so a listing in progress neither repeats nor skips an entry that
//! stays while others come and go (readdir(3): entries added or removed meanwhile may or
//! may not show).

use super::TmpNode;
use crate::fs::node::NodeRef;
use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use posix::Errno;
use posix::fs::mode;

/// A directory's entries.
pub struct Dir {
    by_cookie: BTreeMap<u64, (Box<[u8]>, Arc<TmpNode>)>,
    by_name: BTreeMap<Box<[u8]>, u64>,
    /// Next cookie (0 and 1 are `.` and `..`).
    next: u64,
    parent: Weak<TmpNode>,
    /// Removed by `rmdir` (still open or someone's working directory): empty for good.
    removed: bool,
}

impl Dir {
    /// An empty directory inside `parent`.
    pub fn new(parent: Weak<TmpNode>) -> Self {
        Self {
            by_cookie: BTreeMap::new(),
            by_name: BTreeMap::new(),
            next: 2,
            parent,
            removed: false,
        }
    }

    /// The parent directory.
    pub fn parent(&self) -> Option<Arc<TmpNode>> {
        self.parent.upgrade()
    }

    /// The node named `name`.
    pub fn get(&self, name: &[u8]) -> Option<Arc<TmpNode>> {
        let cookie = self.by_name.get(name)?;
        self.by_cookie.get(cookie).map(|(_, n)| n.clone())
    }

    /// Adds `name` (not present).
    pub fn insert(&mut self, name: &[u8], node: Arc<TmpNode>) {
        let cookie = self.next;
        self.next += 1;
        self.by_name.insert(name.into(), cookie);
        self.by_cookie.insert(cookie, (name.into(), node));
    }

    /// Removes `name`; returns its node.
    pub fn remove(&mut self, name: &[u8]) -> Option<Arc<TmpNode>> {
        let cookie = self.by_name.remove(name)?;
        self.by_cookie.remove(&cookie).map(|(_, n)| n)
    }

    /// Whether there are no entries (besides `.` and `..`).
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Marks the directory removed.
    pub fn mark_removed(&mut self) {
        self.removed = true;
    }

    /// Whether it was removed.
    pub fn removed(&self) -> bool {
        self.removed
    }

    /// Calls `f(cookie, name, node)` for the entries at positions `pos..` until it returns
    /// false.
    pub fn for_each_from(&self, pos: u64, mut f: impl FnMut(u64, &[u8], &TmpNode) -> bool) {
        for (&cookie, (name, node)) in self.by_cookie.range(pos..) {
            if !f(cookie, name, node) {
                break;
            }
        }
    }
}

/// `rename(2)` within one tmpfs: `name` in `from` becomes `new_name` in `to`, replacing
/// what is there under rename(2)'s rules (a directory only replaces an empty directory,
/// ENOTDIR/EISDIR for mixed kinds, EINVAL for moving a directory into itself).
pub fn rename(from: &TmpNode, name: &[u8], to: &NodeRef, new_name: &[u8]) -> Result<(), Errno> {
    let to = to.as_any().and_then(|a| a.downcast_ref::<TmpNode>()).ok_or(Errno::EXDEV)?;
    if !Arc::ptr_eq(&from.fs, &to.fs) {
        return Err(Errno::EXDEV);
    }
    let node = from.dir()?.lock().get(name).ok_or(Errno::ENOENT)?;
    let target = to.dir()?.lock().get(new_name);
    if target.as_ref().is_some_and(|t| Arc::ptr_eq(t, &node)) {
        return Ok(()); // the same file: nothing to do (rename(2))
    }
    let is_dir = mode::is_dir(node.meta.lock().mode);
    if is_dir {
        // EINVAL if `to` is `node` or inside it.
        let mut cur = to.me()?;
        loop {
            if Arc::ptr_eq(&cur, &node) {
                return Err(Errno::EINVAL);
            }
            let parent = cur.dir()?.lock().parent();
            match parent {
                Some(p) if !Arc::ptr_eq(&p, &cur) => cur = p,
                _ => break,
            }
        }
    }
    if let Some(t) = &target {
        let target_dir = mode::is_dir(t.meta.lock().mode);
        match (is_dir, target_dir) {
            (true, false) => return Err(Errno::ENOTDIR),
            (false, true) => return Err(Errno::EISDIR),
            (true, true) if !t.dir()?.lock().is_empty() => return Err(Errno::ENOTEMPTY),
            _ => {}
        }
        to.unlink(new_name, target_dir)?;
    }
    from.dir()?.lock().remove(name);
    to.dir()?.lock().insert(new_name, node.clone());
    if is_dir {
        node.dir()?.lock().parent = to.this.clone();
        from.adjust_links(-1);
        to.adjust_links(1);
    }
    node.meta.lock().ctime = super::now();
    from.touch();
    to.touch();
    Ok(())
}

/// `link(2)` within one tmpfs: a new entry `name` in `dir` for the existing `node`
/// (Linux `shmem_link`): its link count and change time go up, the directory's
/// modification time changes. EXDEV for a node of another file system, ENOENT for one no
/// longer linked anywhere (link(2): an unlinked file cannot come back, even through
/// `AT_EMPTY_PATH`), EPERM for a directory, EEXIST if the name is taken.
pub fn link(dir: &TmpNode, name: &[u8], node: &NodeRef) -> Result<(), Errno> {
    let node = node.as_any().and_then(|a| a.downcast_ref::<TmpNode>()).ok_or(Errno::EXDEV)?;
    if !Arc::ptr_eq(&dir.fs, &node.fs) {
        return Err(Errno::EXDEV);
    }
    let node = node.me()?;
    let mut entries = dir.dir()?.lock();
    if entries.removed() {
        return Err(Errno::ENOENT);
    }
    if entries.get(name).is_some() {
        return Err(Errno::EEXIST);
    }
    let m = *node.meta.lock();
    if mode::is_dir(m.mode) {
        return Err(Errno::EPERM);
    }
    if m.nlink == 0 {
        return Err(Errno::ENOENT);
    }
    crate::mm::reserve::admit()?;
    entries.insert(name, node.clone());
    drop(entries);
    node.adjust_links(1);
    dir.touch();
    Ok(())
}

use crate::fs::node::Node as _;
