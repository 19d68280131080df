//! The line discipline against what Linux's N_TTY does with the same input (the expected
//! echoes follow drivers/tty/n_tty.c's rules; they are not yet checked against a Linux
//! pty, which the real-terminal tests will do).

use super::ldisc::{BUF_SIZE, Ldisc};
use super::output::{Column, find_newline, only_onlcr};
use super::termios::Termios;
use alloc::vec::Vec;
use linux_raw_sys::general as g;

/// Feeds `input`; returns the echo and the signals.
fn feed(l: &mut Ldisc, t: &Termios, input: &[u8]) -> (Vec<u8>, u64) {
    let mut echo = Vec::new();
    let r = l.receive(t, input, &mut echo);
    assert_eq!(r.consumed, input.len());
    (echo, r.signals)
}

/// One read of up to `max` bytes.
fn read(l: &mut Ldisc, max: usize) -> Vec<u8> {
    let mut out = Vec::new();
    l.read(max, &mut |b| out.extend_from_slice(b));
    out
}

fn sig(s: u32) -> u64 {
    1 << s
}

#[test]
fn canonical_lines_and_echo() {
    let t = Termios::default();
    let mut l = Ldisc::new(&t);
    let (echo, s) = feed(&mut l, &t, b"ls -l");
    assert_eq!((echo.as_slice(), s), (&b"ls -l"[..], 0));
    assert!(!l.readable(1), "no line yet");
    assert_eq!(l.available(), 0);
    let (echo, _) = feed(&mut l, &t, b"\r");
    assert_eq!(echo, b"\r\n", "CR read as NL (ICRNL), echoed as CR NL (ONLCR)");
    assert!(l.readable(1));
    assert_eq!(l.available(), 6);
    assert_eq!(read(&mut l, 100), b"ls -l\n");
    assert!(!l.readable(1));
}

#[test]
fn a_read_takes_one_line_at_most() {
    let t = Termios::default();
    let mut l = Ldisc::new(&t);
    feed(&mut l, &t, b"one\ntwo\n");
    assert_eq!(read(&mut l, 100), b"one\n");
    assert_eq!(read(&mut l, 2), b"tw");
    assert_eq!(read(&mut l, 100), b"o\n");
}

#[test]
fn erase_echoes_backspace_space_backspace() {
    let t = Termios::default();
    let mut l = Ldisc::new(&t);
    feed(&mut l, &t, b"abc");
    let (echo, _) = feed(&mut l, &t, &[127]);
    assert_eq!(echo, b"\x08 \x08");
    feed(&mut l, &t, b"\n");
    assert_eq!(read(&mut l, 100), b"ab\n");
    // Nothing to erase: no echo.
    let (echo, _) = feed(&mut l, &t, &[127]);
    assert!(echo.is_empty());
}

#[test]
fn erase_without_echoe_echoes_the_erase_character() {
    let mut t = Termios::default();
    t.lflag &= !g::ECHOE;
    let mut l = Ldisc::new(&t);
    feed(&mut l, &t, b"ab");
    let (echo, _) = feed(&mut l, &t, &[127]);
    assert_eq!(echo, b"^?");
}

#[test]
fn erasing_a_control_character_takes_two_columns() {
    let t = Termios::default();
    let mut l = Ldisc::new(&t);
    let (echo, _) = feed(&mut l, &t, &[b'a', 1]);
    assert_eq!(echo, b"a^A");
    let (echo, _) = feed(&mut l, &t, &[127]);
    assert_eq!(echo, b"\x08 \x08\x08 \x08");
}

#[test]
fn erasing_a_tab_goes_back_to_where_it_began() {
    let t = Termios::default();
    let mut l = Ldisc::new(&t);
    // A prompt of 2 columns, then "ab" and a tab: the tab ends at column 8.
    l.column = Column { column: 2, canon_column: 0 };
    let (echo, _) = feed(&mut l, &t, b"ab\t");
    assert_eq!(echo, b"ab\t");
    assert_eq!(l.column.column, 8);
    let (echo, _) = feed(&mut l, &t, &[127]);
    assert_eq!(echo, b"\x08\x08\x08\x08", "back to column 4");
    assert_eq!(l.column.column, 4);
}

#[test]
fn kill_erases_the_line_with_echoke() {
    let t = Termios::default();
    let mut l = Ldisc::new(&t);
    feed(&mut l, &t, b"xy");
    let (echo, _) = feed(&mut l, &t, &[21]);
    assert_eq!(echo, b"\x08 \x08\x08 \x08");
    feed(&mut l, &t, b"z\n");
    assert_eq!(read(&mut l, 100), b"z\n");
}

#[test]
fn kill_with_echok_only_echoes_it_and_a_newline() {
    let mut t = Termios::default();
    t.lflag &= !g::ECHOKE;
    let mut l = Ldisc::new(&t);
    feed(&mut l, &t, b"xy");
    let (echo, _) = feed(&mut l, &t, &[21]);
    assert_eq!(echo, b"^U\r\n");
    t.lflag &= !g::ECHOK;
    feed(&mut l, &t, b"xy");
    let (echo, _) = feed(&mut l, &t, &[21]);
    assert_eq!(echo, b"^U");
    feed(&mut l, &t, b"\n");
    assert_eq!(read(&mut l, 100), b"\n");
}

#[test]
fn werase_erases_a_word_and_the_blanks_after_it() {
    let t = Termios::default();
    let mut l = Ldisc::new(&t);
    feed(&mut l, &t, b"echo foo_1  ");
    let (echo, _) = feed(&mut l, &t, &[23]);
    assert_eq!(echo.len(), 7 * 3, "two blanks and five word characters");
    feed(&mut l, &t, b"\n");
    assert_eq!(read(&mut l, 100), b"echo \n");
    // Punctuation ends a word too (ALTWERASE).
    feed(&mut l, &t, b"a/b.c");
    feed(&mut l, &t, &[23]);
    feed(&mut l, &t, b"\n");
    assert_eq!(read(&mut l, 100), b"a/b.\n");
}

#[test]
fn werase_needs_iexten() {
    let mut t = Termios::default();
    t.lflag &= !g::IEXTEN;
    let mut l = Ldisc::new(&t);
    feed(&mut l, &t, b"ab");
    let (echo, _) = feed(&mut l, &t, &[23]);
    assert_eq!(echo, b"^W");
    feed(&mut l, &t, b"\n");
    assert_eq!(read(&mut l, 100), b"ab\x17\n");
}

#[test]
fn eof_ends_a_line_without_itself_and_alone_reads_as_end_of_file() {
    let t = Termios::default();
    let mut l = Ldisc::new(&t);
    let (echo, _) = feed(&mut l, &t, b"abc\x04");
    assert_eq!(echo, b"abc", "EOF is not echoed");
    assert_eq!(read(&mut l, 100), b"abc");
    feed(&mut l, &t, b"\x04");
    assert!(l.readable(1));
    assert_eq!(l.available(), 0);
    let mut out = Vec::new();
    assert_eq!(l.read(100, &mut |b| out.extend_from_slice(b)), (0, false));
    assert!(!l.readable(1));
}

#[test]
fn eof_after_a_partly_read_line_is_not_end_of_file() {
    let t = Termios::default();
    let mut l = Ldisc::new(&t);
    feed(&mut l, &t, b"ab\x04");
    assert_eq!(read(&mut l, 2), b"ab");
    let mut out = Vec::new();
    assert_eq!(l.read(100, &mut |b| out.extend_from_slice(b)), (0, true), "eof_push");
}

#[test]
fn eol_and_eol2_end_lines_and_are_kept() {
    let mut t = Termios::default();
    t.cc[g::VEOL as usize] = b';';
    t.cc[g::VEOL2 as usize] = b'#';
    let mut l = Ldisc::new(&t);
    let (echo, _) = feed(&mut l, &t, b"a;b#");
    assert_eq!(echo, b"a;b#");
    assert_eq!(read(&mut l, 100), b"a;");
    assert_eq!(read(&mut l, 100), b"b#");
}

#[test]
fn lnext_quotes_the_next_character() {
    let t = Termios::default();
    let mut l = Ldisc::new(&t);
    let (echo, s) = feed(&mut l, &t, &[22]);
    assert_eq!(echo, b"^\x08");
    let (echo, s2) = feed(&mut l, &t, &[3]);
    assert_eq!((echo.as_slice(), s | s2), (&b"^C"[..], 0), "quoted ^C is no signal");
    feed(&mut l, &t, &[22, 127, b'\n']);
    assert_eq!(read(&mut l, 100), b"\x03\x7f\n");
}

#[test]
fn reprint_echoes_the_line_again() {
    let t = Termios::default();
    let mut l = Ldisc::new(&t);
    feed(&mut l, &t, b"done\npart");
    let (echo, _) = feed(&mut l, &t, &[18]);
    assert_eq!(echo, b"^R\r\npart");
}

#[test]
fn signal_characters_flush_unless_noflsh() {
    let t = Termios::default();
    let mut l = Ldisc::new(&t);
    feed(&mut l, &t, b"typed");
    let (echo, s) = feed(&mut l, &t, &[3]);
    assert_eq!((echo.as_slice(), s), (&b"^C"[..], sig(g::SIGINT)));
    feed(&mut l, &t, b"\n");
    assert_eq!(read(&mut l, 100), b"\n", "the typed text was flushed");
    let (_, s) = feed(&mut l, &t, &[28]);
    assert_eq!(s, sig(g::SIGQUIT));
    let (echo, s) = feed(&mut l, &t, b"x\x1a");
    assert_eq!((echo.as_slice(), s), (&b"^Z"[..], sig(g::SIGTSTP)), "pending echo dropped");
    let mut t2 = t;
    t2.lflag |= g::NOFLSH;
    feed(&mut l, &t2, b"kept");
    let (echo, s) = feed(&mut l, &t2, &[3, b'\n']);
    assert_eq!((echo.as_slice(), s), (&b"^C\r\n"[..], sig(g::SIGINT)));
    assert_eq!(read(&mut l, 100), b"kept\n");
}

#[test]
fn without_isig_signal_characters_are_input() {
    let mut t = Termios::default();
    t.lflag &= !g::ISIG;
    let mut l = Ldisc::new(&t);
    let (echo, s) = feed(&mut l, &t, b"\x03\n");
    assert_eq!((echo.as_slice(), s), (&b"^C\r\n"[..], 0));
    assert_eq!(read(&mut l, 100), b"\x03\n");
}

#[test]
fn echoctl_off_echoes_control_characters_as_they_are() {
    let mut t = Termios::default();
    t.lflag &= !g::ECHOCTL;
    let mut l = Ldisc::new(&t);
    let (echo, _) = feed(&mut l, &t, b"a\x01\x02");
    assert_eq!(echo, b"a\x01\x02");
}

#[test]
fn echonl_echoes_only_newlines() {
    let mut t = Termios::default();
    t.lflag &= !g::ECHO;
    t.lflag |= g::ECHONL;
    let mut l = Ldisc::new(&t);
    let (echo, _) = feed(&mut l, &t, b"secret\n");
    assert_eq!(echo, b"\r\n");
    t.lflag &= !g::ECHONL;
    let (echo, _) = feed(&mut l, &t, b"secret\n");
    assert!(echo.is_empty());
}

#[test]
fn input_mappings() {
    let mut t = Termios { iflag: g::IGNCR, ..Termios::default() };
    let mut l = Ldisc::new(&t);
    feed(&mut l, &t, b"a\r\n");
    assert_eq!(read(&mut l, 100), b"a\n", "IGNCR drops CR");
    t.iflag = g::INLCR;
    t.lflag &= !g::ICANON;
    l.set_termios(None, &t);
    feed(&mut l, &t, b"a\n");
    assert_eq!(read(&mut l, 100), b"a\r", "INLCR maps NL to CR");
    t.iflag = 0;
    l.set_termios(None, &t);
    feed(&mut l, &t, b"a\r");
    assert_eq!(read(&mut l, 100), b"a\r");
    t.iflag = g::ISTRIP;
    l.set_termios(None, &t);
    feed(&mut l, &t, &[0xe1]);
    assert_eq!(read(&mut l, 100), b"a");
}

#[test]
fn noncanonical_input_is_readable_at_once() {
    let mut t = Termios::default();
    t.lflag &= !(g::ICANON | g::ECHO);
    let mut l = Ldisc::new(&t);
    let (echo, _) = feed(&mut l, &t, &[b'q', 127, 4]);
    assert!(echo.is_empty());
    assert!(l.readable(3) && !l.readable(4));
    assert_eq!(l.available(), 3);
    assert_eq!(read(&mut l, 2), b"q\x7f");
    assert_eq!(read(&mut l, 2), b"\x04");
}

#[test]
fn noncanonical_echo_of_a_literal_newline_is_ctl_j() {
    // Without INLCR, NL is not special outside canonical mode: Linux echoes it as ^J
    // under ECHOCTL, while a CR that ICRNL turned into NL echoes as a newline.
    let mut t = Termios::default();
    t.lflag &= !g::ICANON;
    let mut l = Ldisc::new(&t);
    let (echo, _) = feed(&mut l, &t, b"\n\r");
    assert_eq!(echo, b"^J\r\n");
}

#[test]
fn switching_modes_recuts_the_input() {
    let mut raw = Termios::default();
    raw.lflag &= !g::ICANON;
    let canon = Termios::default();
    let mut l = Ldisc::new(&canon);
    feed(&mut l, &canon, b"half");
    assert!(!l.readable(1));
    l.set_termios(Some(&canon), &raw);
    assert_eq!(read(&mut l, 100), b"half");
    feed(&mut l, &raw, b"xy");
    l.set_termios(Some(&raw), &canon);
    assert!(l.readable(1), "what was typed is a line now");
    assert_eq!(read(&mut l, 100), b"xy");
}

#[test]
fn a_full_canonical_line_still_takes_its_end() {
    let t = Termios::default();
    let mut l = Ldisc::new(&t);
    let long = alloc::vec![b'x'; BUF_SIZE + 10];
    feed(&mut l, &t, &long);
    let (_, _) = feed(&mut l, &t, &[127, b'\n']);
    let line = read(&mut l, 2 * BUF_SIZE);
    assert_eq!(line.len(), BUF_SIZE - 1);
    assert_eq!(line.last(), Some(&b'\n'));
}

#[test]
fn a_full_raw_ring_leaves_the_rest_for_later() {
    let mut t = Termios::default();
    t.lflag &= !(g::ICANON | g::ECHO);
    let mut l = Ldisc::new(&t);
    let long = alloc::vec![b'x'; BUF_SIZE + 10];
    let mut echo = Vec::new();
    let r = l.receive(&t, &long, &mut echo);
    assert_eq!(r.consumed, BUF_SIZE - 1);
    assert_eq!(read(&mut l, 10).len(), 10);
    let r = l.receive(&t, &long[r.consumed..], &mut echo);
    assert_eq!(r.consumed, 10);
    // Wrapping around the ring keeps the order.
    let all = read(&mut l, 2 * BUF_SIZE);
    assert_eq!(all.len(), BUF_SIZE - 1);
}

#[test]
fn utf8_erase_removes_the_whole_character() {
    let mut t = Termios::default();
    t.iflag |= g::IUTF8;
    let mut l = Ldisc::new(&t);
    feed(&mut l, &t, "aé".as_bytes());
    assert_eq!(l.column.column, 2);
    let (echo, _) = feed(&mut l, &t, &[127]);
    assert_eq!(echo, b"\x08 \x08");
    feed(&mut l, &t, b"\n");
    assert_eq!(read(&mut l, 100), b"a\n");
}

#[test]
fn echoprt_shows_what_is_erased() {
    let mut t = Termios::default();
    t.lflag |= g::ECHOPRT;
    let mut l = Ldisc::new(&t);
    feed(&mut l, &t, b"ab");
    let (echo, _) = feed(&mut l, &t, &[127, 127, b'c']);
    assert_eq!(echo, b"\\ba/c");
}

#[test]
fn flush_discards_everything() {
    let t = Termios::default();
    let mut l = Ldisc::new(&t);
    feed(&mut l, &t, b"line\npart");
    l.flush();
    assert!(!l.readable(1));
    feed(&mut l, &t, b"\n");
    assert_eq!(read(&mut l, 100), b"\n");
}

#[test]
fn output_processing() {
    let mut t = Termios::default();
    let mut c = Column::default();
    let mut out = Vec::new();
    for &b in b"ab\tc\n" {
        c.push(&t, b, &mut out);
    }
    assert_eq!(out, b"ab\tc\r\n");
    assert!(only_onlcr(&t));
    t.oflag |= g::XTABS | g::OLCUC | g::ONOCR;
    assert!(!only_onlcr(&t));
    out.clear();
    for &b in b"\rab\tc\r" {
        c.push(&t, b, &mut out);
    }
    assert_eq!(out, b"AB      C\r", "CR at column 0 dropped (ONOCR)");
    t.oflag = g::OPOST | g::OCRNL;
    out.clear();
    c.push(&t, b'\r', &mut out);
    c.push(&t, b'\n', &mut out);
    assert_eq!(out, b"\n\n");
    t.oflag = 0;
    out.clear();
    c.push(&t, b'\n', &mut out);
    assert_eq!(out, b"\n");
}

#[test]
fn follow_plain_tracks_the_column() {
    let t = Termios::default();
    let mut c = Column { column: 9, canon_column: 0 };
    c.follow_plain(&t, b"x\n$ ");
    assert_eq!(c.column, 2);
    c.follow_plain(&t, b"ab\x08");
    assert_eq!(c.column, 3);
}

#[test]
fn newline_search() {
    for len in 0..40 {
        for at in 0..len {
            let mut v = alloc::vec![b'a'; len];
            v[at] = b'\n';
            if at + 2 < len {
                v[at + 2] = b'\n';
            }
            assert_eq!(find_newline(&v), Some(at), "len {len} at {at}");
        }
        assert_eq!(find_newline(&alloc::vec![0x8a; len]), None);
        assert_eq!(find_newline(&alloc::vec![0x0b; len]), None);
    }
}
