//! [`Process`]: what the threads of one program share.

use super::Pid;
use super::signal::SigActions;
use crate::fs::{FdTable, FsContext};
use crate::mm::vm::AddressSpace;
use posix::cred::Credentials;
use posix::rlimit::Rlimits;
use spin::mutex::SpinMutex;

/// Length of a task's name (`comm`, `prctl(PR_GET_NAME)`), NUL included.
pub const COMM_LEN: usize = 16;

/// A process.
///
/// Lock order (outer first): `fs`, `files`, `creds`, `limits`, `signals`, `comm`; `mm` is
/// taken alone (page faults take it, see `mm::vm::space`).
pub struct Process {
    /// Process id.
    pub pid: Pid,
    /// Parent's process id (0 for init, as Linux reports for PID 1).
    pub ppid: Pid,
    /// The user address space (exec replaces it).
    pub mm: SpinMutex<AddressSpace>,
    /// Open file descriptors.
    pub files: SpinMutex<FdTable>,
    /// Root, working directory, umask.
    pub fs: SpinMutex<FsContext>,
    /// User and group ids.
    pub creds: SpinMutex<Credentials>,
    /// Resource limits.
    pub limits: SpinMutex<Rlimits>,
    /// Signal dispositions (stored; delivery comes with the signals issue).
    pub signals: SpinMutex<SigActions>,
    /// The program's name: the last component of the executed path, truncated.
    pub comm: SpinMutex<[u8; COMM_LEN]>,
    /// TSC value when the process started (its CPU-time clock counts from here).
    pub start_tsc: u64,
}

impl Process {
    /// A process with the given parts.
    pub fn new(pid: Pid, ppid: Pid, mm: AddressSpace, files: FdTable, fs: FsContext) -> Self {
        let nproc = super::init::NPROC;
        Process {
            pid,
            ppid,
            mm: SpinMutex::new(mm),
            files: SpinMutex::new(files),
            fs: SpinMutex::new(fs),
            creds: SpinMutex::new(Credentials::root()),
            limits: SpinMutex::new(Rlimits::init_defaults(nproc)),
            signals: SpinMutex::new(SigActions::new()),
            comm: SpinMutex::new([0; COMM_LEN]),
            start_tsc: crate::time::now(),
        }
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
}
