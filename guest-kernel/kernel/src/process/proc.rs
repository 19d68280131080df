//! [`Process`]: what the threads of one program share.

use super::Pid;
use super::Task;
use super::signal::SigActions;
use crate::fs::{FdTable, FsContext};
use crate::mm::vm::{AddressSpace, Mm};
use crate::sched::task::TaskOwner;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use posix::cred::Credentials;
use posix::rlimit::Rlimits;
use spin::mutex::SpinMutex;

/// Length of a task's name (`comm`, `prctl(PR_GET_NAME)`), NUL included.
pub const COMM_LEN: usize = 16;

/// A process.
///
/// Its relationships (parent, children, process group, session, zombie state) are kept
/// by the process registry (`registry`, on `posix::process::Table`); this holds the
/// resources and state the process itself uses.
///
/// Lock order (outer first): the registry, then `fs`, `files`, `creds`, `limits`,
/// `signals`, `comm`, `tasks`; `mm` is taken alone (page faults take it, see
/// `mm::vm::space`), and the scheduler's lock is innermost.
pub struct Process {
    /// Process id.
    pub pid: Pid,
    /// Parent's process id (0 for init, as Linux reports for PID 1); becomes 1 when the
    /// parent exits first (the registry changes it).
    pub ppid: AtomicU32,
    /// The user address space (exec replaces it; `CLONE_VM` children share it).
    mm: SpinMutex<Arc<Mm>>,
    /// Physical address of `mm`'s top-level page table (what CR3 gets when a task of this
    /// process is switched to), kept beside `mm` so a switch takes no lock.
    mm_root: AtomicU64,
    /// Open file descriptors.
    pub files: SpinMutex<FdTable>,
    /// Root, working directory, umask.
    pub fs: SpinMutex<FsContext>,
    /// User and group ids.
    pub creds: SpinMutex<Credentials>,
    /// Resource limits.
    pub limits: SpinMutex<Rlimits>,
    /// Signal dispositions.
    pub signals: SpinMutex<SigActions>,
    /// Signals sent to the process (kill) not yet delivered.
    pub pending: AtomicU64,
    /// The `siginfo` of each signal in `pending` (empty until one is sent).
    pub infos: SpinMutex<Vec<posix::signal::info::SigInfo>>,
    /// CPU time of its ended threads and of the children it reaped (`cputime`).
    pub cpu: SpinMutex<super::cputime::ProcessCpu>,
    /// The CPU-time interval timers (`ITIMER_VIRTUAL`, `ITIMER_PROF`; `cpu_timer`).
    pub cpu_timers: SpinMutex<[super::cpu_timer::CpuTimer; 2]>,
    /// The real-time interval timer (`setitimer(ITIMER_REAL)`, `alarm`).
    pub real_timer: SpinMutex<super::timer::RealTimer>,
    /// The program's name: the last component of the executed path, truncated.
    pub comm: SpinMutex<[u8; COMM_LEN]>,
    /// The signal its parent gets when it ends (SIGCHLD, or 0).
    pub exit_signal: u8,
    /// Its threads (one for now). Emptied when the process exits.
    pub tasks: SpinMutex<Vec<Arc<Task>>>,
    /// A `vfork` child that has not exec'd or exited yet: its parent sleeps until this
    /// turns false (`vfork`).
    pub in_vfork: AtomicBool,
    /// Whether a stop signal stopped it (until SIGCONT or SIGKILL).
    pub stopped: AtomicBool,
    /// Bumped whenever one of its children changes state (exit, stop, continue): what a
    /// blocked `wait` waits for.
    pub child_events: AtomicU64,
}

impl Process {
    /// A process with the given parts (root credentials, default limits and
    /// dispositions: what init starts with; fork then copies the parent's).
    pub fn new(pid: Pid, ppid: Pid, mm: Arc<Mm>, files: FdTable, fs: FsContext) -> Self {
        let root = mm.lock().root();
        Process {
            pid,
            ppid: AtomicU32::new(ppid),
            mm: SpinMutex::new(mm),
            mm_root: AtomicU64::new(root),
            files: SpinMutex::new(files),
            fs: SpinMutex::new(fs),
            creds: SpinMutex::new(Credentials::root()),
            limits: SpinMutex::new(Rlimits::init_defaults(super::limits::nproc_default())),
            signals: SpinMutex::new(SigActions::new()),
            pending: AtomicU64::new(0),
            infos: SpinMutex::new(Vec::new()),
            cpu: SpinMutex::new(super::cputime::ProcessCpu::default()),
            cpu_timers: SpinMutex::new([super::cpu_timer::CpuTimer::default(); 2]),
            real_timer: SpinMutex::new(super::timer::RealTimer { deadline: 0, interval_ns: 0 }),
            comm: SpinMutex::new([0; COMM_LEN]),
            exit_signal: posix::signal::num::SIGCHLD,
            tasks: SpinMutex::new(Vec::new()),
            in_vfork: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            child_events: AtomicU64::new(0),
        }
    }

    /// The parent's process id.
    pub fn ppid(&self) -> Pid {
        self.ppid.load(Ordering::Relaxed)
    }

    /// The address space (shared with the caller: lock it to use it).
    pub fn mm(&self) -> Arc<Mm> {
        self.mm.lock().clone()
    }

    /// The address space, unless its slot is locked (for the kernel's page-fault path,
    /// which must not wait).
    pub fn try_mm(&self) -> Option<Arc<Mm>> {
        self.mm.try_lock().map(|mm| mm.clone())
    }

    /// Replaces the address space (exec; exit, with the empty one); returns the old one,
    /// which the caller drops once it is not loaded any more.
    pub fn replace_mm(&self, mm: Arc<Mm>) -> Arc<Mm> {
        let root = mm.lock().root();
        let mut slot = self.mm.lock();
        self.mm_root.store(root, Ordering::Relaxed);
        core::mem::replace(&mut *slot, mm)
    }

    /// The first (for now the only) thread, while the process is alive.
    pub fn main_task(&self) -> Option<Arc<Task>> {
        self.tasks.lock().first().cloned()
    }

    /// A channel (`sched` wait/wake key) for events about this process's children.
    pub fn child_chan(&self) -> usize {
        self as *const Self as usize
    }

    /// A channel for changes of this process's own state (vfork release, continue).
    pub fn self_chan(&self) -> usize {
        self as *const Self as usize + 1
    }

    /// Sets `comm` from an executed path: its last component, at most 15 bytes (Linux
    /// `__set_task_comm` with `kbasename`).
    pub fn set_comm_from_path(&self, path: &[u8]) {
        let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
        let mut comm = [0u8; COMM_LEN];
        let n = name.len().min(COMM_LEN - 1);
        comm[..n].copy_from_slice(&name[..n]);
        *self.comm.lock() = comm;
    }

    /// A new address space holding nothing (what a zombie keeps), shared by all.
    pub fn empty_mm() -> Option<Arc<Mm>> {
        static EMPTY: SpinMutex<Option<Arc<Mm>>> = SpinMutex::new(None);
        let mut empty = EMPTY.lock();
        if empty.is_none() {
            *empty = Some(Arc::new(SpinMutex::new(AddressSpace::new(0).ok()?)));
        }
        empty.clone()
    }
}

impl TaskOwner for Process {
    /// The address space's top-level table (for the context switch), kept beside `mm` so a
    /// switch takes no lock.
    fn address_space_root(&self) -> u64 {
        self.mm_root.load(Ordering::Relaxed)
    }
}
