//! A cache of resolved absolute paths on read-only file systems: `/bin/true` to its node
//! in one hash and compare, instead of a directory lookup per component (several hundred
//! emulated instructions each, see the crate's cost model). Programs resolve the same few
//! paths over and over (exec of `/bin/...`, `stat` of libraries' config files).
//!
//! Sound without invalidation: an entry is made only when every directory passed, every
//! symbolic link followed and the result lie on read-only file systems (nothing there can
//! change), mounts never change after boot, and the process's root is the global root.
//! Permission is the one thing that depends on the caller: an entry records whether every
//! directory passed is searchable by anyone (the "other" execute bit); if not, only root
//! (which may search anything) uses it, and other callers walk.

use super::node::NodeRef;
use alloc::boxed::Box;
use alloc::vec::Vec;
use spin::mutex::SpinMutex;

/// Entries (direct-mapped by hash).
const SLOTS: usize = 64;
/// Longest path cached.
const MAX_PATH: usize = 256;

struct Entry {
    hash: u32,
    follow: bool,
    path: Box<[u8]>,
    node: NodeRef,
    /// Every directory passed grants search permission to everyone.
    world_searchable: bool,
}

static CACHE: SpinMutex<Vec<Option<Entry>>> = SpinMutex::new(Vec::new());

/// FNV-1a over the path and the follow flag.
fn hash(path: &[u8], follow: bool) -> u32 {
    let mut h: u32 = if follow { 0x811c_9dc5 } else { 0x050c_5d1f };
    for &b in path {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h
}

/// The cached node for absolute `path` (final symbolic link followed if `follow`), if
/// the caller (root or not) may use the entry.
pub(super) fn get(path: &[u8], follow: bool, root: bool) -> Option<NodeRef> {
    if path.len() > MAX_PATH {
        return None;
    }
    let h = hash(path, follow);
    let cache = CACHE.lock();
    let e = cache.get(h as usize % SLOTS)?.as_ref()?;
    (e.hash == h && e.follow == follow && (root || e.world_searchable) && *e.path == *path)
        .then(|| e.node.clone())
}

/// Records that absolute `path` resolves to `node` (see the module docs for when a
/// caller may).
pub(super) fn put(path: &[u8], follow: bool, node: &NodeRef, world_searchable: bool) {
    if path.len() > MAX_PATH {
        return;
    }
    let h = hash(path, follow);
    let entry = Entry { hash: h, follow, path: path.into(), node: node.clone(), world_searchable };
    let mut cache = CACHE.lock();
    if cache.is_empty() {
        cache.resize_with(SLOTS, || None);
    }
    cache[h as usize % SLOTS] = Some(entry);
}
