//! Creating a process: fork, vfork and clone (POSIX XSH `fork`; Linux kernel/fork.c
//! `copy_process`, whose order this follows).
//!
//! 1. The limits: EAGAIN at the system-wide process limit, or at RLIMIT_NPROC for a
//!    non-root user (`registry::check_limits`).
//! 2. Everything that can fail for lack of memory is made before the child exists: its
//!    kernel stack, its address space (a copy-on-write copy, `mm::vm::cow`, or the
//!    caller's own with `CLONE_VM`), its descriptor table (same open file descriptions:
//!    offsets and status flags shared), file-system context, credentials, limits, signal
//!    dispositions and mask, name, and its FPU registers.
//! 3. The registry gives it a pid and records it as the caller's child, in the caller's
//!    process group and session; nothing can fail after this.
//! 4. The child's first return to user mode is a copy of the caller's user context
//!    with RAX = 0 (and the new stack pointer and TLS base `clone` may give); it is queued
//!    to run, and the caller gets the child's pid.
//! 5. vfork (`CLONE_VFORK`): the caller sleeps until the child execs or exits, which is
//!    what makes sharing the address space safe.

use super::signal::SigActions;
use super::task::{Task, work};
use super::{Pid, Process, current, registry};
use crate::arch::UserContext;
use crate::arch::x86_64::fpu::{self, FxImage};
use crate::mm::kstack::KernelStack;
use crate::mm::vm::Mm;
use crate::sched::{self, Kind};
use crate::{time, uaccess};
use alloc::boxed::Box;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::RLIMIT_NPROC;
use posix::Errno;
use posix::process::CloneRequest;
use spin::mutex::SpinMutex;

/// The user-supplied parts of a `clone` call.
#[derive(Clone, Copy, Debug, Default)]
pub struct CloneArgs {
    /// The child's stack pointer (0: the caller's).
    pub stack: u64,
    /// Where `CLONE_PARENT_SETTID` stores the child's id.
    pub parent_tid: u64,
    /// Where `CLONE_CHILD_SETTID` stores it and `CLONE_CHILD_CLEARTID` clears it.
    pub child_tid: u64,
    /// The child's FS base with `CLONE_SETTLS`.
    pub tls: u64,
}

/// Creates a child of the current process as `req` says, with its first user context
/// taken from `ctx` (the caller's, in its system call). Returns the child's pid.
pub fn fork(req: CloneRequest, args: CloneArgs, ctx: &UserContext) -> Result<Pid, Errno> {
    let parent_task = current::task();
    let parent = current::process_of(parent_task);
    let (ruid, privileged) = {
        let creds = parent.creds.lock();
        (creds.ruid, creds.ignores_nproc())
    };
    let nproc = parent.limits.lock().cur(RLIMIT_NPROC);
    registry::lock().check_limits(ruid, nproc, privileged)?;
    // New kernel objects only while the kernel is not living on its reserve (ENOMEM, as
    // Linux's fork reports a failed allocation). The scheduler's queues have room for
    // every task the process limit allows (`sched::init`).
    crate::mm::reserve::admit()?;

    // Step 2: everything that may fail for lack of memory.
    let stack = KernelStack::new().ok_or(Errno::ENOMEM)?;
    let mm: Arc<Mm> = if req.share_vm {
        parent.mm()
    } else {
        // The pages at the caller's stack pointer and just below it are written at once
        // by both processes: copied now rather than on two write faults.
        let hot = [ctx.stack_pointer(), ctx.stack_pointer().wrapping_sub(256)];
        let copy = parent.mm().lock().fork(&hot)?;
        Arc::new(SpinMutex::new(copy))
    };
    let mut fpu = Box::new(FxImage::clean());
    fpu::save(&mut fpu);
    let files = parent.files.lock().try_clone()?;
    let fs = parent.fs.lock().clone();
    let mut child_ctx = *ctx;
    child_ctx.set_return_value(0);
    child_ctx.reset_user_ticks();
    if args.stack != 0 {
        child_ctx.set_stack_pointer(args.stack);
    }
    if req.set_tls {
        child_ctx.set_fs_base(args.tls);
    }

    // Step 3: the pid and the registry entry.
    let now = time::clock::monotonic_ns();
    let mut r = registry::lock();
    r.check_limits(ruid, nproc, privileged)?;
    let pid = r.table.fork(parent.pid, now)?;
    let mut process = Process::new(pid, parent.pid, mm, files, fs);
    *process.creds.get_mut() = parent.creds.lock().clone();
    *process.limits.get_mut() = parent.limits.lock().clone();
    *process.signals.get_mut() = SigActions::clone(&parent.signals.lock());
    *process.comm.get_mut() = *parent.comm.lock();
    process.exit_signal = req.exit_signal;
    process.in_vfork.store(req.vfork, Ordering::Relaxed);
    let process = Arc::new(process);
    let task = Arc::new(Task::new(pid, process.clone(), stack, fpu));
    task.sigmask.store(parent_task.sigmask.load(Ordering::Relaxed), Ordering::Relaxed);
    // fork(2): the alternate signal stack is inherited (sigaltstack(2)).
    *task.altstack.lock() = *parent_task.altstack.lock();
    if req.child_settid {
        task.set_child_tid.store(args.child_tid, Ordering::Relaxed);
    }
    if req.child_cleartid {
        task.clear_child_tid.store(args.child_tid, Ordering::Relaxed);
    }
    // Signals sent to the caller's process before the fork are not the child's (POSIX:
    // "the set of signals pending for the child process shall be initialized to the
    // empty set"); a mask set for them carries over, with nothing pending.
    task.work.store(0, Ordering::Relaxed);
    // SAFETY: the task is new: nothing else uses its stack or its context yet.
    unsafe {
        *task.user_context() = child_ctx;
        task.prepare_first_run();
    }
    process.tasks.lock().push(task.clone());
    r.insert(process.clone(), ruid);
    drop(r);

    // Step 4.
    if req.parent_settid {
        // Linux writes it before the child runs; a fault is ignored there too.
        let _ = uaccess::write(args.parent_tid, &pid);
    }
    sched::wait::start(task);

    // Step 5.
    if req.vfork {
        let chan = process.self_chan();
        let released = sched::wait_until(Kind::Chan(chan), 0, &mut || {
            !process.in_vfork.load(Ordering::Relaxed)
        });
        if released.is_err() {
            // A fatal signal: the caller dies on its way out; the child runs on.
            parent_task.work.fetch_or(work::SIGNAL, Ordering::Relaxed);
        }
    }
    Ok(pid)
}
