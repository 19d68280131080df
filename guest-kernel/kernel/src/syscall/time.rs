//! Clocks and sleeping: clock_gettime(2), clock_getres(2), gettimeofday(2), time(2),
//! nanosleep(2), clock_nanosleep(2).

use super::SysResult;
use crate::process::{cpu_timer, cputime, current};
use crate::sched;
use crate::time::{self, clock};
use crate::uaccess;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{TIMER_ABSTIME, timespec};
use posix::Errno;
use posix::time::{Clock, NSEC_PER_SEC, Timespec};

/// The current value of `clock`, in ns.
fn now_ns(clock: Clock) -> u64 {
    match clock {
        Clock::Realtime => clock::realtime_ns(),
        Clock::Monotonic => clock::monotonic_ns(),
        Clock::ProcessCpuTime => cputime::process(current::process()).total_ns(),
        Clock::ThreadCpuTime => cputime::thread(current::task()).total_ns(),
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

/// Sleeps `ns` nanoseconds (other tasks run meanwhile); see [`sleep_until`].
fn sleep(ns: u64, rem: u64) -> SysResult {
    sleep_until(time::deadline_after_ns(ns), rem)
}

/// Sleeps until the TSC reaches `deadline`. A signal that must be acted on cuts it short:
/// EINTR once its handler ran (signal(7): never restarted after a handler), with the time
/// left written to `rem` (0: nowhere); without a handler the process ends, or stops and,
/// once continued, sleeps on for the time it had left: the deadline goes into the task's
/// restart block and the call becomes `restart_syscall(2)` (Linux `hrtimer_nanosleep`).
fn sleep_until(deadline: u64, rem: u64) -> SysResult {
    match sched::sleep_until(deadline) {
        Ok(()) => Ok(0),
        Err(_) => {
            if rem != 0 {
                let left = time::ticks_to_ns(deadline.saturating_sub(time::now()));
                uaccess::write(rem, &to_user(left))?;
            }
            let task = current::task();
            task.restart_deadline.store(deadline, Ordering::Relaxed);
            task.restart_rem.store(rem, Ordering::Relaxed);
            Err(sched::ERESTART_RESTARTBLOCK)
        }
    }
}

/// restart_syscall(): resumes the sleep a signal cut short (the task's restart block),
/// which the kernel substituted for it on the way back to user mode; EINTR when there is
/// nothing to resume, as for a program that calls it itself (Linux
/// `do_no_restart_syscall`).
pub fn sys_restart_syscall() -> SysResult {
    let task = current::task();
    match task.restart_deadline.swap(0, Ordering::Relaxed) {
        0 => Err(Errno::EINTR),
        deadline => sleep_until(deadline, task.restart_rem.load(Ordering::Relaxed)),
    }
}

/// nanosleep(req, rem): EINVAL for a bad timespec; `rem` gets the time left when a
/// signal's handler interrupts the sleep.
pub fn sys_nanosleep(req: u64, rem: u64) -> SysResult {
    let ns = read_timespec(req)?;
    sleep(ns, rem)
}

/// clock_nanosleep(clockid, flags, req, rem): relative, or absolute with TIMER_ABSTIME;
/// sleeping on a CPU-time clock is not supported: EINVAL for the thread's (as Linux) and
/// EOPNOTSUPP (ENOTSUP) for the process's (Linux's returns once the other threads used that much CPU;
/// with one thread per process it could never end).
pub fn sys_clock_nanosleep(clockid: i32, flags: u32, req: u64, rem: u64) -> SysResult {
    let clock = match Clock::from_id(clockid)? {
        Clock::ThreadCpuTime => return Err(Errno::EINVAL),
        Clock::ProcessCpuTime => return Err(Errno::EOPNOTSUPP),
        clock => clock,
    };
    let ns = read_timespec(req)?;
    // An absolute sleep reports no time left (clock_nanosleep(2)), and restarts as it is
    // (its end does not move).
    if flags & TIMER_ABSTIME != 0 {
        let deadline = time::deadline_after_ns(ns.saturating_sub(now_ns(clock)));
        sched::sleep_until(deadline).map(|()| 0).map_err(|_| sched::ERESTARTNOHAND)
    } else {
        sleep(ns, rem)
    }
}

/// Nanoseconds as a `timeval` pair (seconds, microseconds), a nonzero time never shown as
/// zero (setitimer(2) reports a timer about to fire as 1 µs, as Linux).
fn to_timeval(ns: u64) -> [i64; 2] {
    let mut usec = (ns % NSEC_PER_SEC) / 1000;
    if ns != 0 && ns < 1000 {
        usec = 1;
    }
    [(ns / NSEC_PER_SEC) as i64, usec as i64]
}

/// A `timeval` pair as nanoseconds: EINVAL for a negative time or microseconds out of
/// 0..1,000,000 (setitimer(2)).
fn from_timeval(tv: [i64; 2]) -> Result<u64, Errno> {
    let [sec, usec] = tv;
    if sec < 0 || !(0..1_000_000).contains(&usec) {
        return Err(Errno::EINVAL);
    }
    Ok((sec as u64).saturating_mul(NSEC_PER_SEC).saturating_add(usec as u64 * 1000))
}

/// Which interval timer a `which` names: real time, or a CPU-time one
/// (`process::cpu_timer::VIRTUAL`, `PROF`); EINVAL for anything else (setitimer(2)).
enum Which {
    Real,
    Cpu(usize),
}

fn which_timer(which: i32) -> Result<Which, Errno> {
    match which {
        0 => Ok(Which::Real),
        1 => Ok(Which::Cpu(cpu_timer::VIRTUAL)),
        2 => Ok(Which::Cpu(cpu_timer::PROF)),
        _ => Err(Errno::EINVAL),
    }
}

/// Writes an `itimerval` (interval, then value) built from `(left_ns, interval_ns)`.
fn write_itimerval(addr: u64, (left, interval): (u64, u64)) -> Result<(), Errno> {
    let [isec, iusec] = to_timeval(interval);
    let [vsec, vusec] = to_timeval(left);
    uaccess::write(addr, &[isec, iusec, vsec, vusec])
}

/// setitimer(which, new, old): arms (or with a zero value disarms) the timer `which`:
/// ITIMER_REAL (SIGALRM, wall-clock time), ITIMER_VIRTUAL (SIGVTALRM, the process's user
/// time) or ITIMER_PROF (SIGPROF, its user and system time), after the value, then every
/// interval; the old setting goes to `old`. A NULL `new` disarms, as Linux accepts it.
pub fn sys_setitimer(which: i32, new: u64, old: u64) -> SysResult {
    let which = which_timer(which)?;
    let [isec, iusec, vsec, vusec] = match new {
        0 => [0; 4],
        addr => uaccess::read::<[i64; 4]>(addr)?,
    };
    let interval = from_timeval([isec, iusec])?;
    let value = from_timeval([vsec, vusec])?;
    let previous = match which {
        Which::Real => crate::process::timer::set(current::process(), value, interval),
        Which::Cpu(timer) => cpu_timer::set(timer, value, interval),
    };
    if old != 0 {
        write_itimerval(old, previous)?;
    }
    Ok(0)
}

/// getitimer(which, curr): the time left and the interval of timer `which`.
pub fn sys_getitimer(which: i32, curr: u64) -> SysResult {
    let setting = match which_timer(which)? {
        Which::Real => crate::process::timer::report(&current::process().real_timer.lock()),
        Which::Cpu(timer) => cpu_timer::report(current::process(), timer),
    };
    write_itimerval(curr, setting)?;
    Ok(0)
}

/// alarm(seconds): SIGALRM in `seconds` (0: cancel); returns the seconds the previous
/// alarm had left, rounded to the nearest second and at least 1 if any time was left
/// (Linux `alarm_setitimer`).
pub fn sys_alarm(seconds: u32) -> SysResult {
    let ns = u64::from(seconds) * NSEC_PER_SEC;
    let (left, _) = crate::process::timer::set(current::process(), ns, 0);
    let (sec, rem) = (left / NSEC_PER_SEC, left % NSEC_PER_SEC);
    Ok(if rem >= NSEC_PER_SEC / 2 || (sec == 0 && rem != 0) { sec + 1 } else { sec })
}
