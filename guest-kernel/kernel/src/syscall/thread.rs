//! Thread and scheduling calls, minimal for single-threaded programs: set_tid_address(2),
//! set_robust_list(2), rseq(2), futex(2), sched_yield(2), sched_getaffinity(2),
//! prctl(2) (the thread name).

use super::SysResult;
use crate::process::current;
use crate::process::proc::COMM_LEN;
use crate::sched;
use crate::time;
use crate::uaccess;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{
    FUTEX_CLOCK_REALTIME, FUTEX_PRIVATE_FLAG, FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAKE,
    FUTEX_WAKE_BITSET, timespec,
};
use linux_raw_sys::prctl::{PR_GET_NAME, PR_SET_NAME};
use posix::Errno;
use posix::time::Timespec;

/// set_tid_address(tidptr): remembered (cleared at exit for a thread's joiner); returns
/// the caller's thread id.
pub fn sys_set_tid_address(tidptr: u64) -> SysResult {
    let task = current::task();
    task.clear_child_tid.store(tidptr, Ordering::Relaxed);
    Ok(u64::from(task.tid))
}

/// set_robust_list(head, len): EINVAL unless `len` is `sizeof(struct robust_list_head)`
/// (24); the head is remembered.
pub fn sys_set_robust_list(head: u64, len: usize) -> SysResult {
    if len != 24 {
        return Err(Errno::EINVAL);
    }
    current::task().robust_list.store(head, Ordering::Relaxed);
    Ok(0)
}

/// rseq(2): not provided (ENOSYS, which glibc and musl handle by not using it), without
/// the unknown-call log line.
pub fn sys_rseq() -> SysResult {
    Err(Errno::ENOSYS)
}

/// futex(uaddr, op, val, timeout, uaddr2, val3), for single-threaded processes (there is
/// no shared memory between processes either): FUTEX_WAIT[_BITSET] returns EAGAIN if
/// `*uaddr != val`, else sleeps until the timeout (ETIMEDOUT) or, with none, until a
/// signal ends it (nobody else could wake it; Linux would block the same way);
/// FUTEX_WAKE[_BITSET] wakes nobody (0). Other operations ENOSYS.
pub fn sys_futex(
    uaddr: u64,
    op: u32,
    val: u32,
    timeout: u64,
    _uaddr2: u64,
    val3: u32,
) -> SysResult {
    match op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME) {
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            if !uaddr.is_multiple_of(4) {
                return Err(Errno::EINVAL);
            }
            Ok(0)
        }
        cmd @ (FUTEX_WAIT | FUTEX_WAIT_BITSET) => {
            if !uaddr.is_multiple_of(4) || cmd == FUTEX_WAIT_BITSET && val3 == 0 {
                return Err(Errno::EINVAL);
            }
            let timeout = match timeout {
                0 => None,
                addr => {
                    let ts: timespec = uaccess::read(addr)?;
                    Some(Timespec { sec: ts.tv_sec, nsec: ts.tv_nsec }.to_ns()?)
                }
            };
            if uaccess::read::<u32>(uaddr)? != val {
                return Err(Errno::EAGAIN);
            }
            // FUTEX_WAIT's timeout is relative; the BITSET form's is absolute (on the
            // monotonic clock unless FUTEX_CLOCK_REALTIME).
            let deadline = timeout.map(|ns| {
                if cmd == FUTEX_WAIT_BITSET {
                    let now = if op & FUTEX_CLOCK_REALTIME != 0 {
                        time::clock::realtime_ns()
                    } else {
                        time::clock::monotonic_ns()
                    };
                    time::deadline_after_ns(ns.saturating_sub(now))
                } else {
                    time::deadline_after_ns(ns)
                }
            });
            sched::sleep_until(deadline.unwrap_or(0))?;
            Err(Errno::ETIMEDOUT)
        }
        _ => Err(Errno::ENOSYS),
    }
}

/// sched_yield(): the caller goes to the back of the run queue.
pub fn sys_sched_yield() -> SysResult {
    sched::yield_now();
    Ok(0)
}

/// sched_getaffinity(pid, len, mask): one CPU. EINVAL if `len` is too small for the
/// kernel's mask (8 bytes) or not a multiple of 8; returns the bytes written.
pub fn sys_sched_getaffinity(pid: i32, len: usize, mask: u64) -> SysResult {
    if pid != 0 && pid as u32 != current::process().pid {
        return Err(Errno::ESRCH);
    }
    if len < 8 || !len.is_multiple_of(8) {
        return Err(Errno::EINVAL);
    }
    uaccess::write(mask, &1u64)?;
    Ok(8)
}

/// prctl(option, ...): PR_SET_NAME and PR_GET_NAME (the 16-byte thread name); other
/// options EINVAL.
pub fn sys_prctl(option: u32, arg2: u64) -> SysResult {
    let process = current::process();
    match option {
        PR_SET_NAME => {
            let mut name = [0u8; COMM_LEN];
            let len = uaccess::strnlen(arg2, COMM_LEN - 1)?;
            uaccess::read_bytes(arg2, &mut name[..len])?;
            *process.comm.lock() = name;
            Ok(0)
        }
        PR_GET_NAME => {
            let name = *process.comm.lock();
            uaccess::write(arg2, &name)?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}
