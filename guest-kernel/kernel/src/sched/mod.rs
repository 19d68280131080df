//! The scheduler: one CPU, tasks in a first-come-first-served run queue, preemption of
//! user code by the LAPIC timer, blocking waits with conditions.
//!
//! Model:
//! - The kernel is not preemptible (interrupts are off in it, except in the idle `hlt`
//!   and in drivers' waits for their devices). A task leaves the CPU only by blocking
//!   ([`wait::wait_until`]), yielding ([`events::yield_now`]: `sched_yield`, the end of a
//!   time slice), or exiting ([`switch::exit_current`]).
//! - User code is preempted: the timer interrupt notes that the slice is over and the
//!   task yields on its way back to user mode (`events::return_to_user`, which every
//!   system call and every trap from user mode ends with).
//! - Interrupt handlers never touch scheduler state; they leave notes that the idle loop
//!   and `return_to_user` act on.
//! - Idle is `sti; hlt` on the stack of whichever task blocked last.
//!
//! Files: `queue.rs` the run queue and the waiters, `switch.rs` the switch and the idle
//! loop's caller, `wait.rs` blocking and waking (and the file system's hooks),
//! `timer.rs` deadlines and time slices, `events.rs` interrupts and the return to user
//! mode.

pub mod events;
pub mod queue;
pub mod switch;
pub mod timer;
pub mod wait;

pub use events::{return_to_user, yield_now};
pub use queue::Kind;
pub use wait::{ERESTARTSYS, WaitError, sleep_until, wait_until, wake, wake_task};

/// Sets up the timer and gives the file system its blocking hooks. Once, before the first
/// process.
pub fn init(max_tasks: usize) -> Result<(), posix::Errno> {
    timer::init();
    wait::install_fs_hooks();
    // Room in the run queue and the waiter list for every task there may be, once: then
    // queueing and blocking never allocate, and fork has nothing to reserve.
    queue::lock().reserve_task(max_tasks)
}
