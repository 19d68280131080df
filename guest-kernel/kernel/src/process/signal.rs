//! Signal state as stored by `rt_sigaction`, `rt_sigprocmask` and `sigaltstack`: the rules
//! are `posix::signal::state` (host-tested); this file lets the types travel through user
//! memory. Nothing is delivered yet (the signals issue); faults end the process directly
//! (`fault`).

pub use posix::signal::state::{AltStack, RawStack, SIG_DFL, SigAction, SigActions};

// SAFETY: `SigAction` is `#[repr(C)]`, four integers, no padding.
unsafe impl crate::uaccess::plain::Plain for SigAction {}

// SAFETY: `RawStack` is `#[repr(C)]`, integers with the C layout's padding spelled out as a
// field.
unsafe impl crate::uaccess::plain::Plain for RawStack {}
