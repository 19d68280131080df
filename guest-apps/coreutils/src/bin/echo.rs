//! `echo [-n] [ARG...]`: writes its arguments separated by spaces (POSIX `echo`; `-n`
//! suppresses the newline, as in most implementations).

use std::io::Write;
use std::os::unix::ffi::OsStrExt;

fn main() {
    let mut args: Vec<_> = std::env::args_os().skip(1).collect();
    let newline = args.first().is_none_or(|a| a != "-n");
    if !newline {
        args.remove(0);
    }
    let mut line = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            line.push(b' ');
        }
        line.extend_from_slice(arg.as_bytes());
    }
    if newline {
        line.push(b'\n');
    }
    let mut out = std::io::stdout().lock();
    coreutils::write_stdout(&mut out, &line);
    let _ = out.flush();
}
