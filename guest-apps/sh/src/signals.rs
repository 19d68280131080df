//! Signal numbers, names and descriptions (Linux x86_64 numbering), for `kill` and for
//! the job messages (XCU `kill`, `jobs`).

/// `SIGHUP`.
pub const SIGHUP: i32 = 1;
/// `SIGINT`.
pub const SIGINT: i32 = 2;
/// `SIGQUIT`.
pub const SIGQUIT: i32 = 3;
/// `SIGPIPE`.
pub const SIGPIPE: i32 = 13;
/// `SIGTERM`.
pub const SIGTERM: i32 = 15;
/// `SIGCONT`.
pub const SIGCONT: i32 = 18;
/// `SIGTSTP`.
pub const SIGTSTP: i32 = 20;
/// `SIGTTIN`.
pub const SIGTTIN: i32 = 21;
/// `SIGTTOU`.
pub const SIGTTOU: i32 = 22;

/// Names (without `SIG`) and descriptions (as glibc's `strsignal` and the job messages of
/// bash and ash give them) of signals 1 to 31.
const SIGNALS: [(&str, &str); 31] = [
    ("HUP", "Hangup"),
    ("INT", "Interrupt"),
    ("QUIT", "Quit"),
    ("ILL", "Illegal instruction"),
    ("TRAP", "Trace/breakpoint trap"),
    ("ABRT", "Aborted"),
    ("BUS", "Bus error"),
    ("FPE", "Floating point exception"),
    ("KILL", "Killed"),
    ("USR1", "User defined signal 1"),
    ("SEGV", "Segmentation fault"),
    ("USR2", "User defined signal 2"),
    ("PIPE", "Broken pipe"),
    ("ALRM", "Alarm clock"),
    ("TERM", "Terminated"),
    ("STKFLT", "Stack fault"),
    ("CHLD", "Child exited"),
    ("CONT", "Continued"),
    ("STOP", "Stopped (signal)"),
    ("TSTP", "Stopped"),
    ("TTIN", "Stopped (tty input)"),
    ("TTOU", "Stopped (tty output)"),
    ("URG", "Urgent I/O condition"),
    ("XCPU", "CPU time limit exceeded"),
    ("XFSZ", "File size limit exceeded"),
    ("VTALRM", "Virtual timer expired"),
    ("PROF", "Profiling timer expired"),
    ("WINCH", "Window changed"),
    ("IO", "I/O possible"),
    ("PWR", "Power failure"),
    ("SYS", "Bad system call"),
];

/// The name of signal `sig` without `SIG` (`TERM`), if it has one.
pub fn name(sig: i32) -> Option<&'static str> {
    usize::try_from(sig).ok()?.checked_sub(1).and_then(|i| SIGNALS.get(i)).map(|s| s.0)
}

/// What a job message says about signal `sig` (`Terminated`, `Stopped`).
pub fn describe(sig: i32) -> String {
    usize::try_from(sig)
        .ok()
        .and_then(|s| s.checked_sub(1))
        .and_then(|i| SIGNALS.get(i))
        .map_or_else(|| format!("Signal {sig}"), |s| s.1.to_owned())
}

/// Every signal name, in number order, for `kill -l`.
pub fn names() -> impl Iterator<Item = &'static str> {
    SIGNALS.iter().map(|s| s.0)
}

/// A signal given as a name (`TERM`, `SIGTERM`, `term`) or a number (`15`); 0 is the
/// null signal `kill` accepts (XCU `kill`: "0" checks that the process exists).
pub fn parse(text: &str) -> Option<i32> {
    if let Ok(n) = text.parse::<i32>() {
        return (0..=64).contains(&n).then_some(n);
    }
    let upper = text.to_ascii_uppercase();
    let bare = upper.strip_prefix("SIG").unwrap_or(&upper);
    if bare == "IOT" {
        return Some(6);
    }
    if bare == "POLL" {
        return Some(29);
    }
    SIGNALS.iter().position(|s| s.0 == bare).map(|i| i as i32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!(parse("TERM"), Some(SIGTERM));
        assert_eq!(parse("SIGKILL"), Some(9));
        assert_eq!(parse("tstp"), Some(SIGTSTP));
        assert_eq!(parse("9"), Some(9));
        assert_eq!(parse("0"), Some(0));
        assert_eq!(parse("NOPE"), None);
        assert_eq!(parse("65"), None);
        assert_eq!(name(SIGCONT), Some("CONT"));
        assert_eq!(name(0), None);
        assert_eq!(describe(SIGTSTP), "Stopped");
        assert_eq!(describe(SIGTERM), "Terminated");
        assert_eq!(names().count(), 31);
    }
}
