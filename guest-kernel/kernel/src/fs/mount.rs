//! The mount table: the root file system and what is mounted on its directories (`/dev`,
//! `/tmp`, `/proc`), plus [`MountError`], why the root could not be mounted.
//!
//! A mount covers a directory: path resolution, having looked a directory up, asks
//! whether something is mounted on it ([`mounted_on_dir`]); that question is answered
//! without a lock by comparing the directory's identity with the few covered ones, since
//! every path component asks it. When the root image lacks the mount point (a foreign
//! image without `/tmp`), the mount is kept by name in its parent instead
//! ([`covering_name`]), so the name still resolves. The table is written by `fs::init`
//! and only read afterwards.

use super::node::{NodeId, NodeRef};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use spin::mutex::SpinMutex;

/// Why the root file system could not be mounted, as one line naming the disk (core
/// prints it after "cannot mount the root file system: " and powers off with
/// `vmm_abi::exit::STATUS_BAD_ROOTFS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountError {
    message: String,
}

impl MountError {
    pub(super) fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }
}

impl fmt::Display for MountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// One mounted file system.
struct Mount {
    /// The directory mounted on, if it exists.
    covered: Option<NodeId>,
    /// The directory holding the mount point, and the mount point's name in it.
    parent: NodeRef,
    parent_id: NodeId,
    name: &'static [u8],
    /// The mounted file system's root.
    root: NodeRef,
    root_id: NodeId,
    /// `nosuid`: exec ignores set-user-id and set-group-id bits of its files.
    nosuid: bool,
}

/// How a file system is mounted (mount(8)'s options, the ones the kernel honours).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Options {
    /// Set-user-id and set-group-id bits are ignored by exec (`nosuid`).
    pub nosuid: bool,
}

struct Table {
    root: Option<NodeRef>,
    mounts: Vec<Mount>,
}

static TABLE: SpinMutex<Table> = SpinMutex::new(Table { root: None, mounts: Vec::new() });

/// Identities a lookup must check, lock-free: covered directories, and parents holding
/// mounts kept by name.
struct IdSet {
    dev: [AtomicU64; 8],
    ino: [AtomicU64; 8],
    len: AtomicUsize,
}

impl IdSet {
    const fn new() -> Self {
        Self {
            dev: [const { AtomicU64::new(0) }; 8],
            ino: [const { AtomicU64::new(0) }; 8],
            len: AtomicUsize::new(0),
        }
    }

    fn contains(&self, id: NodeId) -> bool {
        let n = self.len.load(Ordering::Acquire);
        (0..n).any(|i| {
            self.ino[i].load(Ordering::Relaxed) == id.ino
                && self.dev[i].load(Ordering::Relaxed) == id.dev
        })
    }

    /// Adds `id`; false if the set is full.
    fn add(&self, id: NodeId) -> bool {
        let n = self.len.load(Ordering::Acquire);
        if n == self.dev.len() {
            return false;
        }
        self.dev[n].store(id.dev, Ordering::Relaxed);
        self.ino[n].store(id.ino, Ordering::Relaxed);
        self.len.store(n + 1, Ordering::Release);
        true
    }
}

static COVERED: IdSet = IdSet::new();
static NAMED_PARENTS: IdSet = IdSet::new();

/// The root directory's identity, readable without the table's lock (`ROOT_SET` says
/// whether it is there yet).
static ROOT_DEV: AtomicU64 = AtomicU64::new(0);
static ROOT_INO: AtomicU64 = AtomicU64::new(0);
static ROOT_SET: AtomicUsize = AtomicUsize::new(0);

/// Makes `root` the root file system.
pub(super) fn set_root(root: NodeRef) {
    let id = root.id();
    TABLE.lock().root = Some(root);
    ROOT_DEV.store(id.dev, Ordering::Relaxed);
    ROOT_INO.store(id.ino, Ordering::Relaxed);
    ROOT_SET.store(1, Ordering::Release);
}

/// Whether `id` is the root directory's.
pub(super) fn is_root(id: NodeId) -> bool {
    ROOT_SET.load(Ordering::Acquire) != 0
        && ROOT_INO.load(Ordering::Relaxed) == id.ino
        && ROOT_DEV.load(Ordering::Relaxed) == id.dev
}

/// The root directory, once mounted.
pub(super) fn root() -> Option<NodeRef> {
    TABLE.lock().root.clone()
}

/// Mounts `root` on the directory `name` in `parent` (kept by name if there is no such
/// directory) with `options`. At most 8 mounts.
pub(super) fn mount(parent: NodeRef, name: &'static [u8], root: NodeRef, options: Options) {
    let covered =
        parent.lookup(name).ok().filter(|d| posix::fs::mode::is_dir(d.perm().mode)).map(|d| d.id());
    let (parent_id, root_id) = (parent.id(), root.id());
    let added = match covered {
        Some(id) => COVERED.add(id),
        None => NAMED_PARENTS.contains(parent_id) || NAMED_PARENTS.add(parent_id),
    };
    if added {
        let nosuid = options.nosuid;
        TABLE.lock().mounts.push(Mount { covered, parent, parent_id, name, root, root_id, nosuid });
    }
}

/// Whether the file system of device `dev` is mounted `nosuid` (the root never is).
pub(super) fn nosuid(dev: u64) -> bool {
    TABLE.lock().mounts.iter().any(|m| m.root_id.dev == dev && m.nosuid)
}

/// The root of what is mounted on the directory `dir`, if anything.
pub(super) fn mounted_on_dir(dir: NodeId) -> Option<NodeRef> {
    if !COVERED.contains(dir) {
        return None;
    }
    let table = TABLE.lock();
    table.mounts.iter().find(|m| m.covered == Some(dir)).map(|m| m.root.clone())
}

/// The root of what is mounted by name on `name` in `parent` (a mount point missing from
/// its file system), if anything.
pub(super) fn covering_name(parent: NodeId, name: &[u8]) -> Option<NodeRef> {
    if !NAMED_PARENTS.contains(parent) {
        return None;
    }
    let table = TABLE.lock();
    table
        .mounts
        .iter()
        .find(|m| m.covered.is_none() && m.parent_id == parent && m.name == name)
        .map(|m| m.root.clone())
}

/// Whether `name` in `parent` is a mount point (EBUSY for removing or renaming it).
pub(super) fn is_mount_point(parent: NodeId, name: &[u8]) -> bool {
    let table = TABLE.lock();
    table.mounts.iter().any(|m| m.parent_id == parent && m.name == name)
}

/// If `dir` is the root of a mounted file system: the directory holding its mount point
/// and the mount point's name (what `..` and `getcwd` go through).
pub(super) fn mounted_on(dir: NodeId) -> Option<(NodeRef, &'static [u8])> {
    let table = TABLE.lock();
    table.mounts.iter().find(|m| m.root_id == dir).map(|m| (m.parent.clone(), m.name))
}
