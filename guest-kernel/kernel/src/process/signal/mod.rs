//! Signals: the state the system calls store (`rt_sigaction`, `rt_sigprocmask`,
//! `sigaltstack`; rules in `posix::signal::state`), sending (`send`: kill, tgkill, the
//! kernel's own SIGCHLD, SIGPIPE, SIGHUP), and delivery of default actions on the way back
//! to user mode (`deliver`: terminate, stop, ignore; continue acts when sent).
//!
//! Handlers do not run yet (the signals issue): a signal the target catches is refused
//! by `kill` (ENOSYS) and dropped when the kernel sends it. The design is ready for them:
//! pending sets per process and per thread, the mask, and the restart of interrupted
//! system calls (`sched::ERESTARTSYS`) are the pieces a handler frame needs.
//!
//! Faults (SIGSEGV, SIGILL...) end the process directly (`fault`), as the default action
//! would.

pub mod deliver;
pub mod send;

pub use deliver::deliver;
pub use posix::signal::state::{AltStack, RawStack, SigAction, SigActions};
pub use send::{send_to_process, send_to_task};

// SAFETY: `SigAction` is `#[repr(C)]`, four integers, no padding.
unsafe impl crate::uaccess::plain::Plain for SigAction {}

// SAFETY: `RawStack` is `#[repr(C)]`, integers with the C layout's padding spelled out as a
// field.
unsafe impl crate::uaccess::plain::Plain for RawStack {}
