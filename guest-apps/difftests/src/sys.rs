//! Thin, exact wrappers over the process system calls the differential tests exercise
//! (raw `syscall`, so the test sees precisely what the kernel returned).

use crate::syscall6;

/// `fork()`.
pub fn fork() -> isize {
    // SAFETY: fork has no arguments; the caller copes with running twice.
    unsafe { syscall6(57, [0; 6]) }
}

/// `wait4(pid, &status, options, NULL)`; returns (ret, status).
pub fn wait4(pid: i32, options: i32) -> (isize, i32) {
    let mut status = 0i32;
    // SAFETY: `status` is a valid writable i32 for the call's duration.
    let ret = unsafe {
        syscall6(
            61,
            [pid as isize as usize, &mut status as *mut i32 as usize, options as usize, 0, 0, 0],
        )
    };
    (ret, status)
}

/// `kill(pid, sig)`.
pub fn kill(pid: i32, sig: i32) -> isize {
    // SAFETY: plain integer arguments.
    unsafe { syscall6(62, [pid as isize as usize, sig as usize, 0, 0, 0, 0]) }
}

/// `getpid()`.
pub fn getpid() -> i32 {
    // SAFETY: no arguments.
    unsafe { syscall6(39, [0; 6]) as i32 }
}

/// `gettid()`.
pub fn gettid() -> i32 {
    // SAFETY: no arguments.
    unsafe { syscall6(186, [0; 6]) as i32 }
}

/// `getuid()`.
pub fn getuid() -> u32 {
    // SAFETY: no arguments.
    unsafe { syscall6(102, [0; 6]) as u32 }
}

/// `tgkill(tgid, tid, sig)`.
pub fn tgkill(tgid: i32, tid: i32, sig: i32) -> isize {
    // SAFETY: plain integer arguments.
    unsafe { syscall6(234, [tgid as isize as usize, tid as isize as usize, sig as usize, 0, 0, 0]) }
}

/// `pause()`.
pub fn pause() -> isize {
    // SAFETY: no arguments.
    unsafe { syscall6(34, [0; 6]) }
}

/// Sleeps `ms` milliseconds with `nanosleep`, resuming after signal handlers (EINTR).
pub fn sleep_ms(ms: u64) {
    let mut req = [(ms / 1000) as i64, (ms % 1000 * 1_000_000) as i64];
    loop {
        let mut rem = [0i64; 2];
        // SAFETY: `req` and `rem` are valid `struct timespec`s for the call's duration.
        let ret =
            unsafe { syscall6(35, [req.as_ptr() as usize, rem.as_mut_ptr() as usize, 0, 0, 0, 0]) };
        if ret != -4 {
            return;
        }
        req = rem;
    }
}

/// `getppid()`.
pub fn getppid() -> i32 {
    // SAFETY: no arguments.
    unsafe { syscall6(110, [0; 6]) as i32 }
}

/// `_exit(code)` (exit_group), without running any destructor or flushing buffers.
pub fn exit(code: i32) -> ! {
    // SAFETY: exit_group does not return.
    unsafe { syscall6(231, [code as usize, 0, 0, 0, 0, 0]) };
    unreachable!("exit_group returned")
}

/// `pipe2(fds, flags)`; returns (read, write).
pub fn pipe(flags: i32) -> (i32, i32) {
    let mut fds = [0i32; 2];
    // SAFETY: `fds` has room for the two descriptors.
    let ret = unsafe { syscall6(293, [fds.as_mut_ptr() as usize, flags as usize, 0, 0, 0, 0]) };
    assert_eq!(ret, 0, "pipe2 failed");
    (fds[0], fds[1])
}

/// `read(fd, buf)`.
pub fn read(fd: i32, buf: &mut [u8]) -> isize {
    // SAFETY: `buf` is writable for its length.
    unsafe { syscall6(0, [fd as usize, buf.as_mut_ptr() as usize, buf.len(), 0, 0, 0]) }
}

/// `write(fd, buf)`.
pub fn write(fd: i32, buf: &[u8]) -> isize {
    // SAFETY: `buf` is readable for its length.
    unsafe { syscall6(1, [fd as usize, buf.as_ptr() as usize, buf.len(), 0, 0, 0]) }
}

/// `close(fd)`.
pub fn close(fd: i32) -> isize {
    // SAFETY: plain integer argument.
    unsafe { syscall6(3, [fd as usize, 0, 0, 0, 0, 0]) }
}

/// `dup2(old, new)`.
pub fn dup2(old: i32, new: i32) -> isize {
    // SAFETY: plain integer arguments.
    unsafe { syscall6(33, [old as usize, new as usize, 0, 0, 0, 0]) }
}

/// `setpgid(pid, pgid)`.
pub fn setpgid(pid: i32, pgid: i32) -> isize {
    // SAFETY: plain integer arguments.
    unsafe { syscall6(109, [pid as isize as usize, pgid as isize as usize, 0, 0, 0, 0]) }
}

/// `getpgid(pid)`.
pub fn getpgid(pid: i32) -> isize {
    // SAFETY: plain integer argument.
    unsafe { syscall6(121, [pid as isize as usize, 0, 0, 0, 0, 0]) }
}

/// `setsid()`.
pub fn setsid() -> isize {
    // SAFETY: no arguments.
    unsafe { syscall6(112, [0; 6]) }
}

/// `getsid(pid)`.
pub fn getsid(pid: i32) -> isize {
    // SAFETY: plain integer argument.
    unsafe { syscall6(124, [pid as isize as usize, 0, 0, 0, 0, 0]) }
}

/// `umask(mask)`; returns the previous mask.
pub fn umask(mask: u32) -> u32 {
    // SAFETY: plain integer argument.
    unsafe { syscall6(95, [mask as usize, 0, 0, 0, 0, 0]) as u32 }
}

/// `sched_yield()`.
pub fn yield_now() {
    // SAFETY: no arguments.
    unsafe { syscall6(24, [0; 6]) };
}

/// `WIFEXITED`/`WEXITSTATUS`/`WIFSIGNALED`/`WTERMSIG` rendered as text.
pub fn describe_status(status: i32) -> String {
    if status & 0x7f == 0 {
        format!("exited {}", (status >> 8) & 0xff)
    } else if ((status & 0xffff) as u32).wrapping_sub(1) < 0xff {
        format!(
            "killed by signal {}{}",
            status & 0x7f,
            if status & 0x80 != 0 { " (core)" } else { "" }
        )
    } else {
        format!("status {status:#x}")
    }
}

/// Forks a child that runs `child` and exits with its result; returns the child's pid.
pub fn spawn(child: impl FnOnce() -> i32) -> i32 {
    let pid = fork();
    assert!(pid >= 0, "fork failed: {}", crate::outcome(pid));
    if pid == 0 {
        exit(child());
    }
    pid as i32
}

/// Waits for child `pid` (which must be ours) and returns its raw wait status.
pub fn reap_status(pid: i32) -> i32 {
    let (ret, status) = wait4(pid, 0);
    assert_eq!(ret, pid as isize, "wait4 for the child failed: {}", crate::outcome(ret));
    status
}
