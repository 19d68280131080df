//! Typed system-call arguments: how one raw 64-bit argument register becomes the value a
//! handler's parameter declares.
//!
//! The table (`table.rs`) names each parameter's type, and its wrapper decodes the raw
//! arguments with [`FromArg`], so no handler reads registers by position. Decoding here
//! never fails and never checks anything: it only says how many bits of the register the
//! kernel's C prototype uses (an `int` is the low 32 bits; the upper half is whatever user
//! mode left there, as on Linux). Checks that can fail (a descriptor that is not open, a
//! signal number out of range, a bad user pointer) stay with the handlers and the rules
//! they call, in the order that gives Linux's errno for a call with several bad arguments.
//!
//! Every decoder is `#[inline(always)]` and every type is the bare integer underneath, so
//! a wrapper compiles to the same register moves the handler did when it read the saved
//! context itself.

/// A type a raw argument register decodes into (see the module comment).
pub trait FromArg {
    /// The value of `raw`, the full 64-bit register.
    fn from_arg(raw: u64) -> Self;
}

impl FromArg for u64 {
    /// Unchanged: addresses, `unsigned long`, 64-bit flag words.
    #[inline(always)]
    fn from_arg(raw: u64) -> Self {
        raw
    }
}

impl FromArg for i64 {
    /// Reinterpreted as signed: `long`, `off_t`.
    #[inline(always)]
    fn from_arg(raw: u64) -> Self {
        raw as i64
    }
}

impl FromArg for usize {
    /// `size_t`.
    #[inline(always)]
    fn from_arg(raw: u64) -> Self {
        raw as usize
    }
}

impl FromArg for i32 {
    /// A C `int`: the low 32 bits, as Linux's `int` parameters.
    #[inline(always)]
    fn from_arg(raw: u64) -> Self {
        raw as i32
    }
}

impl FromArg for u32 {
    /// A C `unsigned int`: the low 32 bits.
    #[inline(always)]
    fn from_arg(raw: u64) -> Self {
        raw as u32
    }
}

/// A file-descriptor argument as the caller passed it (a C `int`), not yet looked up: a
/// descriptor, `AT_FDCWD`, or anything else (which the lookup answers with EBADF). Its own
/// type so that a descriptor cannot be passed where a count or flags are meant; the
/// number itself is public because the descriptor table is indexed by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(transparent)]
pub struct Fd(pub i32);

impl FromArg for Fd {
    /// The low 32 bits (`int fd`).
    #[inline(always)]
    fn from_arg(raw: u64) -> Self {
        Fd(raw as i32)
    }
}
