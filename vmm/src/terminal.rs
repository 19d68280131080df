//! The host terminal while a VM runs: whether the guest gets one, stdin in raw mode, and
//! the original settings back on every way the vmm can end.
//!
//! The guest's console is a terminal only when the vmm's stdin *and* stdout are terminals
//! ([`stdio_is_terminal`]), as `docker run -t` would be chosen by hand: `vmm run ... | tail`
//! or `< file` gives the guest a plain byte stream (no echo, `isatty` false; the kernel is
//! told with `console.tty=`, `vmm_abi::console`), and then the host terminal, if any, is
//! left alone too (cooked: the host's own line discipline edits and echoes what is typed).
//!
//! The guest runs its own line discipline (echo, line editing, ^C → SIGINT for its
//! foreground job, and output processing: ONLCR turns `\n` into `\r\n` in the guest), so
//! the host terminal must pass bytes through untouched both ways: raw mode here is
//! `cfmakeraw`'s (no canonical mode, echo, signals, input translation or flow control, and
//! no output processing, which would make the guest's `\r\n` into `\r\r\n`).
//!
//! How each exit path restores the terminal:
//! - **normal return and vmm errors**: [`RawMode`] is a guard; returning, `?` and unwinding
//!   panics on its thread all drop it, and dropping restores;
//! - **`fast_exit::exit` / `std::process::exit` / `_exit`**: these run no destructors, so the
//!   caller calls [`restore`] first (idempotent, and safe anywhere, even in a signal handler);
//! - **SIGINT, SIGTERM, SIGHUP**: while raw mode is on, handlers restore the terminal and
//!   `_exit(128 + signo)` (the shell's convention for "killed by signal N"). The handler only
//!   calls async-signal-safe functions (`tcsetattr`, `_exit`) on state kept in statics that
//!   normal code never changes while raw mode is on. With ISIG off, ^C reaches the guest as a
//!   byte, so these signals come from `kill`, a closing terminal (SIGHUP) or a test harness;
//! - **SIGKILL** (and crashes such as SIGSEGV) cannot be caught: `stty sane` is the remedy.
//!
//! Raw mode is per process: at most one [`RawMode`] exists at a time.

use std::cell::UnsafeCell;
use std::io;
use std::os::fd::RawFd;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, AtomicU8, Ordering};

/// Why raw mode could not be entered.
#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    /// tcgetattr failed on a terminal.
    #[error("reading the terminal settings: {0}")]
    GetAttr(io::Error),
    /// Switching to raw mode failed.
    #[error("putting the terminal in raw mode: {0}")]
    SetRaw(io::Error),
    /// Installing the signal handlers failed.
    #[error("installing terminal-restoring signal handlers: {0}")]
    Signal(io::Error),
    /// Raw mode is already on.
    #[error("the terminal is already in raw mode")]
    AlreadyActive,
}

/// `STATE` values. Only `IDLE → WRITING` (enter) writes [`SAVED`]; it is read in `ACTIVE`
/// and `RESTORING`, so a reader never sees it half-written.
const IDLE: u8 = 0;
const WRITING: u8 = 1;
const ACTIVE: u8 = 2;
const RESTORING: u8 = 3;

static STATE: AtomicU8 = AtomicU8::new(IDLE);
static FD: AtomicI32 = AtomicI32::new(-1);
static SAVED: SavedTermios = SavedTermios(UnsafeCell::new(None));
/// The signal dispositions raw mode replaced (one per entry of `SIGNALS`), put back when it
/// ends. A fixed array: entering raw mode allocates nothing.
static OLD_ACTIONS: Mutex<Option<[libc::sigaction; SIGNALS.len()]>> = Mutex::new(None);

/// The signals that restore the terminal and exit.
const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// The terminal settings to go back to; see the `STATE` protocol for who may touch it when.
struct SavedTermios(UnsafeCell<Option<libc::termios>>);

// SAFETY: access is serialized by `STATE`: written only by the one thread that moved it from
// IDLE to WRITING, read only after it reached ACTIVE (Release/Acquire).
unsafe impl Sync for SavedTermios {}

/// Raw mode on the terminal; dropping it restores the original settings.
#[derive(Debug)]
pub struct RawMode {
    _private: (),
}

/// Whether the guest gets a terminal: the vmm's stdin and stdout are both terminals.
pub fn stdio_is_terminal() -> bool {
    // SAFETY: isatty only inspects the fds.
    unsafe { libc::isatty(libc::STDIN_FILENO) == 1 && libc::isatty(libc::STDOUT_FILENO) == 1 }
}

impl RawMode {
    /// Puts stdin in raw mode if the guest gets a terminal (`guest_tty`, from
    /// [`stdio_is_terminal`]) and stdin is one (`Ok(None)` otherwise: pipes and files need
    /// nothing; nor if the vmm runs in the background), and installs the restoring signal
    /// handlers.
    pub fn enter(guest_tty: bool) -> Result<Option<RawMode>, TerminalError> {
        if !guest_tty {
            return Ok(None);
        }
        Self::enter_fd(libc::STDIN_FILENO)
    }

    /// [`Self::enter`] for any terminal fd (tests use a pty).
    fn enter_fd(fd: RawFd) -> Result<Option<RawMode>, TerminalError> {
        // SAFETY: isatty only inspects the fd.
        if unsafe { libc::isatty(fd) } != 1 {
            return Ok(None);
        }
        // A vmm started in the background (`vmm run &`) must leave the terminal alone:
        // tcsetattr from a background process group would stop it with SIGTTOU. (A terminal
        // that is not our controlling one has no foreground group to compare: go ahead.)
        // SAFETY: tcgetpgrp and getpgrp only query.
        let foreground = unsafe { libc::tcgetpgrp(fd) };
        // SAFETY: as above.
        if foreground >= 0 && foreground != unsafe { libc::getpgrp() } {
            return Ok(None);
        }
        if STATE.compare_exchange(IDLE, WRITING, Ordering::AcqRel, Ordering::Acquire).is_err() {
            return Err(TerminalError::AlreadyActive);
        }
        // SAFETY: all-zero is a valid termios; tcgetattr overwrites it.
        let mut termios: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: `termios` is a valid, writable termios.
        if unsafe { libc::tcgetattr(fd, &mut termios) } != 0 {
            let err = io::Error::last_os_error();
            STATE.store(IDLE, Ordering::Release);
            return Err(TerminalError::GetAttr(err));
        }
        // SAFETY: STATE is WRITING, set by this thread: nobody else reads or writes SAVED.
        unsafe { *SAVED.0.get() = Some(termios) };
        FD.store(fd, Ordering::Release);
        STATE.store(ACTIVE, Ordering::Release);

        let guard = RawMode { _private: () };
        install_handlers().map_err(TerminalError::Signal)?;
        set_raw(fd, termios).map_err(TerminalError::SetRaw)?;
        Ok(Some(guard))
    }
}

/// Makes the terminal `fd`, whose settings are `termios`, raw (`cfmakeraw`).
fn set_raw(fd: RawFd, mut termios: libc::termios) -> io::Result<()> {
    // SAFETY: `termios` is a valid termios (from tcgetattr); cfmakeraw only edits it and
    // tcsetattr only reads it.
    unsafe {
        libc::cfmakeraw(&mut termios);
        if libc::tcsetattr(fd, libc::TCSANOW, &termios) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

impl Drop for RawMode {
    fn drop(&mut self) {
        restore();
        uninstall_handlers();
    }
}

/// Puts the terminal back as it was before raw mode. Does nothing if raw mode is off, so it
/// can be called on every exit path. Async-signal-safe: one atomic, one `tcsetattr`.
pub fn restore() {
    match STATE.compare_exchange(ACTIVE, RESTORING, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => {
            write_back();
            STATE.store(IDLE, Ordering::Release);
        }
        // Another thread is restoring right now (this is a signal handler racing it): write
        // the same settings too rather than exit before that thread is done.
        Err(RESTORING) => write_back(),
        Err(_) => {}
    }
}

fn write_back() {
    // SAFETY: called only in ACTIVE or RESTORING, when SAVED is complete and nobody writes
    // it (see the STATE protocol); tcsetattr only reads the termios.
    unsafe {
        if let Some(termios) = &*SAVED.0.get() {
            libc::tcsetattr(FD.load(Ordering::Acquire), libc::TCSANOW, termios);
        }
    }
}

extern "C" fn on_signal(signo: libc::c_int) {
    restore();
    // SAFETY: _exit is async-signal-safe and ends the process at once.
    unsafe { libc::_exit(128 + signo) };
}

fn install_handlers() -> io::Result<()> {
    let mut old = OLD_ACTIONS.lock().unwrap_or_else(|e| e.into_inner());
    if old.is_some() {
        return Ok(());
    }
    // SAFETY: all-zero is a valid sigaction (each is filled in below or by sigaction).
    let mut previous: [libc::sigaction; SIGNALS.len()] = unsafe { std::mem::zeroed() };
    for (signo, previous) in SIGNALS.into_iter().zip(previous.iter_mut()) {
        // SAFETY: as above.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SAFETY: sa_mask is a valid sigset_t to fill: block the other handled signals while
        // one is handled.
        unsafe { libc::sigfillset(&mut action.sa_mask) };
        // SAFETY: both pointers are valid sigactions; the handler is an extern "C" fn that
        // only calls async-signal-safe functions.
        if unsafe { libc::sigaction(signo, &action, previous) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    *old = Some(previous);
    Ok(())
}

fn uninstall_handlers() {
    let mut old = OLD_ACTIONS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(previous) = old.take() {
        for (signo, previous) in SIGNALS.into_iter().zip(previous.iter()) {
            // SAFETY: `previous` is the disposition sigaction returned for this signal.
            unsafe { libc::sigaction(signo, previous, std::ptr::null_mut()) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Raw mode is process-wide: one test at a time.
    static SERIAL: Mutex<()> = Mutex::new(());

    struct Pty {
        master: RawFd,
        slave: RawFd,
    }

    impl Pty {
        fn open() -> Pty {
            let (mut master, mut slave) = (-1, -1);
            // SAFETY: openpty writes two fds; the name, termios and winsize are optional.
            let rc = unsafe {
                libc::openpty(
                    &mut master,
                    &mut slave,
                    std::ptr::null_mut(),
                    std::ptr::null(),
                    std::ptr::null(),
                )
            };
            assert_eq!(rc, 0, "openpty: {}", io::Error::last_os_error());
            Pty { master, slave }
        }

        fn lflag(&self) -> libc::tcflag_t {
            // SAFETY: zeroed termios is valid; tcgetattr fills it.
            let mut t: libc::termios = unsafe { std::mem::zeroed() };
            // SAFETY: valid fd and pointer.
            assert_eq!(unsafe { libc::tcgetattr(self.slave, &mut t) }, 0);
            t.c_lflag
        }
    }

    impl Drop for Pty {
        fn drop(&mut self) {
            // SAFETY: closing fds this struct opened.
            unsafe {
                libc::close(self.master);
                libc::close(self.slave);
            }
        }
    }

    const RAW_OFF: libc::tcflag_t = libc::ICANON | libc::ECHO | libc::ISIG;

    #[test]
    fn raw_mode_on_a_pty_and_back() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let pty = Pty::open();
        let before = pty.lflag();
        assert_eq!(before & RAW_OFF, RAW_OFF, "a new pty is cooked");
        let raw = RawMode::enter_fd(pty.slave).unwrap().expect("a pty is a terminal");
        assert_eq!(pty.lflag() & RAW_OFF, 0);
        assert!(matches!(RawMode::enter_fd(pty.slave), Err(TerminalError::AlreadyActive)));
        drop(raw);
        assert_eq!(pty.lflag(), before);
        // Once restored, restore() is a no-op and raw mode can be entered again.
        restore();
        let raw = RawMode::enter_fd(pty.slave).unwrap().unwrap();
        restore(); // the fast_exit path: explicit, before _exit
        assert_eq!(pty.lflag(), before);
        drop(raw);
        assert_eq!(pty.lflag(), before);
    }

    #[test]
    fn no_guest_terminal_leaves_the_host_alone() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        assert!(RawMode::enter(false).unwrap().is_none());
        assert_eq!(STATE.load(Ordering::Acquire), IDLE);
    }

    #[test]
    fn not_a_terminal_needs_nothing() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let mut fds = [0; 2];
        // SAFETY: room for two fds.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        assert!(RawMode::enter_fd(fds[0]).unwrap().is_none());
        restore();
        // SAFETY: closing the pipe we opened.
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
    }

    #[test]
    fn signals_restore_and_exit_with_128_plus_signo() {
        let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        for signo in SIGNALS {
            let pty = Pty::open();
            let before = pty.lflag();
            // SAFETY: the child only makes system calls (no allocation, no locks other test
            // threads could hold: terminal tests are serialized) and ends in _exit or a
            // signal; the parent just waits for it.
            let pid = unsafe { libc::fork() };
            assert!(pid >= 0);
            if pid == 0 {
                // The guard stays alive: the signal, not its drop, must do the restoring.
                let guard = RawMode::enter_fd(pty.slave);
                // SAFETY: raise and _exit are plain system calls.
                unsafe {
                    if matches!(guard, Ok(Some(_))) {
                        libc::raise(signo);
                    }
                    libc::_exit(99);
                }
            }
            let mut status = 0;
            // SAFETY: waiting for our own child.
            assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
            assert!(libc::WIFEXITED(status), "child died of a signal: {status:#x}");
            assert_eq!(libc::WEXITSTATUS(status), 128 + signo);
            assert_eq!(pty.lflag(), before, "signal {signo} restored the terminal");
        }
    }
}
