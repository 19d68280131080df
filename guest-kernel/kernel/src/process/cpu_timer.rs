//! The CPU-time interval timers of a process: `ITIMER_VIRTUAL` (user time: SIGVTALRM) and
//! `ITIMER_PROF` (user and system time: SIGPROF), setitimer(2) and getitimer(2).
//!
//! Each timer is an expiry on one of the process's CPU-time clocks (`cputime`), so what
//! the process runs is what counts: sleeping does not bring it closer. While one is armed
//! the process's task has the persistent `work::CPU_TIMER` bit, so the task loop looks at
//! the timers ([`check`]) every time it returns to user mode, and nothing is added to the
//! path of processes without them. A program that computes without entering the kernel
//! is still interrupted in time: [`check`] arms the scheduler's timer for the earliest
//! expiry as if all of the time from now on were counted (a user-mode loop's is); if it
//! fires early (the kernel's time did not count for VIRTUAL), the next check arms it
//! again for what is left.
//!
//! fork: the child's timers are off (setitimer(2): "A child created via fork(2) does not
//! inherit its parent's interval timers"); exec keeps them; exit drops them.

use super::signal::send_to_process;
use super::task::work;
use super::{Process, cputime, current};
use crate::{sched, time};
use core::sync::atomic::Ordering;
use posix::signal::info::{SigInfo, code};
use posix::signal::num::{SIGPROF, SIGVTALRM};
use posix::time::CpuTimes;

/// `ITIMER_VIRTUAL`.
pub const VIRTUAL: usize = 0;
/// `ITIMER_PROF`.
pub const PROF: usize = 1;

/// One CPU-time timer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuTimer {
    /// When it next fires, in ns of its clock (0: disarmed).
    pub expires_ns: u64,
    /// Nanoseconds between expiries (0: one-shot).
    pub interval_ns: u64,
}

/// The clock of timer `which`: user time for VIRTUAL, user and system for PROF.
fn clock(which: usize, times: CpuTimes) -> u64 {
    if which == VIRTUAL { times.user_ns } else { times.total_ns() }
}

/// The signal of timer `which`.
fn signal(which: usize) -> u8 {
    if which == VIRTUAL { SIGVTALRM } else { SIGPROF }
}

/// What timer `which` of `process` reports: nanoseconds until it fires (0: disarmed, at
/// least 1 if due) and its interval.
pub fn report(process: &Process, which: usize) -> (u64, u64) {
    let timer = process.cpu_timers.lock()[which];
    if timer.expires_ns == 0 {
        return (0, timer.interval_ns);
    }
    let now = clock(which, cputime::process(process));
    (timer.expires_ns.saturating_sub(now).max(1), timer.interval_ns)
}

/// Sets timer `which` of the current process to fire after `value_ns` of its clock (0:
/// disarm), then every `interval_ns`; returns the old setting as [`report`] gives it.
pub fn set(which: usize, value_ns: u64, interval_ns: u64) -> (u64, u64) {
    let process = current::process();
    let old = report(process, which);
    let new = if value_ns == 0 {
        CpuTimer::default()
    } else {
        let now = clock(which, cputime::process(process));
        CpuTimer { expires_ns: now.saturating_add(value_ns), interval_ns }
    };
    let armed = {
        let mut timers = process.cpu_timers.lock();
        timers[which] = new;
        timers.iter().any(|t| t.expires_ns != 0)
    };
    let task = current::task();
    if armed {
        task.work.fetch_or(work::CPU_TIMER, Ordering::Relaxed);
    } else {
        task.work.fetch_and(!work::CPU_TIMER, Ordering::Relaxed);
    }
    old
}

/// Fires the current process's expired timers (the signal, SI_KERNEL, and the next expiry
/// of a periodic one), then arms the scheduler's timer for the earliest still armed.
/// Called by the task loop before user mode resumes while `work::CPU_TIMER` is set.
pub fn check() {
    let process = current::process();
    let times = cputime::process(process);
    let mut fired = [false; 2];
    let mut soonest = u64::MAX;
    {
        let mut timers = process.cpu_timers.lock();
        for (which, timer) in timers.iter_mut().enumerate() {
            if timer.expires_ns == 0 {
                continue;
            }
            let now = clock(which, times);
            if now >= timer.expires_ns {
                fired[which] = true;
                timer.expires_ns = match timer.interval_ns {
                    0 => 0,
                    // Overruns are not queued: the next expiry is one interval from now at
                    // the latest (Linux coalesces them too).
                    ns => timer.expires_ns.saturating_add(ns).max(now.saturating_add(1)),
                };
            }
            if timer.expires_ns != 0 {
                soonest = soonest.min(timer.expires_ns - now.min(timer.expires_ns));
            }
        }
    }
    for (which, _) in fired.iter().enumerate().filter(|(_, f)| **f) {
        let sig = signal(which);
        let _ = send_to_process(process, sig, SigInfo::new(sig, code::SI_KERNEL));
    }
    if soonest == u64::MAX {
        current::task().work.fetch_and(!work::CPU_TIMER, Ordering::Relaxed);
    } else {
        sched::timer::arm(time::deadline_after_ns(soonest.max(1)));
    }
}
