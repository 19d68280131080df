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

/// `FromArg` for the integer types: each doc says which C parameters it stands for.
macro_rules! from_arg {
    ($($t:ty => $doc:literal),* $(,)?) => {
        $(
            impl FromArg for $t {
                #[doc = $doc]
                #[inline(always)]
                fn from_arg(raw: u64) -> Self {
                    raw as $t
                }
            }
        )*
    };
}

from_arg!(
    u64 => "Unchanged: addresses, `unsigned long`, 64-bit flag words.",
    i64 => "Reinterpreted as signed: `long`, `off_t`.",
    usize => "`size_t`.",
    i32 => "A C `int`: the low 32 bits, as Linux's `int` parameters.",
    u32 => "A C `unsigned int`: the low 32 bits.",
);

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
