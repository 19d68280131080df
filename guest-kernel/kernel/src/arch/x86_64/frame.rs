//! [`TrapFrame`]: the registers an entry into the kernel saves, in the order the entry
//! assembly pushes them; and the page-fault error-code bits. The bottom of `arch`: the
//! entry paths, the exception handlers, the user-copy routines and `UserContext` all
//! build on it, and it uses nothing.

/// The registers of the interrupted context, as `trap_common` saves them (lowest address
/// first). `#[repr(C)]` and in this order because the assembly builds it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TrapFrame {
    /// Saved R15.
    pub r15: u64,
    /// Saved R14.
    pub r14: u64,
    /// Saved R13.
    pub r13: u64,
    /// Saved R12.
    pub r12: u64,
    /// Saved R11.
    pub r11: u64,
    /// Saved R10.
    pub r10: u64,
    /// Saved R9.
    pub r9: u64,
    /// Saved R8.
    pub r8: u64,
    /// Saved RBP.
    pub rbp: u64,
    /// Saved RDI.
    pub rdi: u64,
    /// Saved RSI.
    pub rsi: u64,
    /// Saved RDX.
    pub rdx: u64,
    /// Saved RCX.
    pub rcx: u64,
    /// Saved RBX.
    pub rbx: u64,
    /// Saved RAX.
    pub rax: u64,
    /// The IDT vector, pushed by the stub.
    pub vector: u64,
    /// The CPU's error code, or 0 for vectors without one.
    pub error_code: u64,
    /// Where the interrupted context resumes (for faults: the faulting instruction).
    pub rip: u64,
    /// Code segment of the interrupted context (its low two bits are the privilege level).
    pub cs: u64,
    /// RFLAGS of the interrupted context.
    pub rflags: u64,
    /// Stack pointer of the interrupted context.
    pub rsp: u64,
    /// Stack segment of the interrupted context.
    pub ss: u64,
}

const _: () = assert!(size_of::<TrapFrame>() == 22 * 8);

/// Page-fault error-code bits.
pub mod page_fault {
    /// The access was a write.
    pub const WRITE: u64 = 1 << 1;
    /// The access was an instruction fetch.
    pub const INSTRUCTION: u64 = 1 << 4;
}
