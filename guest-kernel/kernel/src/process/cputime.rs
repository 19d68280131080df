//! CPU time of threads and processes (times(2), getrusage(2), wait4(2)'s usage, the
//! CPU-time clocks).
//!
//! Measured, not sampled: `arch::enter_user` counts each context's TSC ticks in user mode,
//! and the scheduler counts each task's ticks on the CPU (`sched::Task::cpu_ticks`); a
//! thread's system time is the difference. A process's time is that of its live threads
//! plus what its ended threads left ([`ProcessCpu::ended`]); its children's time is what
//! the children it reaped with `wait` had, theirs included (POSIX XSH `times`: "the
//! children's times ... of terminated children for which it has executed a wait").
//! A child reaped without a wait (SIGCHLD ignored, SA_NOCLDWAIT) adds nothing, as on Linux.

use super::{Process, Task};
use crate::time;
use posix::time::CpuTimes;

/// The CPU time a process keeps besides its live threads'.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcessCpu {
    /// Its threads that ended.
    pub ended: CpuTimes,
    /// Its children it reaped by waiting (theirs included).
    pub children: CpuTimes,
}

/// The CPU time of `task` so far.
pub fn thread(task: &Task) -> CpuTimes {
    let total = task.cpu_ticks(time::now());
    CpuTimes::from_total(time::ticks_to_ns(total), time::ticks_to_ns(task.user_ticks()))
}

/// The CPU time of `process` so far: its live threads and its ended ones.
pub fn process(process: &Process) -> CpuTimes {
    let ended = process.cpu.lock().ended;
    process.tasks.lock().iter().fold(ended, |sum, task| sum.plus(thread(task)))
}

/// The CPU time of the children `process` reaped.
pub fn children(process: &Process) -> CpuTimes {
    process.cpu.lock().children
}

/// Keeps the time of `task`, a thread of `process` that is ending.
pub fn thread_ended(process: &Process, task: &Task) {
    let spent = thread(task);
    let mut cpu = process.cpu.lock();
    cpu.ended = cpu.ended.plus(spent);
}

/// `parent` reaped `child` by waiting: the child's time, and its children's, become part
/// of the parent's children's time (Linux `wait_task_zombie`).
pub fn reaped(parent: &Process, child: &Process) {
    let spent = {
        let c = child.cpu.lock();
        c.ended.plus(c.children)
    };
    let mut cpu = parent.cpu.lock();
    cpu.children = cpu.children.plus(spent);
}
