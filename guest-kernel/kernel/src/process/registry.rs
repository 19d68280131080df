//! The process registry: every process (zombies included) by pid, their relationships
//! (`posix::process::Table`: parent and children, groups, sessions, zombies, pid
//! allocation), and the counts the process limits are checked against.
//!
//! One lock for all of it. It is taken before any per-process lock and never held while
//! blocking, touching user memory or closing files; waking a task under it is fine (the
//! scheduler's lock is innermost).

use super::{Pid, Process};
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use posix::Errno;
use posix::cred::Uid;
use posix::process::Table;
use spin::mutex::{SpinMutex, SpinMutexGuard};

/// The registry's contents.
pub struct Registry {
    /// The relationships and their rules.
    pub table: Table,
    /// Every process, zombies included.
    procs: BTreeMap<Pid, Arc<Process>>,
    /// Live (not yet exited) processes per real user id: RLIMIT_NPROC counts these.
    per_uid: BTreeMap<Uid, u32>,
    /// Live processes in all.
    live: u64,
}

static REGISTRY: SpinMutex<Registry> = SpinMutex::new(Registry {
    table: Table::new(),
    procs: BTreeMap::new(),
    per_uid: BTreeMap::new(),
    live: 0,
});

/// The registry, locked.
pub fn lock() -> SpinMutexGuard<'static, Registry> {
    REGISTRY.lock()
}

impl Registry {
    /// The process `pid` (a zombie too), if it exists.
    pub fn get(&self, pid: Pid) -> Option<&Arc<Process>> {
        self.procs.get(&pid)
    }

    /// Number of processes, zombies included (`sysinfo`'s `procs`).
    pub fn count(&self) -> usize {
        self.procs.len()
    }

    /// Whether a process with real user id `ruid` may create another (fork, clone):
    /// EAGAIN at the system-wide limit, or, unless `privileged` (Linux exempts
    /// CAP_SYS_ADMIN and CAP_SYS_RESOURCE, i.e. root), at the caller's RLIMIT_NPROC
    /// `nproc` (Linux kernel/fork.c `copy_process`).
    pub fn check_limits(&self, ruid: Uid, nproc: u64, privileged: bool) -> Result<(), Errno> {
        if self.live >= super::limits::max_processes() {
            return Err(Errno::EAGAIN);
        }
        let mine = u64::from(self.per_uid.get(&ruid).copied().unwrap_or(0));
        if !privileged && mine >= nproc {
            return Err(Errno::EAGAIN);
        }
        Ok(())
    }

    /// Records the new live process `process` with real user id `ruid` (its pid comes
    /// from `table.fork` or `table.create_init`).
    pub fn insert(&mut self, process: Arc<Process>, ruid: Uid) {
        *self.per_uid.entry(ruid).or_insert(0) += 1;
        self.live += 1;
        self.procs.insert(process.pid, process);
    }

    /// A live process with real user id `ruid` exited (it stays as a zombie).
    pub fn exited(&mut self, ruid: Uid) {
        self.live = self.live.saturating_sub(1);
        if let Some(n) = self.per_uid.get_mut(&ruid) {
            *n -= 1;
            if *n == 0 {
                self.per_uid.remove(&ruid);
            }
        }
    }

    /// A live process changed its real user id (setuid and friends).
    #[allow(dead_code, reason = "for the set*id calls of the credentials issue")]
    pub fn changed_uid(&mut self, old: Uid, new: Uid) {
        if old != new {
            self.exited(old);
            self.live += 1;
            *self.per_uid.entry(new).or_insert(0) += 1;
        }
    }

    /// Removes the zombie `pid` (its parent reaped it); returns it.
    pub fn remove(&mut self, pid: Pid) -> Option<Arc<Process>> {
        self.procs.remove(&pid)
    }
}
