//! A process's open files (Linux `files_struct`): [`FdTable`], the descriptor table
//! instantiated with shared open file descriptions (`Arc<OpenFile>`), plus init's standard
//! descriptors on the console. The descriptor-number rules it applies (lowest free
//! descriptor, the dup family, close-on-exec, RLIMIT_NOFILE) are `posix::fs::fdtable`,
//! generic and tested on the host; this file only fixes what a descriptor refers to.

use super::devfs;
use super::file::OpenFile;
use alloc::sync::Arc;
use alloc::vec::Vec;
use posix::Errno;
use posix::fs::fdtable;
use posix::fs::flags::O_CLOEXEC;

/// A process's descriptor table. [`FdTable::try_clone`] is fork: same descriptions, same
/// flags.
#[derive(Default)]
pub struct FdTable {
    table: fdtable::FdTable<Arc<OpenFile>>,
}

impl FdTable {
    /// An empty table (limit 1024).
    pub fn new() -> Self {
        Self { table: fdtable::FdTable::new() }
    }

    /// A copy for a forked child; ENOMEM without memory for it.
    pub fn try_clone(&self) -> Result<Self, Errno> {
        Ok(Self { table: self.table.try_clone()? })
    }

    /// init's table: descriptors 0 and 1 on `/dev/console` (console port 0, the host's
    /// stdin and stdout; one shared description, as a shell's `exec 0<>/dev/console 1>&0`),
    /// 2 on console port 1 (the host's stderr).
    pub fn for_init() -> Result<Self, Errno> {
        let mut t = Self::new();
        let console = Arc::new(devfs::console_file()?);
        t.alloc(console.clone(), false)?;
        t.alloc(console, false)?;
        t.alloc(Arc::new(devfs::stderr_file()?), false)?;
        Ok(t)
    }

    /// The description `fd` refers to; EBADF if none.
    pub fn get(&self, fd: i32) -> Result<Arc<OpenFile>, Errno> {
        self.table.get(fd).cloned()
    }

    /// Installs `file` at the lowest free descriptor; EMFILE at the limit.
    pub fn alloc(&mut self, file: Arc<OpenFile>, cloexec: bool) -> Result<i32, Errno> {
        self.table.alloc(file, cloexec)
    }

    /// `dup(2)`.
    pub fn dup(&mut self, fd: i32) -> Result<i32, Errno> {
        self.table.dup(fd)
    }

    /// `fcntl(F_DUPFD / F_DUPFD_CLOEXEC, min)`.
    pub fn dup_from(&mut self, fd: i32, min: i32, cloexec: bool) -> Result<i32, Errno> {
        self.table.dup_from(fd, min, cloexec)
    }

    /// `dup2(2)`: the file `new` referred to is closed.
    pub fn dup2(&mut self, old: i32, new: i32) -> Result<i32, Errno> {
        self.table.dup2(old, new).map(|(fd, _closed)| fd)
    }

    /// `dup3(2)`: `flags` may hold only O_CLOEXEC (EINVAL otherwise, and for `old == new`).
    pub fn dup3(&mut self, old: i32, new: i32, flags: u32) -> Result<i32, Errno> {
        if flags & !O_CLOEXEC != 0 {
            return Err(Errno::EINVAL);
        }
        self.table.dup3(old, new, flags != 0).map(|(fd, _closed)| fd)
    }

    /// `close(2)`. The description goes away with its last descriptor (a pipe end then
    /// reports EOF or EPIPE to the other side).
    pub fn close(&mut self, fd: i32) -> Result<(), Errno> {
        self.table.close(fd).map(drop)
    }

    /// `F_GETFD`: close-on-exec.
    pub fn cloexec(&self, fd: i32) -> Result<bool, Errno> {
        self.table.cloexec(fd)
    }

    /// `F_SETFD`.
    pub fn set_cloexec(&mut self, fd: i32, cloexec: bool) -> Result<(), Errno> {
        self.table.set_cloexec(fd, cloexec)
    }

    /// Closes the close-on-exec descriptors (exec, at its point of no return).
    pub fn close_on_exec(&mut self) {
        let closed: Vec<_> = self.table.close_on_exec();
        drop(closed);
    }

    /// `RLIMIT_NOFILE`.
    #[allow(dead_code, reason = "API for getrlimit/prlimit64 (core)")]
    pub fn limit(&self) -> u64 {
        self.table.limit()
    }

    /// Sets `RLIMIT_NOFILE` (open descriptors above it stay open).
    pub fn set_limit(&mut self, limit: u64) {
        self.table.set_limit(limit);
    }

    /// Closes every descriptor (process exit).
    pub fn close_all(&mut self) {
        let limit = self.table.limit();
        self.table = fdtable::FdTable::new();
        self.table.set_limit(limit);
    }
}
