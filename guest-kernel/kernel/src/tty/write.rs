//! write(2) to the terminal (Linux `n_tty_write`): with TOSTOP a background process group
//! is stopped with SIGTTOU first (`ctty`); then output processing (`posix::tty::output`).
//!
//! The default settings (OPOST with ONLCR and nothing else that changes bytes) keep the
//! console's zero-copy output: the device is handed the caller's pages, split at each NL,
//! with a static CR NL in its place; the bytes are looked at eight at a time to find the
//! NLs (`find_newline`) and one by one only after the last NL, for the column. Other
//! output settings go through a buffer byte by byte; without OPOST nothing is looked at.

use super::with;
use crate::drivers::virtio::console::{self as driver, Port};
use crate::fs::WriteBuf;
use crate::mm::layout;
use alloc::vec::Vec;
use linux_raw_sys::general as g;
use posix::Errno;
use posix::tty::output::{find_newline, only_onlcr};

/// What replaces each NL under ONLCR.
static CRNL: [u8; 2] = *b"\r\n";

/// The bytes of a segment of a write buffer, through the direct map.
fn bytes_of(phys: u64, len: usize) -> Option<&'static [u8]> {
    let ptr = layout::phys_to_virt(phys, len as u64)?;
    // SAFETY: `phys..phys + len` is memory the write's caller holds for the duration of
    // the call (its own pages, or a kernel buffer), reached through the direct map; one
    // CPU and no threads, so nothing writes it while the kernel reads it. The slice does
    // not outlive the call (the `'static` is not used beyond it).
    Some(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// write(2) of `buf` to `port` (0: stdout, 1: stderr; one terminal with two outputs).
pub fn write(port: Port, buf: &WriteBuf<'_>) -> Result<usize, Errno> {
    let Some(termios) = with(|t| t.termios) else { return Err(Errno::EIO) };
    if termios.l(g::TOSTOP) {
        super::ctty::check_access(false)?;
    }
    let mut segments: Vec<(u64, usize)> = Vec::with_capacity(buf.segments().len() + 2);
    if !termios.o(g::OPOST) {
        segments.extend(buf.segments().iter().filter(|s| s.len > 0).map(|s| (s.phys, s.len)));
    } else if only_onlcr(&termios) {
        let crnl = layout::virt_to_phys(CRNL.as_ptr(), 2).ok_or(Errno::EIO)?;
        let mut column = with(|t| t.ldisc.column).ok_or(Errno::EIO)?;
        for seg in buf.segments().iter().filter(|s| s.len > 0) {
            let bytes = bytes_of(seg.phys, seg.len).ok_or(Errno::EFAULT)?;
            let mut at = 0;
            while let Some(i) = find_newline(&bytes[at..]) {
                if i > 0 {
                    segments.push((seg.phys + at as u64, i));
                }
                segments.push((crnl, 2));
                at += i + 1;
            }
            if at < bytes.len() {
                segments.push((seg.phys + at as u64, bytes.len() - at));
            }
            column.follow_plain(&termios, bytes);
        }
        with(|t| t.ldisc.column = column);
    } else {
        let mut out = Vec::with_capacity(buf.len() + buf.len() / 8);
        let mut column = with(|t| t.ldisc.column).ok_or(Errno::EIO)?;
        for seg in buf.segments().iter().filter(|s| s.len > 0) {
            let bytes = bytes_of(seg.phys, seg.len).ok_or(Errno::EFAULT)?;
            for &c in bytes {
                column.push(&termios, c, &mut out);
            }
        }
        with(|t| t.ldisc.column = column);
        if !out.is_empty() {
            driver::write_all(port, &out).map_err(|_| Errno::EIO)?;
        }
        return Ok(buf.len());
    }
    if !segments.is_empty() {
        driver::write_phys(port, &segments).map_err(|_| Errno::EIO)?;
    }
    Ok(buf.len())
}
