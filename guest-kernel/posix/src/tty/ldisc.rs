//! The line discipline's input side: Linux's N_TTY (drivers/tty/n_tty.c) as termios(3)
//! and POSIX XBD 11.1.6-11.1.9 describe it. Bytes received from the terminal are mapped
//! (ISTRIP, IGNCR, ICRNL, INLCR), edited in canonical mode (ERASE, WERASE, KILL, LNEXT,
//! REPRINT; EOF, EOL, EOL2 and NL end a line), echoed (ECHO, ECHOE, ECHOK, ECHOKE,
//! ECHONL, ECHOCTL, ECHOPRT) and turned into signals (ISIG: INTR, QUIT, SUSP, flushing
//! the input unless NOFLSH), then kept in a 4096-byte ring for readers: whole lines in
//! canonical mode, every byte otherwise.
//!
//! Left out: flow control (IXON/IXOFF/IXANY: START and STOP are ordinary input), parity
//! marking (PARMRK, INPCK, IGNPAR: a virtual console has no parity errors), IUCLC and
//! XCASE, EXTPROC and packet mode, DISCARD (VDISCARD, as Linux, which ignores it too).
//!
//! The ring, its indexes and its line-end marks are Linux's (`read_tail`, `canon_head`,
//! `read_head`, `read_flags`, `line_start`, `push`), so reads split where Linux's do. The
//! echo is produced at once into the caller's buffer, with the output processing applied
//! (`output`).

use super::output::{Column, is_continuation, iscntrl};
use super::termios::Termios;
use alloc::vec::Vec;
use linux_raw_sys::general as g;

/// Size of the input ring (Linux `N_TTY_BUF_SIZE`).
pub const BUF_SIZE: usize = 4096;
const MASK: usize = BUF_SIZE - 1;

/// Signals the input asked for, as a bit set (`1 << signal`).
pub type Signals = u64;

/// What [`Ldisc::receive`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Received {
    /// Bytes of the input taken (the rest waits for room: the ring is full).
    pub consumed: usize,
    /// Signals for the foreground process group (`1 << SIGINT` ...).
    pub signals: Signals,
}

/// The line discipline's state.
pub struct Ldisc {
    buf: [u8; BUF_SIZE],
    /// Line ends (`read_flags`): bit `i` marks the byte at ring position `i` as the last
    /// of a line (NL, EOL, EOL2, or the 0 an EOF left).
    marks: [u64; BUF_SIZE / 64],
    read_tail: usize,
    canon_head: usize,
    read_head: usize,
    line_start: usize,
    push: bool,
    lnext: bool,
    erasing: bool,
    icanon: bool,
    /// Bytes with a meaning of their own under the current settings (`char_map`).
    special: [u64; 4],
    /// The output column, shared with the output of programs.
    pub column: Column,
}

impl Default for Ldisc {
    fn default() -> Self {
        Self::new(&Termios::default())
    }
}

#[inline]
fn bit(map: &[u64], i: usize) -> bool {
    map[i / 64] & (1 << (i % 64)) != 0
}

#[inline]
fn set_bit(map: &mut [u64], i: usize) {
    map[i / 64] |= 1 << (i % 64);
}

#[inline]
fn clear_bit(map: &mut [u64], i: usize) {
    map[i / 64] &= !(1 << (i % 64));
}

/// Linux's `isalnum` (include/linux/ctype.h, Latin-1: letters 192-255 but 215 and 247).
fn isalnum(c: u8) -> bool {
    c.is_ascii_alphanumeric() || (c >= 192 && c != 215 && c != 247)
}

/// Which kind of erasing an editing character does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Erasing {
    Char,
    Word,
    Line,
}

impl Ldisc {
    /// An empty line discipline under `t`.
    pub fn new(t: &Termios) -> Self {
        let mut l = Self {
            buf: [0; BUF_SIZE],
            marks: [0; BUF_SIZE / 64],
            read_tail: 0,
            canon_head: 0,
            read_head: 0,
            line_start: 0,
            push: false,
            lnext: false,
            erasing: false,
            icanon: t.l(g::ICANON),
            special: [0; 4],
            column: Column::default(),
        };
        l.set_termios(None, t);
        l
    }

    /// New settings `t` (the old ones `old`, `None` at start): the special characters
    /// again, and on a change of ICANON the input re-cut (`n_tty_set_termios`): into
    /// canonical mode, what is buffered becomes one line; out of it, every byte readable.
    pub fn set_termios(&mut self, old: Option<&Termios>, t: &Termios) {
        if old.is_none_or(|o| (o.lflag ^ t.lflag) & g::ICANON != 0) {
            self.marks = [0; BUF_SIZE / 64];
            self.line_start = self.read_tail;
            if !t.l(g::ICANON) || self.read_head == self.read_tail {
                self.canon_head = self.read_tail;
                self.push = false;
            } else {
                set_bit(&mut self.marks, self.read_head.wrapping_sub(1) & MASK);
                self.canon_head = self.read_head;
                self.push = true;
            }
            self.erasing = false;
            self.lnext = false;
        }
        self.icanon = t.l(g::ICANON);
        let mut map = [0u64; 4];
        if t.i(g::IGNCR) || t.i(g::ICRNL) {
            set_bit(&mut map, usize::from(b'\r'));
        }
        if t.i(g::INLCR) {
            set_bit(&mut map, usize::from(b'\n'));
        }
        if t.l(g::ICANON) {
            for v in [g::VERASE, g::VKILL, g::VEOF, g::VEOL] {
                set_bit(&mut map, usize::from(t.cc(v)));
            }
            set_bit(&mut map, usize::from(b'\n'));
            if t.l(g::IEXTEN) {
                for v in [g::VWERASE, g::VLNEXT, g::VEOL2] {
                    set_bit(&mut map, usize::from(t.cc(v)));
                }
                if t.l(g::ECHO) {
                    set_bit(&mut map, usize::from(t.cc(g::VREPRINT)));
                }
            }
        }
        if t.l(g::ISIG) {
            for v in [g::VINTR, g::VQUIT, g::VSUSP] {
                set_bit(&mut map, usize::from(t.cc(v)));
            }
        }
        clear_bit(&mut map, 0);
        self.special = map;
    }

    /// Discards all input (`reset_buffer_flags`: TCFLSH, TCSETSF, a signal character).
    pub fn flush(&mut self) {
        self.read_tail = 0;
        self.canon_head = 0;
        self.read_head = 0;
        self.line_start = 0;
        self.push = false;
        self.lnext = false;
        self.erasing = false;
        self.marks = [0; BUF_SIZE / 64];
    }

    fn used(&self) -> usize {
        self.read_head.wrapping_sub(self.read_tail)
    }

    /// Whether a read finds something (`input_available_p`): a whole line in canonical
    /// mode, at least `amount` bytes otherwise.
    pub fn readable(&self, amount: usize) -> bool {
        if self.icanon { self.canon_head != self.read_tail } else { self.used() >= amount.max(1) }
    }

    /// FIONREAD (`TIOCINQ`): what a read could take now: the complete lines in canonical
    /// mode, without the EOF marks (`inq_canon`); every byte otherwise.
    pub fn available(&self) -> usize {
        if !self.icanon {
            return self.used();
        }
        let mut n = self.canon_head.wrapping_sub(self.read_tail);
        let mut tail = self.read_tail;
        while tail != self.canon_head {
            if bit(&self.marks, tail & MASK) && self.buf[tail & MASK] == 0 {
                n -= 1;
            }
            tail = tail.wrapping_add(1);
        }
        n
    }

    /// Takes up to `max` bytes for a reader, handing them to `sink` (in at most two
    /// pieces, where the ring wraps). Returns the bytes taken and whether the reader must
    /// go on waiting although it got nothing (an EOF that ended a line a previous read
    /// began, Linux's `eof_push`). Canonical mode takes at most one line (its EOF mark
    /// dropped, so a lone EOF reads as 0 bytes: end of file).
    pub fn read(&mut self, max: usize, sink: &mut dyn FnMut(&[u8])) -> (usize, bool) {
        if max == 0 {
            return (0, false);
        }
        if !self.icanon {
            let n = self.used().min(max);
            self.copy_out(n, sink);
            self.read_tail = self.read_tail.wrapping_add(n);
            return (n, false);
        }
        let avail = self.canon_head.wrapping_sub(self.read_tail).min(max);
        let mut eol = None;
        let mut i = self.read_tail;
        for _ in 0..avail {
            if bit(&self.marks, i & MASK) {
                eol = Some(i);
                break;
            }
            i = i.wrapping_add(1);
        }
        let (n, consumed) = match eol {
            Some(e) => {
                let len = e.wrapping_sub(self.read_tail);
                let n = if self.buf[e & MASK] == 0 { len } else { len + 1 };
                (n, len + 1)
            }
            None => (avail, avail),
        };
        self.copy_out(n, sink);
        let eof_push = eol.is_some() && n == 0 && self.read_tail != self.line_start;
        self.read_tail = self.read_tail.wrapping_add(consumed);
        if let Some(e) = eol {
            clear_bit(&mut self.marks, e & MASK);
            if self.push {
                self.push = false;
            } else {
                self.line_start = self.read_tail;
            }
        }
        (n, eof_push)
    }

    fn copy_out(&self, n: usize, sink: &mut dyn FnMut(&[u8])) {
        if n == 0 {
            return;
        }
        let tail = self.read_tail & MASK;
        let first = n.min(BUF_SIZE - tail);
        sink(&self.buf[tail..tail + first]);
        if first < n {
            sink(&self.buf[..n - first]);
        }
    }

    #[inline]
    fn put(&mut self, c: u8) {
        self.buf[self.read_head & MASK] = c;
        self.read_head = self.read_head.wrapping_add(1);
    }

    /// Processes the bytes `input` from the terminal under `t`, appending their echo to
    /// `echo`. Stops early only when the ring is full (the rest is for later).
    pub fn receive(&mut self, t: &Termios, input: &[u8], echo: &mut Vec<u8>) -> Received {
        let mut r = Received::default();
        for &byte in input {
            if self.used() >= BUF_SIZE - 1 {
                // Full. Canonical input with no whole line still takes the characters
                // that edit or end the line (one slot is kept for the end), and drops
                // the others; otherwise the input waits for a reader.
                let stuck = self.icanon && self.canon_head == self.read_tail;
                if !stuck {
                    break;
                }
                let c = if t.i(g::ISTRIP) { byte & 0x7f } else { byte };
                if self.lnext || !bit(&self.special, usize::from(c)) {
                    self.lnext = false;
                    r.consumed += 1;
                    continue;
                }
            }
            r.consumed += 1;
            if self.lnext {
                self.lnext = false;
                let c = if t.i(g::ISTRIP) { byte & 0x7f } else { byte };
                self.receive_char(t, c, echo);
                continue;
            }
            let c = if t.i(g::ISTRIP) { byte & 0x7f } else { byte };
            if bit(&self.special, usize::from(c)) {
                r.signals |= self.receive_special(t, c, echo);
            } else {
                self.receive_char(t, c, echo);
            }
        }
        r
    }

    /// An ordinary character (`n_tty_receive_char`).
    fn receive_char(&mut self, t: &Termios, c: u8, echo: &mut Vec<u8>) {
        if t.l(g::ECHO) {
            self.finish_erasing(t, echo);
            if self.canon_head == self.read_head {
                self.column.canon_column = self.column.column;
            }
            self.echo_char(t, c, echo);
        }
        if self.used() < BUF_SIZE - 1 {
            self.put(c);
        }
    }

    /// A character of the special map (`n_tty_receive_char_special`); returns the signals
    /// it asks for.
    fn receive_special(&mut self, t: &Termios, mut c: u8, echo: &mut Vec<u8>) -> Signals {
        if t.l(g::ISIG) {
            for (v, sig) in [(g::VINTR, g::SIGINT), (g::VQUIT, g::SIGQUIT), (g::VSUSP, g::SIGTSTP)]
            {
                if c == t.cc(v) {
                    // `n_tty_receive_signal_char`: the input and pending echo go first
                    // unless NOFLSH, then the character echoes.
                    if !t.l(g::NOFLSH) {
                        echo.clear();
                        self.flush();
                    }
                    if t.l(g::ECHO) {
                        self.echo_char(t, c, echo);
                    }
                    return 1 << sig;
                }
            }
        }
        if c == b'\r' {
            if t.i(g::IGNCR) {
                return 0;
            }
            if t.i(g::ICRNL) {
                c = b'\n';
            }
        } else if c == b'\n' && t.i(g::INLCR) {
            c = b'\r';
        }
        if self.icanon {
            let iexten = t.l(g::IEXTEN);
            if c == t.cc(g::VERASE) || c == t.cc(g::VKILL) || (c == t.cc(g::VWERASE) && iexten) {
                self.eraser(t, c, echo);
                return 0;
            }
            if c == t.cc(g::VLNEXT) && iexten {
                self.lnext = true;
                if t.l(g::ECHO) {
                    self.finish_erasing(t, echo);
                    if t.l(g::ECHOCTL) {
                        self.echo_raw(t, b'^', echo);
                        self.echo_raw(t, 8, echo);
                    }
                }
                return 0;
            }
            if c == t.cc(g::VREPRINT) && t.l(g::ECHO) && iexten {
                self.finish_erasing(t, echo);
                self.echo_char(t, c, echo);
                self.echo_raw(t, b'\n', echo);
                let mut i = self.canon_head;
                while i != self.read_head {
                    let b = self.buf[i & MASK];
                    self.echo_char(t, b, echo);
                    i = i.wrapping_add(1);
                }
                return 0;
            }
            if c == b'\n' {
                if t.l(g::ECHO) || t.l(g::ECHONL) {
                    self.echo_raw(t, b'\n', echo);
                }
                self.end_line(b'\n');
                return 0;
            }
            if c == t.cc(g::VEOF) {
                self.end_line(0);
                return 0;
            }
            if c == t.cc(g::VEOL) || (c == t.cc(g::VEOL2) && iexten) {
                if t.l(g::ECHO) {
                    if self.canon_head == self.read_head {
                        self.column.canon_column = self.column.column;
                    }
                    self.echo_char(t, c, echo);
                }
                self.end_line(c);
                return 0;
            }
        }
        if t.l(g::ECHO) {
            self.finish_erasing(t, echo);
            if c == b'\n' {
                self.echo_raw(t, b'\n', echo);
            } else {
                if self.canon_head == self.read_head {
                    self.column.canon_column = self.column.column;
                }
                self.echo_char(t, c, echo);
            }
        }
        if self.used() < BUF_SIZE - 1 {
            self.put(c);
        }
        0
    }

    /// Ends the line with `c` (`handle_newline`; 0 for EOF, which a read drops).
    fn end_line(&mut self, c: u8) {
        if self.used() >= BUF_SIZE {
            // Full to the last slot (not reached: one slot is kept); replace the last.
            self.read_head = self.read_head.wrapping_sub(1);
        }
        set_bit(&mut self.marks, self.read_head & MASK);
        self.put(c);
        self.canon_head = self.read_head;
    }

    /// ERASE, WERASE and KILL (`eraser`).
    fn eraser(&mut self, t: &Termios, c: u8, echo: &mut Vec<u8>) {
        if self.read_head == self.canon_head {
            return;
        }
        let kind = if c == t.cc(g::VERASE) {
            Erasing::Char
        } else if c == t.cc(g::VWERASE) {
            Erasing::Word
        } else {
            if !t.l(g::ECHO) {
                self.read_head = self.canon_head;
                return;
            }
            if !t.l(g::ECHOK) || !t.l(g::ECHOKE) || !t.l(g::ECHOE) {
                self.read_head = self.canon_head;
                self.finish_erasing(t, echo);
                self.echo_char(t, t.cc(g::VKILL), echo);
                if t.l(g::ECHOK) {
                    self.echo_raw(t, b'\n', echo);
                }
                return;
            }
            Erasing::Line
        };
        let mut seen_alnums = 0;
        while self.read_head != self.canon_head {
            let mut head = self.read_head;
            let mut ch;
            loop {
                head = head.wrapping_sub(1);
                ch = self.buf[head & MASK];
                if !(is_continuation(t, ch) && head != self.canon_head) {
                    break;
                }
            }
            if is_continuation(t, ch) {
                break;
            }
            if kind == Erasing::Word {
                // BSD's ALTWERASE, as Linux.
                if isalnum(ch) || ch == b'_' {
                    seen_alnums += 1;
                } else if seen_alnums > 0 {
                    break;
                }
            }
            let cnt = self.read_head.wrapping_sub(head);
            self.read_head = head;
            if t.l(g::ECHO) {
                if t.l(g::ECHOPRT) {
                    if !self.erasing {
                        self.echo_raw(t, b'\\', echo);
                        self.erasing = true;
                    }
                    self.echo_char(t, ch, echo);
                    for k in 1..cnt {
                        let b = self.buf[head.wrapping_add(k) & MASK];
                        self.echo_raw(t, b, echo);
                        self.column.column = self.column.column.saturating_sub(1);
                    }
                } else if kind == Erasing::Char && !t.l(g::ECHOE) {
                    self.echo_char(t, t.cc(g::VERASE), echo);
                } else if ch == b'\t' {
                    self.erase_tab(t, echo);
                } else {
                    let ctl = iscntrl(ch);
                    let echoctl = t.l(g::ECHOCTL);
                    let times = usize::from(ctl && echoctl) + usize::from(!ctl || echoctl);
                    for _ in 0..times {
                        for b in [8, b' ', 8] {
                            self.echo_raw(t, b, echo);
                        }
                    }
                }
            }
            if kind == Erasing::Char {
                break;
            }
        }
        if self.read_head == self.canon_head && t.l(g::ECHO) {
            self.finish_erasing(t, echo);
        }
    }

    /// The echo of an erased tab: back to where the tab began, counted from the previous
    /// tab or from the line's first column (`echo_erase_tab` and `ECHO_OP_ERASE_TAB`).
    fn erase_tab(&mut self, t: &Termios, echo: &mut Vec<u8>) {
        let mut num_chars: u32 = 0;
        let mut after_tab = false;
        let mut tail = self.read_head;
        while tail != self.canon_head {
            tail = tail.wrapping_sub(1);
            let c = self.buf[tail & MASK];
            if c == b'\t' {
                after_tab = true;
                break;
            } else if iscntrl(c) {
                if t.l(g::ECHOCTL) {
                    num_chars += 2;
                }
            } else if !is_continuation(t, c) {
                num_chars += 1;
            }
        }
        let mut n = num_chars & 7;
        if !after_tab {
            n += self.column.canon_column;
        }
        for _ in 0..8 - (n & 7) {
            echo.push(8);
            self.column.column = self.column.column.saturating_sub(1);
        }
    }

    /// ECHOPRT's closing `/` once erasing is over (`finish_erasing`).
    fn finish_erasing(&mut self, t: &Termios, echo: &mut Vec<u8>) {
        if self.erasing {
            self.echo_raw(t, b'/', echo);
            self.erasing = false;
        }
    }

    /// Echoes `c`, a control character as `^X` under ECHOCTL (`echo_char`).
    fn echo_char(&mut self, t: &Termios, c: u8, echo: &mut Vec<u8>) {
        if t.l(g::ECHOCTL) && iscntrl(c) && c != b'\t' {
            echo.push(b'^');
            echo.push(c ^ 0o100);
            self.column.column += 2;
        } else {
            self.echo_raw(t, c, echo);
        }
    }

    /// Echoes `c` as output (`echo_char_raw`).
    fn echo_raw(&mut self, t: &Termios, c: u8, echo: &mut Vec<u8>) {
        self.column.push(t, c, echo);
    }
}
