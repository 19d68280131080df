//! The Linux x86-64 system-call interface.
//!
//! The task loop (`entry`) calls [`dispatch`] with the task's [`UserContext`] when
//! `arch::enter_user` returns a system call; it looks the number up in one table
//! ([`table`]) and calls the handler. The table is typed: each entry names the call, its
//! parameters with their types and its handler, e.g. `kill(pid: i32, sig: i32) =>
//! signal::sys_kill`, and a macro makes from it the wrapper that decodes the raw argument
//! registers into those types (`args::FromArg`: an `int` is the low 32 bits, a descriptor
//! an `args::Fd`) and calls `sys_kill(pid, sig)`. So no handler reads registers by
//! position or knows the register convention; the few that need the user context itself
//! (fork and clone copy it, exec replaces it, arch_prctl sets its FS and GS bases,
//! sigaltstack reads its stack pointer) declare `&ctx` or `&mut ctx` in their entry and
//! get it as their first parameter. The wrappers are thin (inlined decoders, the handler
//! inlined into its wrapper or reached by one jump), so the typed layer costs no
//! instructions to speak of on the system-call path.
//!
//! Handlers live in small files by family; each checks its decoded arguments (user
//! pointers through `uaccess`, flags through `posix` rules, in the order that gives
//! Linux's errno) and calls the kernel's real logic (`fs`, `mm::vm`, `process`, `exec`,
//! `time`). A handler returns a [`SysResult`]: the value, or an errno that becomes `-errno`
//! in RAX.
//!
//! Unknown numbers return ENOSYS; with `verbose` the kernel logs the name once per number
//! (only then: without it the kernel keeps the program's stderr clean). The names, and
//! through them the table's numbers, come from `names.rs`, which is generated from
//! `linux-raw-sys`'s `__NR_*` constants (`cargo run -p tools --bin gen-syscall-names`; a
//! host test fails when the committed file is stale), not maintained by hand.
//!
//! Files: `table.rs` the typed table, `names.rs` the generated names, `args.rs` argument
//! decoding, `files.rs` descriptor and path helpers; the handlers: `fd_io.rs` (read, write
//! and friends), `open.rs`, `stat.rs`, `dir.rs` (names and directories, links), `attr.rs`
//! (modes, owners, times, truncation), `fcntl.rs` (dup,
//! fcntl, pipe), `poll.rs`, `ioctl.rs`, `mem.rs` (brk, mmap...), `exec.rs`, `exit.rs`,
//! `process.rs` (fork, vfork, clone, wait4, waitid), `ids.rs` (pids, process groups,
//! sessions), `cred.rs` (user and group ids, supplementary groups), `signal.rs`,
//! `thread.rs` (futex, set_tid_address, prctl...), `arch_prctl.rs`, `time.rs`, `random.rs`,
//! `rlimit.rs` (and umask), `usage.rs` (sysinfo, getrusage), `uname.rs`.
//!
//! After every system call the task loop does the work due before user mode resumes
//! (interrupt work, preemption, signals); a call that a signal cut short
//! ([`sched::ERESTARTSYS`]) is restarted by moving the user's RIP back onto its `syscall`
//! instruction.

pub mod arch_prctl;
mod args;
mod attr;
mod cred;
mod dir;
mod exec;
mod exit;
mod fcntl;
mod fd_io;
mod files;
mod ids;
mod ioctl;
mod mem;
pub mod names;
mod open;
mod poll;
mod process;
mod random;
mod rlimit;
mod select;
mod signal;
mod stat;
mod table;
mod thread;
mod time;
mod uname;
pub mod usage;

use crate::arch::UserContext;
use crate::sched::Restart;
use core::sync::atomic::{AtomicU64, Ordering};
use posix::Errno;

/// What a handler returns: the value for RAX, or an error.
pub type SysResult = Result<u64, Errno>;

/// A table entry as `dispatch` calls it: the wrapper the table's macro generates, which
/// decodes the arguments from the user context and calls the typed handler (which may
/// change that context: exec, arch_prctl).
pub type Handler = fn(&mut UserContext) -> SysResult;

/// Numbers already reported as unknown (one bit each).
static REPORTED: [AtomicU64; names::COUNT.div_ceil(64) + 1] =
    [const { AtomicU64::new(0) }; names::COUNT.div_ceil(64) + 1];

/// Runs the system call of the user context `ctx` (the task loop, `entry`, calls it when
/// `arch::enter_user` returns a system call) and stores its result: the value or
/// `-errno`. A call a signal cut short ([`sched::ERESTARTSYS`],
/// [`sched::ERESTARTNOHAND`]) gets EINTR for now and returns how it may restart: the
/// signal delivery on the way out decides (`process::signal::deliver`).
#[inline(always)]
pub fn dispatch(ctx: &mut UserContext) -> Option<Restart> {
    let nr = ctx.syscall_number();
    let result = match table::TABLE.get(nr as usize).copied().flatten() {
        Some(handler) => handler(ctx),
        None => unknown(nr),
    };
    match result {
        Ok(value) => {
            ctx.set_return_value(value);
            None
        }
        Err(e) => interrupted_or_failed(ctx, e),
    }
}

/// A failed call: `-errno` in the context, and how it restarts if a signal cut it short.
fn interrupted_or_failed(ctx: &mut UserContext, e: Errno) -> Option<Restart> {
    let (errno, restart) = match e {
        crate::sched::ERESTARTSYS => (Errno::EINTR, Some(Restart::UnlessHandlerRefuses)),
        crate::sched::ERESTARTNOHAND => (Errno::EINTR, Some(Restart::UnlessHandler)),
        crate::sched::ERESTART_RESTARTBLOCK => (Errno::EINTR, Some(Restart::ThroughRestartBlock)),
        e => (e, None),
    };
    ctx.set_return_value((-i64::from(errno.0)) as u64);
    restart
}

/// The number of `restart_syscall(2)`, which a call cut short with
/// [`Restart::ThroughRestartBlock`] becomes when no handler runs.
pub const RESTART_SYSCALL: u64 = table::number("restart_syscall") as u64;

/// ENOSYS, logged once per number when verbose.
fn unknown(nr: u64) -> SysResult {
    if crate::klog::is_verbose() {
        let (word, bit) = ((nr / 64) as usize, nr % 64);
        let slot = REPORTED.get(word).unwrap_or(&REPORTED[REPORTED.len() - 1]);
        if slot.fetch_or(1 << bit, Ordering::Relaxed) & (1 << bit) == 0 {
            let name = names::NAMES.get(nr as usize).copied().filter(|n| !n.is_empty());
            crate::klog::verbose(format_args!(
                "unknown system call {nr} ({}): ENOSYS",
                name.unwrap_or("?")
            ));
        }
    }
    Err(Errno::ENOSYS)
}
