//! Processes and tasks.
//!
//! A [`Process`] owns what its threads share: the address space, the descriptor table, the
//! file-system context, credentials, resource limits, signal dispositions. A [`Task`] is
//! one thread of it: its kernel stack, its saved user context lives on that stack while it
//! is in the kernel, its signal mask, its `clear_child_tid`. Each process has exactly one
//! task until `clone` arrives (the process-lifecycle issue), and only PID 1 exists until
//! `fork` does: `/sbin/init` replaces itself with the program (exec), and when PID 1 ends
//! the kernel powers off with its status (`exit`).
//!
//! Files: `proc.rs` the process, `task.rs` the task, `current.rs` which task runs,
//! `signal.rs` the stored signal state, `fault.rs` user-mode exceptions, `exit.rs` the end
//! of a process, `init.rs` how PID 1 starts.

pub mod current;
pub mod exit;
pub mod fault;
pub mod init;
pub mod proc;
pub mod signal;
pub mod task;

pub use proc::Process;
pub use task::Task;

/// A process or thread id.
pub type Pid = u32;
