//! System and process usage: sysinfo(2), getrusage(2).

use super::SysResult;
use crate::mm::frame;
use crate::process::registry;
use crate::time::clock;
use crate::uaccess;
use crate::uaccess::plain::Plain;
use linux_raw_sys::general::rusage;
use linux_raw_sys::system::sysinfo;
use posix::Errno;

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

/// getrusage(who, usage): RUSAGE_SELF (0), RUSAGE_CHILDREN (-1) and RUSAGE_THREAD (1)
/// report zeros (nothing is accounted yet); EINVAL for anything else.
pub fn sys_getrusage(who: i32, usage: u64) -> SysResult {
    if !matches!(who, -1..=1) {
        return Err(Errno::EINVAL);
    }
    let value: rusage = Plain::zeroed();
    uaccess::write(usage, &value)?;
    Ok(0)
}
