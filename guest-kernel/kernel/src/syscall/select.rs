//! select(2) and pselect6(2), on poll's readiness (`poll::wait_ready`): each descriptor of
//! the three sets becomes one `pollfd` with Linux's event sets (readable: POLLIN,
//! POLLRDNORM, POLLRDBAND, POLLHUP, POLLERR; writable: POLLOUT, POLLWRNORM, POLLWRBAND,
//! POLLERR; exceptional: POLLPRI), and the sets come back holding the ready ones.
//! select writes the time left into its timeout, as Linux does (pselect6 as well; the C
//! libraries hide it for pselect).

use super::args::Fd;
use super::poll::{MAX_FDS, wait_ready};
use super::{SysResult, files};
use crate::process::current;
use crate::sched;
use crate::time;
use crate::uaccess;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{
    POLLERR, POLLHUP, POLLIN, POLLOUT, POLLPRI, POLLRDBAND, POLLRDNORM, POLLWRBAND, POLLWRNORM,
    pollfd, timespec,
};
use posix::Errno;
use posix::signal::SigSet;
use posix::time::{NSEC_PER_SEC, Timespec};

const IN_SET: u32 = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
const OUT_SET: u32 = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
const EX_SET: u32 = POLLPRI;

/// Reads one `fd_set` of `nfds` bits (`addr` 0: none).
fn read_set(addr: u64, words: usize) -> Result<Vec<u64>, Errno> {
    let mut set = Vec::new();
    set.try_reserve_exact(words).map_err(|_| Errno::ENOMEM)?;
    for i in 0..words {
        set.push(if addr == 0 { 0 } else { uaccess::read(addr + 8 * i as u64)? });
    }
    Ok(set)
}

fn has(set: &[u64], fd: usize) -> bool {
    set[fd / 64] & (1 << (fd % 64)) != 0
}

/// select's core: waits on the sets at `r`, `w`, `e` for `nfds` descriptors up to
/// `timeout_ns` (`None`: forever); rewrites the sets; returns the number of bits set and
/// the time left.
fn do_select(
    nfds: i32,
    r: u64,
    w: u64,
    e: u64,
    timeout_ns: Option<u64>,
) -> Result<(u64, u64), Errno> {
    let nfds = usize::try_from(nfds).map_err(|_| Errno::EINVAL)?.min(MAX_FDS);
    let words = nfds.div_ceil(64);
    let (rs, ws, es) = (read_set(r, words)?, read_set(w, words)?, read_set(e, words)?);
    let mut fds: Vec<pollfd> = Vec::new();
    for fd in 0..nfds {
        let mut events = 0u32;
        if has(&rs, fd) {
            events |= IN_SET;
        }
        if has(&ws, fd) {
            events |= OUT_SET;
        }
        if has(&es, fd) {
            events |= EX_SET;
        }
        if events == 0 {
            continue;
        }
        // select(2): EBADF for a descriptor in a set that is not open.
        files::get(Fd(fd as i32))?;
        fds.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
        fds.push(pollfd { fd: fd as i32, events: events as i16, revents: 0 });
    }
    let start = time::now();
    wait_ready(&mut fds, timeout_ns)?;
    let left = timeout_ns.map_or(0, |t| t.saturating_sub(time::ticks_to_ns(time::now() - start)));
    let (mut ro, mut wo, mut eo) = (Vec::new(), Vec::new(), Vec::new());
    for out in [&mut ro, &mut wo, &mut eo] {
        out.try_reserve_exact(words).map_err(|_| Errno::ENOMEM)?;
        out.resize(words, 0u64);
    }
    let mut count = 0;
    for p in &fds {
        let (fd, revents) = (p.fd as usize, p.revents as u16 as u32);
        let bit = 1u64 << (fd % 64);
        for (wanted, mask, out) in
            [(&rs, IN_SET, &mut ro), (&ws, OUT_SET, &mut wo), (&es, EX_SET, &mut eo)]
        {
            if has(wanted, fd) && revents & mask != 0 {
                out[fd / 64] |= bit;
                count += 1;
            }
        }
    }
    for (addr, out) in [(r, &ro), (w, &wo), (e, &eo)] {
        if addr != 0 {
            for (i, word) in out.iter().enumerate() {
                uaccess::write(addr + 8 * i as u64, word)?;
            }
        }
    }
    Ok((count, left))
}

/// select(nfds, readfds, writefds, exceptfds, timeout): `timeout` a `timeval` (NULL:
/// forever), rewritten with the time left.
pub fn sys_select(nfds: i32, r: u64, w: u64, e: u64, timeout: u64) -> SysResult {
    let timeout_ns = match timeout {
        0 => None,
        addr => {
            let [sec, usec]: [i64; 2] = uaccess::read(addr)?;
            // Linux takes microseconds of a second or more as whole seconds; only negative
            // values are EINVAL.
            if sec < 0 || usec < 0 {
                return Err(Errno::EINVAL);
            }
            Some(
                (sec as u64)
                    .saturating_mul(NSEC_PER_SEC)
                    .saturating_add((usec as u64).saturating_mul(1000)),
            )
        }
    };
    let (count, left) = do_select(nfds, r, w, e, timeout_ns)?;
    if timeout != 0 {
        let tv = [(left / NSEC_PER_SEC) as i64, ((left % NSEC_PER_SEC) / 1000) as i64];
        uaccess::write(timeout, &tv)?;
    }
    Ok(count)
}

/// pselect6(nfds, readfds, writefds, exceptfds, timeout, sigmask): `timeout` a `timespec`,
/// and `sigmask` a pair (mask address, size) whose mask is the signal mask for the wait,
/// as ppoll's.
pub fn sys_pselect6(nfds: i32, r: u64, w: u64, e: u64, timeout: u64, sigmask: u64) -> SysResult {
    let timeout_ns = match timeout {
        0 => None,
        addr => {
            let ts: timespec = uaccess::read(addr)?;
            Some(Timespec { sec: ts.tv_sec, nsec: ts.tv_nsec }.to_ns()?)
        }
    };
    let mask = match sigmask {
        0 => None,
        addr => {
            let [set, size]: [u64; 2] = uaccess::read(addr)?;
            match set {
                0 => None,
                _ if size != 8 => return Err(Errno::EINVAL),
                set => Some(SigSet(uaccess::read::<u64>(set)?)),
            }
        }
    };
    let task = current::task();
    if let Some(mask) = mask {
        task.saved_sigmask.store(task.sigmask().0, Ordering::Relaxed);
        task.set_sigmask(mask, current::process().pending.load(Ordering::Relaxed));
    }
    let result = do_select(nfds, r, w, e, timeout_ns);
    if mask.is_some() && result != Err(sched::ERESTARTNOHAND) {
        crate::process::signal::deliver::restore_saved_mask();
    }
    let (count, left) = result?;
    if timeout != 0 {
        let ts =
            timespec { tv_sec: (left / NSEC_PER_SEC) as _, tv_nsec: (left % NSEC_PER_SEC) as _ };
        uaccess::write(timeout, &ts)?;
    }
    Ok(count)
}
