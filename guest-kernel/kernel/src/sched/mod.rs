//! The scheduler: one CPU, tasks in a first-come-first-served run queue, preemption of
//! user code by the LAPIC timer, blocking waits with conditions.
//!
//! Model:
//! - The kernel is not preemptible (interrupts are off in it, except in the idle `hlt`
//!   and in drivers' waits for their devices). A task leaves the CPU only by blocking
//!   ([`wait::wait_until`]), yielding ([`events::yield_now`]: `sched_yield`, the end of a
//!   time slice), or exiting ([`switch::exit_current`]).
//! - User code is preempted: the timer interrupt notes that the slice is over and the
//!   task yields on its way back to user mode (the task loop in `entry` asks [`poll`]
//!   before every return to user mode).
//! - Interrupt handlers never touch scheduler state; they leave notes that the idle loop
//!   and the task loop act on.
//! - Idle is `sti; hlt` on the stack of whichever task blocked last.
//!
//! The scheduler calls nothing above it: it knows tasks ([`Task`], with the owner they
//! belong to seen through `task::TaskOwner`), not processes.
//!
//! Files: `task.rs` the task, `current.rs` which task runs, `queue.rs` the run queue and
//! the waiters, `switch.rs` the switch and the idle loop's caller, `wait.rs` blocking and
//! waking, `timer.rs` deadlines and time slices, `events.rs` interrupts seen by the
//! scheduler.

pub mod current;
pub mod events;
pub mod queue;
pub mod switch;
pub mod task;
pub mod timer;
pub mod wait;

pub use events::{poll, yield_now};
pub use queue::Kind;
pub use task::Task;
pub use wait::{
    ERESTART_RESTARTBLOCK, ERESTARTNOHAND, ERESTARTSYS, Restart, WaitError, sleep_until,
    wait_until, wake, wake_task,
};

/// Sets up the timer and gives the file system its blocking hooks. Once, before the first
/// process.
pub fn init(max_tasks: usize) -> Result<(), posix::Errno> {
    timer::init();
    // Room in the run queue and the waiter list for every task there may be, once: then
    // queueing and blocking never allocate, and fork has nothing to reserve.
    queue::lock().reserve_task(max_tasks)
}
