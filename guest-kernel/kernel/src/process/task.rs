//! [`Task`]: one thread of a process: what the scheduler switches between.

use super::Pid;
use super::Process;
use super::signal::AltStack;
use crate::arch::x86_64::fpu::FxImage;
use crate::mm::kstack::KernelStack;
use alloc::boxed::Box;
use alloc::sync::Arc;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};
use posix::signal::SigSet;
use spin::mutex::SpinMutex;

/// A task's scheduling state ([`Task::state`]).
pub mod state {
    /// On the CPU.
    pub const RUNNING: u8 = 0;
    /// In the run queue.
    pub const READY: u8 = 1;
    /// Waiting for something (in the scheduler's waiter list).
    pub const BLOCKED: u8 = 2;
    /// Gone: it will never run again (its stack is freed once the CPU has left it).
    pub const DEAD: u8 = 3;
}

/// [`Task::work`] bits: something to do before the task returns to user mode.
pub mod work {
    /// A signal may be pending and unblocked: look at the pending sets.
    pub const SIGNAL: u32 = 1;
    /// A pending signal must end a blocking wait (it terminates or stops the task).
    pub const INTERRUPT: u32 = 2;
}

/// A thread.
pub struct Task {
    /// Thread id (equal to the pid for a process's first thread).
    pub tid: Pid,
    /// The process it belongs to.
    pub process: Arc<Process>,
    /// Its kernel stack (kept while the task exists).
    _stack: KernelStack,
    /// Top of its kernel stack: system calls and traps from user mode save the user
    /// context just below it.
    pub kernel_stack_top: u64,
    /// The kernel stack pointer saved by the context switch while the task is not running.
    pub(crate) saved_rsp: UnsafeCell<u64>,
    /// The user FPU/SSE registers while the task is not running.
    pub(crate) fpu: UnsafeCell<Box<FxImage>>,
    /// Scheduling state (`state::*`).
    pub state: AtomicU8,
    /// Work before returning to user mode (`work::*` bits).
    pub work: AtomicU32,
    /// Signals sent to this thread (tkill, tgkill, faults, SIGPIPE) not yet delivered.
    pub pending: AtomicU64,
    /// `set_tid_address`: where to write 0 (and wake a futex) when the thread exits.
    pub clear_child_tid: AtomicU64,
    /// `CLONE_CHILD_SETTID`: where the new thread stores its id when it first runs (0:
    /// nowhere).
    pub set_child_tid: AtomicU64,
    /// `set_robust_list`: head of the robust futex list and its length (stored).
    pub robust_list: AtomicU64,
    /// Blocked signals.
    pub sigmask: AtomicU64,
    /// The alternate signal stack (`sigaltstack`).
    pub altstack: SpinMutex<AltStack>,
    /// The user's FS base (`arch_prctl(ARCH_SET_FS)`), in the FS_BASE register while the
    /// task runs.
    pub fs_base: AtomicU64,
    /// The user's GS base (`arch_prctl(ARCH_SET_GS)`), in the GS_BASE register while the
    /// task runs.
    pub gs_base: AtomicU64,
}

// SAFETY: the `UnsafeCell` fields are touched only by the context switch, with interrupts
// off on the one CPU: `saved_rsp` of the task being left and of the task being entered,
// `fpu` of the same two, neither of which can be running anything else meanwhile.
unsafe impl Sync for Task {}

impl Task {
    /// The first thread of `process`, running on `stack`, with the FPU state `fpu`.
    pub fn new(process: Arc<Process>, stack: KernelStack, fpu: Box<FxImage>) -> Self {
        let kernel_stack_top = stack.top();
        Task {
            tid: process.pid,
            process,
            _stack: stack,
            kernel_stack_top,
            saved_rsp: UnsafeCell::new(0),
            fpu: UnsafeCell::new(fpu),
            state: AtomicU8::new(state::RUNNING),
            work: AtomicU32::new(0),
            pending: AtomicU64::new(0),
            clear_child_tid: AtomicU64::new(0),
            set_child_tid: AtomicU64::new(0),
            robust_list: AtomicU64::new(0),
            sigmask: AtomicU64::new(0),
            altstack: SpinMutex::new(AltStack::disabled()),
            fs_base: AtomicU64::new(0),
            gs_base: AtomicU64::new(0),
        }
    }

    /// The blocked signals.
    pub fn sigmask(&self) -> SigSet {
        SigSet(self.sigmask.load(Ordering::Relaxed))
    }

    /// Sets the blocked signals (SIGKILL and SIGSTOP are never blocked), and notes work
    /// if a pending signal became unblocked.
    pub fn set_sigmask(&self, mask: SigSet) {
        let mask = mask.blockable();
        self.sigmask.store(mask.0, Ordering::Relaxed);
        let pending =
            self.pending.load(Ordering::Relaxed) | self.process.pending.load(Ordering::Relaxed);
        if pending & !mask.0 != 0 {
            self.work.fetch_or(work::SIGNAL, Ordering::Relaxed);
        }
    }

    /// Whether a blocking wait must end now for a signal (`work::INTERRUPT`).
    pub fn interrupted(&self) -> bool {
        self.work.load(Ordering::Relaxed) & work::INTERRUPT != 0
    }

    /// Whether the task has ended.
    pub fn is_dead(&self) -> bool {
        self.state.load(Ordering::Relaxed) == state::DEAD
    }
}
