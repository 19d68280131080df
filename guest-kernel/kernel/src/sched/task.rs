//! [`Task`]: one thread: what the scheduler switches between.
//!
//! The scheduler does not know what a process is. A task belongs to an owner (the process
//! layer's `Process`) that it sees only through [`TaskOwner`]: the one thing a switch needs
//! from it, the address space's top-level table. The process layer recovers its own type
//! from the owner (`process::current`), since it alone creates tasks.
//!
//! Besides the scheduling state (kernel stack, saved kernel stack pointer, FPU image, run
//! state), a task carries the per-thread state of the UNIX model that the layers above
//! keep in it, like Linux's `task_struct`: its id, signal mask and pending signals, the
//! alternate signal stack and the futex words of `clone`/`set_tid_address`. Its user
//! registers live in the [`UserContext`] at the top of its kernel stack.

use crate::arch::UserContext;
use crate::arch::x86_64::fpu::FxImage;
use crate::arch::x86_64::switch::prepare_stack;
use crate::mm::kstack::KernelStack;
use alloc::boxed::Box;
use alloc::sync::Arc;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicPtr, AtomicU8, AtomicU32, AtomicU64, Ordering};
use posix::signal::SigSet;
use posix::signal::state::AltStack;
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
    /// A CPU-time interval timer is armed: look at it every time (stays set while armed).
    pub const CPU_TIMER: u32 = 4;
}

/// The function every task starts in (the task loop's entry, `entry::task_start`).
pub type TaskStart = extern "C" fn() -> !;

/// The installed [`TaskStart`] (null: none yet).
static TASK_START: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

/// Installs the function every task starts in: given by the kernel's top floor at boot,
/// so the scheduler (and the process layer, which creates tasks) need not name it.
pub fn set_task_start(start: TaskStart) {
    TASK_START.store(start as *mut (), Ordering::Relaxed);
}

/// [`Task::saved_sigmask`] when there is none (no real mask blocks SIGKILL).
pub const NO_SAVED_MASK: u64 = u64::MAX;

/// A thread id (equal to the pid for a process's first thread).
pub type Tid = u32;

/// What a task belongs to, as the scheduler sees it.
pub trait TaskOwner: Send + Sync {
    /// Physical address of the top-level page table of the address space the task runs in
    /// (loaded into CR3 when the task is switched to). Read without a lock.
    fn address_space_root(&self) -> u64;
}

/// A thread.
pub struct Task {
    /// Thread id (equal to the pid for a process's first thread).
    pub tid: Tid,
    /// What it belongs to (its process).
    owner: Arc<dyn TaskOwner>,
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
    /// The `siginfo` of each signal in `pending` (empty until one is sent).
    pub infos: SpinMutex<alloc::vec::Vec<posix::signal::info::SigInfo>>,
    /// `set_tid_address`: where to write 0 (and wake a futex) when the thread exits.
    pub clear_child_tid: AtomicU64,
    /// `CLONE_CHILD_SETTID`: where the new thread stores its id when it first runs (0:
    /// nowhere).
    pub set_child_tid: AtomicU64,
    /// `set_robust_list`: head of the robust futex list and its length (stored).
    pub robust_list: AtomicU64,
    /// Blocked signals.
    pub sigmask: AtomicU64,
    /// The mask `rt_sigsuspend` replaced, to restore when its wait ends ([`NO_SAVED_MASK`]:
    /// none). A handler's frame records it instead of the temporary mask.
    pub saved_sigmask: AtomicU64,
    /// The alternate signal stack (`sigaltstack`).
    pub altstack: SpinMutex<AltStack>,
    /// The restart block (Linux `restart_block`): the TSC deadline of a relative sleep a
    /// signal cut short, which `restart_syscall(2)` resumes (0: nothing to resume).
    pub restart_deadline: AtomicU64,
    /// With [`Task::restart_deadline`]: where that sleep reports the time left (0: nowhere).
    pub restart_rem: AtomicU64,
    /// TSC ticks the task ran (user and kernel) before its current turn on the CPU.
    cpu_ticks: AtomicU64,
    /// TSC value when its current turn on the CPU began.
    on_cpu_since: AtomicU64,
}

// SAFETY: the `UnsafeCell` fields are touched only by the context switch, with interrupts
// off on the one CPU: `saved_rsp` of the task being left and of the task being entered,
// `fpu` of the same two, neither of which can be running anything else meanwhile.
unsafe impl Sync for Task {}

impl Task {
    /// Task `tid` of `owner`, running on `stack`, with the FPU state `fpu`. Its user
    /// context (at the top of `stack`) is the caller's to write before the task first runs.
    pub fn new(tid: Tid, owner: Arc<dyn TaskOwner>, stack: KernelStack, fpu: Box<FxImage>) -> Self {
        let kernel_stack_top = stack.top();
        Task {
            tid,
            owner,
            _stack: stack,
            kernel_stack_top,
            saved_rsp: UnsafeCell::new(0),
            fpu: UnsafeCell::new(fpu),
            state: AtomicU8::new(state::RUNNING),
            work: AtomicU32::new(0),
            pending: AtomicU64::new(0),
            infos: SpinMutex::new(alloc::vec::Vec::new()),
            clear_child_tid: AtomicU64::new(0),
            set_child_tid: AtomicU64::new(0),
            robust_list: AtomicU64::new(0),
            sigmask: AtomicU64::new(0),
            saved_sigmask: AtomicU64::new(NO_SAVED_MASK),
            altstack: SpinMutex::new(AltStack::disabled()),
            restart_deadline: AtomicU64::new(0),
            restart_rem: AtomicU64::new(0),
            cpu_ticks: AtomicU64::new(0),
            on_cpu_since: AtomicU64::new(0),
        }
    }

    /// Ends the task's turn on the CPU at TSC value `now` (the scheduler, when it leaves it).
    pub(crate) fn off_cpu(&self, now: u64) {
        let since = self.on_cpu_since.load(Ordering::Relaxed);
        self.cpu_ticks.fetch_add(now.saturating_sub(since), Ordering::Relaxed);
    }

    /// Starts a turn on the CPU at TSC value `now` (the scheduler, when it picks it).
    pub(crate) fn on_cpu(&self, now: u64) {
        self.on_cpu_since.store(now, Ordering::Relaxed);
    }

    /// TSC ticks the task has run in all (user and kernel), up to `now` if it is the
    /// running task.
    pub fn cpu_ticks(&self, now: u64) -> u64 {
        let past = self.cpu_ticks.load(Ordering::Relaxed);
        if super::current::try_task().is_some_and(|t| core::ptr::eq(t, self)) {
            past + now.saturating_sub(self.on_cpu_since.load(Ordering::Relaxed))
        } else {
            past
        }
    }

    /// TSC ticks the task has spent in user mode (read from its saved context).
    pub fn user_ticks(&self) -> u64 {
        // SAFETY: one CPU and a kernel that is not preempted: the task is either the
        // caller (whose context only `enter_user` writes, not now) or not running, so
        // nothing writes its context during this read; the read takes no reference that
        // outlives it.
        unsafe { (*UserContext::at_stack_top(self.kernel_stack_top)).user_ticks() }
    }

    /// The owner.
    pub fn owner(&self) -> &Arc<dyn TaskOwner> {
        &self.owner
    }

    /// The task's user context (its saved user registers), at the top of its kernel stack.
    ///
    /// # Safety
    /// Only the task itself, and whoever creates it before it first runs, may use the
    /// context; no two references to it may be live at once.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn user_context(&self) -> &mut UserContext {
        // SAFETY: the stack's top holds the task's context (see `UserContext`); exclusivity
        // is the caller's promise.
        unsafe { UserContext::at_stack_top(self.kernel_stack_top) }
    }

    /// Prepares the task's first switch: it will start in the task-start function
    /// ([`set_task_start`]), below its user context.
    ///
    /// # Safety
    /// The task must never have run, and nothing else may use its stack meanwhile.
    pub unsafe fn prepare_first_run(&self) {
        let start = TASK_START.load(Ordering::Relaxed);
        assert!(!start.is_null(), "no task-start function installed");
        // SAFETY: a non-null value was stored by `set_task_start` from a `TaskStart`.
        let start = unsafe { core::mem::transmute::<*mut (), TaskStart>(start) };
        let below = self.kernel_stack_top - size_of::<UserContext>() as u64;
        // SAFETY: the stack below the context is unused (the task never ran); the context's
        // size keeps `below` 16-byte aligned. The caller guarantees exclusive access.
        unsafe { *self.saved_rsp.get() = prepare_stack(below, start) };
    }

    /// The blocked signals.
    pub fn sigmask(&self) -> SigSet {
        SigSet(self.sigmask.load(Ordering::Relaxed))
    }

    /// Sets the blocked signals (SIGKILL and SIGSTOP are never blocked), and notes work
    /// (and the end of any wait) if a pending signal became unblocked (`shared_pending`: the signals pending for the
    /// whole process).
    pub fn set_sigmask(&self, mask: SigSet, shared_pending: u64) {
        let mask = mask.blockable();
        self.sigmask.store(mask.0, Ordering::Relaxed);
        let pending = self.pending.load(Ordering::Relaxed) | shared_pending;
        if pending & !mask.0 != 0 {
            // Also INTERRUPT: a wait that follows in the same call (sigsuspend, ppoll and
            // pselect with a mask) must end for it at once, as Linux's recalc_sigpending
            // makes signal_pending() true. An ignored one only costs a restarted wait.
            self.work.fetch_or(work::SIGNAL | work::INTERRUPT, Ordering::Relaxed);
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
