//! [`OpenFile`]: an open file description (POSIX XBD 3.258): the file, the access mode,
//! the status flags and the offset. Descriptors made by `dup` and `fork` share one
//! (`Arc<OpenFile>`), so they share the offset and the status flags (dup(2)).

use super::iobuf::{ReadBuf, WriteBuf};
use super::node::{NodeRef, Stream};
use super::user::UserAccess;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use posix::Errno;
use posix::cred::Credentials;
use posix::fs::flags::{self, O_APPEND, O_NONBLOCK};
use posix::fs::stat::Stat;
use posix::fs::{attr, dirent, mode, seek};

/// Bytes of `linux_dirent64` records encoded before they are stored into the caller's
/// buffer (at least one record of the longest name).
const GETDENTS_CHUNK: usize = 1024;
const _: () = assert!(GETDENTS_CHUNK >= dirent::record_len(posix::fs::path::NAME_MAX));
/// `FIONBIO` (ioctl_list(2)): set or clear O_NONBLOCK through an `int *`.
const FIONBIO: u32 = 0x5421;
/// poll(2) events.
pub(super) const POLLIN: u16 = 0x1;
pub(super) const POLLOUT: u16 = 0x4;
pub(super) const POLLERR: u16 = 0x8;
pub(super) const POLLHUP: u16 = 0x10;

/// An open file description.
pub struct OpenFile {
    /// Its place in the system-wide count of open files.
    _slot: FileSlot,
    node: NodeRef,
    stream: Option<Arc<dyn Stream>>,
    offset: AtomicU64,
    status: AtomicU32,
    readable: bool,
    writable: bool,
    path_only: bool,
}

/// Open file descriptions in the system (each [`OpenFile`] holds a [`FileSlot`]).
static OPEN_FILES: AtomicU64 = AtomicU64::new(0);
/// `fs.file-max`, set from memory at boot ([`init_limit`]).
static MAX_FILES: AtomicU64 = AtomicU64::new(posix::fs::nr_files::NR_FILE);

/// Sizes `fs.file-max` from `ram_bytes` of memory, as Linux does
/// (`posix::fs::nr_files::max_files`). Once, at boot.
pub fn init_limit(ram_bytes: u64) {
    MAX_FILES.store(posix::fs::nr_files::max_files(ram_bytes), Ordering::Relaxed);
}

/// An open file description's place in the system-wide count (Linux `nr_files`): taken
/// before a description is made, given back when it goes.
pub struct FileSlot(());

impl FileSlot {
    /// A place for one more open file description: ENFILE at `fs.file-max` unless
    /// `privileged` (Linux lets CAP_SYS_ADMIN through), ENOMEM while the kernel is short
    /// of memory for new objects (`mm::reserve::admit`).
    pub fn take(privileged: bool) -> Result<Self, Errno> {
        crate::mm::reserve::admit()?;
        let open = OPEN_FILES.load(Ordering::Relaxed);
        posix::fs::nr_files::check(open, MAX_FILES.load(Ordering::Relaxed), privileged)?;
        OPEN_FILES.fetch_add(1, Ordering::Relaxed);
        Ok(FileSlot(()))
    }
}

impl Drop for FileSlot {
    fn drop(&mut self) {
        OPEN_FILES.fetch_sub(1, Ordering::Relaxed);
    }
}

impl OpenFile {
    /// A description of `node` (with its device stream, if any) opened with access
    /// `readable`/`writable` and status flags `status`, in the place `slot`.
    pub(super) fn new(
        slot: FileSlot,
        node: NodeRef,
        stream: Option<Arc<dyn Stream>>,
        readable: bool,
        writable: bool,
        status: u32,
    ) -> Self {
        Self {
            _slot: slot,
            node,
            stream,
            offset: AtomicU64::new(0),
            status: AtomicU32::new(status),
            readable,
            writable,
            path_only: status & flags::O_PATH != 0,
        }
    }

    /// The node this description refers to.
    pub(super) fn node(&self) -> &NodeRef {
        &self.node
    }

    fn nonblock(&self) -> bool {
        self.status.load(Ordering::Relaxed) & O_NONBLOCK != 0
    }

    fn check_read(&self) -> Result<(), Errno> {
        if self.readable { Ok(()) } else { Err(Errno::EBADF) }
    }

    fn check_write(&self) -> Result<(), Errno> {
        if self.writable { Ok(()) } else { Err(Errno::EBADF) }
    }

    /// The errors a read gives before it looks at the buffer (Linux checks the descriptor
    /// first): EBADF if not open for reading, EISDIR for a directory.
    pub fn may_read(&self) -> Result<(), Errno> {
        self.check_read()?;
        if self.stream.is_none() && self.is_dir_node() {
            return Err(Errno::EISDIR);
        }
        Ok(())
    }

    /// The error a write gives before it looks at the buffer: EBADF if not open for
    /// writing.
    pub fn may_write(&self) -> Result<(), Errno> {
        self.check_write()
    }

    /// Whether writes vanish unread (`/dev/null`, `/dev/zero`; see `Stream`).
    pub fn discards_writes(&self) -> bool {
        self.stream.as_ref().is_some_and(|s| s.discards_writes())
    }

    /// Whether reads end at once with nothing (`/dev/null`).
    pub fn reads_nothing(&self) -> bool {
        self.stream.as_ref().is_some_and(|s| s.reads_nothing())
    }

    /// Whether this is a stream (pipe, terminal, character device): a read returns what is
    /// there and another one might wait, where a file's next read just goes on.
    pub fn is_stream(&self) -> bool {
        self.stream.is_some()
    }

    fn is_dir_node(&self) -> bool {
        mode::is_dir(self.node.perm().mode)
    }

    /// `read(2)`: from the current offset (streams: what is available, waiting for some
    /// unless O_NONBLOCK). EBADF if not open for reading, EISDIR for a directory.
    pub fn read(&self, buf: &mut ReadBuf<'_>) -> Result<usize, Errno> {
        self.check_read()?;
        if let Some(s) = &self.stream {
            return s.read(buf, self.nonblock());
        }
        if self.is_dir_node() {
            return Err(Errno::EISDIR);
        }
        // No task switch happens inside `read_at` for files (device waits do not
        // reschedule), so the load/store pair is not raced by a sharer of the offset.
        let offset = self.offset.load(Ordering::Relaxed);
        let n = self.node.read_at(offset, buf)?;
        self.offset.store(offset + n as u64, Ordering::Relaxed);
        Ok(n)
    }

    /// `write(2)`: at the current offset, or at the end with O_APPEND (the offset then
    /// moves to the new end).
    pub fn write(&self, buf: &WriteBuf<'_>) -> Result<usize, Errno> {
        self.check_write()?;
        if let Some(s) = &self.stream {
            return s.write(buf, self.nonblock());
        }
        let offset = if self.status.load(Ordering::Relaxed) & O_APPEND != 0 {
            self.node.size()
        } else {
            self.offset.load(Ordering::Relaxed)
        };
        let n = self.node.write_at(offset, buf)?;
        self.offset.store(offset + n as u64, Ordering::Relaxed);
        Ok(n)
    }

    /// `pread64(2)`: at `offset`, leaving the file offset alone. ESPIPE for streams.
    pub fn pread(&self, buf: &mut ReadBuf<'_>, offset: u64) -> Result<usize, Errno> {
        self.check_read()?;
        if self.stream.is_some() {
            return Err(Errno::ESPIPE);
        }
        if self.is_dir_node() {
            return Err(Errno::EISDIR);
        }
        self.node.read_at(offset, buf)
    }

    /// `pwrite64(2)`: at `offset`, leaving the file offset alone; with O_APPEND the data
    /// goes to the end whatever `offset` says (pwrite(2) BUGS: Linux does this).
    pub fn pwrite(&self, buf: &WriteBuf<'_>, offset: u64) -> Result<usize, Errno> {
        self.check_write()?;
        if self.stream.is_some() {
            return Err(Errno::ESPIPE);
        }
        let offset = if self.status.load(Ordering::Relaxed) & O_APPEND != 0 {
            self.node.size()
        } else {
            offset
        };
        self.node.write_at(offset, buf)
    }

    /// `lseek(2)`. ESPIPE for pipes and terminals; `/dev/null` and `/dev/zero` accept any
    /// seek and stay at 0.
    pub fn lseek(&self, offset: i64, whence: u32) -> Result<u64, Errno> {
        if self.path_only {
            return Err(Errno::EBADF);
        }
        if let Some(s) = &self.stream {
            return if s.seekable() { Ok(0) } else { Err(Errno::ESPIPE) };
        }
        let current = self.offset.load(Ordering::Relaxed);
        let new = seek::seek(current, self.node.size(), offset, whence)?;
        self.offset.store(new, Ordering::Relaxed);
        Ok(new)
    }

    /// `fstat(2)`.
    pub fn stat(&self) -> Result<Stat, Errno> {
        Ok(self.node.stat())
    }

    /// `getdents64(2)`: as many `linux_dirent64` records as fit, from the directory
    /// position (the file offset); 0 at the end. ENOTDIR for a non-directory; EINVAL if
    /// the buffer cannot hold the next record.
    pub fn getdents64(&self, buf: &mut ReadBuf<'_>) -> Result<usize, Errno> {
        if self.path_only {
            return Err(Errno::EBADF);
        }
        if !self.is_dir_node() {
            return Err(Errno::ENOTDIR);
        }
        let pos = self.offset.load(Ordering::Relaxed);
        let mut fill = dirent::Fill::new(buf.len(), pos);
        // Records are encoded into a chunk on the stack and stored into the buffer a chunk
        // at a time: one store sequence per chunk instead of one per entry.
        let mut chunk = [0u8; GETDENTS_CHUNK];
        let (mut flushed, mut filled) = (0usize, 0usize);
        self.node.read_dir(pos, &mut |entry| {
            if !fill.admit(entry.name.len()) {
                return false;
            }
            if filled + dirent::record_len(entry.name.len()) > chunk.len() {
                buf.write_bytes(flushed, &chunk[..filled]);
                flushed += filled;
                filled = 0;
            }
            let rec = &mut chunk[filled..];
            if let Some(n) = dirent::encode(rec, entry.ino, entry.next, entry.dtype, entry.name) {
                filled += n;
                fill.stored(n, entry.next);
            }
            true
        })?;
        buf.write_bytes(flushed, &chunk[..filled]);
        let (used, next) = fill.finish()?;
        self.offset.store(next, Ordering::Relaxed);
        Ok(used)
    }

    /// `ioctl(2)`: terminal requests on the console, FIONBIO on anything; ENOTTY otherwise.
    pub fn ioctl(
        &self,
        request: u32,
        arg: usize,
        user: &mut dyn UserAccess,
    ) -> Result<isize, Errno> {
        if self.path_only {
            return Err(Errno::EBADF);
        }
        if request == FIONBIO {
            let mut v = [0u8; 4];
            user.copy_in(arg, &mut v)?;
            let on = i32::from_ne_bytes(v) != 0;
            let old = self.status.load(Ordering::Relaxed);
            let new = if on { old | O_NONBLOCK } else { old & !O_NONBLOCK };
            self.status.store(new, Ordering::Relaxed);
            return Ok(0);
        }
        match &self.stream {
            Some(s) => s.ioctl(request, arg, user),
            None => Err(Errno::ENOTTY),
        }
    }

    /// `fcntl(F_GETFL)`: access mode and status flags.
    pub fn status_flags(&self) -> u32 {
        self.status.load(Ordering::Relaxed)
    }

    /// `fcntl(F_SETFL)`: changes O_APPEND, O_NONBLOCK, O_ASYNC, O_DIRECT, O_NOATIME; the
    /// access mode and creation flags are ignored (fcntl(2)).
    pub fn set_status_flags(&self, new: u32) {
        let old = self.status.load(Ordering::Relaxed);
        self.status.store(flags::set_status(old, new), Ordering::Relaxed);
    }

    /// The events `poll(2)` would report now: regular files and directories are always
    /// ready (poll(2): "Regular files shall always poll TRUE for reading and writing").
    pub fn poll(&self) -> u16 {
        match &self.stream {
            Some(s) => s.poll(),
            None => POLLIN | POLLOUT,
        }
    }

    /// `ftruncate(2)` by `creds` (Linux `do_sys_ftruncate`): EBADF for an `O_PATH`
    /// descriptor (Linux does not look those up), EINVAL unless a regular file open for
    /// writing; the set-id bits go as for a write, and the modification and change times
    /// change even when the size does not.
    pub fn truncate(&self, len: u64, creds: &Credentials) -> Result<(), Errno> {
        if self.path_only {
            return Err(Errno::EBADF);
        }
        if !self.writable || !mode::is_reg(self.node.perm().mode) {
            return Err(Errno::EINVAL);
        }
        super::setattr::remove_privs(&self.node, creds)?;
        self.node.truncate(len)
    }

    /// Whether a write might clear set-id bits ([`Self::remove_privs`]): a regular file
    /// with S_ISUID or S_ISGID. Cheap, so the write path fetches credentials only then.
    pub fn write_may_remove_privs(&self) -> bool {
        self.stream.is_none() && attr::write_may_clear_ids(self.node.perm().mode)
    }

    /// Before a write by `creds`: clears the set-id bits it removes (Linux
    /// `file_remove_privs`: a program modified by someone without CAP_FSETID must not
    /// stay set-id).
    pub fn remove_privs(&self, creds: &Credentials) -> Result<(), Errno> {
        super::setattr::remove_privs(&self.node, creds)
    }

    /// Whether this is an `O_PATH` descriptor: `fchmod`, `fchown`, `futimens` and
    /// `ftruncate` answer EBADF for one (Linux `fdget` does not return them).
    pub fn is_path_only(&self) -> bool {
        self.path_only
    }

    /// The guest-physical address of page `index` of a regular file, for `mmap`: shared
    /// with the page cache (copy it for private writable mappings). ENODEV for files that
    /// cannot be mapped (pipes, terminals, directories); EACCES for an `O_PATH` descriptor.
    pub fn mmap_page(&self, index: u64) -> Result<u64, Errno> {
        if self.path_only {
            return Err(Errno::EBADF);
        }
        if self.stream.is_some() || !mode::is_reg(self.node.perm().mode) {
            return Err(Errno::ENODEV);
        }
        self.node.page(index)
    }

    /// `fsync(2)` / `fdatasync(2)`: makes the file's written data durable (a disk flushes;
    /// tmpfs and the read-only root have nothing to do). EINVAL for pipes and terminals
    /// (fsync(2): "fd is bound to a special file ... which does not support
    /// synchronization"); EBADF for an `O_PATH` descriptor.
    #[allow(dead_code, reason = "for core's fsync/fdatasync wrappers")]
    pub fn sync(&self) -> Result<(), Errno> {
        if self.path_only {
            return Err(Errno::EBADF);
        }
        if self.stream.is_some() {
            return Err(Errno::EINVAL);
        }
        self.node.sync()
    }

    /// [`Self::mmap_page`] for pages `first..first + out.len()` in one pass.
    #[allow(dead_code, reason = "for core's file mappings")]
    pub fn mmap_pages(&self, first: u64, out: &mut [u64]) -> Result<(), Errno> {
        if self.path_only {
            return Err(Errno::EBADF);
        }
        if self.stream.is_some() || !mode::is_reg(self.node.perm().mode) {
            return Err(Errno::ENODEV);
        }
        self.node.pages(first, out)
    }

    /// Whether a shared writable mapping of this file may write its pages directly: the
    /// pages must be the file's own storage (tmpfs), not a cache of a disk that would need
    /// writing back, and the file must be open for reading and writing.
    pub fn shares_writable_pages(&self) -> bool {
        self.readable
            && self.writable
            && self.stream.is_none()
            && mode::is_reg(self.node.perm().mode)
            && !self.node.read_only()
    }

    /// Whether this is an open directory (`fchdir`, `*at` base checks).
    pub fn is_dir(&self) -> bool {
        self.is_dir_node()
    }
}
