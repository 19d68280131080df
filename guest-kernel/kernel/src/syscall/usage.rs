//! System and process usage: sysinfo(2), getrusage(2), times(2).

use super::SysResult;
use crate::mm::frame;
use crate::process::{cputime, current, registry};
use crate::time::clock;
use crate::uaccess;
use crate::uaccess::plain::Plain;
use linux_raw_sys::general::rusage;
use linux_raw_sys::system::sysinfo;
use posix::Errno;
use posix::time::{CpuTimes, NSEC_PER_SEC, USER_HZ};

/// sysinfo(info): uptime, total and free memory (frames the kernel can still hand out,
/// so a leak shows as a drop in `freeram`), the number of processes (zombies included,
/// as Linux's count of tasks); no load averages, swap or high memory (zeros); unit 1 byte.
pub fn sys_sysinfo(buf: u64) -> SysResult {
    let mut info: sysinfo = Plain::zeroed();
    info.uptime = (clock::monotonic_ns() / 1_000_000_000) as i64;
    info.totalram = frame::total_bytes();
    info.freeram = frame::free_bytes();
    info.procs = registry::lock().count().min(usize::from(u16::MAX)) as u16;
    info.mem_unit = 1;
    uaccess::write(buf, &info)?;
    Ok(0)
}

/// A `struct rusage` with the user and system times of `times` (the rest, resident set
/// size, page faults, context switches, block I/O, is not counted: zeros).
pub fn rusage_of(times: CpuTimes) -> rusage {
    let mut value: rusage = Plain::zeroed();
    let (user, system) = times.timevals();
    (value.ru_utime.tv_sec, value.ru_utime.tv_usec) = (user[0], user[1]);
    (value.ru_stime.tv_sec, value.ru_stime.tv_usec) = (system[0], system[1]);
    value
}

/// getrusage(who, usage): RUSAGE_SELF (0, every thread of the process), RUSAGE_CHILDREN
/// (-1, the children it waited for, theirs included) and RUSAGE_THREAD (1, the caller);
/// EINVAL for anything else. Only the CPU times are counted (see [`rusage_of`]).
pub fn sys_getrusage(who: i32, usage: u64) -> SysResult {
    let times = match who {
        0 => cputime::process(current::process()),
        -1 => cputime::children(current::process()),
        1 => cputime::thread(current::task()),
        _ => return Err(Errno::EINVAL),
    };
    uaccess::write(usage, &rusage_of(times))?;
    Ok(0)
}

/// times(buf): the process's and its waited-for children's user and system times in clock
/// ticks (`USER_HZ`) into `buf` (if not NULL); returns the clock ticks since boot (an
/// arbitrary fixed point, which POSIX allows; programs use differences).
pub fn sys_times(buf: u64) -> SysResult {
    if buf != 0 {
        let me = current::process();
        let (utime, stime) = cputime::process(me).clock_ticks();
        let (cutime, cstime) = cputime::children(me).clock_ticks();
        uaccess::write(buf, &[utime, stime, cutime, cstime])?;
    }
    Ok(clock::monotonic_ns() / (NSEC_PER_SEC / USER_HZ))
}
