//! `#!` interpreter lines, with Linux's rules (fs/binfmt_script.c, checked against Linux
//! 6.x on the host):
//!
//! - Only the first [`PROBE_LEN`](super::PROBE_LEN) bytes count. The line ends at the first
//!   newline or NUL. If neither occurs and the interpreter name runs to the end of those
//!   bytes, the name may be cut off, so exec fails with ENOEXEC; an argument that runs
//!   past them is silently truncated.
//! - Spaces and tabs after `#!` are skipped; the interpreter name runs to the next space,
//!   tab or NUL; everything after the following spaces/tabs, with trailing spaces/tabs
//!   removed, is **one** optional argument (it may contain spaces).
//! - No interpreter name: ENOEXEC.
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
    let body = buf.get(2..).ok_or(Errno::ENOEXEC)?;
    // The line: up to a newline or NUL. A file shorter than the probe ends in a NUL
    // (Linux's buffer is zero-filled), which is the same as ending the line there.
    let line = match body.iter().position(|&b| b == b'\n' || b == 0) {
        Some(end) => &body[..end],
        None if buf.len() < PROBE_LEN => body,
        None => {
            // No terminator in the probe: fine only if the interpreter name ends before it.
            let name_start = body.iter().position(|&b| !is_blank(b)).ok_or(Errno::ENOEXEC)?;
            if !body[name_start..].iter().any(|&b| is_blank(b)) {
                return Err(Errno::ENOEXEC);
            }
            // Linux's buffer keeps one byte for its terminator.
            &body[..body.len() - 1]
        }
    };
    let end = line.iter().rposition(|&b| !is_blank(b)).map_or(0, |i| i + 1);
    let line = &line[..end];
    let start = line.iter().position(|&b| !is_blank(b)).ok_or(Errno::ENOEXEC)?;
    let rest = &line[start..];
    let name_len = rest.iter().position(|&b| is_blank(b)).unwrap_or(rest.len());
    let interpreter = &rest[..name_len];
    let after = &rest[name_len..];
    let argument = after.iter().position(|&b| !is_blank(b)).map(|i| &after[i..]);
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
        assert_eq!(parse(b"#!"), Err(Errno::ENOEXEC));
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
