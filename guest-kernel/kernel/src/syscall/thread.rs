//! Thread and scheduling calls: set_tid_address(2), set_robust_list(2), rseq(2), futex(2), sched_yield(2), sched_getaffinity(2),
//! prctl(2) (the thread name).

use super::SysResult;
use crate::process::current;
use crate::process::futex;
use crate::process::proc::COMM_LEN;
use crate::sched;
use crate::time;
use crate::uaccess;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::timespec;
use linux_raw_sys::prctl::{PR_GET_NAME, PR_SET_NAME};
use posix::Errno;
use posix::futex::op::MATCH_ANY;
use posix::futex::{Cmd, Op};
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

/// futex(uaddr, op, val, timeout, uaddr2, val3) (futex(2)): the command and flags are
/// decoded by `posix::futex::Op` (ENOSYS for unknown and priority-inheritance commands);
/// a timeout is read and checked first (EFAULT, EINVAL), relative for FUTEX_WAIT and
/// absolute for FUTEX_WAIT_BITSET (CLOCK_MONOTONIC, or CLOCK_REALTIME with
/// FUTEX_CLOCK_REALTIME). For the other commands the fourth argument is a count
/// (`val2`). The queues are `crate::futex`.
pub fn sys_futex(uaddr: u64, op: u32, val: u32, timeout: u64, uaddr2: u64, val3: u32) -> SysResult {
    let op = Op::decode(op)?;
    let deadline = if op.has_timeout() && timeout != 0 {
        let ts: timespec = uaccess::read(timeout)?;
        let ns = Timespec { sec: ts.tv_sec, nsec: ts.tv_nsec }.to_ns()?;
        let ns = if op.relative_timeout() {
            ns
        } else if op.realtime {
            ns.saturating_sub(time::clock::realtime_ns())
        } else {
            ns.saturating_sub(time::clock::monotonic_ns())
        };
        time::deadline_after_ns(ns).max(1)
    } else {
        0
    };
    let val2 = timeout as u32;
    match op.cmd {
        Cmd::Wait => futex::wait(uaddr, op.private, val, MATCH_ANY, deadline),
        Cmd::WaitBitset => futex::wait(uaddr, op.private, val, val3, deadline),
        Cmd::Wake => futex::wake(uaddr, op.private, val, MATCH_ANY),
        Cmd::WakeBitset => futex::wake(uaddr, op.private, val, val3),
        Cmd::Requeue => futex::requeue(uaddr, uaddr2, op.private, val, val2, None),
        Cmd::CmpRequeue => futex::requeue(uaddr, uaddr2, op.private, val, val2, Some(val3)),
        Cmd::WakeOp => futex::wake_op(uaddr, uaddr2, op.private, val, val2, val3),
        Cmd::Pi(_) => Err(Errno::ENOSYS),
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
