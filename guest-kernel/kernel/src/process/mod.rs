//! Processes and tasks.
//!
//! A [`Process`] owns what its threads share: the address space, the descriptor table, the
//! file-system context, credentials, resource limits, signal dispositions. A [`Task`] is
//! one thread of it: its kernel stack (where its saved user context lives while it is in
//! the kernel, and its kernel context while it is switched out), its signal mask and
//! thread-directed pending signals, its TLS base and FPU state. Each process has exactly
//! one task for now (`clone` refuses `CLONE_THREAD`), but nothing assumes it beyond
//! `Process::main_task`.
//!
//! Relationships (parent, children, groups, sessions, zombies) live in the registry, on
//! `posix::process::Table`. The life of a process: `fork` (or init's creation at boot),
//! `exec` (in `crate::exec`), `exit` (zombie until reaped), `wait` (its parent reaps it).
//!
//! Files: `proc.rs` the process, `cputime.rs` CPU-time accounting, `cpu_timer.rs` and `timer.rs` interval timers, `task.rs` the task, `current.rs` which task runs,
//! `registry.rs` every process by pid, `limits.rs` how many may exist, `fork.rs`
//! creation, `exit.rs` the end, `wait.rs` reaping, `kill.rs` signal targets and
//! permissions, `signal/` sending and default actions, `fault.rs` user-mode exceptions,
//! `init.rs` how PID 1 starts.

pub mod cpu_timer;
pub mod cputime;
pub mod current;
pub mod exit;
pub mod fault;
pub mod fork;
pub mod futex;
pub mod init;
pub mod kill;
pub mod limits;
pub mod proc;
pub mod registry;
pub mod signal;
pub mod timer;
pub mod wait;

pub use crate::sched::task::{self, Task};
pub use proc::Process;

/// A process or thread id.
pub type Pid = u32;
