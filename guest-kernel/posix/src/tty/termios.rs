//! Terminal settings: Linux's defaults for a new terminal (drivers/tty/tty_io.c
//! `tty_std_termios`, include/linux/tty.h `INIT_C_CC`), the `struct termios` bytes
//! `TCGETS`/`TCSETS` move (36 bytes: four flag words, `c_line`, 19 control characters;
//! termios(3), tty_ioctl(4)), and [`Termios`], the same settings as the line discipline
//! reads them.

use linux_raw_sys::general as g;

pub use linux_raw_sys::ioctl::{
    FIONREAD, TCFLSH, TCGETS, TCSBRK, TCSETS, TCSETSF, TCSETSW, TCXONC, TIOCGPGRP, TIOCGSID,
    TIOCGWINSZ, TIOCNOTTY, TIOCOUTQ, TIOCSCTTY, TIOCSPGRP, TIOCSWINSZ,
};

/// Size of `struct termios` as `TCGETS` copies it.
pub const TERMIOS_SIZE: usize = 36;
/// Size of `struct winsize`.
pub const WINSIZE_SIZE: usize = 8;

/// The settings of a freshly opened Linux terminal: canonical input with echo and signals,
/// CR to NL on input, NL to CR-NL on output, 38400 baud, 8 bits.
pub fn default_termios() -> [u8; TERMIOS_SIZE] {
    let iflag = g::ICRNL | g::IXON;
    let oflag = g::OPOST | g::ONLCR;
    let cflag = g::B38400 | g::CS8 | g::CREAD | g::HUPCL;
    let lflag =
        g::ISIG | g::ICANON | g::ECHO | g::ECHOE | g::ECHOK | g::ECHOCTL | g::ECHOKE | g::IEXTEN;
    // INIT_C_CC: ^C ^\ DEL ^U ^D 0 1 0 ^Q ^S ^Z 0 ^R ^O ^W ^V 0 (and two unused).
    const CC: [u8; 19] = [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0];
    let mut t = [0u8; TERMIOS_SIZE];
    for (i, w) in [iflag, oflag, cflag, lflag].into_iter().enumerate() {
        t[i * 4..i * 4 + 4].copy_from_slice(&w.to_ne_bytes());
    }
    t[16] = 0; // c_line: N_TTY
    t[17..].copy_from_slice(&CC);
    t
}

/// The settings as the line discipline uses them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Termios {
    /// `c_iflag`.
    pub iflag: u32,
    /// `c_oflag`.
    pub oflag: u32,
    /// `c_cflag`.
    pub cflag: u32,
    /// `c_lflag`.
    pub lflag: u32,
    /// `c_line` (the line discipline number; 0, N_TTY, is the only one).
    pub line: u8,
    /// `c_cc`: the special characters, indexed by `VINTR`..`VEOL2`; 0 disables one
    /// (`_POSIX_VDISABLE`, Linux `__DISABLED_CHAR`).
    pub cc: [u8; 19],
}

impl Default for Termios {
    fn default() -> Self {
        Self::from_bytes(&default_termios())
    }
}

impl Termios {
    /// The settings in `struct termios` bytes.
    pub fn from_bytes(b: &[u8; TERMIOS_SIZE]) -> Self {
        let word = |i: usize| u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut cc = [0u8; 19];
        cc.copy_from_slice(&b[17..]);
        Self { iflag: word(0), oflag: word(4), cflag: word(8), lflag: word(12), line: b[16], cc }
    }

    /// The `struct termios` bytes.
    pub fn to_bytes(&self) -> [u8; TERMIOS_SIZE] {
        let mut t = [0u8; TERMIOS_SIZE];
        for (i, w) in [self.iflag, self.oflag, self.cflag, self.lflag].into_iter().enumerate() {
            t[i * 4..i * 4 + 4].copy_from_slice(&w.to_ne_bytes());
        }
        t[16] = self.line;
        t[17..].copy_from_slice(&self.cc);
        t
    }

    /// `TCSETS` on a terminal whose driver has no `set_termios` (the virtio console, Linux
    /// `hvc`): the new settings, except that the hardware part of `c_cflag` (speed,
    /// character size, parity) stays as it was and only HUPCL, CREAD and CLOCAL change
    /// (Linux `tty_set_termios` → `tty_termios_copy_hw`).
    pub fn set_from(&mut self, new: &Termios) {
        const SOFT: u32 = g::HUPCL | g::CREAD | g::CLOCAL;
        let cflag = (new.cflag & SOFT) | (self.cflag & !SOFT);
        *self = Termios { cflag, ..*new };
    }

    /// Whether `c_lflag` has `flag`.
    #[inline]
    pub fn l(&self, flag: u32) -> bool {
        self.lflag & flag != 0
    }

    /// Whether `c_iflag` has `flag`.
    #[inline]
    pub fn i(&self, flag: u32) -> bool {
        self.iflag & flag != 0
    }

    /// Whether `c_oflag` has `flag`.
    #[inline]
    pub fn o(&self, flag: u32) -> bool {
        self.oflag & flag != 0
    }

    /// The special character `index` (`VINTR`...).
    #[inline]
    pub fn cc(&self, index: u32) -> u8 {
        self.cc[index as usize]
    }
}

/// `struct winsize` for `rows` x `cols` (no pixel sizes).
pub fn winsize(rows: u16, cols: u16) -> [u8; WINSIZE_SIZE] {
    let mut w = [0u8; WINSIZE_SIZE];
    w[0..2].copy_from_slice(&rows.to_ne_bytes());
    w[2..4].copy_from_slice(&cols.to_ne_bytes());
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_linux() {
        assert_eq!(core::mem::size_of::<g::termios>(), TERMIOS_SIZE);
        assert_eq!(core::mem::size_of::<g::winsize>(), WINSIZE_SIZE);
        let t = default_termios();
        let lflag = u32::from_ne_bytes(t[12..16].try_into().unwrap());
        assert_ne!(lflag & g::ICANON, 0);
        assert_eq!(t[17 + g::VINTR as usize], 3, "^C interrupts");
        assert_eq!(t[17 + g::VEOF as usize], 4, "^D ends input");
        assert_eq!(t[17 + g::VMIN as usize], 1);
        assert_eq!(winsize(24, 80), [24, 0, 80, 0, 0, 0, 0, 0]);
        assert_eq!(Termios::default().to_bytes(), t);
    }

    #[test]
    fn set_keeps_the_hardware_flags() {
        let mut t = Termios::default();
        let new = Termios { cflag: g::B9600 | g::CS7, lflag: 0, ..t };
        t.set_from(&new);
        assert_eq!(t.cflag, g::B38400 | g::CS8, "speed and size stay; HUPCL and CREAD cleared");
        assert_eq!(t.lflag, 0);
    }
}
