//! Terminal settings the console reports: Linux's defaults for a new terminal
//! (drivers/tty/tty_io.c `tty_std_termios`, include/linux/tty.h `INIT_C_CC`), and the
//! `struct termios` bytes `TCGETS`/`TCSETS` move (36 bytes: four flag words, `c_line`,
//! 19 control characters).

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
    }
}
