//! Futexes (futex(2)): the wait queues, keyed as `posix::futex::Key` says, and the
//! operations on them. A waiter is an `Arc<Waiter>` in the queue of its key; it sleeps
//! with `sched::wait_until` on a channel of its own (the waiter's address) until its
//! `woken` flag is set, so a wake touches only the waiters it wakes. Single CPU and a
//! kernel that is not preemptible: reading the user word and queueing happen with nobody
//! else running in between, which is what Linux's hash-bucket lock guarantees.
//!
//! Not provided: priority inheritance (the PI commands answer ENOSYS), robust futex
//! lists at exit (stored by `set_robust_list`, not walked), and the restart block of a
//! timed wait (a signal without a handler restarts it with its whole timeout).

use crate::process::current;
use crate::sched::{self, Kind, WaitError};
use crate::uaccess;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};
use posix::Errno;
use posix::futex::{Key, KindOfKey, Queues, WakeOp, key_kind, wake_count};
use spin::mutex::SpinMutex;

/// One task waiting on a futex.
struct Waiter {
    /// Set by the wake that takes it off its queue.
    woken: AtomicBool,
    /// `FUTEX_WAIT_BITSET`'s bitset (every bit for `FUTEX_WAIT`).
    bitset: u32,
    /// The key whose queue holds it (a requeue changes it).
    key: SpinMutex<Key>,
}

impl Waiter {
    /// The channel it sleeps on.
    fn chan(&self) -> usize {
        self as *const Waiter as usize
    }
}

/// Every futex with waiters.
static QUEUES: SpinMutex<Queues<Arc<Waiter>>> = SpinMutex::new(Queues::new());

/// Wakes a waiter taken off its queue.
fn wake_waiter(w: Arc<Waiter>) {
    w.woken.store(true, Ordering::Relaxed);
    sched::wake(w.chan());
}

/// The key of the word at `uaddr` for the calling process (Linux `get_futex_key`):
/// EINVAL unless 4-byte aligned, EFAULT outside user space or (for a word that may be
/// shared) outside every mapping.
fn key_of(uaddr: u64, private: bool) -> Result<Key, Errno> {
    if !uaddr.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    uaccess::check(uaddr, 4)?;
    let space = current::process().mm();
    let id = Arc::as_ptr(&space) as usize;
    let private_key = Key::Private { space: id, addr: uaddr };
    if private {
        return Ok(private_key);
    }
    let mut mm = space.lock();
    let shared = mm.vmas().get(uaddr).ok_or(Errno::EFAULT)?.value.shared;
    match key_kind(false, shared) {
        KindOfKey::Private => Ok(private_key),
        KindOfKey::Shared => {
            Ok(Key::Shared { phys: mm.user_page(uaddr, false)? + (uaddr & 0xfff) })
        }
    }
}

/// FUTEX_WAIT[_BITSET]: sleeps while `*uaddr == val` until a wake that matches
/// `bitset` (0), the TSC `deadline` (ETIMEDOUT; 0: none) or a signal; EAGAIN at once if
/// the word holds something else. A signal restarts a wait without a timeout unless a
/// handler refuses (ERESTARTSYS), a timed one only if no handler runs.
pub fn wait(uaddr: u64, private: bool, val: u32, bitset: u32, deadline: u64) -> Result<u64, Errno> {
    if bitset == 0 {
        return Err(Errno::EINVAL);
    }
    let key = key_of(uaddr, private)?;
    if uaccess::read::<u32>(uaddr)? != val {
        return Err(Errno::EAGAIN);
    }
    let w = Arc::new(Waiter { woken: AtomicBool::new(false), bitset, key: SpinMutex::new(key) });
    QUEUES.lock().push(key, w.clone());
    let result =
        sched::wait_until(Kind::Chan(w.chan()), deadline, &mut || w.woken.load(Ordering::Relaxed));
    if result.is_err() {
        let key = *w.key.lock();
        QUEUES.lock().remove(key, |x| Arc::ptr_eq(x, &w));
    }
    match result {
        Ok(()) => Ok(0),
        Err(WaitError::TimedOut) => Err(Errno::ETIMEDOUT),
        Err(WaitError::Interrupted) if deadline == 0 => Err(sched::ERESTARTSYS),
        Err(WaitError::Interrupted) => Err(sched::ERESTARTNOHAND),
    }
}

/// FUTEX_WAKE[_BITSET]: wakes up to `n` waiters on `uaddr` whose bitset shares a bit
/// with `bitset` (EINVAL if 0); returns how many.
pub fn wake(uaddr: u64, private: bool, n: u32, bitset: u32) -> Result<u64, Errno> {
    if bitset == 0 {
        return Err(Errno::EINVAL);
    }
    let key = key_of(uaddr, private)?;
    let woken = QUEUES.lock().wake(key, wake_count(n), |w| w.bitset & bitset != 0, wake_waiter);
    Ok(woken as u64)
}

/// FUTEX_REQUEUE (`cmp` None) and FUTEX_CMP_REQUEUE: EINVAL for a negative count, EAGAIN
/// if `*uaddr != cmp`; else wakes `nr_wake` waiters on `uaddr`, moves up to
/// `nr_requeue` others to `uaddr2` and returns the two counts' sum.
pub fn requeue(
    uaddr: u64,
    uaddr2: u64,
    private: bool,
    nr_wake: u32,
    nr_requeue: u32,
    cmp: Option<u32>,
) -> Result<u64, Errno> {
    let (Ok(nr_wake), Ok(nr_requeue)) =
        (usize::try_from(nr_wake as i32), usize::try_from(nr_requeue as i32))
    else {
        return Err(Errno::EINVAL);
    };
    let from = key_of(uaddr, private)?;
    let to = key_of(uaddr2, private)?;
    if let Some(cmp) = cmp
        && uaccess::read::<u32>(uaddr)? != cmp
    {
        return Err(Errno::EAGAIN);
    }
    let n = QUEUES.lock().requeue(from, to, nr_wake, nr_requeue, wake_waiter, |w| {
        *w.key.lock() = to;
    });
    Ok(n as u64)
}

/// FUTEX_WAKE_OP: applies `encoded`'s operation to `*uaddr2`, wakes up to `nr_wake`
/// waiters on `uaddr` and, if the old value of `*uaddr2` passes the comparison, up to
/// `nr_wake2` on `uaddr2`; returns how many in all.
pub fn wake_op(
    uaddr: u64,
    uaddr2: u64,
    private: bool,
    nr_wake: u32,
    nr_wake2: u32,
    encoded: u32,
) -> Result<u64, Errno> {
    let key1 = key_of(uaddr, private)?;
    let key2 = key_of(uaddr2, private)?;
    let op = WakeOp::decode(encoded);
    let old = uaccess::read::<u32>(uaddr2)?;
    uaccess::write(uaddr2, &op.apply(old)?)?;
    let wake2 = op.compare(old)?;
    let mut queues = QUEUES.lock();
    let mut n = queues.wake(key1, wake_count(nr_wake), |_| true, wake_waiter);
    if wake2 {
        n += queues.wake(key2, wake_count(nr_wake2), |_| true, wake_waiter);
    }
    Ok(n as u64)
}

/// The wake that goes with `CLONE_CHILD_CLEARTID` (Linux `mm_release`: a shared
/// FUTEX_WAKE of one waiter on the cleared word); errors are ignored as Linux does.
pub fn wake_cleared_tid(addr: u64) {
    let _ = wake(addr, false, 1, posix::futex::op::MATCH_ANY);
}
