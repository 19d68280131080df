//! Path resolution (POSIX.1-2017 XBD 4.13, path_resolution(7)): from the root or a start
//! directory, component by component, with search permission checked on every directory
//! passed through, `..` staying at the process root and leaving mounted file systems,
//! and symbolic links followed (at most 40 per resolution, then ELOOP).

use super::context::{At, FsContext};
use super::dcache;
use super::mount;
use super::node::NodeRef;
use alloc::vec::Vec;
use posix::Errno;
use posix::cred::{Credentials, MAY_EXEC};
use posix::fs::mode;
use posix::fs::path::{self, MAX_SYMLINKS, Step};

/// Where a walk ended.
pub(super) struct End {
    /// The directory holding the last component (`None` when the path ends in `/`, `.`
    /// or `..`: there is no name to create or remove).
    pub parent: Option<NodeRef>,
    /// The last component's node, `None` if it does not exist (only the last one may be
    /// missing).
    pub node: Option<NodeRef>,
    /// The last component's name (empty when `parent` is `None`).
    pub name: Vec<u8>,
    /// Whether the path ended with a slash (the result must be a directory).
    pub trailing_slash: bool,
}

impl End {
    /// The existing node, or ENOENT; ENOTDIR if a trailing slash names a non-directory.
    pub fn existing(self) -> Result<NodeRef, Errno> {
        let node = self.node.ok_or(Errno::ENOENT)?;
        if self.trailing_slash && !mode::is_dir(node.perm().mode) {
            return Err(Errno::ENOTDIR);
        }
        Ok(node)
    }
}

/// One resolution: the context and the symbolic links followed so far.
pub(super) struct Walker<'a> {
    ctx: &'a FsContext,
    creds: &'a Credentials,
    links: u32,
    /// Whether `End::name` is wanted (creations and removals): copying it costs.
    names: bool,
    /// Whether everything passed so far is on a read-only file system, and whether every
    /// directory passed is searchable by anyone (what `dcache` needs to know).
    read_only: bool,
    world_searchable: bool,
}

impl<'a> Walker<'a> {
    /// A walker for `ctx` and `creds`.
    pub fn new(ctx: &'a FsContext, creds: &'a Credentials) -> Self {
        Self { ctx, creds, links: 0, names: false, read_only: true, world_searchable: true }
    }

    /// Makes the walk report the last component's name.
    pub fn with_names(mut self) -> Self {
        self.names = true;
        self
    }

    /// The start directory for a relative path.
    fn base(&self, at: At<'_>) -> Result<NodeRef, Errno> {
        match at {
            At::Cwd => Ok(self.ctx.cwd.clone()),
            At::Dir(file) if file.is_dir() => Ok(file.node().clone()),
            At::Dir(_) => Err(Errno::ENOTDIR),
        }
    }

    /// Resolves `path` from `at`; the last component is followed if it is a symbolic link
    /// and `follow` (or the path ends with a slash).
    pub fn walk(&mut self, at: At<'_>, path: &[u8], follow: bool) -> Result<End, Errno> {
        path::check(path)?;
        if !path.starts_with(b"/") {
            return self.walk_from(self.base(at)?, path, follow);
        }
        // Absolute paths resolved only for their node may come from the path cache.
        let cacheable = !self.names && mount::is_root(self.ctx.root.id());
        if cacheable && let Some(node) = dcache::get(path, follow, self.creds.fsuid == 0) {
            let trailing_slash = path::trailing_slash(path);
            return Ok(End { parent: None, node: Some(node), name: Vec::new(), trailing_slash });
        }
        let end = self.walk_from(self.ctx.root.clone(), path, follow)?;
        if cacheable
            && self.read_only
            && let Some(node) = &end.node
            && node.read_only()
        {
            dcache::put(path, follow, node, self.world_searchable);
        }
        Ok(end)
    }

    /// Checks that `dir` is a directory the caller may search.
    fn search(&mut self, dir: &NodeRef) -> Result<(), Errno> {
        let p = dir.perm();
        self.read_only &= dir.read_only();
        self.world_searchable &= p.mode & 0o001 != 0;
        if !mode::is_dir(p.mode) {
            return Err(Errno::ENOTDIR);
        }
        if !self.creds.may_access(p.mode, p.uid, p.gid, MAY_EXEC) {
            return Err(Errno::EACCES);
        }
        Ok(())
    }

    /// `..` of `dir`: itself at the process root, the mount point's directory at the root
    /// of a mounted file system, else the directory's own `..`.
    fn parent(&self, dir: &NodeRef) -> Result<NodeRef, Errno> {
        let id = dir.id();
        if id == self.ctx.root.id() {
            return Ok(dir.clone());
        }
        if let Some((parent, _)) = mount::mounted_on(id) {
            return Ok(parent);
        }
        dir.lookup(b"..")
    }

    /// `name` in `dir`, crossing into a file system mounted there.
    fn child(dir: &NodeRef, name: &[u8]) -> Result<NodeRef, Errno> {
        let dir_id = dir.id();
        if let Some(root) = mount::covering_name(dir_id, name) {
            return Ok(root);
        }
        let child = dir.lookup(name)?;
        Ok(mount::mounted_on_dir(child.id()).unwrap_or(child))
    }

    fn walk_from(&mut self, mut cur: NodeRef, path: &[u8], follow: bool) -> Result<End, Errno> {
        let trailing_slash = path::trailing_slash(path);
        let follow_last = follow || trailing_slash;
        let mut pos = 0;
        loop {
            let Some(component) = path::next_component(path, &mut pos) else {
                // `/` or only slashes: the start directory itself.
                return Ok(End { parent: None, node: Some(cur), name: Vec::new(), trailing_slash });
            };
            let last = !path::has_more(path, pos);
            self.search(&cur)?;
            let name = match path::step(component)? {
                Step::Current | Step::Parent => {
                    if component == b".." {
                        cur = self.parent(&cur)?;
                    }
                    if last {
                        return Ok(End {
                            parent: None,
                            node: Some(cur),
                            name: Vec::new(),
                            trailing_slash,
                        });
                    }
                    continue;
                }
                Step::Name(name) => name,
            };
            let child = match Self::child(&cur, name) {
                Ok(child) => child,
                Err(Errno::ENOENT) if last => {
                    return Ok(End {
                        parent: Some(cur),
                        node: None,
                        name: name.to_vec(),
                        trailing_slash,
                    });
                }
                Err(e) => return Err(e),
            };
            if mode::is_symlink(child.perm().mode) && (!last || follow_last) {
                self.links += 1;
                if self.links > MAX_SYMLINKS {
                    return Err(Errno::ELOOP);
                }
                let target = child.readlink()?;
                if target.is_empty() {
                    return Err(Errno::ENOENT);
                }
                let start =
                    if target.starts_with(b"/") { self.ctx.root.clone() } else { cur.clone() };
                let end = self.walk_from(start, &target, true)?;
                if last {
                    return Ok(End { trailing_slash: end.trailing_slash || trailing_slash, ..end });
                }
                cur = end.existing()?;
                continue;
            }
            if last {
                let name = if self.names { name.to_vec() } else { Vec::new() };
                return Ok(End { parent: Some(cur), node: Some(child), name, trailing_slash });
            }
            cur = child;
        }
    }
}

/// Resolves `path` to an existing node (following a final symbolic link if `follow`).
pub(super) fn resolve(
    ctx: &FsContext,
    creds: &Credentials,
    at: At<'_>,
    path: &[u8],
    follow: bool,
) -> Result<NodeRef, Errno> {
    Walker::new(ctx, creds).walk(at, path, follow)?.existing()
}
