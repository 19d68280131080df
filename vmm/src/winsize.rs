//! The host terminal's window size, for the guest's console: read once when the VM is
//! built, and again on every SIGWINCH while it runs.
//!
//! SIGWINCH arrives through a `signalfd` watched by the device event loop, not through a
//! handler: the signal is blocked in every vmm thread (blocked on the main thread before the
//! event-loop thread is spawned, which inherits the mask), so it stays pending until the
//! loop reads it from the fd, and nothing runs in signal context at all (trivially
//! async-signal-safe; no crate needed for it). Blocking it also keeps it from interrupting
//! `KVM_RUN` on the vCPU thread. The loop then asks the terminal for its size
//! (`TIOCGWINSZ`) and hands it to the console ([`Console::resize`]), which updates its
//! config space and notifies the driver (virtio 1.2, 5.3.6 item 3). Several resizes in a
//! row collapse into one pending signal and one look at the final size, which is all the
//! guest needs.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Mutex};

use event_manager::{EventOps, Events, MutEventSubscriber};
use vmm_sys_util::epoll::EventSet;

use crate::devices::virtio::console::{Console, WindowSize};

/// The size of the terminal on `fd`; `None` if it is not a terminal or reports no columns
/// (a pty nobody sized says 0x0: better no size than a zero one).
pub fn size_of(fd: RawFd) -> Option<WindowSize> {
    let mut size = libc::winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCGWINSZ writes one `winsize` through the pointer, which is valid for it.
    let ok = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0 && size.ws_row > 0)
        .then_some(WindowSize { cols: size.ws_col, rows: size.ws_row })
}

/// The host terminal's size: the vmm's stdout's, else its stdin's.
pub fn host_size() -> Option<WindowSize> {
    size_of(libc::STDOUT_FILENO).or_else(|| size_of(libc::STDIN_FILENO))
}

/// SIGWINCH as a one-signal `sigset_t`.
fn sigwinch_set() -> libc::sigset_t {
    // SAFETY: all-zero is a valid sigset_t; sigemptyset/sigaddset initialize it.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid sigset_t and SIGWINCH a valid signal number.
    unsafe {
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGWINCH);
    }
    set
}

/// SIGWINCH blocked on the calling thread (and so in threads it spawns afterwards) while
/// this lives; dropping it puts the thread's previous mask back. Create it before the
/// event-loop thread starts.
pub struct SigwinchBlocked {
    was_blocked: bool,
}

impl SigwinchBlocked {
    /// Blocks SIGWINCH on this thread.
    pub fn new() -> io::Result<Self> {
        let set = sigwinch_set();
        // SAFETY: all-zero is a valid sigset_t for pthread_sigmask to fill.
        let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: valid sigset pointers; only this thread's mask changes.
        let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old) };
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        // SAFETY: `old` was filled by pthread_sigmask.
        let was_blocked = unsafe { libc::sigismember(&old, libc::SIGWINCH) } == 1;
        Ok(SigwinchBlocked { was_blocked })
    }
}

impl Drop for SigwinchBlocked {
    fn drop(&mut self) {
        if !self.was_blocked {
            let set = sigwinch_set();
            // SAFETY: valid sigset pointer; only this thread's mask changes. A SIGWINCH
            // still pending is then delivered with its disposition (by default ignored).
            unsafe { libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut()) };
        }
    }
}

/// Event-loop subscriber: on SIGWINCH, reads `size` and resizes the console.
pub struct Resizer {
    signal_fd: OwnedFd,
    console: Arc<Mutex<Console>>,
    size: fn() -> Option<WindowSize>,
}

impl Resizer {
    /// A resizer for `console` that reads the size with `size` ([`host_size`] in the vmm).
    /// SIGWINCH must already be blocked ([`SigwinchBlocked`]), or it is not queued for the
    /// signalfd.
    pub fn new(console: Arc<Mutex<Console>>, size: fn() -> Option<WindowSize>) -> io::Result<Self> {
        let set = sigwinch_set();
        // SAFETY: -1 asks for a new signalfd for the signals in `set`.
        let fd = unsafe { libc::signalfd(-1, &set, libc::SFD_NONBLOCK | libc::SFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: signalfd returned a new fd that nothing else owns.
        let signal_fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Resizer { signal_fd, console, size })
    }

    /// Drains the pending SIGWINCH (collapsed into one) and passes the current size on.
    fn update(&mut self) {
        let mut info = [0u8; std::mem::size_of::<libc::signalfd_siginfo>()];
        // SAFETY: reads at most `info.len()` bytes into `info`; the fd is non-blocking.
        while unsafe {
            libc::read(self.signal_fd.as_raw_fd(), info.as_mut_ptr().cast(), info.len())
        } > 0
        {}
        if let Some(size) = (self.size)() {
            self.console.lock().unwrap_or_else(|e| e.into_inner()).resize(size);
        }
    }
}

impl MutEventSubscriber for Resizer {
    fn process(&mut self, _events: Events, _ops: &mut EventOps) {
        self.update();
    }

    fn init(&mut self, ops: &mut EventOps) {
        if let Err(e) = ops.add(Events::new(&self.signal_fd, EventSet::IN)) {
            eprintln!("vmm: cannot watch for terminal resizes: {e:?}");
        }
        // A resize between the console's first size and now sent a signal nobody queued
        // for this fd yet: look once.
        self.update();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::virtio::console::ConsoleIo;
    use std::sync::atomic::{AtomicU16, Ordering};

    static COLS: AtomicU16 = AtomicU16::new(80);

    fn fake_size() -> Option<WindowSize> {
        Some(WindowSize { cols: COLS.load(Ordering::SeqCst), rows: 24 })
    }

    #[test]
    fn sigwinch_reaches_the_console_through_the_signalfd() {
        let null = || std::fs::OpenOptions::new().read(true).write(true).open("/dev/null").unwrap();
        let io = ConsoleIo {
            input: Some(null().into()),
            console_out: null().into(),
            stderr_out: null().into(),
        };
        let start = WindowSize { cols: 80, rows: 24 };
        let console = Arc::new(Mutex::new(Console::new(io, Some(start)).unwrap()));
        // This test thread only: the signal is sent to this thread with pthread_kill, so
        // other test threads neither see it nor need it blocked.
        let blocked = SigwinchBlocked::new().unwrap();
        let mut resizer = Resizer::new(console.clone(), fake_size).unwrap();
        COLS.store(132, Ordering::SeqCst);
        // SAFETY: sends SIGWINCH to this thread, where it is blocked, so it stays pending
        // for the signalfd.
        assert_eq!(unsafe { libc::pthread_kill(libc::pthread_self(), libc::SIGWINCH) }, 0);
        let mut pfd =
            libc::pollfd { fd: resizer.signal_fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
        // SAFETY: one valid pollfd.
        assert_eq!(unsafe { libc::poll(&mut pfd, 1, 5000) }, 1, "the signal is readable");
        resizer.update();
        assert_eq!(console.lock().unwrap().size(), Some(WindowSize { cols: 132, rows: 24 }));
        // SAFETY: as above.
        assert_eq!(unsafe { libc::poll(&mut pfd, 1, 0) }, 0, "drained");
        drop(resizer);
        drop(blocked);
    }

    #[test]
    fn a_pipe_has_no_size() {
        let mut fds = [0; 2];
        // SAFETY: room for two fds.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        assert_eq!(size_of(fds[0]), None);
        // SAFETY: closing the pipe we opened.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
    }

    #[test]
    fn a_pty_reports_the_size_it_was_given() {
        let (mut master, mut slave) = (-1, -1);
        let ws = libc::winsize { ws_row: 33, ws_col: 101, ws_xpixel: 0, ws_ypixel: 0 };
        // SAFETY: openpty writes two fds and reads the optional winsize.
        let rc = unsafe {
            libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), &ws)
        };
        assert_eq!(rc, 0);
        assert_eq!(size_of(slave), Some(WindowSize { cols: 101, rows: 33 }));
        // SAFETY: closing the fds openpty gave us.
        unsafe {
            libc::close(master);
            libc::close(slave);
        }
    }
}
