//! poll(2) and ppoll(2): readiness comes from each open file (`OpenFile::poll`); while
//! nothing is ready the task sleeps until something may have changed (any wake-up of a
//! file's waiters, any device interrupt, the timeout) and looks again. A signal ends the
//! wait with EINTR once its handler ran (never restarted, signal(7)).

use super::args::Fd;
use super::{SysResult, files};
use crate::process::current;
use crate::sched::{self, Kind, WaitError};
use crate::time;
use crate::uaccess;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{POLLERR, POLLHUP, POLLNVAL, pollfd, timespec};
use posix::Errno;
use posix::signal::SigSet;
use posix::time::Timespec;

/// The most descriptors one poll may ask about (Linux: RLIMIT_NOFILE; fixed here).
pub(super) const MAX_FDS: usize = 4096;

/// Checks `fds` once; returns how many have events, with `revents` filled in.
fn scan(fds: &mut [pollfd]) -> usize {
    let mut ready = 0;
    for p in fds.iter_mut() {
        p.revents = 0;
        if p.fd < 0 {
            continue;
        }
        let revents = match files::get(Fd(p.fd)) {
            Ok(file) => {
                let always = (POLLERR | POLLHUP) as u16;
                file.poll() & (p.events as u16 | always)
            }
            Err(_) => POLLNVAL as u16,
        };
        p.revents = revents as i16;
        if revents != 0 {
            ready += 1;
        }
    }
    ready
}

/// Waits until one of `fds` is ready (`revents` filled in) or `timeout_ns` passes (`None`:
/// forever); returns how many are ready. A signal ends the wait with EINTR once its
/// handler ran, whatever SA_RESTART says (signal(7)).
pub(super) fn wait_ready(fds: &mut [pollfd], timeout_ns: Option<u64>) -> Result<usize, Errno> {
    let deadline = timeout_ns.map_or(0, time::deadline_after_ns);
    let mut ready = 0;
    match sched::wait_until(Kind::Any, deadline, &mut || {
        ready = scan(fds);
        ready > 0
    }) {
        Ok(()) | Err(WaitError::TimedOut) => Ok(ready),
        Err(WaitError::Interrupted) => Err(sched::ERESTARTNOHAND),
    }
}

/// Polls `nfds` entries at `addr` until one is ready or `timeout_ns` passes (`None`:
/// forever).
fn do_poll(addr: u64, nfds: u64, timeout_ns: Option<u64>) -> SysResult {
    let n = usize::try_from(nfds).ok().filter(|&n| n <= MAX_FDS).ok_or(Errno::EINVAL)?;
    let mut fds: Vec<pollfd> = Vec::new();
    fds.try_reserve_exact(n).map_err(|_| Errno::ENOMEM)?;
    for i in 0..n {
        fds.push(uaccess::read(addr + (i * size_of::<pollfd>()) as u64)?);
    }
    let ready = wait_ready(&mut fds, timeout_ns)?;
    for (i, p) in fds.iter().enumerate() {
        uaccess::write(addr + (i * size_of::<pollfd>()) as u64 + 6, &(p.revents as u16))?;
    }
    Ok(ready as u64)
}

/// poll(fds, nfds, timeout_ms): a negative timeout waits forever.
pub fn sys_poll(fds: u64, nfds: u64, timeout_ms: i32) -> SysResult {
    let timeout = u64::try_from(timeout_ms).ok().map(|ms| ms * 1_000_000);
    do_poll(fds, nfds, timeout)
}

/// ppoll(fds, nfds, timeout, sigmask, sigsetsize): the timeout is a timespec (NULL:
/// forever); a non-NULL `sigmask` is the signal mask for the wait, atomically (ppoll(2)):
/// the old mask comes back when the call returns, or, when a signal's handler ends the
/// wait, when that handler returns (its frame records the old mask; Linux
/// `restore_saved_sigmask_unless`).
pub fn sys_ppoll(fds: u64, nfds: u64, timeout: u64, sigmask: u64, sigsetsize: u64) -> SysResult {
    let timeout = match timeout {
        0 => None,
        addr => {
            let ts: timespec = uaccess::read(addr)?;
            Some(Timespec { sec: ts.tv_sec, nsec: ts.tv_nsec }.to_ns()?)
        }
    };
    if sigmask == 0 {
        return do_poll(fds, nfds, timeout);
    }
    if sigsetsize != 8 {
        return Err(Errno::EINVAL);
    }
    let mask = SigSet(uaccess::read::<u64>(sigmask)?);
    let task = current::task();
    let shared = || current::process().pending.load(Ordering::Relaxed);
    task.saved_sigmask.store(task.sigmask().0, Ordering::Relaxed);
    task.set_sigmask(mask, shared());
    let result = do_poll(fds, nfds, timeout);
    if result != Err(sched::ERESTARTNOHAND) {
        crate::process::signal::deliver::restore_saved_mask();
    }
    result
}
