//! Clocks and sleeping: clock_gettime(2), clock_getres(2), gettimeofday(2), time(2),
//! nanosleep(2), clock_nanosleep(2).

use super::SysResult;
use crate::process::current;
use crate::sched;
use crate::time::{self, clock};
use crate::uaccess;
use linux_raw_sys::general::{TIMER_ABSTIME, timespec};
use posix::Errno;
use posix::time::{Clock, NSEC_PER_SEC, Timespec};

/// The current value of `clock`, in ns.
fn now_ns(clock: Clock) -> u64 {
    match clock {
        Clock::Realtime => clock::realtime_ns(),
        Clock::Monotonic => clock::monotonic_ns(),
        Clock::CpuTime => clock::ns_since(current::process().start_tsc),
    }
}

fn to_user(ns: u64) -> timespec {
    let t = Timespec::from_ns(ns);
    timespec { tv_sec: t.sec, tv_nsec: t.nsec }
}

/// clock_gettime(clockid, tp).
pub fn sys_clock_gettime(clockid: i32, tp: u64) -> SysResult {
    let clock = Clock::from_id(clockid)?;
    uaccess::write(tp, &to_user(now_ns(clock)))?;
    Ok(0)
}

/// clock_getres(clockid, res): 1 ns (the TSC is finer).
pub fn sys_clock_getres(clockid: i32, res: u64) -> SysResult {
    Clock::from_id(clockid)?;
    if res != 0 {
        uaccess::write(res, &to_user(1))?;
    }
    Ok(0)
}

/// gettimeofday(tv, tz): the time zone is always UTC (zeros).
pub fn sys_gettimeofday(tv: u64, tz: u64) -> SysResult {
    let ns = clock::realtime_ns();
    if tv != 0 {
        let value = [ns / NSEC_PER_SEC, (ns % NSEC_PER_SEC) / 1000];
        uaccess::write(tv, &value)?;
    }
    if tz != 0 {
        uaccess::write(tz, &0u64)?;
    }
    Ok(0)
}

/// time(tloc).
pub fn sys_time(tloc: u64) -> SysResult {
    let secs = clock::realtime_ns() / NSEC_PER_SEC;
    if tloc != 0 {
        uaccess::write(tloc, &secs)?;
    }
    Ok(secs)
}

pub(super) fn read_timespec(addr: u64) -> Result<u64, Errno> {
    let ts: timespec = uaccess::read(addr)?;
    Timespec { sec: ts.tv_sec, nsec: ts.tv_nsec }.to_ns()
}

/// Sleeps `ns` nanoseconds (other tasks run meanwhile). A signal that must be acted on
/// cuts it short: EINTR once its handler ran (signal(7): never restarted after a handler),
/// with the time left written to `rem` (0: nowhere); without a handler the process ends,
/// or stops and, once continued, the call restarts (from the start here; Linux restarts
/// it for the time left).
fn sleep(ns: u64, rem: u64) -> SysResult {
    let deadline = time::deadline_after_ns(ns);
    match sched::sleep_until(deadline) {
        Ok(()) => Ok(0),
        Err(_) => {
            if rem != 0 {
                let left = time::ticks_to_ns(deadline.saturating_sub(time::now()));
                uaccess::write(rem, &to_user(left))?;
            }
            Err(sched::ERESTARTNOHAND)
        }
    }
}

/// nanosleep(req, rem): EINVAL for a bad timespec; `rem` gets the time left when a
/// signal's handler interrupts the sleep.
pub fn sys_nanosleep(req: u64, rem: u64) -> SysResult {
    let ns = read_timespec(req)?;
    sleep(ns, rem)
}

/// clock_nanosleep(clockid, flags, req, rem): relative, or absolute with TIMER_ABSTIME;
/// CPU-time clocks are not supported (EINVAL).
pub fn sys_clock_nanosleep(clockid: i32, flags: u32, req: u64, rem: u64) -> SysResult {
    let clock = Clock::from_id(clockid)?;
    if clock == Clock::CpuTime {
        return Err(Errno::EINVAL);
    }
    let ns = read_timespec(req)?;
    // An absolute sleep reports no time left (clock_nanosleep(2)).
    if flags & TIMER_ABSTIME != 0 {
        sleep(ns.saturating_sub(now_ns(clock)), 0)
    } else {
        sleep(ns, rem)
    }
}
