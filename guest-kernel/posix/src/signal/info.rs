//! `siginfo_t` as Linux fills it for a signal handler (`SA_SIGINFO`'s second argument;
//! sigaction(2), the "The siginfo_t argument" section; Linux `include/uapi/asm-generic/siginfo.h`).
//! 128 bytes: number, errno and code, then a union whose member the code selects.

/// `si_code` values (sigaction(2)).
pub mod code {
    /// Sent by kill(2) (or raise from another thread's point of view).
    pub const SI_USER: i32 = 0;
    /// Sent by the kernel.
    pub const SI_KERNEL: i32 = 0x80;
    /// Sent by sigqueue(3).
    pub const SI_QUEUE: i32 = -1;
    /// Sent by tkill(2) or tgkill(2).
    pub const SI_TKILL: i32 = -6;
    /// SIGCHLD: the child exited.
    pub const CLD_EXITED: i32 = 1;
    /// SIGCHLD: the child was killed.
    pub const CLD_KILLED: i32 = 2;
    /// SIGCHLD: the child was killed and dumped core.
    pub const CLD_DUMPED: i32 = 3;
    /// SIGCHLD: the child stopped.
    pub const CLD_STOPPED: i32 = 5;
    /// SIGCHLD: a stopped child continued.
    pub const CLD_CONTINUED: i32 = 6;
    /// SIGSEGV: address not mapped.
    pub const SEGV_MAPERR: i32 = 1;
    /// SIGSEGV: no permission for the mapped address.
    pub const SEGV_ACCERR: i32 = 2;
    /// SIGBUS: nonexistent physical address (a file page that cannot be read).
    pub const BUS_ADRERR: i32 = 2;
    /// SIGFPE: integer divide by zero.
    pub const FPE_INTDIV: i32 = 1;
    /// SIGILL: illegal opcode.
    pub const ILL_ILLOPN: i32 = 2;
    /// SIGTRAP: breakpoint.
    pub const TRAP_BRKPT: i32 = 1;
}

/// A `siginfo_t`: the fields every signal has and the union's words, as Linux lays them
/// out on x86-64 (`si_pid` at 16, `si_uid` at 20, `si_status` or the value at 24,
/// `si_addr` at 16).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigInfo {
    /// The signal number.
    pub signo: i32,
    /// An errno value (0: Linux sets it only for a few kernel signals).
    pub errno: i32,
    /// How it was sent ([`code`]).
    pub code: i32,
    /// The union starts 8-byte aligned.
    pub pad: i32,
    /// The union: `si_pid`/`si_uid` (low and high half of word 0), `si_status` (word 1),
    /// or `si_addr` (word 0).
    pub fields: [u64; 14],
}

const _: () = assert!(size_of::<SigInfo>() == 128);

impl SigInfo {
    /// A signal with `code` and no further fields.
    pub const fn new(signo: u8, code: i32) -> Self {
        SigInfo { signo: signo as i32, errno: 0, code, pad: 0, fields: [0; 14] }
    }

    /// Sent by process `pid` whose real user id is `uid` (kill, tkill, tgkill, sigqueue).
    pub const fn from_process(signo: u8, code: i32, pid: u32, uid: u32) -> Self {
        let mut info = SigInfo::new(signo, code);
        info.fields[0] = pid as u64 | (uid as u64) << 32;
        info
    }

    /// SIGCHLD-style: child `pid` of user `uid` changed state (`code` CLD_*), `status`
    /// its exit status or the signal.
    pub const fn child(signo: u8, code: i32, pid: u32, uid: u32, status: i32) -> Self {
        let mut info = SigInfo::from_process(signo, code, pid, uid);
        info.fields[1] = status as u32 as u64;
        info
    }

    /// A fault at `addr` (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP).
    pub const fn fault(signo: u8, code: i32, addr: u64) -> Self {
        let mut info = SigInfo::new(signo, code);
        info.fields[0] = addr;
        info
    }

    /// The sender's pid (for the codes that carry one).
    pub const fn pid(&self) -> u32 {
        self.fields[0] as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_sit_where_linux_puts_them() {
        let info = SigInfo::child(17, code::CLD_EXITED, 42, 1000, 7);
        let words: [u32; 32] = words_of(&info);
        assert_eq!(words[0], 17);
        assert_eq!(words[2] as i32, code::CLD_EXITED);
        assert_eq!(words[4], 42, "si_pid at byte 16");
        assert_eq!(words[5], 1000, "si_uid at byte 20");
        assert_eq!(words[6], 7, "si_status at byte 24");
        let fault = SigInfo::fault(11, code::SEGV_MAPERR, 0x1000);
        let words = words_of(&fault);
        assert_eq!((words[4], words[5]), (0x1000, 0), "si_addr at byte 16");
    }

    /// The info as 32 little-endian words, built from its fields.
    fn words_of(info: &SigInfo) -> [u32; 32] {
        let mut w = [0u32; 32];
        w[0] = info.signo as u32;
        w[1] = info.errno as u32;
        w[2] = info.code as u32;
        w[3] = info.pad as u32;
        for (i, f) in info.fields.iter().enumerate() {
            w[4 + 2 * i] = *f as u32;
            w[5 + 2 * i] = (*f >> 32) as u32;
        }
        w
    }
}
