//! How a child's fate is reported to its parent: the `wait4` status word and the `waitid`
//! `si_code` (wait(2); Linux include/uapi/linux/wait.h and the `WIFEXITED` family of
//! macros in glibc/musl, which decode exactly this encoding).

/// What happened to a child, as a parent's wait sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildEvent {
    /// It called `_exit(code)` (only the low 8 bits survive).
    Exited(u8),
    /// A signal ended it; `core` if it dumped core (the default action of SIGQUIT, SIGSEGV...).
    Killed {
        /// The signal number.
        signal: u8,
        /// Whether a core file was written (never, by this kernel: see [`ChildEvent::killed_by`]).
        core: bool,
    },
    /// A signal stopped it.
    Stopped(u8),
    /// SIGCONT resumed it.
    Continued,
}

/// `si_code` values for SIGCHLD and `waitid` (include/uapi/asm-generic/siginfo.h).
pub mod code {
    /// The child exited.
    pub const CLD_EXITED: i32 = 1;
    /// The child was killed by a signal.
    pub const CLD_KILLED: i32 = 2;
    /// The child was killed by a signal and dumped core.
    pub const CLD_DUMPED: i32 = 3;
    /// The traced child trapped.
    pub const CLD_TRAPPED: i32 = 4;
    /// The child was stopped.
    pub const CLD_STOPPED: i32 = 5;
    /// The stopped child continued.
    pub const CLD_CONTINUED: i32 = 6;
}

impl ChildEvent {
    /// Death by `signal`, as this kernel reports it: without the core-dump flag, whatever
    /// the signal's default action, because no core file is written. Linux sets the flag
    /// (`WCOREDUMP`, `CLD_DUMPED`) only when a core was actually dumped (kernel/signal.c
    /// `do_coredump` succeeding); shells print "(core dumped)" from it.
    pub fn killed_by(signal: u8) -> Self {
        ChildEvent::Killed { signal, core: false }
    }

    /// The `wait4` status word: `(code << 8)` for an exit, `signal | 0x80 if core` for a
    /// death by signal, `(signal << 8) | 0x7f` for a stop, `0xffff` for a continue.
    pub fn wait_status(self) -> i32 {
        match self {
            ChildEvent::Exited(code) => i32::from(code) << 8,
            ChildEvent::Killed { signal, core } => i32::from(signal) | if core { 0x80 } else { 0 },
            ChildEvent::Stopped(signal) => (i32::from(signal) << 8) | 0x7f,
            ChildEvent::Continued => 0xffff,
        }
    }

    /// `(si_code, si_status)` for `waitid` and SIGCHLD's `siginfo_t`.
    pub fn siginfo(self) -> (i32, i32) {
        match self {
            ChildEvent::Exited(c) => (code::CLD_EXITED, i32::from(c)),
            ChildEvent::Killed { signal, core: false } => (code::CLD_KILLED, i32::from(signal)),
            ChildEvent::Killed { signal, core: true } => (code::CLD_DUMPED, i32::from(signal)),
            ChildEvent::Stopped(s) => (code::CLD_STOPPED, i32::from(s)),
            ChildEvent::Continued => (code::CLD_CONTINUED, 18),
        }
    }

    /// The status a shell reports for this event: the exit code, or 128 + the signal.
    pub fn shell_status(self) -> u8 {
        match self {
            ChildEvent::Exited(c) => c,
            ChildEvent::Killed { signal, .. } | ChildEvent::Stopped(signal) => {
                128u8.wrapping_add(signal)
            }
            ChildEvent::Continued => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The decoders exactly as musl's sys/wait.h defines them.
    fn wexitstatus(s: i32) -> i32 {
        (s & 0xff00) >> 8
    }
    fn wtermsig(s: i32) -> i32 {
        s & 0x7f
    }
    fn wstopsig(s: i32) -> i32 {
        wexitstatus(s)
    }
    fn wifexited(s: i32) -> bool {
        wtermsig(s) == 0
    }
    fn wifstopped(s: i32) -> bool {
        ((((s & 0xffff) as u32).wrapping_mul(0x10001) >> 8) as i16) > 0x7f00
    }
    fn wifsignaled(s: i32) -> bool {
        ((s & 0xffff) as u32).wrapping_sub(1) < 0xff
    }
    fn wifcontinued(s: i32) -> bool {
        s == 0xffff
    }

    #[test]
    fn statuses_decode_with_libc_macros() {
        let s = ChildEvent::Exited(42).wait_status();
        assert!(wifexited(s) && !wifsignaled(s) && !wifstopped(s));
        assert_eq!(wexitstatus(s), 42);
        let s = ChildEvent::Killed { signal: 9, core: false }.wait_status();
        assert!(wifsignaled(s) && !wifexited(s));
        assert_eq!(wtermsig(s), 9);
        let s = ChildEvent::Killed { signal: 11, core: true }.wait_status();
        assert!(wifsignaled(s) && s & 0x80 != 0 && wtermsig(s) == 11);
        let s = ChildEvent::Stopped(19).wait_status();
        assert!(wifstopped(s) && !wifsignaled(s) && !wifexited(s));
        assert_eq!(wstopsig(s), 19);
        assert!(wifcontinued(ChildEvent::Continued.wait_status()));
    }

    #[test]
    fn siginfo_and_shell_statuses() {
        assert_eq!(ChildEvent::Exited(3).siginfo(), (code::CLD_EXITED, 3));
        assert_eq!(
            ChildEvent::Killed { signal: 15, core: false }.siginfo(),
            (code::CLD_KILLED, 15)
        );
        assert_eq!(ChildEvent::Killed { signal: 6, core: true }.siginfo(), (code::CLD_DUMPED, 6));
        assert_eq!(ChildEvent::Killed { signal: 9, core: false }.shell_status(), 137);
        assert_eq!(ChildEvent::Exited(7).shell_status(), 7);
    }
}
