//! [`Task`]: one thread of a process.

use super::Pid;
use super::Process;
use super::signal::AltStack;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};
use posix::signal::SigSet;
use spin::mutex::SpinMutex;

/// A thread.
pub struct Task {
    /// Thread id (equal to the pid for a process's first thread).
    pub tid: Pid,
    /// The process it belongs to.
    pub process: Arc<Process>,
    /// Top of its kernel stack: system calls and traps from user mode save the user
    /// context just below it.
    pub kernel_stack_top: u64,
    /// `set_tid_address`: where to write 0 (and wake a futex) when the thread exits.
    pub clear_child_tid: AtomicU64,
    /// `set_robust_list`: head of the robust futex list and its length (stored).
    pub robust_list: AtomicU64,
    /// Blocked signals.
    pub sigmask: AtomicU64,
    /// The alternate signal stack (`sigaltstack`).
    pub altstack: SpinMutex<AltStack>,
    /// The user's FS base (`arch_prctl(ARCH_SET_FS)`), also in the FS_BASE register while
    /// the task runs.
    pub fs_base: AtomicU64,
}

impl Task {
    /// The first thread of `process`, running on the kernel stack that ends at
    /// `kernel_stack_top`.
    pub fn new(process: Arc<Process>, kernel_stack_top: u64) -> Self {
        Task {
            tid: process.pid,
            process,
            kernel_stack_top,
            clear_child_tid: AtomicU64::new(0),
            robust_list: AtomicU64::new(0),
            sigmask: AtomicU64::new(0),
            altstack: SpinMutex::new(AltStack::disabled()),
            fs_base: AtomicU64::new(0),
        }
    }

    /// The blocked signals.
    pub fn sigmask(&self) -> SigSet {
        SigSet(self.sigmask.load(Ordering::Relaxed))
    }

    /// Sets the blocked signals (SIGKILL and SIGSTOP are never blocked).
    pub fn set_sigmask(&self, mask: SigSet) {
        self.sigmask.store(mask.blockable().0, Ordering::Relaxed);
    }
}
