//! `#!` interpreter lines, with Linux's rules (fs/binfmt_script.c `load_script`, checked
//! against Linux 6.18 on the host):
//!
//! - Only the first [`PROBE_LEN`](super::PROBE_LEN) bytes count; a shorter file reads as
//!   if NUL bytes followed it (Linux's buffer is zero-filled).
//! - The line ends at the first newline, unless a NUL comes before it. Without such a
//!   newline it runs to the probe's last byte (exclusive: Linux keeps that byte for its
//!   terminator), and exec fails with ENOEXEC unless a space, tab or NUL follows the
//!   interpreter name within the probe (the name may be cut off); an argument that runs
//!   past the probe is silently truncated.
//! - Trailing spaces and tabs of the line are removed and leading ones skipped. The
//!   interpreter name runs to the next space, tab or NUL; if a space or tab ended it,
//!   everything after the following spaces/tabs up to the next NUL or the end of the line
//!   is **one** optional argument. It may contain spaces, keeps the spaces/tabs before a
//!   NUL, and is the empty string when a NUL follows those spaces/tabs (Linux 6.18:
//!   `#!/bin/echo \0` runs `/bin/echo "" script`).
//! - No interpreter name: ENOEXEC. A name that is empty because a NUL comes first (`#!`
//!   alone in a file, `#!\0/bin/sh`): EACCES, which is what Linux's `open_exec("")` gives
//!   (the empty path names the working directory, which is not a regular file).
//! - The new argument list is `interpreter [argument] script-path original-argv[1..]`.

use alloc::vec::Vec;

use super::PROBE_LEN;
use crate::Errno;

/// A parsed interpreter line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shebang<'a> {
    /// The interpreter's path.
    pub interpreter: &'a [u8],
    /// The optional argument.
    pub argument: Option<&'a [u8]>,
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Parses the interpreter line from a file's first bytes (which start with `#!`).
pub fn parse(probe: &[u8]) -> Result<Shebang<'_>, Errno> {
    let buf = &probe[..probe.len().min(PROBE_LEN)];
    // Byte `i` of Linux's buffer: past the end of a short file, a NUL.
    let at = |i: usize| buf.get(i).copied().unwrap_or(0);
    let first = |from: usize, to: usize, want: fn(u8) -> bool| (from..=to).find(|&i| want(at(i)));
    let non_blank: fn(u8) -> bool = |b| !is_blank(b);
    let terminator: fn(u8) -> bool = |b| is_blank(b) || b == 0;
    let last = PROBE_LEN - 1;
    // Where the line ends (exclusive): the first newline, looked for up to the first NUL.
    let newline = buf.iter().take_while(|&&b| b != 0).position(|&b| b == b'\n');
    let mut end = match newline {
        Some(end) => end,
        None => {
            // Fine only if the interpreter name ends inside the probe.
            let name = first(2, last, non_blank).ok_or(Errno::ENOEXEC)?;
            first(name, last, terminator).ok_or(Errno::ENOEXEC)?;
            last
        }
    };
    while end > 2 && is_blank(at(end - 1)) {
        end -= 1;
    }
    let name = match first(2, end, non_blank) {
        Some(name) if name < end => name,
        _ => return Err(Errno::ENOEXEC),
    };
    // The name ends at a space, tab or NUL (at `end` at the latest); an argument follows
    // only a space or tab, and runs to the next NUL or `end`.
    let sep = first(name, end, terminator);
    let arg = sep.filter(|&s| at(s) != 0).and_then(|s| first(s, end, non_blank));
    let name_end = match (arg, sep) {
        (Some(_), Some(sep)) => sep,
        _ => first(name, end, |b| b == 0).unwrap_or(end),
    };
    let interpreter = &buf[name.min(buf.len())..name_end.min(buf.len())];
    if interpreter.is_empty() {
        return Err(Errno::EACCES);
    }
    let argument = arg.map(|a| {
        let a_end = first(a, end, |b| b == 0).unwrap_or(end);
        &buf[a.min(buf.len())..a_end.min(buf.len())]
    });
    Ok(Shebang { interpreter, argument })
}

/// The argument list the interpreter runs with: `interpreter [argument] script original[1..]`.
pub fn rewrite_argv<'a>(
    shebang: &Shebang<'a>,
    script: &'a [u8],
    original: &[&'a [u8]],
) -> Vec<&'a [u8]> {
    let mut argv = Vec::with_capacity(original.len() + 2);
    argv.push(shebang.interpreter);
    if let Some(arg) = shebang.argument {
        argv.push(arg);
    }
    argv.push(script);
    argv.extend(original.iter().skip(1));
    argv
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn ok(line: &[u8]) -> (Vec<u8>, Option<Vec<u8>>) {
        let s = parse(line).unwrap();
        (s.interpreter.to_vec(), s.argument.map(|a| a.to_vec()))
    }

    #[test]
    fn interpreter_and_one_argument() {
        assert_eq!(ok(b"#!/bin/sh\necho"), (b"/bin/sh".to_vec(), None));
        assert_eq!(ok(b"#!/bin/echo a b\n"), (b"/bin/echo".to_vec(), Some(b"a b".to_vec())));
        assert_eq!(
            ok(b"#!   /bin/echo\tT1 T2  \t\n"),
            (b"/bin/echo".to_vec(), Some(b"T1 T2".to_vec()))
        );
        assert_eq!(ok(b"#!./true"), (b"./true".to_vec(), None));
        assert_eq!(ok(b"#!/x arg\0ignored\n"), (b"/x".to_vec(), Some(b"arg".to_vec())));
    }

    #[test]
    fn missing_interpreter_is_enoexec() {
        assert_eq!(parse(b"#!\n"), Err(Errno::ENOEXEC));
        assert_eq!(parse(b"#!   \t \n"), Err(Errno::ENOEXEC));
        let mut blanks = b"#!".to_vec();
        blanks.extend([b' '; 300]);
        assert_eq!(parse(&blanks), Err(Errno::ENOEXEC), "no newline, only blanks");
    }

    /// Found by the `exec_image` fuzz target; expectations measured on Linux 6.18 (an
    /// interpreter printing its arguments, exec'd with `execv`): a NUL ends the C strings
    /// but not the line, so the blanks before it are no line end to trim.
    #[test]
    fn nul_ends_strings_not_the_line() {
        let arg = |line: &[u8]| ok(line).1;
        assert_eq!(arg(b"#!/i \0junk\n"), Some(Vec::new()), "empty argument");
        assert_eq!(arg(b"#!/i\t\0x\n"), Some(Vec::new()));
        assert_eq!(arg(b"#!/i  arg  \0junk\n"), Some(b"arg  ".to_vec()));
        assert_eq!(arg(b"#!/i a\0 b\n"), Some(b"a".to_vec()));
        // A short file without a newline: the zero fill ends the line at byte 255.
        assert_eq!(arg(b"#!/i "), Some(Vec::new()));
        assert_eq!(arg(b"#!/i a  "), Some(b"a  ".to_vec()));
        assert_eq!(arg(b"#!/i a  \n"), Some(b"a".to_vec()));
        // An empty name (a NUL first) is opened as "": EACCES, not ENOEXEC.
        assert_eq!(parse(b"#!"), Err(Errno::EACCES));
        assert_eq!(parse(b"#!   \t"), Err(Errno::EACCES), "the zero fill after the blanks");
        assert_eq!(parse(b"#!  \0"), Err(Errno::EACCES));
        assert_eq!(parse(b"#!\0/bin/sh\n"), Err(Errno::EACCES));
        assert_eq!(parse(b"#!\n"), Err(Errno::ENOEXEC));
    }

    #[test]
    fn long_lines() {
        // An argument running past the probe is truncated (Linux 6.x: 243 of 300 'x' kept).
        let mut line = b"#!/bin/echo ".to_vec();
        line.extend(vec![b'x'; 300]);
        line.push(b'\n');
        let (interp, arg) = ok(&line);
        assert_eq!(interp, b"/bin/echo");
        assert_eq!(arg.unwrap().len(), 243);
        // An interpreter name running past it is ENOEXEC.
        let mut line = b"#!/bin/".to_vec();
        line.extend(vec![b'e'; 300]);
        assert_eq!(parse(&line), Err(Errno::ENOEXEC));
    }

    #[test]
    fn argv_rewrite() {
        let s = Shebang { interpreter: b"/bin/echo", argument: Some(b"greet:") };
        let original: [&[u8]; 3] = [b"greet", b"a", b"b"];
        assert_eq!(
            rewrite_argv(&s, b"/bin/greet", &original),
            [&b"/bin/echo"[..], b"greet:", b"/bin/greet", b"a", b"b"]
        );
        let s = Shebang { interpreter: b"/bin/sh", argument: None };
        assert_eq!(rewrite_argv(&s, b"x", &[b"x"]), [&b"/bin/sh"[..], b"x"]);
    }
}
