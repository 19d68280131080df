//! The x86-64 Linux signal frame (`struct rt_sigframe`, arch/x86/include/asm/sigframe.h)
//! and the conversions between it and a [`UserContext`]: what a handler finds on its
//! stack, and what `rt_sigreturn` may take back from it.
//!
//! Layout, from the frame's address upwards: the return address (`sa_restorer`), the
//! `ucontext` (flags, link, `uc_stack`, `uc_mcontext` = `struct sigcontext`, the 8-byte
//! kernel sigmask), the `siginfo`; the FPU state (an `fxsave` image) lies above, 64-byte
//! aligned, and `uc_mcontext.fpstate` points at it. The frame address is 8 below a
//! 16-byte boundary, as after a `call`, so the handler starts with the stack alignment
//! the System V ABI promises.

use super::context::{USER_RFLAGS, UserContext};
use super::gdt::USER_CS;
use super::syscall_entry::SYSCALL_VECTOR;

/// `struct sigcontext` (x86-64): the general registers, flags, segments and the last
/// exception's details.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigContext {
    /// R8..R15.
    pub r8: [u64; 8],
    /// RDI, RSI, RBP, RBX, RDX, RAX, RCX, RSP, RIP, EFLAGS.
    pub regs: [u64; 10],
    /// CS, GS, FS, SS selectors.
    pub segments: [u16; 4],
    /// The exception's error code.
    pub err: u64,
    /// The exception vector.
    pub trapno: u64,
    /// The old signal mask (the first word; `uc_sigmask` is the one sigreturn uses).
    pub oldmask: u64,
    /// The page-fault address.
    pub cr2: u64,
    /// User address of the FPU state (0: none).
    pub fpstate: u64,
    /// Reserved.
    pub reserved: [u64; 8],
}

const _: () = assert!(size_of::<SigContext>() == 256);

/// The kernel's `struct ucontext` (x86-64).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UContext {
    /// `UC_*` flags.
    pub flags: u64,
    /// `uc_link` (unused by the kernel).
    pub link: u64,
    /// `uc_stack`: `stack_t` (base, flags and padding, size).
    pub stack: [u64; 3],
    /// The registers.
    pub mcontext: SigContext,
    /// The signal mask to restore.
    pub sigmask: u64,
}

/// `struct rt_sigframe` up to the siginfo, which follows it ([`INFO_OFFSET`], 128 bytes):
/// the two are written separately (the siginfo straight from where the kernel keeps it)
/// and `rt_sigreturn` reads only this part.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RtSigFrame {
    /// Where the handler's `ret` goes: `sa_restorer`.
    pub pretcode: u64,
    /// The interrupted context.
    pub uc: UContext,
}

const _: () = assert!(size_of::<RtSigFrame>() == 8 + 304);

/// Offset of the `siginfo_t` in the frame.
pub const INFO_OFFSET: u64 = size_of::<RtSigFrame>() as u64;
/// Size of the whole frame: [`RtSigFrame`] and the 128-byte `siginfo_t`.
pub const FRAME_SIZE: u64 = INFO_OFFSET + 128;

/// `UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS`: the frame holds SS, as Linux's do.
pub const UC_FLAGS: u64 = 0x2 | 0x4;
/// The red zone below a user stack pointer that a frame must not overwrite (System V).
pub const RED_ZONE: u64 = 128;
/// Size of the FPU state in a frame (`fxsave`) and its alignment.
pub const FP_STATE_SIZE: u64 = 512;
/// Alignment of the FPU state (Linux aligns it for `xsave`, 64).
pub const FP_STATE_ALIGN: u64 = 64;

/// RFLAGS bits `rt_sigreturn` takes from a frame (Linux `FIX_EFLAGS`: AC, OF, DF, TF, SF,
/// ZF, AF, PF, CF, RF); the rest (IF, IOPL, NT, VM...) stay the kernel's.
const FIX_EFLAGS: u64 =
    0x4_0000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x1_0000;
/// End of the canonical user half: `iretq` to a RIP beyond it would fault in the kernel.
const USER_HALF_END: u64 = 0x0000_8000_0000_0000;

/// A frame `rt_sigreturn` refuses (the task gets SIGSEGV, as on Linux when the return
/// faults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadFrame;

impl UserContext {
    /// The `sigcontext` of this context, with `fpstate` the user address of the FPU state
    /// and `oldmask` the mask before the handler.
    pub fn sigcontext(&self, fpstate: u64, oldmask: u64) -> SigContext {
        let r = &self.regs;
        let exception = r.vector < 32;
        SigContext {
            r8: [r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15],
            regs: [r.rdi, r.rsi, r.rbp, r.rbx, r.rdx, r.rax, r.rcx, r.rsp, r.rip, r.rflags],
            segments: [r.cs as u16, 0, 0, r.ss as u16],
            err: if exception { r.error_code } else { 0 },
            trapno: if exception { r.vector } else { 0 },
            oldmask,
            cr2: if exception { self.fault_address } else { 0 },
            fpstate,
            reserved: [0; 8],
        }
    }

    /// Loads the registers of `sc` (`rt_sigreturn`), keeping the user segments and the
    /// flags the program may not change; refuses a RIP outside the canonical user half and
    /// a code segment other than the 64-bit user one.
    pub fn restore_sigcontext(&mut self, sc: &SigContext) -> Result<(), BadFrame> {
        let [rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, rflags] = sc.regs;
        // Linux loads `cs | 3`, and the return faults (SIGSEGV) for anything but a user code
        // segment; only the 64-bit one exists here (no compatibility mode). SS stays the
        // user data segment (what Linux makes of a bad one without UC_STRICT_RESTORE_SS).
        if rip >= USER_HALF_END || (sc.segments[0] | 3) != USER_CS {
            return Err(BadFrame);
        }
        let r = &mut self.regs;
        [r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15] = sc.r8;
        (r.rdi, r.rsi, r.rbp, r.rbx, r.rdx, r.rax, r.rcx, r.rsp, r.rip) =
            (rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip);
        r.rflags = (r.rflags & !FIX_EFLAGS) | (rflags & FIX_EFLAGS) | USER_RFLAGS;
        // Not an exception's frame: `enter_user` may use SYSRET if RCX and R11 allow it.
        r.vector = SYSCALL_VECTOR;
        Ok(())
    }

    /// Starts handler `handler` with the frame at `frame` and the three arguments of an
    /// `SA_SIGINFO` handler (signal, `&info`, `&uc`); RAX 0 (no vector registers used, for
    /// a variadic callee), DF, TF and RF cleared (Linux `handle_signal`).
    pub fn enter_handler(&mut self, handler: u64, frame: u64, args: [u64; 3]) {
        let r = &mut self.regs;
        r.rip = handler;
        r.rsp = frame;
        [r.rdi, r.rsi, r.rdx] = args;
        r.rax = 0;
        r.rflags &= !(0x400 | 0x100 | 0x1_0000);
        r.vector = SYSCALL_VECTOR;
    }
}
