//! Signals as data (signal(7), POSIX XSH 2.4 "Signal Concepts"): numbers, sets, default
//! actions, and who may send a signal to whom. Delivery (frames, handlers) lives in the
//! kernel; these are the rules it consults.

pub mod action;
pub mod disposition;
pub mod info;
pub mod set;
pub mod state;

pub use action::{DefaultAction, default_action};
pub use set::SigSet;

/// Number of signals (1..=64; 32 and 33 are reserved by the C library for threads).
pub const NSIG: u8 = 64;

/// Signal numbers (x86-64 Linux, include/uapi/asm-generic/signal.h).
#[allow(missing_docs)]
pub mod num {
    pub const SIGHUP: u8 = 1;
    pub const SIGINT: u8 = 2;
    pub const SIGQUIT: u8 = 3;
    pub const SIGILL: u8 = 4;
    pub const SIGTRAP: u8 = 5;
    pub const SIGABRT: u8 = 6;
    pub const SIGBUS: u8 = 7;
    pub const SIGFPE: u8 = 8;
    pub const SIGKILL: u8 = 9;
    pub const SIGUSR1: u8 = 10;
    pub const SIGSEGV: u8 = 11;
    pub const SIGUSR2: u8 = 12;
    pub const SIGPIPE: u8 = 13;
    pub const SIGALRM: u8 = 14;
    pub const SIGTERM: u8 = 15;
    pub const SIGSTKFLT: u8 = 16;
    pub const SIGCHLD: u8 = 17;
    pub const SIGCONT: u8 = 18;
    pub const SIGSTOP: u8 = 19;
    pub const SIGTSTP: u8 = 20;
    pub const SIGTTIN: u8 = 21;
    pub const SIGTTOU: u8 = 22;
    pub const SIGURG: u8 = 23;
    pub const SIGXCPU: u8 = 24;
    pub const SIGXFSZ: u8 = 25;
    pub const SIGVTALRM: u8 = 26;
    pub const SIGPROF: u8 = 27;
    pub const SIGWINCH: u8 = 28;
    pub const SIGIO: u8 = 29;
    pub const SIGPWR: u8 = 30;
    pub const SIGSYS: u8 = 31;
    pub const SIGRTMIN: u8 = 32;
    pub const SIGRTMAX: u8 = 64;
}

/// Whether `sig` is a valid signal number (1..=64). 0 is valid for `kill` only, as a probe.
#[inline]
pub fn valid(sig: i32) -> bool {
    (1..=i32::from(NSIG)).contains(&sig)
}

/// Whether a sender with `sender` credentials may send `sig` to a process with
/// `target` credentials in session `target_sid` (kill(2), POSIX XSH `kill`; Linux
/// kernel/signal.c `kill_ok_by_cred`): the superuser may signal anyone; otherwise the
/// sender's real or effective uid must equal the target's real or saved uid; SIGCONT may
/// always be sent within the sender's own session.
pub fn may_signal(
    sender: &crate::cred::Credentials,
    sender_sid: u32,
    target: &crate::cred::Credentials,
    target_sid: u32,
    sig: u8,
) -> bool {
    sender.euid == 0
        || sender.euid == target.suid
        || sender.euid == target.ruid
        || sender.ruid == target.suid
        || sender.ruid == target.ruid
        || (sig == num::SIGCONT && sender_sid == target_sid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cred::Credentials;

    #[test]
    fn kill_permissions() {
        let root = Credentials::root();
        let alice = Credentials::new(1000, 1000);
        let bob = Credentials::new(1001, 1001);
        assert!(may_signal(&root, 1, &bob, 2, num::SIGKILL));
        assert!(may_signal(&alice, 1, &alice, 1, num::SIGTERM));
        assert!(!may_signal(&alice, 1, &bob, 2, num::SIGTERM));
        assert!(!may_signal(&alice, 1, &root, 1, num::SIGTERM));
        assert!(may_signal(&alice, 5, &bob, 5, num::SIGCONT), "SIGCONT within a session");
        let mut setuid = Credentials::new(1001, 1001);
        setuid.euid = 0;
        setuid.suid = 0;
        assert!(may_signal(&setuid, 1, &bob, 1, num::SIGTERM), "euid 0");
        let mut bob_saved = Credentials::new(2000, 2000);
        bob_saved.suid = 1000;
        assert!(may_signal(&alice, 1, &bob_saved, 2, num::SIGTERM), "target's saved uid");
    }

    #[test]
    fn validity() {
        assert!(valid(1) && valid(64));
        assert!(!valid(0) && !valid(65) && !valid(-1));
    }
}
