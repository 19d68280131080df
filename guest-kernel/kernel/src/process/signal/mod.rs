//! Signals: the state the system calls store (`rt_sigaction`, `rt_sigprocmask`,
//! `sigaltstack`; rules in `posix::signal::state`), sending (`send`: kill, tgkill, the
//! kernel's own SIGCHLD, SIGPIPE, SIGHUP, and faults, each with its `siginfo`), and
//! delivery on the way back to user mode (`deliver`: terminate, stop, ignore, or a handler
//! with a Linux `rt_sigframe`; `rt_sigreturn` takes the frame back; continue acts when
//! sent). Pending sets, `siginfo`s and the mask live per task (thread-directed) and per
//! process (process-directed), ready for threads.
//!
//! A fault (SIGSEGV, SIGILL...) goes to its handler when the faulting thread has one and
//! does not block it; otherwise it ends the process (`process::fault`).

pub mod deliver;
pub mod send;

pub use deliver::{deliver, sigreturn};
pub use posix::signal::state::{AltStack, RawStack, SigAction, SigActions};
pub use send::{send_to_process, send_to_self, send_to_task};

// SAFETY: `SigAction` is `#[repr(C)]`, four integers, no padding.
unsafe impl crate::uaccess::plain::Plain for SigAction {}

// SAFETY: `SigInfo` is `#[repr(C)]` integers with no padding (48 bytes, asserted).
unsafe impl crate::uaccess::plain::Plain for posix::signal::info::SigInfo {}

// SAFETY: `RawStack` is `#[repr(C)]`, integers with the C layout's padding spelled out as a
// field.
unsafe impl crate::uaccess::plain::Plain for RawStack {}
