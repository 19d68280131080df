//! Output processing (OPOST, termios(3) "Output modes"), as Linux's N_TTY does it for
//! programs' writes and for echoes alike (drivers/tty/n_tty.c `do_output_char`,
//! `process_output_block`): ONLCR maps NL to CR-NL, OCRNL CR to NL, ONOCR drops a CR at
//! column 0, ONLRET takes NL as a return, OLCUC upper-cases, TABDLY = XTABS expands tabs
//! to spaces. The column is tracked for the echo of an erased tab (`ldisc`).

use super::termios::Termios;
use linux_raw_sys::general as g;

/// Whether Linux's `iscntrl` holds (include/linux/ctype.h: 0-31, 127 and 128-159).
#[inline]
pub fn iscntrl(c: u8) -> bool {
    c < 32 || (127..160).contains(&c)
}

/// Whether `c` continues a UTF-8 character and IUTF8 is set (it then takes no column,
/// and erasing removes the whole character).
#[inline]
pub fn is_continuation(t: &Termios, c: u8) -> bool {
    t.i(g::IUTF8) && c & 0xc0 == 0x80
}

/// Eight spaces, for XTABS.
const SPACES: &[u8; 8] = b"        ";
/// CR NL, for ONLCR.
const CRNL: &[u8; 2] = b"\r\n";
/// The upper-case letters, for OLCUC.
const UPPER: &[u8; 26] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The output side's state: where the cursor is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Column {
    /// The current column.
    pub column: u32,
    /// The column where the current canonical input line's echo began.
    pub canon_column: u32,
}

/// What one output byte becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Out {
    /// The byte itself.
    Same,
    /// These bytes instead (possibly none).
    Bytes(&'static [u8]),
}

impl Column {
    /// `do_output_char`: what `c` becomes under OPOST, with the column updated. The caller
    /// applies OPOST only when it is set.
    pub fn output_char(&mut self, t: &Termios, c: u8) -> Out {
        match c {
            b'\n' => {
                if t.o(g::ONLRET) {
                    self.column = 0;
                }
                if t.o(g::ONLCR) {
                    self.column = 0;
                    self.canon_column = 0;
                    return Out::Bytes(CRNL);
                }
                self.canon_column = self.column;
                Out::Same
            }
            b'\r' => {
                if t.o(g::ONOCR) && self.column == 0 {
                    return Out::Bytes(b"");
                }
                if t.o(g::OCRNL) {
                    if t.o(g::ONLRET) {
                        self.column = 0;
                        self.canon_column = 0;
                    }
                    return Out::Bytes(b"\n");
                }
                self.column = 0;
                self.canon_column = 0;
                Out::Same
            }
            b'\t' => {
                let spaces = 8 - (self.column & 7);
                self.column += spaces;
                if t.oflag & g::TABDLY == g::XTABS {
                    return Out::Bytes(&SPACES[..spaces as usize]);
                }
                Out::Same
            }
            8 => {
                self.column = self.column.saturating_sub(1);
                Out::Same
            }
            _ => {
                if iscntrl(c) {
                    return Out::Same;
                }
                let out = if t.o(g::OLCUC) && c.is_ascii_lowercase() {
                    let i = usize::from(c - b'a');
                    Out::Bytes(&UPPER[i..i + 1])
                } else {
                    Out::Same
                };
                if !is_continuation(t, c) {
                    self.column += 1;
                }
                out
            }
        }
    }

    /// Appends `c` as output processing makes it (OPOST applied when set) to `out`.
    pub fn push(&mut self, t: &Termios, c: u8, out: &mut alloc::vec::Vec<u8>) {
        if !t.o(g::OPOST) {
            out.push(c);
            return;
        }
        match self.output_char(t, c) {
            Out::Same => out.push(c),
            Out::Bytes(b) => out.extend_from_slice(b),
        }
    }

    /// Follows `bytes` written with only ONLCR among the changing output flags (the
    /// default), where no byte but NL changes: the column after them. Only the bytes
    /// after the last NL are looked at one by one.
    pub fn follow_plain(&mut self, t: &Termios, bytes: &[u8]) {
        let tail = match bytes.iter().rposition(|&c| c == b'\n') {
            Some(i) => {
                self.column = 0;
                self.canon_column = 0;
                &bytes[i + 1..]
            }
            None => bytes,
        };
        for &c in tail {
            let _ = self.output_char(t, c);
        }
    }
}

/// Whether output under `t` changes only NL (OPOST and ONLCR, none of OCRNL, ONOCR,
/// ONLRET, OLCUC, XTABS): then a write is its own bytes with each NL replaced by CR NL.
pub fn only_onlcr(t: &Termios) -> bool {
    const CHANGING: u32 = g::OCRNL | g::ONOCR | g::ONLRET | g::OLCUC;
    t.o(g::OPOST) && t.oflag & CHANGING == 0 && t.oflag & g::TABDLY != g::XTABS
}

/// The position of the first NL in `bytes` (eight bytes per step: the kernel's
/// instructions are emulated, so a byte loop over a program's output would be costly).
pub fn find_newline(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const NLS: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let w = u64::from_le_bytes([
            chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
        ]) ^ NLS;
        let found = w.wrapping_sub(ONES) & !w & HIGHS;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks.remainder().iter().position(|&c| c == b'\n').map(|i| at + i)
}
