//! [`UserContext`]: the saved user registers of a task, as the rest of the kernel sees them.
//!
//! The kernel above `arch` reads and changes a user context only through these accessors
//! (system-call number, arguments and return value, instruction and stack pointers,
//! flags), so no code outside `arch` knows the register layout or the System V / Linux
//! system-call register convention.

pub use super::trap_entry::TrapFrame as UserContext;

impl UserContext {
    /// The system-call number (RAX at entry; Linux's `orig_ax` once the call runs).
    #[inline(always)]
    pub fn syscall_number(&self) -> u64 {
        self.rax
    }

    /// The six system-call arguments: RDI, RSI, RDX, R10, R8, R9 (the x86-64 Linux
    /// convention; R10 replaces the C convention's RCX, which SYSCALL overwrites).
    #[inline(always)]
    pub fn syscall_args(&self) -> [u64; 6] {
        [self.rdi, self.rsi, self.rdx, self.r10, self.r8, self.r9]
    }

    /// Sets the value the system call returns (RAX).
    #[inline(always)]
    pub fn set_return_value(&mut self, value: u64) {
        self.rax = value;
    }

    /// Where user mode resumes (RIP).
    #[inline(always)]
    pub fn instruction_pointer(&self) -> u64 {
        self.rip
    }

    /// Sets where user mode resumes.
    #[inline(always)]
    pub fn set_instruction_pointer(&mut self, rip: u64) {
        self.rip = rip;
    }

    /// The user stack pointer (RSP).
    #[inline(always)]
    pub fn stack_pointer(&self) -> u64 {
        self.rsp
    }

    /// Sets the user stack pointer.
    #[inline(always)]
    pub fn set_stack_pointer(&mut self, rsp: u64) {
        self.rsp = rsp;
    }

    /// The user RFLAGS.
    #[inline(always)]
    pub fn flags(&self) -> u64 {
        self.rflags
    }
}
