//! Clocks and sleeping: clock_gettime(2), clock_getres(2), gettimeofday(2), time(2),
//! nanosleep(2), clock_nanosleep(2).

use super::SysResult;
use super::args::Args;
use crate::arch::UserContext as TrapFrame;
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
pub fn sys_clock_gettime(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let clock = Clock::from_id(a.i32(0))?;
    uaccess::write(a.u64(1), &to_user(now_ns(clock)))?;
    Ok(0)
}

/// clock_getres(clockid, res): 1 ns (the TSC is finer).
pub fn sys_clock_getres(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    Clock::from_id(a.i32(0))?;
    if a.u64(1) != 0 {
        uaccess::write(a.u64(1), &to_user(1))?;
    }
    Ok(0)
}

/// gettimeofday(tv, tz): the time zone is always UTC (zeros).
pub fn sys_gettimeofday(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let ns = clock::realtime_ns();
    if a.u64(0) != 0 {
        let tv = [ns / NSEC_PER_SEC, (ns % NSEC_PER_SEC) / 1000];
        uaccess::write(a.u64(0), &tv)?;
    }
    if a.u64(1) != 0 {
        uaccess::write(a.u64(1), &0u64)?;
    }
    Ok(0)
}

/// time(tloc).
pub fn sys_time(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let secs = clock::realtime_ns() / NSEC_PER_SEC;
    if a.u64(0) != 0 {
        uaccess::write(a.u64(0), &secs)?;
    }
    Ok(secs)
}

fn read_timespec(addr: u64) -> Result<u64, Errno> {
    let ts: timespec = uaccess::read(addr)?;
    Timespec { sec: ts.tv_sec, nsec: ts.tv_nsec }.to_ns()
}

/// Sleeps `ns` nanoseconds (other tasks run meanwhile). A signal that must be acted on
/// cuts it short: the process then ends, or stops and, once continued, the call restarts
/// (as Linux restarts it when no handler runs; from the start here, not for the time
/// left).
fn sleep(ns: u64) -> SysResult {
    sched::sleep_until(time::deadline_after_ns(ns))?;
    Ok(0)
}

/// nanosleep(req, rem): EINVAL for a bad timespec. `rem` is only written when a handler
/// interrupts the sleep, which cannot happen yet.
pub fn sys_nanosleep(frame: &mut TrapFrame) -> SysResult {
    let ns = read_timespec(Args::of(frame).u64(0))?;
    sleep(ns)
}

/// clock_nanosleep(clockid, flags, req, rem): relative, or absolute with TIMER_ABSTIME;
/// CPU-time clocks are not supported (EINVAL).
pub fn sys_clock_nanosleep(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let clock = Clock::from_id(a.i32(0))?;
    if clock == Clock::CpuTime {
        return Err(Errno::EINVAL);
    }
    let ns = read_timespec(a.u64(2))?;
    let wait = if a.u32(1) & TIMER_ABSTIME != 0 { ns.saturating_sub(now_ns(clock)) } else { ns };
    sleep(wait)
}
