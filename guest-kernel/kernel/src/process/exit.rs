//! The end of a process (POSIX XSH `_exit`; Linux kernel/exit.c `do_exit`).
//!
//! In order: the descriptors are closed (pipe peers see EOF or EPIPE), the address space
//! is let go (dropped once the CPU has left it), a parent sleeping in `vfork` is released,
//! the registry makes the process a zombie and hands its children to init, the parent is
//! told (its waits wake up, SIGCHLD; a parent that ignores SIGCHLD has the child reaped at
//! once), orphaned process groups with stopped members get SIGHUP then SIGCONT, and the
//! task switches away for good. The zombie keeps only its registry entry and a small
//! `Process` until its parent reaps it (`wait`).
//!
//! When PID 1 ends there is nobody to report to: the kernel powers the VM off with the
//! status a shell would report for it (exit code, or 128 + the signal; POSIX XCU 2.8.2
//! "Exit Status for Commands"), which is what `vmm run` exits with.

use super::signal::send::child_info;
use super::signal::send::{Notice, notify_parent};
use super::signal::send_to_process;
use super::{Process, current, registry};
use crate::{power, sched, time};
use core::sync::atomic::Ordering;
use posix::process::INIT;
use posix::process::status::ChildEvent;
use posix::signal::info::{SigInfo, code};
use posix::signal::num::{SIGCONT, SIGHUP};

/// Ends the current process with `event` (an exit or a death by signal). Does not return.
pub fn exit_process(event: ChildEvent) -> ! {
    let task = current::task();
    let process = current::process();
    crate::klog::verbose(format_args!(
        "pid {} exits: status {}",
        process.pid,
        event.shell_status()
    ));
    // Descriptors are closed before a power-off too, so the console's output is complete
    // (pipes and files have nothing to flush: writes are synchronous).
    process.files.lock().close_all();
    if process.pid == INIT {
        power::power_off(event.shell_status());
    }
    clear_child_tid(task);
    // A zombie's timer would fire for nothing.
    *process.real_timer.lock() = super::timer::RealTimer::default();
    let empty = Process::empty_mm().expect("the empty address space exists from boot");
    let mm = process.replace_mm(empty);
    release_vfork_parent(process);
    // A session leader's end hangs up its controlling terminal (before it leaves the
    // table, while its session is still known).
    crate::tty::session_leader_exits(process.pid);
    let (fx, ppid) = {
        let mut r = registry::lock();
        let fx = r.table.exit(process.pid, event);
        for &child in &fx.reparented {
            if let Some(c) = r.get(child) {
                c.ppid.store(INIT, Ordering::Relaxed);
            }
        }
        (fx, process.ppid())
    };
    super::cputime::thread_ended(process, task);
    process.tasks.lock().clear();
    let info = child_info(process, event);
    if notify_parent(ppid, Notice::Exited { signal: process.exit_signal, info }) {
        reap(process.pid);
    }
    if !fx.reparented.is_empty() {
        // init may have zombies to reap now.
        notify_parent(INIT, Notice::Exited { signal: 0, info });
    }
    hang_up(&fx.hangup_groups);
    sched::switch::exit_current(mm)
}

/// `set_tid_address`/`CLONE_CHILD_CLEARTID`, at exit and exec: with memory shared with
/// others (a vfork or `CLONE_VM` parent, threads later), 0 is written at the address and
/// one waiter on it is woken (a shared FUTEX_WAKE), so a joiner sleeping in FUTEX_WAIT on
/// the word returns. Linux `mm_release`. The task's address space must still be the one
/// the address belongs to.
pub fn clear_child_tid(task: &super::Task) {
    let addr = task.clear_child_tid.swap(0, Ordering::Relaxed);
    if addr != 0 && alloc::sync::Arc::strong_count(&current::process_of(task).mm()) > 2 {
        let _ = crate::uaccess::write(addr, &0u32);
        super::futex::wake_cleared_tid(addr);
    }
}

/// A vfork child that exits (or execs) lets its parent run again.
pub fn release_vfork_parent(process: &Process) {
    if process.in_vfork.swap(false, Ordering::Relaxed) {
        sched::wake(process.self_chan());
    }
}

/// Removes the zombie `pid` for good (its parent reaped it, or did not want it); returns
/// how it ended.
pub fn reap(pid: u32) -> Option<ChildEvent> {
    let now = time::clock::monotonic_ns();
    let mut r = registry::lock();
    let event = r.table.reap(pid, now).ok()?;
    let process = r.remove(pid);
    drop(r);
    drop(process);
    Some(event)
}

/// SIGHUP then SIGCONT to every member of the newly orphaned groups `pgids`, which have
/// stopped members (POSIX XSH `_exit`; DragonFly `orphanpg`): exit, setpgid and setsid
/// can orphan a group (`posix::process::Effects::hangup_groups`).
pub fn hang_up(pgids: &[u32]) {
    for &pgid in pgids {
        let members: alloc::vec::Vec<_> = {
            let r = registry::lock();
            r.table.members(pgid).filter_map(|p| r.get(p).cloned()).collect()
        };
        for p in &members {
            let _ = send_to_process(p, SIGHUP, SigInfo::new(SIGHUP, code::SI_KERNEL));
            let _ = send_to_process(p, SIGCONT, SigInfo::new(SIGCONT, code::SI_KERNEL));
        }
    }
}
