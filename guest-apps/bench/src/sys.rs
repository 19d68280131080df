//! Raw Linux x86_64 system calls, issued with the `syscall` instruction.
//!
//! The benchmark measures the kernel, so each measured operation is exactly one system call
//! (or the documented sequence of them) with nothing from a C library in between, and a
//! failure is the kernel's own negative errno. The one exception is `posix_spawn`, which is
//! musl's (see `ops::process`).

use std::arch::asm;
use std::ffi::CStr;
use std::os::raw::c_char;

/// System call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
pub mod nr {
    /// read(fd, buf, count)
    pub const READ: usize = 0;
    /// write(fd, buf, count)
    pub const WRITE: usize = 1;
    /// close(fd)
    pub const CLOSE: usize = 3;
    /// rt_sigaction(sig, act, oact, sigsetsize)
    pub const RT_SIGACTION: usize = 13;
    /// rt_sigreturn()
    pub const RT_SIGRETURN: usize = 15;
    /// getpid()
    pub const GETPID: usize = 39;
    /// fork()
    pub const FORK: usize = 57;
    /// execve(path, argv, envp)
    pub const EXECVE: usize = 59;
    /// wait4(pid, status, options, rusage)
    pub const WAIT4: usize = 61;
    /// kill(pid, sig)
    pub const KILL: usize = 62;
    /// getppid()
    pub const GETPPID: usize = 110;
    /// clock_gettime(clock, ts)
    pub const CLOCK_GETTIME: usize = 228;
    /// exit_group(status)
    pub const EXIT_GROUP: usize = 231;
    /// pipe2(fds, flags)
    pub const PIPE2: usize = 293;
}

/// A system call failed: the positive errno the kernel returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

impl std::fmt::Display for Errno {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self.0 {
            1 => "EPERM",
            2 => "ENOENT",
            3 => "ESRCH",
            4 => "EINTR",
            7 => "E2BIG",
            8 => "ENOEXEC",
            9 => "EBADF",
            10 => "ECHILD",
            11 => "EAGAIN",
            12 => "ENOMEM",
            13 => "EACCES",
            14 => "EFAULT",
            22 => "EINVAL",
            32 => "EPIPE",
            38 => "ENOSYS",
            40 => "ELOOP",
            _ => "errno",
        };
        write!(f, "{name} ({})", self.0)
    }
}

/// Raw system call with up to six arguments; the kernel's return value.
///
/// # Safety
/// The arguments must be valid for system call `nr` (pointers to live memory of the right
/// size, and so on), and the call must not break invariants Rust relies on (no unmapping of
/// live memory, no `fork` outside the helpers below).
unsafe fn syscall(nr: usize, a: [usize; 6]) -> isize {
    let ret: isize;
    // SAFETY: `syscall` clobbers only rcx and r11 besides rax; the caller vouches for the
    // arguments.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") nr as isize => ret,
            in("rdi") a[0], in("rsi") a[1], in("rdx") a[2],
            in("r10") a[3], in("r8") a[4], in("r9") a[5],
            lateout("rcx") _, lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

fn check(ret: isize) -> Result<usize, Errno> {
    if (-4095..0).contains(&ret) { Err(Errno(-ret as i32)) } else { Ok(ret as usize) }
}

/// `getppid()`: the null system call (no arguments, no locks, one field read).
pub fn getppid() -> usize {
    // SAFETY: getppid takes no arguments and cannot fail.
    unsafe { syscall(nr::GETPPID, [0; 6]) as usize }
}

/// `getpid()`.
pub fn getpid() -> usize {
    // SAFETY: getpid takes no arguments and cannot fail.
    unsafe { syscall(nr::GETPID, [0; 6]) as usize }
}

/// `clock_gettime(CLOCK_MONOTONIC)` in nanoseconds, straight from the kernel (no vDSO): used
/// once at start to check the clock works before `std::time::Instant` relies on it.
pub fn clock_monotonic_ns() -> Result<u64, Errno> {
    let mut ts = [0i64; 2];
    // SAFETY: `ts` is a writable `struct timespec` (two 64-bit fields); 1 = CLOCK_MONOTONIC.
    check(unsafe { syscall(nr::CLOCK_GETTIME, [1, ts.as_mut_ptr() as usize, 0, 0, 0, 0]) })?;
    Ok(ts[0] as u64 * 1_000_000_000 + ts[1] as u64)
}

/// What `fork` returned in the calling process.
pub enum Forked {
    /// In the child.
    Child,
    /// In the parent, with the child's pid.
    Parent(i32),
}

/// `fork()` (system call 57, as musl's own `fork` uses on x86_64).
///
/// # Safety
/// In the child, only async-signal-safe work may follow: the helpers of this module and
/// then [`exit_group`] or [`execve`]. Allocation, locks and stdio are off limits, because
/// another thread's state may have been copied mid-operation (the benchmark is single
/// threaded, but this keeps the child independent of that).
pub unsafe fn fork() -> Result<Forked, Errno> {
    // SAFETY: fork has no arguments; the caller restricts what the child does.
    let pid = check(unsafe { syscall(nr::FORK, [0; 6]) })?;
    Ok(if pid == 0 { Forked::Child } else { Forked::Parent(pid as i32) })
}

/// `exit_group(status)`: ends the process at once, without running any exit handlers.
pub fn exit_group(status: i32) -> ! {
    // SAFETY: exit_group does not return and takes a plain integer.
    unsafe { syscall(nr::EXIT_GROUP, [status as usize, 0, 0, 0, 0, 0]) };
    unreachable!("exit_group returned")
}

/// `execve(path, argv, envp)`; returns only on failure.
///
/// `argv` and `envp` are NULL-terminated arrays of NUL-terminated strings (see
/// [`CArgs`]).
pub fn execve(path: &CStr, argv: &CArgs, envp: &CArgs) -> Errno {
    // SAFETY: all three point at NUL-terminated data that lives across the call.
    let ret = unsafe {
        syscall(
            nr::EXECVE,
            [path.as_ptr() as usize, argv.as_ptr() as usize, envp.as_ptr() as usize, 0, 0, 0],
        )
    };
    Errno(-ret as i32)
}

/// `wait4(pid, &status, 0, NULL)`: (the pid the kernel reported, the raw wait status).
pub fn wait4(pid: i32) -> Result<(i32, i32), Errno> {
    let mut status = 0i32;
    loop {
        // SAFETY: `status` is a writable int; no rusage pointer.
        let ret = unsafe {
            syscall(nr::WAIT4, [pid as usize, &mut status as *mut i32 as usize, 0, 0, 0, 0])
        };
        match check(ret) {
            Ok(got) => return Ok((got as i32, status)),
            Err(Errno(4)) => continue, // EINTR: wait again
            Err(e) => return Err(e),
        }
    }
}

/// `pipe2(fds, 0)`: (read end, write end).
pub fn pipe() -> Result<(i32, i32), Errno> {
    let mut fds = [0i32; 2];
    // SAFETY: `fds` is a writable int[2].
    check(unsafe { syscall(nr::PIPE2, [fds.as_mut_ptr() as usize, 0, 0, 0, 0, 0]) })?;
    Ok((fds[0], fds[1]))
}

/// `read(fd, buf)`: bytes read.
pub fn read(fd: i32, buf: &mut [u8]) -> Result<usize, Errno> {
    // SAFETY: `buf` is writable for its length.
    check(unsafe {
        syscall(nr::READ, [fd as usize, buf.as_mut_ptr() as usize, buf.len(), 0, 0, 0])
    })
}

/// `write(fd, buf)`: bytes written.
pub fn write(fd: i32, buf: &[u8]) -> Result<usize, Errno> {
    // SAFETY: `buf` is readable for its length.
    check(unsafe { syscall(nr::WRITE, [fd as usize, buf.as_ptr() as usize, buf.len(), 0, 0, 0]) })
}

/// `close(fd)`.
pub fn close(fd: i32) -> Result<(), Errno> {
    // SAFETY: closing a descriptor this program owns.
    check(unsafe { syscall(nr::CLOSE, [fd as usize, 0, 0, 0, 0, 0]) }).map(drop)
}

/// `kill(pid, sig)`.
pub fn kill(pid: usize, sig: i32) -> Result<(), Errno> {
    // SAFETY: plain integers.
    check(unsafe { syscall(nr::KILL, [pid, sig as usize, 0, 0, 0, 0]) }).map(drop)
}

/// The kernel's `struct sigaction` on x86_64 (not libc's: no padding, 64-bit mask last).
#[repr(C)]
pub struct KernelSigaction {
    /// Handler address, or 0 (SIG_DFL) / 1 (SIG_IGN).
    pub handler: usize,
    /// SA_* flags.
    pub flags: u64,
    /// The function the handler returns into; it must issue `rt_sigreturn`.
    pub restorer: usize,
    /// Signals blocked while the handler runs.
    pub mask: u64,
}

/// SA_RESTORER: `restorer` is valid (x86_64 requires it).
pub const SA_RESTORER: u64 = 0x0400_0000;

/// `rt_sigaction(sig, act, NULL, 8)`.
///
/// # Safety
/// `act.handler` must be SIG_DFL, SIG_IGN or an `extern "C" fn(i32)` that is safe to run at
/// any point of the program, and `act.restorer` must be [`restorer_addr`].
pub unsafe fn rt_sigaction(sig: i32, act: &KernelSigaction) -> Result<(), Errno> {
    // SAFETY: `act` is a valid kernel sigaction; the caller vouches for the handler.
    check(unsafe {
        syscall(nr::RT_SIGACTION, [sig as usize, act as *const _ as usize, 0, 8, 0, 0])
    })
    .map(drop)
}

std::arch::global_asm!(
    ".globl bench_sigreturn",
    "bench_sigreturn:",
    "mov eax, {nr}",
    "syscall",
    "ud2",
    nr = const nr::RT_SIGRETURN,
);

unsafe extern "C" {
    /// The signal restorer: `rt_sigreturn`, entered by the handler's `ret` (defined in
    /// `global_asm!` above; never called from Rust).
    fn bench_sigreturn();
}

/// Address of the signal restorer to put in [`KernelSigaction::restorer`].
pub fn restorer_addr() -> usize {
    bench_sigreturn as *const () as usize
}

/// A NULL-terminated array of C strings (argv or envp), built before any timing starts so
/// the measured loop does not allocate.
pub struct CArgs {
    _strings: Vec<std::ffi::CString>,
    ptrs: Vec<*const c_char>,
}

impl CArgs {
    /// Builds the array from `items`.
    pub fn new<S: AsRef<str>>(items: &[S]) -> CArgs {
        let strings: Vec<std::ffi::CString> = items
            .iter()
            .map(|s| std::ffi::CString::new(s.as_ref()).expect("argument without NUL"))
            .collect();
        let mut ptrs: Vec<*const c_char> = strings.iter().map(|s| s.as_ptr()).collect();
        ptrs.push(std::ptr::null());
        CArgs { _strings: strings, ptrs }
    }

    /// Pointer to the first element.
    pub fn as_ptr(&self) -> *const *const c_char {
        self.ptrs.as_ptr()
    }
}
