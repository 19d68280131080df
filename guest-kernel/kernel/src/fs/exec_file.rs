//! [`ExecFile`]: a program file opened for `execve`, with its pages from the page cache
//! so read-only program text is shared between executions rather than copied.

use super::context::{At, FsContext};
use super::file::OpenFile;
use super::namei;
use super::node::NodeRef;
use posix::Errno;
use posix::cred::{Credentials, MAY_EXEC};
use posix::fs::mode;
use posix::fs::stat::Stat;

/// A regular file the caller may execute.
pub struct ExecFile {
    node: NodeRef,
    stat: Stat,
}

/// `open_exec`: resolves `path` (following symbolic links), then checks what execve(2)
/// requires of the file itself: EACCES if it is not a regular file or execute permission
/// is missing (Linux `do_open_execat`/`may_open`).
pub fn open_exec(
    ctx: &FsContext,
    creds: &Credentials,
    at: At<'_>,
    path: &[u8],
) -> Result<ExecFile, Errno> {
    let node = namei::resolve(ctx, creds, at, path, true)?;
    ExecFile::from_node(node, creds)
}

impl ExecFile {
    /// The file behind an open descriptor (`execveat(fd, "", AT_EMPTY_PATH)`, `fexecve`).
    pub fn from_file(file: &OpenFile, creds: &Credentials) -> Result<ExecFile, Errno> {
        Self::from_node(file.node().clone(), creds)
    }

    fn from_node(node: NodeRef, creds: &Credentials) -> Result<ExecFile, Errno> {
        let perm = node.perm();
        if !mode::is_reg(perm.mode) || !creds.may_access(perm.mode, perm.uid, perm.gid, MAY_EXEC) {
            return Err(Errno::EACCES);
        }
        let stat = node.stat();
        Ok(ExecFile { node, stat })
    }

    /// The file's status (mode, owner and group decide set-user-id and set-group-id).
    pub fn stat(&self) -> &Stat {
        &self.stat
    }

    /// Size in bytes.
    pub fn len(&self) -> u64 {
        self.stat.size
    }

    /// Whether the file is empty.
    #[allow(dead_code, reason = "pairs with `len` (clippy::len_without_is_empty)")]
    pub fn is_empty(&self) -> bool {
        self.stat.size == 0
    }

    /// Whether set-user-id and set-group-id bits are to be ignored: the file is on a
    /// `nosuid` mount (/tmp, /dev, /proc).
    pub fn nosuid(&self) -> bool {
        super::mount::nosuid(self.stat.dev)
    }

    /// Reads up to `buf.len()` bytes at `offset` (ELF headers, the `#!` line); short at
    /// the end of the file.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        let mut rb = super::iobuf::ReadBuf::from_mut(buf);
        self.node.read_at(offset, &mut rb)
    }

    /// The guest-physical address of page `index` (4 KiB) of the file, bytes past the end
    /// zero. The page belongs to the page cache: map it read-only, never write it, copy it
    /// for a private writable mapping. Pages are never evicted for now, so the address
    /// stays valid for good.
    pub fn page(&self, index: u64) -> Result<u64, Errno> {
        self.node.page(index)
    }

    /// The guest-physical addresses of pages `first..first + out.len()` (as [`Self::page`]
    /// for each, in one pass: missing pages are read in one batch, then the addresses are
    /// written run by run). ENXIO if a page lies wholly past the end of the file.
    pub fn pages(&self, first: u64, out: &mut [u64]) -> Result<(), Errno> {
        self.node.pages(first, out)
    }
}
