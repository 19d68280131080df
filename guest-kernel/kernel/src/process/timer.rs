//! The real-time interval timer of a process (`ITIMER_REAL`: `setitimer`, `getitimer`,
//! `alarm`): SIGALRM when it expires, then again every interval (setitimer(2),
//! POSIX XSH `alarm`). Each process keeps its deadline (a TSC value) and interval; the
//! scheduler's timer fires for the earliest of them through the client hook
//! (`sched::timer::set_client_hook`), which runs [`fire`] outside the scheduler's lock.
//!
//! fork: the child's timer is off (POSIX: "alarms ... are not inherited"); exec keeps it;
//! exit drops it with the process.

use super::signal::send_to_process;
use super::{Process, registry};
use crate::{sched, time};
use posix::signal::info::{SigInfo, code};
use posix::signal::num::SIGALRM;

/// A real-time timer: when it next fires and how often after that.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RealTimer {
    /// TSC value of the next expiry (0: disarmed).
    pub deadline: u64,
    /// Nanoseconds between expiries (0: one-shot).
    pub interval_ns: u64,
}

/// What a timer reports: nanoseconds until it fires (0: disarmed) and its interval.
pub fn report(timer: &RealTimer) -> (u64, u64) {
    if timer.deadline == 0 {
        return (0, timer.interval_ns);
    }
    // A timer due but not yet fired reports the smallest nonzero value, as Linux does.
    let left = time::ticks_to_ns(timer.deadline.saturating_sub(time::now())).max(1);
    (left, timer.interval_ns)
}

/// Sets `process`'s timer to fire in `value_ns` (0: disarm), then every `interval_ns`;
/// returns the old setting as [`report`] gives it.
pub fn set(process: &Process, value_ns: u64, interval_ns: u64) -> (u64, u64) {
    let new = if value_ns == 0 {
        RealTimer::default()
    } else {
        RealTimer { deadline: time::deadline_after_ns(value_ns), interval_ns }
    };
    let old = core::mem::replace(&mut *process.real_timer.lock(), new);
    if new.deadline != 0 {
        sched::timer::add_client_deadline(new.deadline);
    }
    report(&old)
}

/// The client hook: sends SIGALRM to every process whose timer expired by `now` (and
/// re-arms periodic ones); returns the earliest deadline left (0: none).
pub fn fire(now: u64) -> u64 {
    let processes: alloc::vec::Vec<_> = registry::lock().all().cloned().collect();
    let mut next = 0;
    for process in &processes {
        let due = {
            let mut timer = process.real_timer.lock();
            let due = timer.deadline != 0 && timer.deadline <= now;
            if due {
                timer.deadline = match timer.interval_ns {
                    0 => 0,
                    ns => time::deadline_after_ns(ns),
                };
            }
            if timer.deadline != 0 && (next == 0 || timer.deadline < next) {
                next = timer.deadline;
            }
            due
        };
        if due && process.main_task().is_some() {
            let _ = send_to_process(process, SIGALRM, SigInfo::new(SIGALRM, code::SI_KERNEL));
        }
    }
    next
}
