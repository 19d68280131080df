//! The flags of `clone(2)` (and what `fork(2)` and `vfork(2)` mean in its terms): which
//! combinations exist (Linux kernel/fork.c `copy_process` checks), and which of them this
//! kernel provides. Processes only: threads (`CLONE_THREAD`) and the sharing of the
//! file-descriptor table, file-system context or signal handlers between processes are
//! refused with ENOSYS rather than done halfway.

use linux_raw_sys::general::{
    CLONE_CHILD_CLEARTID, CLONE_CHILD_SETTID, CLONE_DETACHED, CLONE_FILES, CLONE_FS,
    CLONE_PARENT_SETTID, CLONE_PIDFD, CLONE_SETTLS, CLONE_SIGHAND, CLONE_THREAD, CLONE_VFORK,
    CLONE_VM,
};

use crate::Errno;
use crate::signal::NSIG;

/// `CSIGNAL`: the low byte of the flags is the signal the parent gets when the child ends.
const CSIGNAL: u64 = 0xff;

/// A process-creating request, decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CloneRequest {
    /// The child shares the caller's address space (`CLONE_VM`; with `vfork`, until it
    /// execs or exits).
    pub share_vm: bool,
    /// The caller sleeps until the child execs or exits (`CLONE_VFORK`).
    pub vfork: bool,
    /// The signal the parent gets when the child ends (SIGCHLD usually; 0 for none).
    pub exit_signal: u8,
    /// The child's TLS base is the `tls` argument (`CLONE_SETTLS`).
    pub set_tls: bool,
    /// The child's id is stored at `parent_tid` in the caller's memory.
    pub parent_settid: bool,
    /// The child's id is stored at `child_tid` in the child's memory.
    pub child_settid: bool,
    /// The child clears `child_tid` (and wakes its futex) when it exits.
    pub child_cleartid: bool,
}

impl CloneRequest {
    /// `fork()`: `clone(SIGCHLD)`.
    pub const FORK: CloneRequest = CloneRequest {
        share_vm: false,
        vfork: false,
        exit_signal: crate::signal::num::SIGCHLD,
        set_tls: false,
        parent_settid: false,
        child_settid: false,
        child_cleartid: false,
    };

    /// `vfork()`: `clone(CLONE_VM | CLONE_VFORK | SIGCHLD)`.
    pub const VFORK: CloneRequest =
        CloneRequest { share_vm: true, vfork: true, ..CloneRequest::FORK };

    /// Decodes `clone` flags. EINVAL for what Linux rejects (an exit signal above 64,
    /// CLONE_SIGHAND without CLONE_VM, CLONE_THREAD without CLONE_SIGHAND, CLONE_PIDFD with
    /// CLONE_PARENT_SETTID or CLONE_DETACHED); ENOSYS for valid requests this kernel does
    /// not provide (threads, shared descriptor tables or file-system contexts, pid file
    /// descriptors, namespaces, ptrace and the rest). CLONE_DETACHED is ignored, as Linux
    /// does.
    pub fn parse(flags: u64) -> Result<CloneRequest, Errno> {
        let f = |bit: u32| flags & u64::from(bit) != 0;
        let exit_signal = flags & CSIGNAL;
        if exit_signal > u64::from(NSIG) {
            return Err(Errno::EINVAL);
        }
        if f(CLONE_SIGHAND) && !f(CLONE_VM)
            || f(CLONE_THREAD) && !f(CLONE_SIGHAND)
            || f(CLONE_PIDFD) && (f(CLONE_PARENT_SETTID) || f(CLONE_DETACHED))
        {
            return Err(Errno::EINVAL);
        }
        let supported = CSIGNAL as u32
            | CLONE_VM
            | CLONE_VFORK
            | CLONE_SETTLS
            | CLONE_PARENT_SETTID
            | CLONE_CHILD_SETTID
            | CLONE_CHILD_CLEARTID
            | CLONE_DETACHED;
        if flags & !u64::from(supported) != 0 || f(CLONE_FS) || f(CLONE_FILES) {
            return Err(Errno::ENOSYS);
        }
        Ok(CloneRequest {
            share_vm: f(CLONE_VM),
            vfork: f(CLONE_VFORK),
            exit_signal: exit_signal as u8,
            set_tls: f(CLONE_SETTLS),
            parent_settid: f(CLONE_PARENT_SETTID),
            child_settid: f(CLONE_CHILD_SETTID),
            child_cleartid: f(CLONE_CHILD_CLEARTID),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linux_raw_sys::general::{CLONE_NEWNS, CLONE_SYSVSEM};

    const SIGCHLD: u64 = 17;

    #[test]
    fn what_musl_and_glibc_pass() {
        // musl posix_spawn.
        let spawn = u64::from(CLONE_VM | CLONE_VFORK) | SIGCHLD;
        assert_eq!(CloneRequest::parse(spawn), Ok(CloneRequest::VFORK));
        // glibc fork.
        let fork = u64::from(CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) | SIGCHLD;
        let r = CloneRequest::parse(fork).unwrap();
        assert!(r.child_settid && r.child_cleartid && !r.share_vm && r.exit_signal == 17);
        assert_eq!(CloneRequest::parse(SIGCHLD), Ok(CloneRequest::FORK));
    }

    #[test]
    fn invalid_and_unsupported() {
        let thread = u64::from(
            CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM,
        );
        assert_eq!(CloneRequest::parse(thread), Err(Errno::ENOSYS));
        assert_eq!(CloneRequest::parse(u64::from(CLONE_SIGHAND)), Err(Errno::EINVAL));
        assert_eq!(
            CloneRequest::parse(u64::from(CLONE_THREAD | CLONE_VM)),
            Err(Errno::EINVAL),
            "CLONE_THREAD needs CLONE_SIGHAND"
        );
        assert_eq!(CloneRequest::parse(65), Err(Errno::EINVAL), "no signal 65");
        assert_eq!(CloneRequest::parse(u64::from(CLONE_NEWNS)), Err(Errno::ENOSYS));
        assert_eq!(CloneRequest::parse(u64::from(CLONE_FILES)), Err(Errno::ENOSYS));
        assert_eq!(CloneRequest::parse(0).map(|r| r.exit_signal), Ok(0));
    }
}
