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
    /// Processes per real user id, zombies included (until reaped): RLIMIT_NPROC counts
    /// these, as Linux does (its count drops in `release_task`, when the zombie goes).
    per_uid: BTreeMap<Uid, u32>,
    /// Processes in all, zombies included: what the system-wide limit counts (Linux
    /// `nr_threads`, also dropped only in `release_task`). Zombies hold kernel memory, so a
    /// parent that never reaps cannot make an unbounded number of them.
    counted: u64,
}

static REGISTRY: SpinMutex<Registry> = SpinMutex::new(Registry {
    table: Table::new(),
    procs: BTreeMap::new(),
    per_uid: BTreeMap::new(),
    counted: 0,
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

    /// Every process, zombies included.
    pub fn all(&self) -> impl Iterator<Item = &Arc<Process>> {
        self.procs.values()
    }

    /// Number of processes, zombies included (`sysinfo`'s `procs`).
    pub fn count(&self) -> usize {
        self.procs.len()
    }

    /// Whether a process with real user id `ruid` may create another (fork, clone):
    /// EAGAIN at the system-wide limit, or, unless `privileged` (Linux exempts the real
    /// user root and CAP_SYS_ADMIN and CAP_SYS_RESOURCE: `Credentials::ignores_nproc`),
    /// when `ruid` already has the caller's RLIMIT_NPROC `nproc` processes (Linux
    /// kernel/fork.c `copy_process`).
    pub fn check_limits(&self, ruid: Uid, nproc: u64, privileged: bool) -> Result<(), Errno> {
        if self.counted >= super::limits::max_processes() {
            return Err(Errno::EAGAIN);
        }
        let mine = u64::from(self.per_uid.get(&ruid).copied().unwrap_or(0));
        if !privileged && mine >= nproc {
            return Err(Errno::EAGAIN);
        }
        Ok(())
    }

    /// Records the new process `process` with real user id `ruid` (its pid comes
    /// from `table.fork` or `table.create_init`).
    pub fn insert(&mut self, process: Arc<Process>, ruid: Uid) {
        *self.per_uid.entry(ruid).or_insert(0) += 1;
        self.counted += 1;
        self.procs.insert(process.pid, process);
    }

    /// A process with real user id `ruid` no longer counts against the limits.
    fn uncount(&mut self, ruid: Uid) {
        self.counted = self.counted.saturating_sub(1);
        if let Some(n) = self.per_uid.get_mut(&ruid) {
            *n -= 1;
            if *n == 0 {
                self.per_uid.remove(&ruid);
            }
        }
    }

    /// A live process changed its real user id (setuid and friends, `syscall/cred.rs`).
    pub fn changed_uid(&mut self, old: Uid, new: Uid) {
        if old != new {
            self.uncount(old);
            self.counted += 1;
            *self.per_uid.entry(new).or_insert(0) += 1;
        }
    }

    /// Removes the zombie `pid` (its parent reaped it); returns it. It stops counting
    /// against the process limits now.
    pub fn remove(&mut self, pid: Pid) -> Option<Arc<Process>> {
        let process = self.procs.remove(&pid)?;
        let ruid = process.creds.lock().ruid;
        self.uncount(ruid);
        Some(process)
    }
}
