//! The window size: set by TIOCSWINSZ or by the console device (the host terminal's size,
//! VIRTIO_CONSOLE_F_SIZE and the control queue's resize message); a change sends SIGWINCH
//! to the foreground process group (tty_ioctl(4); Linux `tty_do_resize`). 24 x 80 until
//! told otherwise.
//!
//! The driver is a floor below: the terminal asks it, at start and after each device
//! interrupt (`input::on_device_event`), and the driver answers with a size only when it
//! changed.

use super::with;
use crate::process::kill::signal_group;
use linux_raw_sys::general::SIGWINCH;
use posix::tty::termios::{WINSIZE_SIZE, winsize};

/// Sets the window size to `ws` (`struct winsize` bytes); SIGWINCH to the foreground
/// group if it changed.
pub fn set(ws: [u8; WINSIZE_SIZE]) {
    let Some(Some(fg)) = with(|t| {
        if t.winsize == ws {
            return None;
        }
        t.winsize = ws;
        Some(t.pgrp)
    }) else {
        return;
    };
    if fg != 0 {
        signal_group(fg, SIGWINCH as u8);
    }
}

/// The console device reports `rows` x `cols`: the terminal takes that size (pixel sizes
/// 0), with SIGWINCH to the foreground group if it changed.
pub fn set_window_size(rows: u16, cols: u16) {
    set(winsize(rows, cols));
}
