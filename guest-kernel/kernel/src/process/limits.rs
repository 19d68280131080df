//! How many processes may exist: the system-wide limit and the default RLIMIT_NPROC, both
//! sized from memory as Linux sizes them (`posix::rlimit::max_threads`: the kernel stacks
//! of all tasks may take an eighth of RAM; init's RLIMIT_NPROC is half of that). With the
//! default 128 MiB guest that is 512 processes in all and 256 per user: a fork bomb hits
//! the limit (EAGAIN) long before memory runs out.

use crate::mm::{frame, kstack};
use core::sync::atomic::{AtomicU64, Ordering};

/// The system-wide process limit (Linux `max_threads`, `kernel.threads-max`).
static MAX_PROCESSES: AtomicU64 = AtomicU64::new(posix::rlimit::MIN_THREADS);

/// Sizes the limits from the memory free at boot. Once, before the first process.
pub fn init() {
    let limit = posix::rlimit::max_threads(frame::free_bytes(), kstack::STACK_SIZE);
    MAX_PROCESSES.store(limit, Ordering::Relaxed);
}

/// The system-wide process limit.
pub fn max_processes() -> u64 {
    MAX_PROCESSES.load(Ordering::Relaxed)
}

/// RLIMIT_NPROC of init, which every process inherits unless changed.
pub fn nproc_default() -> u64 {
    max_processes() / 2
}
