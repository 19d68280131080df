//! Which system calls are fuzzed, with the shape of each argument (Linux x86-64 numbers),
//! and a weight: the calls our kernel implements (`guest-kernel/kernel/src/syscall/
//! table.rs`) are drawn more often than the ones it answers with ENOSYS.
//!
//! Left out on purpose (they would end or blind the experiment, or reach outside it when
//! the fuzzer runs natively): exit and exit_group, rt_sigreturn, pause, rt_sigsuspend,
//! semop (blocks without a timeout), eventfd and signalfd (no flags, so their reads can
//! block forever; eventfd2 and signalfd4 are fuzzed with O_NONBLOCK), vhangup, chroot,
//! reboot, kexec, module loading, mount and the new mount API, swapon/swapoff, acct,
//! settimeofday/clock_settime/adjtimex/clock_adjtime, sethostname/setdomainname,
//! iopl/ioperm, quotactl, unshare/setns, seccomp, bpf, perf_event_open, userfaultfd,
//! io_uring, fanotify, keyrings, open_by_handle_at, uselib, process_madvise,
//! pidfd_send_signal, landlock_restrict_self, lsm_set_self_attr, mseal (it would pin the
//! arena for the life of the shared address space), uretprobe (SIGILL outside a probe),
//! the *xattrat calls (their argument struct holds a pointer the kernel writes through).
//! Others are fuzzed with arguments kept safe (see `args/` and `special.rs`): kill and
//! friends only at the worker itself or at pids that do not exist, memory calls only on
//! the worker's arena, name-changing calls only under its scratch directory.

/// The shape of one argument (how `args/` generates it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum A {
    /// Unused: 0, sometimes garbage (the kernel must ignore it).
    Z,
    /// Any descriptor: one of every kind, small numbers, invalid ones.
    Fd,
    /// A directory descriptor for calls that only look: AT_FDCWD, directories, others.
    DirFd,
    /// A directory descriptor for calls that change names: AT_FDCWD, the scratch
    /// directory, non-directories, invalid ones.
    DirFdW,
    /// The target of dup2/dup3.
    NewFd,
    /// A path for calls that only look (anywhere).
    PathR,
    /// A path for calls that create, remove or change things (under scratch only).
    PathW,
    /// A path for execve (never a program that could run).
    PathX,
    /// The target string of a symbolic link.
    LinkTarget,
    /// A pointer the kernel writes through; the size it writes, if known.
    Out(u16),
    /// A pointer the kernel reads from; the size it reads, if known.
    In(u16),
    /// A byte count (any, huge ones included), sized to the pointer before it.
    Len,
    /// A byte count of at most 1 MiB (for calls that could otherwise fill a disk).
    BLen,
    /// An element count, usually the length of the array built for the previous
    /// argument.
    Count,
    /// A file offset.
    Off,
    /// A pointer to a file offset (or NULL).
    OffPtr,
    /// A pointer to a length the kernel reads and updates (socklen_t).
    LenPtr,
    /// A boundary integer.
    Int,
    /// A small integer (0..16 mostly).
    Small,
    /// A flag word: bits of the mask, or anything.
    Flags(u32),
    /// open(2) flags (O_NONBLOCK always set).
    OpenFlags,
    /// AT_* flags.
    AtFlags,
    /// Permission bits (and garbage).
    Mode,
    /// mknod's mode: never a device or a FIFO.
    NodeMode,
    /// A device number.
    Dev,
    /// lseek's whence.
    Whence,
    /// PROT_* bits.
    Prot,
    /// Any signal number, invalid ones included.
    SigAny,
    /// A signal that is safe to send to the worker (never SIGKILL or SIGSTOP).
    SigSend,
    /// A pointer to a signal set (or NULL).
    SigSetPtr,
    /// The size of a signal set (8 mostly).
    SigSetSize,
    /// A pointer to a `struct sigaction` (handlers kept harmless for the signal before).
    SigactPtr,
    /// A pid for calls that only look.
    PidQ,
    /// A pid for calls that change a process: 0 (self), self, or none that exists.
    PidM,
    /// A pid to send a signal to: self, or none that exists.
    PidKill,
    /// A thread id to send a signal to: self, or none that exists.
    TidKill,
    /// A pid to wait for.
    PidWait,
    /// A process group for setpgid.
    Pgid,
    /// A user or group id.
    Uid,
    /// A clock id.
    Clock,
    /// A resource number for the getters.
    Resource,
    /// A resource number for the setters (never RLIMIT_CPU or RLIMIT_CORE).
    ResourceSet,
    /// A pointer to a finite timespec (never NULL: NULL means "wait forever").
    Timeout,
    /// A timeout in milliseconds, never negative.
    TimeoutMs,
    /// A pointer to a finite timeval.
    Timeval,
    /// A pointer to an iovec array whose buffers are safe to write.
    Iov,
    /// A pointer to a pollfd array.
    PollFds,
    /// A pointer to an fd_set.
    FdSet,
    /// select's nfds.
    Nfds,
    /// A pointer to a NULL-terminated array of strings (argv, envp).
    StrVec,
    /// A pointer to a short string.
    Str,
    /// A pointer to an extended-attribute name.
    XattrName,
    /// A pointer to a socket address.
    Sockaddr,
    /// A socket address length.
    SockLen,
    /// A socket domain (AF_UNIX or invalid ones).
    Domain,
    /// A socket type (SOCK_NONBLOCK always set).
    SockType,
    /// A pointer to a `struct msghdr` whose pointers are safe to write.
    MsgHdr,
    /// A pointer to an array of `struct mmsghdr`.
    MmsgVec,
    /// An address for memory calls: in the arena, or invalid.
    MemAddr,
    /// A length for memory calls, never reaching past the worker's region (or so long
    /// that it wraps around).
    MemLen,
    /// The same for munmap and mremap, which also refuse ranges past user space.
    MapLen,
    /// An address for brk: 0, far above the break, or invalid.
    BrkAddr,
    /// A pointer to a `struct rlimit` (or NULL).
    RlimitPtr,
    /// A System V IPC key that is never IPC_PRIVATE.
    IpcKey,
    /// A System V IPC id that cannot exist (negative).
    NegId,
    /// A pointer the kernel may write through, or an integer.
    PtrOrInt,
    /// A small selector (which, how, idtype).
    Which,
    /// A futex address.
    FutexAddr,
    /// Random 64 bits or a boundary value.
    Garbage,
}

/// The result may be a new descriptor.
pub const RET_FD: u8 = 1;
/// The call may create a child (it exits at once; the worker reaps it).
pub const FORK: u8 = 2;
/// The call may move the working directory (the worker moves it back).
pub const CWD: u8 = 4;
/// The call may change the FS or GS base or CPUID faulting (the worker restores them).
pub const ARCH: u8 = 8;
/// The result may be a new mapping outside the arena (the worker unmaps it).
pub const MAP: u8 = 16;
/// pipe(2): the two new descriptors are made non-blocking.
pub const PIPE: u8 = 32;
/// The call may sleep (a timeout, a wait for a child, a yield): its duration is not
/// kernel work, so it does not count as the worker's slowest call.
pub const SLEEPS: u8 = 64;

/// One fuzzed system call.
#[derive(Clone, Copy, Debug)]
pub struct Sys {
    /// Its number (x86-64).
    pub nr: u64,
    /// Its name.
    pub name: &'static str,
    /// How often it is drawn, relative to the others.
    pub weight: u32,
    /// Its six arguments.
    pub args: [A; 6],
    /// Housekeeping it needs ([`RET_FD`], [`FORK`]...).
    pub flags: u8,
}

impl Sys {
    /// An entry; missing arguments are [`A::Z`].
    const fn new(nr: u64, name: &'static str, weight: u32, given: &[A], flags: u8) -> Sys {
        let mut args = [A::Z; 6];
        let mut i = 0;
        while i < given.len() {
            args[i] = given[i];
            i += 1;
        }
        Sys { nr, name, weight, args, flags }
    }
}

/// The pseudo-number of the entry that draws from [`UNKNOWN_NUMBERS`].
pub const UNKNOWN: u64 = u64::MAX;

/// Numbers that are no system call on x86-64 (ENOSYS everywhere): the gap 336..=423,
/// x32-only numbers without the x32 bit, numbers past the table, upper garbage.
pub const UNKNOWN_NUMBERS: [u64; 14] = [
    336,
    400,
    423,
    512,
    520,
    547,
    1000,
    4096,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    u64::MAX - 1,
    0x4000_0000 | 1000,
    (1 << 32) | 1000,
];

use A::*;

/// `O_*`, `AT_*` and friends used as masks below.
mod m {
    pub const MSG: u32 = 0x6401_ffff;
    pub const WAIT: u32 = 0xe100_000f; // WNOHANG..WCONTINUED, WNOWAIT, __W*
    pub const MS: u32 = 7;
    pub const MCL: u32 = 7;
    pub const RENAME: u32 = 7;
    pub const GRND: u32 = 7;
    pub const RWF: u32 = 0x7f;
    pub const SPLICE: u32 = 0xf;
    pub const MFD: u32 = 0x1f;
    pub const EFD: u32 = 0x80801; // EFD_SEMAPHORE | O_CLOEXEC | O_NONBLOCK
    pub const CLOEXEC: u32 = 0x80000;
    pub const FALLOC: u32 = 0x7f;
    pub const XATTR: u32 = 3;
    pub const TIMER: u32 = 3;
    pub const MREMAP: u32 = 7;
    pub const CLOSE_RANGE: u32 = 6;
    pub const EPOLL: u32 = 0x80000;
    pub const IN: u32 = 0xff00_0fff;
}

/// The table.
pub static TABLE: &[Sys] = &[
    // Descriptor I/O.
    Sys::new(0, "read", 12, &[Fd, Out(0), Len], 0),
    Sys::new(1, "write", 12, &[Fd, In(0), Len], 0),
    Sys::new(17, "pread64", 5, &[Fd, Out(0), Len, Off], 0),
    Sys::new(18, "pwrite64", 5, &[Fd, In(0), Len, Off], 0),
    Sys::new(19, "readv", 5, &[Fd, Iov, Count], 0),
    Sys::new(20, "writev", 5, &[Fd, Iov, Count], 0),
    Sys::new(295, "preadv", 3, &[Fd, Iov, Count, Off, Off], 0),
    Sys::new(296, "pwritev", 3, &[Fd, Iov, Count, Off, Off], 0),
    Sys::new(327, "preadv2", 1, &[Fd, Iov, Count, Off, Off, Flags(m::RWF)], 0),
    Sys::new(328, "pwritev2", 1, &[Fd, Iov, Count, Off, Off, Flags(m::RWF)], 0),
    Sys::new(8, "lseek", 5, &[Fd, Off, Whence], 0),
    Sys::new(74, "fsync", 2, &[Fd], 0),
    Sys::new(75, "fdatasync", 2, &[Fd], 0),
    Sys::new(16, "ioctl", 8, &[Fd, Int, PtrOrInt], 0),
    Sys::new(40, "sendfile", 1, &[Fd, Fd, OffPtr, BLen], 0),
    Sys::new(275, "splice", 1, &[Fd, OffPtr, Fd, OffPtr, BLen, Flags(m::SPLICE)], 0),
    Sys::new(276, "tee", 1, &[Fd, Fd, BLen, Flags(m::SPLICE)], 0),
    Sys::new(278, "vmsplice", 1, &[Fd, Iov, Count, Flags(m::SPLICE)], 0),
    Sys::new(326, "copy_file_range", 1, &[Fd, OffPtr, Fd, OffPtr, BLen, Int], 0),
    Sys::new(187, "readahead", 1, &[Fd, Off, BLen], 0),
    Sys::new(221, "fadvise64", 1, &[Fd, Off, Off, Which], 0),
    Sys::new(285, "fallocate", 1, &[Fd, Flags(m::FALLOC), Off, BLen], 0),
    Sys::new(77, "ftruncate", 2, &[Fd, Off], 0),
    Sys::new(277, "sync_file_range", 1, &[Fd, Off, Off, Flags(7)], 0),
    Sys::new(306, "syncfs", 1, &[Fd], 0),
    Sys::new(162, "sync", 1, &[], 0),
    // Descriptors.
    Sys::new(3, "close", 4, &[Fd], 0),
    Sys::new(32, "dup", 4, &[Fd], RET_FD),
    Sys::new(33, "dup2", 4, &[Fd, NewFd], RET_FD),
    Sys::new(292, "dup3", 3, &[Fd, NewFd, Flags(m::CLOEXEC)], RET_FD),
    Sys::new(72, "fcntl", 8, &[Fd, Int, Garbage], RET_FD),
    Sys::new(22, "pipe", 2, &[Out(8)], PIPE),
    Sys::new(293, "pipe2", 3, &[Out(8), OpenFlags], 0),
    Sys::new(73, "flock", 1, &[Fd, Flags(0xf)], 0),
    Sys::new(436, "close_range", 1, &[Fd, Int, Flags(m::CLOSE_RANGE)], 0),
    Sys::new(7, "poll", 4, &[PollFds, Count, TimeoutMs], SLEEPS),
    Sys::new(271, "ppoll", 3, &[PollFds, Count, Timeout, SigSetPtr, SigSetSize], SLEEPS),
    Sys::new(23, "select", 2, &[Nfds, FdSet, FdSet, FdSet, Timeval], SLEEPS),
    Sys::new(270, "pselect6", 2, &[Nfds, FdSet, FdSet, FdSet, Timeout, In(16)], SLEEPS),
    Sys::new(213, "epoll_create", 1, &[Int], RET_FD),
    Sys::new(291, "epoll_create1", 1, &[Flags(m::EPOLL)], RET_FD),
    Sys::new(233, "epoll_ctl", 1, &[Fd, Which, Fd, In(12)], 0),
    Sys::new(232, "epoll_wait", 1, &[Fd, Out(0), Count, TimeoutMs], SLEEPS),
    Sys::new(281, "epoll_pwait", 1, &[Fd, Out(0), Count, TimeoutMs, SigSetPtr, SigSetSize], SLEEPS),
    Sys::new(441, "epoll_pwait2", 1, &[Fd, Out(0), Count, Timeout, SigSetPtr, SigSetSize], SLEEPS),
    Sys::new(290, "eventfd2", 1, &[Int, Flags(m::EFD)], RET_FD),
    Sys::new(289, "signalfd4", 1, &[Fd, SigSetPtr, SigSetSize, Flags(m::EFD)], RET_FD),
    Sys::new(283, "timerfd_create", 1, &[Clock, Flags(m::EFD)], RET_FD),
    Sys::new(286, "timerfd_settime", 1, &[Fd, Flags(m::TIMER), In(32), Out(32)], 0),
    Sys::new(287, "timerfd_gettime", 1, &[Fd, Out(32)], 0),
    Sys::new(294, "inotify_init1", 1, &[Flags(m::EFD)], RET_FD),
    Sys::new(254, "inotify_add_watch", 1, &[Fd, PathR, Flags(m::IN)], 0),
    Sys::new(255, "inotify_rm_watch", 1, &[Fd, Int], 0),
    Sys::new(319, "memfd_create", 1, &[Str, Flags(m::MFD)], RET_FD),
    Sys::new(447, "memfd_secret", 1, &[Flags(m::CLOEXEC)], RET_FD),
    Sys::new(434, "pidfd_open", 1, &[PidQ, Flags(0x800)], RET_FD),
    Sys::new(438, "pidfd_getfd", 1, &[Fd, Int, Int], RET_FD),
    Sys::new(448, "process_mrelease", 1, &[Fd, Int], 0),
    Sys::new(451, "cachestat", 1, &[Fd, In(16), Out(64), Int], 0),
    // Files and names.
    Sys::new(2, "open", 6, &[PathR, OpenFlags, Mode], RET_FD),
    Sys::new(257, "openat", 8, &[DirFd, PathR, OpenFlags, Mode], RET_FD),
    Sys::new(437, "openat2", 1, &[DirFd, PathR, In(24), Garbage], RET_FD),
    Sys::new(85, "creat", 2, &[PathW, Mode], RET_FD),
    Sys::new(4, "stat", 4, &[PathR, Out(144)], 0),
    Sys::new(6, "lstat", 3, &[PathR, Out(144)], 0),
    Sys::new(5, "fstat", 4, &[Fd, Out(144)], 0),
    Sys::new(262, "newfstatat", 4, &[DirFd, PathR, Out(144), AtFlags], 0),
    Sys::new(332, "statx", 4, &[DirFd, PathR, AtFlags, Int, Out(256)], 0),
    Sys::new(137, "statfs", 1, &[PathR, Out(120)], 0),
    Sys::new(138, "fstatfs", 1, &[Fd, Out(120)], 0),
    Sys::new(21, "access", 3, &[PathR, Flags(7)], 0),
    Sys::new(269, "faccessat", 3, &[DirFd, PathR, Flags(7)], 0),
    Sys::new(439, "faccessat2", 2, &[DirFd, PathR, Flags(7), AtFlags], 0),
    Sys::new(89, "readlink", 3, &[PathR, Out(0), Len], 0),
    Sys::new(267, "readlinkat", 3, &[DirFd, PathR, Out(0), Len], 0),
    Sys::new(78, "getdents", 2, &[Fd, Out(0), Len], 0),
    Sys::new(217, "getdents64", 5, &[Fd, Out(0), Len], 0),
    Sys::new(79, "getcwd", 3, &[Out(0), Len], 0),
    Sys::new(80, "chdir", 2, &[PathR], CWD),
    Sys::new(81, "fchdir", 2, &[Fd], CWD),
    Sys::new(83, "mkdir", 4, &[PathW, Mode], 0),
    Sys::new(258, "mkdirat", 3, &[DirFdW, PathW, Mode], 0),
    Sys::new(84, "rmdir", 3, &[PathW], 0),
    Sys::new(87, "unlink", 3, &[PathW], 0),
    Sys::new(263, "unlinkat", 3, &[DirFdW, PathW, AtFlags], 0),
    Sys::new(82, "rename", 3, &[PathW, PathW], 0),
    Sys::new(264, "renameat", 2, &[DirFdW, PathW, DirFdW, PathW], 0),
    Sys::new(316, "renameat2", 1, &[DirFdW, PathW, DirFdW, PathW, Flags(m::RENAME)], 0),
    Sys::new(88, "symlink", 3, &[LinkTarget, PathW], 0),
    Sys::new(266, "symlinkat", 2, &[LinkTarget, DirFdW, PathW], 0),
    Sys::new(86, "link", 1, &[PathW, PathW], 0),
    Sys::new(265, "linkat", 1, &[DirFdW, PathW, DirFdW, PathW, AtFlags], 0),
    Sys::new(133, "mknod", 1, &[PathW, NodeMode, Dev], 0),
    Sys::new(259, "mknodat", 1, &[DirFdW, PathW, NodeMode, Dev], 0),
    Sys::new(76, "truncate", 1, &[PathW, Off], 0),
    Sys::new(90, "chmod", 1, &[PathW, Mode], 0),
    Sys::new(91, "fchmod", 1, &[Fd, Mode], 0),
    Sys::new(268, "fchmodat", 1, &[DirFdW, PathW, Mode, AtFlags], 0),
    Sys::new(452, "fchmodat2", 1, &[DirFdW, PathW, Mode, AtFlags], 0),
    Sys::new(92, "chown", 1, &[PathW, Uid, Uid], 0),
    Sys::new(93, "fchown", 1, &[Fd, Uid, Uid], 0),
    Sys::new(94, "lchown", 1, &[PathW, Uid, Uid], 0),
    Sys::new(260, "fchownat", 1, &[DirFdW, PathW, Uid, Uid, AtFlags], 0),
    Sys::new(132, "utime", 1, &[PathW, In(16)], 0),
    Sys::new(235, "utimes", 1, &[PathW, In(32)], 0),
    Sys::new(261, "futimesat", 1, &[DirFdW, PathW, In(32)], 0),
    Sys::new(280, "utimensat", 1, &[DirFdW, PathW, In(32), AtFlags], 0),
    Sys::new(188, "setxattr", 1, &[PathW, XattrName, In(0), BLen, Flags(m::XATTR)], 0),
    Sys::new(189, "lsetxattr", 1, &[PathW, XattrName, In(0), BLen, Flags(m::XATTR)], 0),
    Sys::new(190, "fsetxattr", 1, &[Fd, XattrName, In(0), BLen, Flags(m::XATTR)], 0),
    Sys::new(191, "getxattr", 1, &[PathR, XattrName, Out(0), Len], 0),
    Sys::new(192, "lgetxattr", 1, &[PathR, XattrName, Out(0), Len], 0),
    Sys::new(193, "fgetxattr", 1, &[Fd, XattrName, Out(0), Len], 0),
    Sys::new(194, "listxattr", 1, &[PathR, Out(0), Len], 0),
    Sys::new(195, "llistxattr", 1, &[PathR, Out(0), Len], 0),
    Sys::new(196, "flistxattr", 1, &[Fd, Out(0), Len], 0),
    Sys::new(197, "removexattr", 1, &[PathW, XattrName], 0),
    Sys::new(198, "lremovexattr", 1, &[PathW, XattrName], 0),
    Sys::new(199, "fremovexattr", 1, &[Fd, XattrName], 0),
    Sys::new(303, "name_to_handle_at", 1, &[DirFd, PathR, Out(128), Out(4), AtFlags], 0),
    Sys::new(95, "umask", 1, &[Mode], 0),
    Sys::new(59, "execve", 2, &[PathX, StrVec, StrVec], 0),
    Sys::new(322, "execveat", 1, &[DirFd, PathX, StrVec, StrVec, AtFlags], 0),
    // Memory.
    Sys::new(9, "mmap", 6, &[MemAddr, MemLen, Prot, Int, Fd, Off], MAP),
    Sys::new(10, "mprotect", 4, &[MemAddr, MemLen, Prot], 0),
    Sys::new(11, "munmap", 3, &[MemAddr, MapLen], 0),
    Sys::new(12, "brk", 2, &[BrkAddr], 0),
    Sys::new(25, "mremap", 1, &[MemAddr, MapLen, MapLen, Flags(m::MREMAP), MemAddr], MAP),
    Sys::new(26, "msync", 1, &[MemAddr, MemLen, Flags(m::MS)], 0),
    Sys::new(27, "mincore", 1, &[MemAddr, MemLen, Out(0)], 0),
    Sys::new(28, "madvise", 3, &[MemAddr, MemLen, Which], 0),
    Sys::new(149, "mlock", 1, &[MemAddr, MemLen], 0),
    Sys::new(150, "munlock", 1, &[MemAddr, MemLen], 0),
    Sys::new(325, "mlock2", 1, &[MemAddr, MemLen, Flags(1)], 0),
    Sys::new(151, "mlockall", 1, &[Flags(m::MCL)], 0),
    Sys::new(152, "munlockall", 1, &[], 0),
    Sys::new(237, "mbind", 1, &[MemAddr, MemLen, Which, In(8), Int, Flags(7)], 0),
    Sys::new(238, "set_mempolicy", 1, &[Which, In(8), Int], 0),
    Sys::new(239, "get_mempolicy", 1, &[Out(4), Out(8), Int, MemAddr, Flags(7)], 0),
    Sys::new(450, "set_mempolicy_home_node", 1, &[MemAddr, MemLen, Int, Int], 0),
    Sys::new(329, "pkey_mprotect", 1, &[MemAddr, MemLen, Prot, Int], 0),
    Sys::new(330, "pkey_alloc", 1, &[Int, Flags(3)], 0),
    Sys::new(331, "pkey_free", 1, &[Int], 0),
    Sys::new(216, "remap_file_pages", 1, &[MemAddr, MemLen, Int, Int, Int], 0),
    Sys::new(453, "map_shadow_stack", 1, &[MemAddr, MemLen, Flags(3)], MAP),
    Sys::new(67, "shmdt", 1, &[MemAddr], 0),
    // Processes.
    Sys::new(57, "fork", 1, &[], FORK),
    Sys::new(58, "vfork", 1, &[], FORK | SLEEPS),
    Sys::new(56, "clone", 2, &[Int, Garbage, Out(4), Out(4), Garbage], FORK),
    Sys::new(435, "clone3", 1, &[In(88), Garbage], FORK),
    Sys::new(61, "wait4", 3, &[PidWait, Out(4), Flags(m::WAIT), Out(144)], SLEEPS),
    Sys::new(247, "waitid", 3, &[Which, PidWait, Out(128), Flags(m::WAIT), Out(144)], SLEEPS),
    Sys::new(39, "getpid", 2, &[], 0),
    Sys::new(110, "getppid", 2, &[], 0),
    Sys::new(186, "gettid", 1, &[], 0),
    Sys::new(102, "getuid", 1, &[], 0),
    Sys::new(104, "getgid", 1, &[], 0),
    Sys::new(107, "geteuid", 1, &[], 0),
    Sys::new(108, "getegid", 1, &[], 0),
    Sys::new(111, "getpgrp", 1, &[], 0),
    Sys::new(121, "getpgid", 2, &[PidQ], 0),
    Sys::new(124, "getsid", 2, &[PidQ], 0),
    Sys::new(109, "setpgid", 2, &[PidM, Pgid], 0),
    Sys::new(112, "setsid", 1, &[], 0),
    Sys::new(105, "setuid", 1, &[Uid], 0),
    Sys::new(106, "setgid", 1, &[Uid], 0),
    Sys::new(113, "setreuid", 1, &[Uid, Uid], 0),
    Sys::new(114, "setregid", 1, &[Uid, Uid], 0),
    Sys::new(117, "setresuid", 1, &[Uid, Uid, Uid], 0),
    Sys::new(119, "setresgid", 1, &[Uid, Uid, Uid], 0),
    Sys::new(118, "getresuid", 1, &[Out(4), Out(4), Out(4)], 0),
    Sys::new(120, "getresgid", 1, &[Out(4), Out(4), Out(4)], 0),
    Sys::new(122, "setfsuid", 1, &[Uid], 0),
    Sys::new(123, "setfsgid", 1, &[Uid], 0),
    Sys::new(115, "getgroups", 1, &[Int, Out(0)], 0),
    Sys::new(116, "setgroups", 1, &[Small, In(0)], 0),
    Sys::new(125, "capget", 1, &[Out(8), Out(24)], 0),
    Sys::new(126, "capset", 1, &[In(8), In(24)], 0),
    Sys::new(97, "getrlimit", 2, &[Resource, Out(16)], 0),
    Sys::new(160, "setrlimit", 1, &[ResourceSet, RlimitPtr], 0),
    Sys::new(302, "prlimit64", 2, &[PidM, ResourceSet, RlimitPtr, Out(16)], 0),
    Sys::new(98, "getrusage", 1, &[Which, Out(144)], 0),
    Sys::new(99, "sysinfo", 1, &[Out(112)], 0),
    Sys::new(100, "times", 1, &[Out(32)], 0),
    Sys::new(63, "uname", 1, &[Out(390)], 0),
    Sys::new(135, "personality", 1, &[Int], 0),
    Sys::new(157, "prctl", 3, &[Int, PtrOrInt, PtrOrInt, Int, Int], 0),
    Sys::new(158, "arch_prctl", 2, &[Int, PtrOrInt], ARCH),
    Sys::new(218, "set_tid_address", 1, &[Out(4)], 0),
    Sys::new(273, "set_robust_list", 1, &[Out(24), Len], 0),
    Sys::new(274, "get_robust_list", 1, &[PidQ, Out(8), Out(8)], 0),
    Sys::new(334, "rseq", 1, &[Garbage, Len, Flags(1), Int], 0),
    Sys::new(205, "set_thread_area", 1, &[In(16)], 0),
    Sys::new(211, "get_thread_area", 1, &[Out(16)], 0),
    Sys::new(154, "modify_ldt", 1, &[Which, Out(0), Len], 0),
    Sys::new(101, "ptrace", 1, &[Int, PidKill, PtrOrInt, PtrOrInt], 0),
    Sys::new(312, "kcmp", 1, &[PidQ, PidQ, Which, Fd, Fd], 0),
    Sys::new(310, "process_vm_readv", 1, &[PidM, Iov, Count, Iov, Count, Int], 0),
    Sys::new(311, "process_vm_writev", 1, &[PidM, Iov, Count, Iov, Count, Int], 0),
    Sys::new(24, "sched_yield", 2, &[], SLEEPS),
    Sys::new(142, "sched_setparam", 1, &[PidM, In(4)], 0),
    Sys::new(143, "sched_getparam", 1, &[PidQ, Out(4)], 0),
    Sys::new(144, "sched_setscheduler", 1, &[PidM, Int, In(4)], 0),
    Sys::new(145, "sched_getscheduler", 1, &[PidQ], 0),
    Sys::new(146, "sched_get_priority_max", 1, &[Int], 0),
    Sys::new(147, "sched_get_priority_min", 1, &[Int], 0),
    Sys::new(148, "sched_rr_get_interval", 1, &[PidQ, Out(16)], 0),
    Sys::new(203, "sched_setaffinity", 1, &[PidM, Len, In(0)], 0),
    Sys::new(204, "sched_getaffinity", 2, &[PidQ, Len, Out(0)], 0),
    Sys::new(314, "sched_setattr", 1, &[PidM, In(56), Int], 0),
    Sys::new(315, "sched_getattr", 1, &[PidQ, Out(56), Len, Int], 0),
    Sys::new(140, "getpriority", 1, &[Which, PidQ], 0),
    Sys::new(141, "setpriority", 1, &[Which, PidM, Int], 0),
    Sys::new(251, "ioprio_set", 1, &[Which, PidM, Int], 0),
    Sys::new(252, "ioprio_get", 1, &[Which, PidQ], 0),
    Sys::new(256, "migrate_pages", 1, &[PidM, Int, In(8), In(8)], 0),
    Sys::new(279, "move_pages", 1, &[PidM, Small, In(0), In(0), Out(0), Int], 0),
    Sys::new(309, "getcpu", 1, &[Out(4), Out(4), Out(0)], 0),
    Sys::new(324, "membarrier", 1, &[Int, Int, Int], 0),
    // Signals.
    Sys::new(13, "rt_sigaction", 4, &[SigAny, SigactPtr, Out(32), SigSetSize], 0),
    Sys::new(14, "rt_sigprocmask", 3, &[Which, SigSetPtr, Out(8), SigSetSize], 0),
    Sys::new(127, "rt_sigpending", 2, &[Out(8), SigSetSize], 0),
    Sys::new(128, "rt_sigtimedwait", 1, &[SigSetPtr, Out(128), Timeout, SigSetSize], SLEEPS),
    Sys::new(131, "sigaltstack", 2, &[In(24), Out(24)], 0),
    Sys::new(62, "kill", 3, &[PidKill, SigSend], 0),
    Sys::new(200, "tkill", 2, &[TidKill, SigSend], 0),
    Sys::new(234, "tgkill", 2, &[PidKill, TidKill, SigSend], 0),
    Sys::new(129, "rt_sigqueueinfo", 1, &[PidKill, SigSend, In(128)], 0),
    Sys::new(297, "rt_tgsigqueueinfo", 1, &[PidKill, TidKill, SigSend, In(128)], 0),
    Sys::new(37, "alarm", 1, &[Int], 0),
    Sys::new(36, "getitimer", 1, &[Which, Out(32)], 0),
    Sys::new(38, "setitimer", 1, &[Which, In(32), Out(32)], 0),
    Sys::new(222, "timer_create", 1, &[Clock, In(64), Out(4)], 0),
    Sys::new(223, "timer_settime", 1, &[Small, Flags(1), In(32), Out(32)], 0),
    Sys::new(224, "timer_gettime", 1, &[Small, Out(32)], 0),
    Sys::new(225, "timer_getoverrun", 1, &[Small], 0),
    Sys::new(226, "timer_delete", 1, &[Small], 0),
    // Time.
    Sys::new(35, "nanosleep", 2, &[Timeout, Out(16)], SLEEPS),
    Sys::new(230, "clock_nanosleep", 2, &[Clock, Flags(1), Timeout, Out(16)], SLEEPS),
    Sys::new(228, "clock_gettime", 3, &[Clock, Out(16)], 0),
    Sys::new(229, "clock_getres", 2, &[Clock, Out(16)], 0),
    Sys::new(96, "gettimeofday", 2, &[Out(16), Out(8)], 0),
    Sys::new(201, "time", 2, &[Out(8)], 0),
    Sys::new(318, "getrandom", 3, &[Out(0), Len, Flags(m::GRND)], 0),
    // Futexes.
    Sys::new(202, "futex", 3, &[FutexAddr, Int, Int, Garbage, FutexAddr, Int], SLEEPS),
    Sys::new(449, "futex_waitv", 1, &[In(0), Count, Int, Timeout, Clock], SLEEPS),
    Sys::new(454, "futex_wake", 1, &[FutexAddr, Garbage, Int, Flags(0x83)], 0),
    Sys::new(
        455,
        "futex_wait",
        1,
        &[FutexAddr, Garbage, Garbage, Flags(0x83), Timeout, Clock],
        SLEEPS,
    ),
    Sys::new(456, "futex_requeue", 1, &[In(0), Flags(0x83), Int, Int], 0),
    // Sockets (AF_UNIX only).
    Sys::new(41, "socket", 2, &[Domain, SockType, Int], RET_FD),
    Sys::new(53, "socketpair", 1, &[Domain, SockType, Int, Out(8)], 0),
    Sys::new(42, "connect", 1, &[Fd, Sockaddr, SockLen], 0),
    Sys::new(49, "bind", 1, &[Fd, Sockaddr, SockLen], 0),
    Sys::new(50, "listen", 1, &[Fd, Int], 0),
    Sys::new(43, "accept", 1, &[Fd, Out(0), LenPtr], RET_FD),
    Sys::new(288, "accept4", 1, &[Fd, Out(0), LenPtr, Flags(0x80800)], RET_FD),
    Sys::new(44, "sendto", 1, &[Fd, In(0), Len, Flags(m::MSG), Sockaddr, SockLen], 0),
    Sys::new(45, "recvfrom", 1, &[Fd, Out(0), Len, Flags(m::MSG), Out(0), LenPtr], 0),
    Sys::new(46, "sendmsg", 1, &[Fd, MsgHdr, Flags(m::MSG)], 0),
    Sys::new(47, "recvmsg", 1, &[Fd, MsgHdr, Flags(m::MSG)], 0),
    Sys::new(307, "sendmmsg", 1, &[Fd, MmsgVec, Count, Flags(m::MSG)], 0),
    Sys::new(299, "recvmmsg", 1, &[Fd, MmsgVec, Count, Flags(m::MSG), Timeout], SLEEPS),
    Sys::new(48, "shutdown", 1, &[Fd, Which], 0),
    Sys::new(51, "getsockname", 1, &[Fd, Out(0), LenPtr], 0),
    Sys::new(52, "getpeername", 1, &[Fd, Out(0), LenPtr], 0),
    Sys::new(54, "setsockopt", 1, &[Fd, Int, Int, In(0), Len], 0),
    Sys::new(55, "getsockopt", 1, &[Fd, Int, Int, Out(0), LenPtr], 0),
    // System V IPC and message queues, with ids and names that cannot exist.
    Sys::new(29, "shmget", 1, &[IpcKey, Len, Flags(0o777)], 0),
    Sys::new(30, "shmat", 1, &[NegId, MemAddr, Flags(0o70000)], 0),
    Sys::new(31, "shmctl", 1, &[NegId, Int, Out(0)], 0),
    Sys::new(64, "semget", 1, &[IpcKey, Int, Flags(0o777)], 0),
    Sys::new(66, "semctl", 1, &[NegId, Int, Int, PtrOrInt], 0),
    Sys::new(220, "semtimedop", 1, &[NegId, In(0), Count, Timeout], SLEEPS),
    Sys::new(68, "msgget", 1, &[IpcKey, Flags(0o777)], 0),
    Sys::new(69, "msgsnd", 1, &[NegId, In(0), Len, Flags(0o4000)], 0),
    Sys::new(70, "msgrcv", 1, &[NegId, Out(0), Len, Int, Flags(0o4000)], 0),
    Sys::new(71, "msgctl", 1, &[NegId, Int, Out(0)], 0),
    Sys::new(240, "mq_open", 1, &[Str, OpenFlags, Mode, In(64)], RET_FD),
    Sys::new(241, "mq_unlink", 1, &[Str], 0),
    Sys::new(242, "mq_timedsend", 1, &[Fd, In(0), Len, Int, Timeout], SLEEPS),
    Sys::new(243, "mq_timedreceive", 1, &[Fd, Out(0), Len, Out(4), Timeout], SLEEPS),
    Sys::new(244, "mq_notify", 1, &[Fd, In(64)], 0),
    Sys::new(245, "mq_getsetattr", 1, &[Fd, In(64), Out(64)], 0),
    // Asynchronous I/O with contexts that do not exist.
    Sys::new(206, "io_setup", 1, &[Small, Out(8)], 0),
    Sys::new(207, "io_destroy", 1, &[Garbage], 0),
    Sys::new(208, "io_getevents", 1, &[Garbage, Int, Int, Out(0), Timeout], SLEEPS),
    Sys::new(209, "io_submit", 1, &[Garbage, Int, In(0)], 0),
    Sys::new(210, "io_cancel", 1, &[Garbage, In(64), Out(32)], 0),
    Sys::new(333, "io_pgetevents", 1, &[Garbage, Int, Int, Out(0), Timeout, In(16)], SLEEPS),
    // Miscellaneous queries.
    Sys::new(136, "ustat", 1, &[Dev, Out(32)], 0),
    Sys::new(139, "sysfs", 1, &[Which, PtrOrInt, Out(0)], 0),
    Sys::new(219, "restart_syscall", 1, &[], 0),
    Sys::new(444, "landlock_create_ruleset", 1, &[In(0), Len, Flags(1)], RET_FD),
    Sys::new(445, "landlock_add_rule", 1, &[Fd, Which, In(16), Int], 0),
    Sys::new(457, "statmount", 1, &[In(32), Out(0), Len, Int], 0),
    Sys::new(458, "listmount", 1, &[In(32), Out(0), Count, Int], 0),
    Sys::new(459, "lsm_get_self_attr", 1, &[Int, Out(0), LenPtr, Int], 0),
    Sys::new(461, "lsm_list_modules", 1, &[Out(0), LenPtr, Int], 0),
    // Obsolete or reserved numbers (ENOSYS on Linux too).
    Sys::new(174, "create_module", 1, &[Garbage, Garbage], 0),
    Sys::new(177, "get_kernel_syms", 1, &[Garbage], 0),
    Sys::new(178, "query_module", 1, &[Garbage, Garbage, Garbage, Garbage, Garbage], 0),
    Sys::new(180, "nfsservctl", 1, &[Garbage, Garbage, Garbage], 0),
    Sys::new(181, "getpmsg", 1, &[Garbage, Garbage, Garbage, Garbage, Garbage], 0),
    Sys::new(182, "putpmsg", 1, &[Garbage, Garbage, Garbage, Garbage, Garbage], 0),
    Sys::new(183, "afs_syscall", 1, &[Garbage], 0),
    Sys::new(184, "tuxcall", 1, &[Garbage], 0),
    Sys::new(185, "security", 1, &[Garbage], 0),
    Sys::new(212, "lookup_dcookie", 1, &[Garbage, Out(0), Len], 0),
    Sys::new(214, "epoll_ctl_old", 1, &[Garbage, Garbage, Garbage, Garbage], 0),
    Sys::new(215, "epoll_wait_old", 1, &[Garbage, Garbage, Garbage, Garbage], 0),
    Sys::new(236, "vserver", 1, &[Garbage], 0),
    Sys::new(156, "_sysctl", 1, &[Garbage], 0),
    Sys::new(UNKNOWN, "unknown", 4, &[Garbage, Garbage, Garbage, Garbage, Garbage, Garbage], 0),
];

/// The name of system call `nr` (as far as the table knows it).
pub fn name_of(nr: u64) -> &'static str {
    TABLE.iter().find(|s| s.nr == nr).map_or("?", |s| s.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_unique_and_nothing_excluded_slipped_in() {
        let excluded = [
            15u64, 34, 60, 65, 130, 134, 153, 155, 159, 161, 163, 164, 165, 166, 167, 168, 169,
            170, 171, 172, 173, 175, 176, 179, 227, 231, 246, 248, 249, 250, 272, 282, 284, 298,
            300, 301, 304, 305, 308, 313, 317, 320, 321, 323, 335, 424, 425, 426, 427, 428, 429,
            430, 431, 432, 433, 440, 442, 443, 446, 460, 462,
        ];
        for (i, s) in TABLE.iter().enumerate() {
            assert!(!excluded.contains(&s.nr), "{} is excluded", s.name);
            assert!(TABLE[..i].iter().all(|t| t.nr != s.nr), "{} twice", s.name);
            assert!(s.weight > 0);
        }
        assert!(TABLE.len() <= crate::shared::STATS);
    }
}
