//! Terminal input: bytes from the driver through the line discipline into the ring, their
//! echo out to the console, and the signals of INTR, QUIT and SUSP to the foreground
//! process group (`posix::tty::ldisc` decides all of it).
//!
//! Input is taken whenever someone looks: a reader, `poll`, and the scheduler's device
//! hook ([`on_device_event`]), so a signal character reaches a program that is busy, as
//! on Linux where the driver pushes input into the line discipline as it arrives.

use super::{Terminal, with};
use crate::drivers::virtio::console::{self as driver, Port};
use crate::process::kill::signal_group;
use posix::tty::ldisc::Signals;

/// Takes what the driver has into the line discipline, writes the echo, and sends the
/// signals the input asked for.
pub fn pull() {
    let Some((signals, pgrp)) = with(|t| {
        let signals = take(t);
        (signals, t.pgrp)
    }) else {
        return;
    };
    send(signals, pgrp);
}

/// The scheduler's device hook: input may have come (or a window size: `winsize`).
pub fn on_device_event() {
    if !super::is_terminal() {
        return;
    }
    pull();
    // A resize raises the console's configuration interrupt: the driver reads the new size.
    if let Some((rows, cols)) = crate::drivers::virtio::console::poll_resize() {
        super::winsize::set_window_size(rows, cols);
    }
}

fn send(signals: Signals, pgrp: u32) {
    if signals == 0 || pgrp == 0 {
        return;
    }
    for sig in 1..64u8 {
        if signals & (1 << sig) != 0 {
            signal_group(pgrp, sig);
        }
    }
}

/// Feeds the held-back input, then the driver's, to the line discipline until the ring is
/// full or nothing more has come; writes the echo.
fn take(t: &mut Terminal) -> Signals {
    let mut signals = 0;
    if !t.pending.is_empty() {
        let pending = core::mem::take(&mut t.pending);
        let r = t.ldisc.receive(&t.termios, &pending, &mut t.echo);
        signals |= r.signals;
        t.pending = pending;
        t.pending.drain(..r.consumed);
    }
    while t.pending.is_empty() && !t.ended {
        let termios = t.termios;
        let ldisc = &mut t.ldisc;
        let echo = &mut t.echo;
        let pending = &mut t.pending;
        let got = driver::try_read_with(|data| {
            let r = ldisc.receive(&termios, data, echo);
            signals |= r.signals;
            pending.extend_from_slice(&data[r.consumed..]);
        });
        match got {
            Ok(Some(0)) | Err(_) => t.ended = true,
            Ok(Some(_)) => {}
            Ok(None) => break,
        }
    }
    flush_echo(t);
    signals
}

/// Writes the echo collected so far.
pub fn flush_echo(t: &mut Terminal) {
    if !t.echo.is_empty() {
        // A console that fails loses the echo, as it loses output.
        let _ = driver::write_all(Port::Console, &t.echo);
        t.echo.clear();
    }
}
