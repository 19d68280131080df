//! The worker's own system calls (setting up, repairing what the fuzzed calls changed):
//! each is recorded in the worker's slot first, marked [`HOUSEKEEPING`], so a hang in one
//! of them is reported as precisely as a hang in a fuzzed call.

use crate::shared::{HOUSEKEEPING, Slot};
use crate::sys::{self, nr};
use core::sync::atomic::Ordering;

/// Housekeeping calls made on behalf of the worker that owns `slot`.
pub struct Hk<'a> {
    /// Where the calls are recorded.
    pub slot: &'a Slot,
    /// The worker's index (for the slowest-call record).
    pub index: usize,
}

impl Hk<'_> {
    /// Records and makes a call whose pointer arguments (if any) point to memory the
    /// worker owns, sized for what the call writes.
    fn call(&self, nr: u64, a: [u64; 6]) -> i64 {
        self.slot.record(HOUSEKEEPING | nr, &a);
        let t0 = sys::rdtsc();
        self.slot.user_tsc.store(t0, Ordering::Relaxed);
        // SAFETY: every caller below passes integers, or pointers into its own stack
        // frame or the worker's scratch, large enough for what the call writes.
        let ret = unsafe { sys::syscall6(nr, a) };
        let t1 = sys::rdtsc();
        self.slot.user_tsc.store(t1, Ordering::Relaxed);
        if nr != nr::WAIT4 && nr != nr::NANOSLEEP {
            let held = t1.saturating_sub(t0.max(crate::shared::others_ran(self.index)));
            self.slot.slowest.offer(held, 0, 0, HOUSEKEEPING | nr, &a);
        }
        ret
    }

    /// `open(path, flags, mode)`; `path` ends with NUL.
    pub fn open(&self, path: &[u8], flags: u32, mode: u32) -> i64 {
        debug_assert_eq!(path.last(), Some(&0));
        self.call(nr::OPEN, [path.as_ptr() as u64, u64::from(flags), u64::from(mode), 0, 0, 0])
    }

    /// `close(fd)`.
    pub fn close(&self, fd: i32) -> i64 {
        self.call(nr::CLOSE, [fd as u64, 0, 0, 0, 0, 0])
    }

    /// `dup2(old, new)`.
    pub fn dup2(&self, old: i32, new: i32) -> i64 {
        self.call(nr::DUP2, [old as u64, new as u64, 0, 0, 0, 0])
    }

    /// `fcntl(fd, cmd, arg)`.
    pub fn fcntl(&self, fd: i32, cmd: u32, arg: u64) -> i64 {
        self.call(nr::FCNTL, [fd as u64, u64::from(cmd), arg, 0, 0, 0])
    }

    /// A call that writes two descriptors (pipe2, socketpair): the pair, or None.
    pub fn pair(&self, nr: u64, mut a: [u64; 6], at: usize) -> Option<(i32, i32)> {
        let mut fds = [-1i32; 2];
        a[at] = fds.as_mut_ptr() as u64;
        (self.call(nr, a) == 0).then_some((fds[0], fds[1]))
    }

    /// `mkdir(path, mode)`; `path` ends with NUL.
    pub fn mkdir(&self, path: &[u8], mode: u32) -> i64 {
        self.call(nr::MKDIR, [path.as_ptr() as u64, u64::from(mode), 0, 0, 0, 0])
    }

    /// `rename(old, new)`; both end with NUL.
    pub fn rename(&self, old: &[u8], new: &[u8]) -> i64 {
        self.call(nr::RENAME, [old.as_ptr() as u64, new.as_ptr() as u64, 0, 0, 0, 0])
    }

    /// `chmod(path, mode)`; `path` ends with NUL.
    pub fn chmod(&self, path: &[u8], mode: u32) -> i64 {
        self.call(90, [path.as_ptr() as u64, u64::from(mode), 0, 0, 0, 0])
    }

    /// `chdir(path)`; `path` ends with NUL.
    pub fn chdir(&self, path: &[u8]) -> i64 {
        self.call(nr::CHDIR, [path.as_ptr() as u64, 0, 0, 0, 0, 0])
    }

    /// `munmap(addr, len)` of a mapping a fuzzed call just made outside the worker's
    /// memory.
    pub fn munmap(&self, addr: u64, len: u64) -> i64 {
        self.call(nr::MUNMAP, [addr, len, 0, 0, 0, 0])
    }

    /// `wait4(pid, NULL, __WALL, NULL)`: reaps a child a fuzzed fork made.
    pub fn reap(&self, pid: i32) -> i64 {
        self.call(nr::WAIT4, [pid as u64, 0, 0x4000_0000, 0, 0, 0])
    }

    /// `rt_sigaction(sig, SIG_IGN)`.
    pub fn ignore(&self, sig: i32) -> i64 {
        let act = [1u64, 0, 0, 0];
        self.call(nr::RT_SIGACTION, [sig as u64, act.as_ptr() as u64, 0, 8, 0, 0])
    }

    /// `rt_sigprocmask(SIG_SETMASK, &0)`: nothing blocked.
    pub fn unblock_all(&self) -> i64 {
        let set = 0u64;
        self.call(nr::RT_SIGPROCMASK, [2, &set as *const u64 as u64, 0, 8, 0, 0])
    }

    /// `prlimit64(0, resource, new, old)`.
    pub fn prlimit(&self, resource: u32, new: Option<[u64; 2]>) -> Option<[u64; 2]> {
        let mut old = [0u64; 2];
        let new_ptr = new.as_ref().map_or(0, |n| n.as_ptr() as u64);
        let r = self
            .call(nr::PRLIMIT64, [0, u64::from(resource), new_ptr, old.as_mut_ptr() as u64, 0, 0]);
        (r == 0).then_some(old)
    }

    /// `umask(mask)`.
    pub fn umask(&self, mask: u32) -> i64 {
        self.call(nr::UMASK, [u64::from(mask), 0, 0, 0, 0, 0])
    }

    /// `arch_prctl(code, value)` for the restoring codes (SET_FS, SET_GS, SET_CPUID).
    pub fn arch_set(&self, code: u64, value: u64) -> i64 {
        self.call(nr::ARCH_PRCTL, [code, value, 0, 0, 0, 0])
    }

    /// `setsid()`.
    pub fn setsid(&self) -> i64 {
        self.call(112, [0; 6])
    }

    /// `dup2(2, fd)` onto a high descriptor for the trace.
    pub fn keep_stderr(&self, fd: i32) -> i64 {
        self.dup2(2, fd)
    }
}
