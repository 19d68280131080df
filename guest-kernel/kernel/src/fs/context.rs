//! [`FsContext`]: a process's place in the name space (root, working directory, umask),
//! [`At`]: where a relative path starts, and [`Target`]: a path or an open file.

use super::file::OpenFile;
use super::mount;
use super::node::NodeRef;

/// A process's root directory, working directory and file-mode creation mask. `Clone` is
/// fork (the child starts where the parent is; later changes are separate).
#[derive(Clone)]
pub struct FsContext {
    pub(super) root: NodeRef,
    pub(super) cwd: NodeRef,
    umask: u32,
}

impl FsContext {
    /// Root and working directory `/`, umask 022 (Linux's default for init). The file
    /// systems must be mounted (`fs::init`); before that this panics, as nothing can run.
    pub fn new() -> Self {
        let root = mount::root().expect("fs::init must run before FsContext::new");
        Self { cwd: root.clone(), root, umask: 0o022 }
    }

    /// The file-mode creation mask.
    pub fn umask(&self) -> u32 {
        self.umask
    }

    /// `umask(2)`: sets the mask (only the 0777 bits) and returns the previous one.
    pub fn set_umask(&mut self, mask: u32) -> u32 {
        core::mem::replace(&mut self.umask, mask & 0o777)
    }
}

impl Default for FsContext {
    fn default() -> Self {
        Self::new()
    }
}

/// Where a relative path is resolved from (the `dirfd` of the `*at` calls).
#[derive(Clone, Copy)]
pub enum At<'a> {
    /// `AT_FDCWD`: the working directory.
    Cwd,
    /// An open directory.
    Dir(&'a OpenFile),
}

/// The file a call that changes attributes acts on: a path (the final symbolic link
/// followed or not), or an open file (`fchmod`, `fchown`, `futimens`, and the `*at` calls
/// with `AT_EMPTY_PATH` and an empty path).
#[derive(Clone, Copy)]
pub enum Target<'a> {
    /// `path` from `at`; follow a final symbolic link if the flag says so.
    Path(At<'a>, &'a [u8], bool),
    /// The file an open file description refers to.
    File(&'a OpenFile),
}
