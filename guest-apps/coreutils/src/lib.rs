//! Shared helpers for the small utilities: error reporting in the usual
//! `program: what: why` form and exit statuses.

use std::io::Write;

/// Prints `program: message` to stderr and exits with `status`.
pub fn die(program: &str, message: impl std::fmt::Display, status: i32) -> ! {
    let _ = writeln!(std::io::stderr(), "{program}: {message}");
    std::process::exit(status)
}

/// Writes `data` to stdout, exiting quietly with status 1 if stdout is gone (a closed pipe),
/// as the classic utilities do.
pub fn write_stdout(out: &mut impl Write, data: &[u8]) {
    if out.write_all(data).is_err() {
        std::process::exit(1);
    }
}

/// An I/O error's message without Rust's " (os error N)" suffix, as the classic utilities
/// print it ("No such file or directory").
pub fn io_message(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}
