//! Reading a system call's raw arguments from the saved user context.

use crate::arch::UserContext;

/// The six raw arguments (RDI, RSI, RDX, R10, R8, R9: the x86-64 system-call convention).
#[derive(Clone, Copy, Debug)]
pub struct Args(pub [u64; 6]);

impl Args {
    /// The arguments saved in `frame`.
    pub fn of(ctx: &UserContext) -> Self {
        Args(ctx.syscall_args())
    }

    /// Argument `i` as a 64-bit value.
    pub fn u64(&self, i: usize) -> u64 {
        self.0[i]
    }

    /// Argument `i` as a C `int` (the low 32 bits, as the kernel's `int` parameters).
    pub fn i32(&self, i: usize) -> i32 {
        self.0[i] as i32
    }

    /// Argument `i` as a C `unsigned int`.
    pub fn u32(&self, i: usize) -> u32 {
        self.0[i] as u32
    }

    /// Argument `i` as a size (`size_t`).
    pub fn usize(&self, i: usize) -> usize {
        self.0[i] as usize
    }

    /// Argument `i` as a signed 64-bit value (`off_t`, `long`).
    pub fn i64(&self, i: usize) -> i64 {
        self.0[i] as i64
    }
}
