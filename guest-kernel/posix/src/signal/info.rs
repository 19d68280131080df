//! `siginfo_t` as Linux fills it for a signal handler (`SA_SIGINFO`'s second argument;
//! sigaction(2), the "The siginfo_t argument" section; Linux `include/uapi/asm-generic/siginfo.h`).
//! The user's is 128 bytes: number, errno and code, then a union whose member the code
//! selects. The kernel keeps only the first 48 ([`SigInfo`], Linux `kernel_siginfo`): no
//! union member it fills is longer, and every write to user memory clears the other 80
//! (Linux `copy_siginfo_to_user`). A signal is copied several times between its sending
//! and its frame, each byte an emulated instruction, so the short form matters.

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

/// The first 48 bytes of a `siginfo_t` (Linux `kernel_siginfo`): the fields every signal
/// has and the union's first four words, as Linux lays them out on x86-64 (`si_pid` at 16,
/// `si_uid` at 20, `si_status` or the value at 24, `si_addr` at 16, `si_utime` at 32).
/// The user-visible rest ([`USER_SIZE`] bytes in all) is always zero.
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
    /// The union's first words: `si_pid`/`si_uid` (low and high half of word 0),
    /// `si_status` (word 1), or `si_addr` (word 0).
    pub fields: [u64; 4],
}

/// Size of the user's `siginfo_t`.
pub const USER_SIZE: usize = 128;

const _: () = assert!(size_of::<SigInfo>() == 48);

impl SigInfo {
    /// A signal with `code` and no further fields.
    pub const fn new(signo: u8, code: i32) -> Self {
        SigInfo { signo: signo as i32, errno: 0, code, pad: 0, fields: [0; 4] }
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

    /// Whether Linux knows which union member this signal's code selects (Linux
    /// `known_siginfo_layout`). A `siginfo` a program queues (rt_sigqueueinfo) with an
    /// unknown one may use all of the union, so the bytes past [`SigInfo`] must be zero
    /// (else E2BIG) for the signal to reach its receiver unchanged.
    pub fn known_layout(&self) -> bool {
        use linux_raw_sys::general as g;
        let code = self.code;
        if code == code::SI_KERNEL {
            return true;
        }
        if code > code::SI_USER {
            let limit = match self.signo as u32 {
                g::SIGILL => g::NSIGILL,
                g::SIGFPE => g::NSIGFPE,
                g::SIGSEGV => g::NSIGSEGV,
                g::SIGBUS => g::NSIGBUS,
                g::SIGTRAP => g::NSIGTRAP,
                g::SIGCHLD => g::NSIGCHLD,
                g::SIGSYS => g::NSIGSYS,
                _ => g::NSIGPOLL,
            };
            return code as u32 <= limit;
        }
        code >= g::SI_DETHREAD || code == g::SI_ASYNCNL
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_sit_where_linux_puts_them() {
        let info = SigInfo::child(17, code::CLD_EXITED, 42, 1000, 7);
        let words: [u32; 12] = words_of(&info);
        assert_eq!(words[0], 17);
        assert_eq!(words[2] as i32, code::CLD_EXITED);
        assert_eq!(words[4], 42, "si_pid at byte 16");
        assert_eq!(words[5], 1000, "si_uid at byte 20");
        assert_eq!(words[6], 7, "si_status at byte 24");
        let fault = SigInfo::fault(11, code::SEGV_MAPERR, 0x1000);
        let words = words_of(&fault);
        assert_eq!((words[4], words[5]), (0x1000, 0), "si_addr at byte 16");
    }

    #[test]
    fn layouts_linux_knows() {
        assert!(SigInfo::new(10, code::SI_QUEUE).known_layout());
        assert!(SigInfo::new(10, code::SI_USER).known_layout());
        assert!(SigInfo::new(10, code::SI_KERNEL).known_layout());
        assert!(SigInfo::new(10, code::SI_TKILL).known_layout());
        assert!(SigInfo::new(10, -60).known_layout(), "SI_ASYNCNL");
        assert!(!SigInfo::new(10, -8).known_layout());
        assert!(!SigInfo::new(10, 7).known_layout(), "beyond NSIGPOLL");
        assert!(SigInfo::new(11, 2).known_layout());
        assert!(!SigInfo::new(11, 11).known_layout(), "beyond NSIGSEGV");
        assert!(SigInfo::new(17, 6).known_layout());
    }

    /// The info as 12 little-endian words, built from its fields.
    fn words_of(info: &SigInfo) -> [u32; 12] {
        let mut w = [0u32; 12];
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
