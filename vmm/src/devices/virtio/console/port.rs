//! The console's host ends: which file descriptors, and writing guest output to them
//! without losing or reordering bytes when they would block.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use crate::devices::virtio::queue::advance_iovecs;

/// A host file descriptor the console reads or writes.
///
/// The stdio variants are *borrowed*: the console never closes fds 0, 1 and 2 and does not
/// `dup` them. A duplicate of stdout would outlive the vmm in its teardown reaper
/// ([`crate::fast_exit`], which shares the file table and closes only 0, 1 and 2), and a
/// reader of the vmm's stdout would then wait for the reaper to see EOF.
#[derive(Debug)]
pub enum HostFd {
    /// An fd the console owns and closes (pipes in tests, files).
    Owned(OwnedFd),
    /// One of the process's standard streams, used in place.
    Stdio(RawFd),
}

impl HostFd {
    /// The process's stdin (fd 0), borrowed.
    pub fn stdin() -> Self {
        HostFd::Stdio(libc::STDIN_FILENO)
    }

    /// The process's stdout (fd 1), borrowed.
    pub fn stdout() -> Self {
        HostFd::Stdio(libc::STDOUT_FILENO)
    }

    /// The process's stderr (fd 2), borrowed.
    pub fn stderr() -> Self {
        HostFd::Stdio(libc::STDERR_FILENO)
    }
}

impl From<OwnedFd> for HostFd {
    fn from(fd: OwnedFd) -> Self {
        HostFd::Owned(fd)
    }
}

impl From<File> for HostFd {
    fn from(file: File) -> Self {
        HostFd::Owned(file.into())
    }
}

impl AsRawFd for HostFd {
    fn as_raw_fd(&self) -> RawFd {
        match self {
            HostFd::Owned(fd) => fd.as_raw_fd(),
            HostFd::Stdio(fd) => *fd,
        }
    }
}

/// The console's host ends.
#[derive(Debug)]
pub struct ConsoleIo {
    /// Where port 0's input comes from (`None`: no input; the port reads as ended).
    pub input: Option<HostFd>,
    /// Where port 0's output goes.
    pub console_out: HostFd,
    /// Where port 1's output goes.
    pub stderr_out: HostFd,
}

impl ConsoleIo {
    /// The vmm's own stdin, stdout and stderr.
    pub fn stdio() -> Self {
        ConsoleIo {
            input: Some(HostFd::stdin()),
            console_out: HostFd::stdout(),
            stderr_out: HostFd::stderr(),
        }
    }
}

/// How a write of guest bytes ended.
#[derive(Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Everything was written.
    Done,
    /// The fd would block after this many bytes; the caller keeps the rest.
    WouldBlock(usize),
    /// The host end is gone (EPIPE, EBADF, ...): nobody can receive the bytes.
    Gone,
}

/// One port's output: the fd, and the bytes accepted from the guest that the fd has not
/// taken yet (only ever non-empty after the fd said EAGAIN).
#[derive(Debug)]
pub struct Output {
    fd: HostFd,
    pending: Vec<u8>,
    written: usize,
    /// Whether epoll can watch the fd (false for regular files, which never block).
    pub pollable: bool,
}

impl Output {
    /// Output to `fd`.
    pub fn new(fd: HostFd) -> Self {
        Output { fd, pending: Vec::new(), written: 0, pollable: true }
    }

    /// The fd.
    pub fn fd(&self) -> &HostFd {
        &self.fd
    }

    /// Whether bytes are waiting for the fd.
    pub fn has_pending(&self) -> bool {
        self.written < self.pending.len()
    }

    /// Queues bytes behind whatever is pending.
    pub fn queue(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
    }

    /// Writes pending bytes; true when none are left (written, or dropped because the host
    /// end is gone).
    pub fn flush_pending(&mut self) -> bool {
        while self.has_pending() {
            let rest = &self.pending[self.written..];
            // SAFETY: `rest` is a live byte slice; write(2) only reads it.
            let n = unsafe { libc::write(self.fd.as_raw_fd(), rest.as_ptr().cast(), rest.len()) };
            if n > 0 {
                self.written += n as usize;
                continue;
            }
            let err = io::Error::last_os_error();
            match err.kind() {
                io::ErrorKind::Interrupted if n < 0 => continue,
                io::ErrorKind::WouldBlock if n < 0 => return false,
                _ => break, // gone (or a write of 0 bytes, which cannot make progress)
            }
        }
        self.pending.clear();
        self.written = 0;
        true
    }

    /// Writes the bytes `iovs` describe (guest buffers) with `writev`, resuming after short
    /// writes. Must only be called with nothing pending, so bytes stay in order.
    pub fn write_iovecs(&mut self, iovs: &mut Vec<libc::iovec>) -> WriteOutcome {
        const IOV_MAX: usize = 1024;
        debug_assert!(!self.has_pending());
        iovs.retain(|iov| iov.iov_len > 0);
        let mut written = 0;
        while !iovs.is_empty() {
            let count = iovs.len().min(IOV_MAX) as i32;
            // SAFETY: each iovec describes readable guest memory that the caller keeps
            // mapped for the duration of the call; writev only reads it.
            let n = unsafe { libc::writev(self.fd.as_raw_fd(), iovs.as_ptr(), count) };
            if n > 0 {
                written += n as usize;
                advance_iovecs(iovs, n as usize);
                continue;
            }
            let err = io::Error::last_os_error();
            match err.kind() {
                io::ErrorKind::Interrupted if n < 0 => continue,
                io::ErrorKind::WouldBlock if n < 0 => return WriteOutcome::WouldBlock(written),
                _ => return WriteOutcome::Gone,
            }
        }
        WriteOutcome::Done
    }
}

/// Port 0's input.
#[derive(Debug)]
pub struct Input {
    fd: HostFd,
    /// Whether epoll can watch the fd; if not (regular files, `/dev/null`), reads never
    /// block and the device reads whenever the guest has buffers.
    pub pollable: bool,
    /// The fd reached end of file (or failed): no more input, ever.
    pub eof: bool,
    /// The device wants to hear when the fd is readable (the guest has buffers posted).
    pub wanted: bool,
}

impl Input {
    /// Input from `fd`.
    pub fn new(fd: HostFd) -> Self {
        Input { fd, pollable: true, eof: false, wanted: false }
    }

    /// The fd.
    pub fn fd(&self) -> &HostFd {
        &self.fd
    }

    /// One `readv` into `iovs` (guest receive buffers): the byte count, 0 at end of file.
    pub fn read_iovecs(&self, iovs: &[libc::iovec]) -> io::Result<usize> {
        let count = iovs.len().min(1024) as i32;
        loop {
            // SAFETY: each iovec describes writable guest memory that the caller keeps
            // mapped for the duration of the call; readv writes only within them.
            let n = unsafe { libc::readv(self.fd.as_raw_fd(), iovs.as_ptr(), count) };
            if n >= 0 {
                return Ok(n as usize);
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Read;

    /// A pipe as (read end, write end).
    pub fn pipe() -> (File, File) {
        let mut fds = [0; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 writes.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        // SAFETY: pipe2 just returned these two fds and nothing else owns them.
        unsafe {
            use std::os::fd::FromRawFd;
            (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1]))
        }
    }

    /// Makes `file` non-blocking.
    pub fn set_nonblocking(file: &File) {
        // SAFETY: fcntl on an fd we own, no pointers.
        unsafe {
            let flags = libc::fcntl(file.as_raw_fd(), libc::F_GETFL);
            assert!(flags >= 0);
            assert_eq!(libc::fcntl(file.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK), 0);
        }
    }

    #[test]
    fn full_nonblocking_pipe_keeps_the_rest_pending() {
        let (mut rx, tx) = pipe();
        set_nonblocking(&tx);
        let mut out = Output::new(tx.into());
        let mut data = vec![7u8; 1 << 20];
        let mut iovs =
            vec![libc::iovec { iov_base: data.as_mut_ptr().cast(), iov_len: data.len() }];
        let WriteOutcome::WouldBlock(written) = out.write_iovecs(&mut iovs) else {
            panic!("a 1 MiB write must fill a pipe")
        };
        assert!(written < data.len());
        out.queue(&data[written..]);
        assert!(out.has_pending());
        assert!(!out.flush_pending(), "still full");
        let reader = std::thread::spawn(move || {
            let mut all = Vec::new();
            rx.read_to_end(&mut all).unwrap();
            all
        });
        // Drain by retrying until the reader has made room for everything.
        while !out.flush_pending() {
            std::thread::yield_now();
        }
        drop(out);
        assert_eq!(reader.join().unwrap().len(), 1 << 20);
    }

    #[test]
    fn closed_reader_means_gone() {
        // Rust programs (the vmm, this test binary) start with SIGPIPE ignored, so a write
        // to a pipe without readers fails with EPIPE instead of killing the process.
        let (rx, tx) = pipe();
        drop(rx);
        let mut out = Output::new(tx.into());
        let mut byte = [1u8];
        let mut iovs = vec![libc::iovec { iov_base: byte.as_mut_ptr().cast(), iov_len: 1 }];
        assert_eq!(out.write_iovecs(&mut iovs), WriteOutcome::Gone);
        out.queue(b"x");
        assert!(out.flush_pending(), "dropped: nobody can read it");
    }

    #[test]
    fn stdio_fds_are_borrowed() {
        assert_eq!(HostFd::stdin().as_raw_fd(), 0);
        assert_eq!(HostFd::stdout().as_raw_fd(), 1);
        assert_eq!(HostFd::stderr().as_raw_fd(), 2);
        let io = ConsoleIo::stdio();
        assert!(matches!(io.console_out, HostFd::Stdio(1)));
        drop(io); // must not close fd 1: the test harness still prints after this
        // SAFETY: fcntl(F_GETFD) on fd 1 only queries it.
        assert!(unsafe { libc::fcntl(1, libc::F_GETFD) } >= 0);
    }
}
