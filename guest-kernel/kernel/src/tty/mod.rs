//! The terminal: the console (virtio-console port 0 in, ports 0 and 1 out) with Linux's
//! N_TTY line discipline, when the vmm says its stdin and stdout are a terminal
//! (`console.tty=1` on the command line). Otherwise the console is not a terminal: bytes
//! pass unchanged and terminal requests fail with ENOTTY (`fs::devfs::console`).
//!
//! Data: one [`Terminal`] under a spin lock: the settings (`posix::tty::termios`), the
//! line discipline's ring and state (`posix::tty::ldisc`, the rules), the window size,
//! the session it controls and its foreground process group, and the input the ring had
//! no room for. Paths:
//!
//! - input (`input.rs`): bytes are taken from the driver whenever a reader, `poll` or the
//!   scheduler's device hook (after every device interrupt, so ^C reaches a program that
//!   is not reading) looks; echo goes straight out, signal characters signal the
//!   foreground group;
//! - read (`read.rs`): whole lines or MIN/TIME, with SIGTTIN for background groups;
//! - write (`write.rs`): output processing, zero copy for the default ONLCR (the caller's
//!   pages with each NL replaced by a static CR NL), with SIGTTOU under TOSTOP;
//! - requests (`ioctl.rs`), the controlling terminal and job control (`ctty.rs`), the
//!   window size (`winsize.rs`).
//!
//! The kernel is not preemptible and runs on one CPU, so what is decided under the lock
//! stays true until the caller blocks; the lock is never held across a wait, nor taken
//! with the process registry's lock held.

mod ctty;
mod input;
mod ioctl;
mod read;
mod winsize;
mod write;

pub use ctty::{controls_caller_session, session_leader_exits};
pub use input::on_device_event;
pub use ioctl::ioctl;
pub use read::{read, readable};
pub use write::write;

use crate::process::Pid;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use posix::tty::ldisc::Ldisc;
use posix::tty::termios::{Termios, WINSIZE_SIZE, winsize};
use spin::mutex::{SpinMutex, SpinMutexGuard};

/// The terminal's state.
pub struct Terminal {
    /// The settings.
    pub termios: Termios,
    /// The line discipline (input ring, editing state, output column).
    pub ldisc: Ldisc,
    /// The window size (`struct winsize`: rows, columns, pixel sizes).
    pub winsize: [u8; WINSIZE_SIZE],
    /// The session whose controlling terminal this is (0: none).
    pub session: Pid,
    /// The foreground process group (0: none).
    pub pgrp: Pid,
    /// Input taken from the driver that the ring had no room for.
    pub pending: Vec<u8>,
    /// Echo waiting to be written (kept to reuse its memory).
    pub echo: Vec<u8>,
    /// The host's input ended.
    pub ended: bool,
}

/// Whether the console is a terminal (`console.tty=1`), fixed at boot.
static ENABLED: AtomicBool = AtomicBool::new(false);
static TERMINAL: SpinMutex<Option<Terminal>> = SpinMutex::new(None);

/// Makes the console a terminal (boot, before the first process, from `console.tty=1`).
pub fn enable() {
    let termios = Termios::default();
    *TERMINAL.lock() = Some(Terminal {
        termios,
        ldisc: Ldisc::new(&termios),
        winsize: winsize(24, 80),
        session: 0,
        pgrp: 0,
        pending: Vec::new(),
        echo: Vec::with_capacity(256),
        ended: false,
    });
    ENABLED.store(true, Ordering::Relaxed);
    // Post the receive buffers and arm the input interrupt, so input is seen as it comes.
    input::pull();
    // The host terminal's size, if it has one (later changes: `input::on_device_event`).
    let (rows, cols) = crate::drivers::virtio::console::window_size();
    if rows != 0 && cols != 0 {
        winsize::set_window_size(rows, cols);
    }
}

/// Whether the console is a terminal.
#[inline]
pub fn is_terminal() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// The terminal, locked (only when [`is_terminal`]).
fn lock() -> SpinMutexGuard<'static, Option<Terminal>> {
    TERMINAL.lock()
}

/// Runs `f` on the terminal; `None` when the console is not one.
fn with<T>(f: impl FnOnce(&mut Terminal) -> T) -> Option<T> {
    lock().as_mut().map(f)
}
