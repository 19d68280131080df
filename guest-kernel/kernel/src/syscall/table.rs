//! The dispatch table: each system call's name, typed parameters and handler, in one list.
//!
//! An entry reads like the call's prototype:
//!
//! ```text
//! kill(pid: i32, sig: i32) => signal::sys_kill,
//! execve(&mut ctx, path: u64, argv: u64, envp: u64) => exec::sys_execve,
//! ```
//!
//! `syscalls!` turns every entry into a small wrapper, `fn(&mut UserContext) -> SysResult`
//! (the [`Handler`] that `dispatch` calls), which takes the arguments from
//! `UserContext::syscall_args`, binds them to the parameters in order (the first parameter
//! is the first argument, and so on; unnamed trailing arguments are ignored), decodes each
//! into its declared type with [`FromArg`], and calls the handler with them:
//! `sys_kill(pid: i32, sig: i32) -> SysResult`. A handler that needs the user context
//! itself (fork copies it, exec replaces it, arch_prctl sets its FS and GS bases,
//! sigaltstack reads the stack pointer) says so with `&ctx` or `&mut ctx` before its
//! parameters and receives it first. So the register convention lives in `arch` and the
//! positions in this list, and no handler reads a register.
//!
//! The wrappers cost nothing when the handler is inlined into its wrapper, which the
//! compiler does by itself for most (each handler has this one caller) but not always
//! across codegen units: then the wrapper loads the arguments into registers and jumps to
//! the handler (one instruction more). A handler whose wrapper did more than that, because
//! with the return slot its arguments no longer fit in registers (mmap, clone) or as
//! measured (wait4), is `#[inline]` so that it is compiled into its wrapper.
//!
//! The number of each entry is its name's index in the generated name table
//! ([`names::NAMES`], from `linux-raw-sys`'s `__NR_*` constants), looked up while the
//! kernel compiles: a misspelt name does not compile, and neither does a name listed
//! twice (two wrappers of the same name).

use super::args::{Fd, FromArg};
use super::usage;
use super::{
    Handler, SysResult, arch_prctl, attr, cred, dir, exec, exit, fcntl, fd_io, ids, ioctl,
};
use super::{
    mem, names, open, poll, process, random, rlimit, select, signal, stat, thread, time, uname,
};
use crate::arch::UserContext;

/// The number of the system call called `name`: its index in [`names::NAMES`]. Only
/// evaluated at compile time (the table is a `static`), where a name that is not there
/// stops the build.
pub(super) const fn number(name: &str) -> usize {
    let mut n = 0;
    while n < names::COUNT {
        if bytes_eq(names::NAMES[n].as_bytes(), name.as_bytes()) {
            return n;
        }
        n += 1;
    }
    panic!("not an x86-64 Linux system call name (see syscall/names.rs)");
}

/// `a == b` for byte strings, in a `const fn`.
const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Builds [`TABLE`] and one wrapper per entry (in the private module `wrappers`, named
/// after the system call) from the list of entries (see the module comment).
macro_rules! syscalls {
    ($( $name:ident ( $($params:tt)* ) => $handler:path ),* $(,)?) => {
        /// One wrapper per system call: decode the arguments, call the handler.
        mod wrappers {
            use super::*;
            $( syscalls!(@wrapper $name $handler; $($params)*); )*
        }

        /// `TABLE[n]` handles system call `n`; `None` is ENOSYS.
        pub static TABLE: [Option<Handler>; names::COUNT] = {
            let mut t: [Option<Handler>; names::COUNT] = [None; names::COUNT];
            $( t[number(stringify!($name))] = Some(wrappers::$name as Handler); )*
            t
        };
    };

    // The handler takes the user context mutably, then the arguments.
    (@wrapper $name:ident $handler:path; &mut ctx $(, $arg:ident : $ty:ty)* $(,)?) => {
        pub(super) fn $name(ctx: &mut UserContext) -> SysResult {
            let [$($arg,)* ..] = ctx.syscall_args();
            $handler(ctx, $(<$ty as FromArg>::from_arg($arg)),*)
        }
    };
    // The handler reads the user context, then the arguments.
    (@wrapper $name:ident $handler:path; &ctx $(, $arg:ident : $ty:ty)* $(,)?) => {
        pub(super) fn $name(ctx: &mut UserContext) -> SysResult {
            let [$($arg,)* ..] = ctx.syscall_args();
            $handler(&*ctx, $(<$ty as FromArg>::from_arg($arg)),*)
        }
    };
    // The handler takes the arguments only.
    (@wrapper $name:ident $handler:path; $($arg:ident : $ty:ty),* $(,)?) => {
        pub(super) fn $name(ctx: &mut UserContext) -> SysResult {
            let [$($arg,)* ..] = ctx.syscall_args();
            $handler($(<$ty as FromArg>::from_arg($arg)),*)
        }
    };
}

syscalls! {
    read(fd: Fd, buf: u64, count: usize) => fd_io::sys_read,
    write(fd: Fd, buf: u64, count: usize) => fd_io::sys_write,
    open(path: u64, flags: u32, mode: u32) => open::sys_open,
    close(fd: Fd) => open::sys_close,
    stat(path: u64, statbuf: u64) => stat::sys_stat,
    fstat(fd: Fd, statbuf: u64) => stat::sys_fstat,
    lstat(path: u64, statbuf: u64) => stat::sys_lstat,
    poll(fds: u64, nfds: u64, timeout_ms: i32) => poll::sys_poll,
    select(nfds: i32, r: u64, w: u64, e: u64, timeout: u64) => select::sys_select,
    lseek(fd: Fd, offset: i64, whence: u32) => fd_io::sys_lseek,
    mmap(addr: u64, len: u64, prot: u32, flags: u32, fd: Fd, offset: u64) => mem::sys_mmap,
    mprotect(addr: u64, len: u64, prot: u32) => mem::sys_mprotect,
    munmap(addr: u64, len: u64) => mem::sys_munmap,
    brk(addr: u64) => mem::sys_brk,
    rt_sigaction(sig: i32, act: u64, oact: u64, sigsetsize: usize) => signal::sys_rt_sigaction,
    rt_sigprocmask(how: u32, set: u64, oset: u64, sigsetsize: usize) => signal::sys_rt_sigprocmask,
    ioctl(fd: Fd, request: u32, arg: usize) => ioctl::sys_ioctl,
    pread64(fd: Fd, buf: u64, count: usize, offset: i64) => fd_io::sys_pread64,
    pwrite64(fd: Fd, buf: u64, count: usize, offset: i64) => fd_io::sys_pwrite64,
    readv(fd: Fd, iov: u64, iovcnt: i32) => fd_io::sys_readv,
    writev(fd: Fd, iov: u64, iovcnt: i32) => fd_io::sys_writev,
    access(path: u64, mode: u32) => dir::sys_access,
    pipe(fds: u64) => fcntl::sys_pipe,
    sched_yield() => thread::sys_sched_yield,
    madvise(addr: u64, len: u64, advice: i32) => mem::sys_madvise,
    dup(fd: Fd) => fcntl::sys_dup,
    dup2(old: Fd, new: Fd) => fcntl::sys_dup2,
    restart_syscall() => time::sys_restart_syscall,
    nanosleep(req: u64, rem: u64) => time::sys_nanosleep,
    getitimer(which: i32, curr: u64) => time::sys_getitimer,
    alarm(seconds: u32) => time::sys_alarm,
    setitimer(which: i32, new: u64, old: u64) => time::sys_setitimer,
    getpid() => ids::sys_getpid,
    clone(&mut ctx, flags: u64, stack: u64, parent_tid: u64, child_tid: u64, tls: u64)
        => process::sys_clone,
    fork(&ctx) => process::sys_fork,
    vfork(&ctx) => process::sys_vfork,
    execve(&mut ctx, path: u64, argv: u64, envp: u64) => exec::sys_execve,
    exit(status: i32) => exit::sys_exit,
    wait4(pid: i32, status: u64, options: u32, rusage: u64) => process::sys_wait4,
    kill(pid: i32, sig: i32) => signal::sys_kill,
    uname(buf: u64) => uname::sys_uname,
    getcpu(cpu: u64, node: u64) => uname::sys_getcpu,
    fcntl(fd: Fd, cmd: u32, arg: u64) => fcntl::sys_fcntl,
    fsync(fd: Fd) => fd_io::sys_fsync,
    fdatasync(fd: Fd) => fd_io::sys_fsync,
    truncate(path: u64, length: i64) => attr::sys_truncate,
    ftruncate(fd: Fd, length: i64) => attr::sys_ftruncate,
    getcwd(buf: u64, size: usize) => dir::sys_getcwd,
    chdir(path: u64) => dir::sys_chdir,
    fchdir(fd: Fd) => dir::sys_fchdir,
    rename(old: u64, new: u64) => dir::sys_rename,
    mkdir(path: u64, mode: u32) => dir::sys_mkdir,
    rmdir(path: u64) => dir::sys_rmdir,
    creat(path: u64, mode: u32) => open::sys_creat,
    link(old: u64, new: u64) => dir::sys_link,
    unlink(path: u64) => dir::sys_unlink,
    symlink(target: u64, path: u64) => dir::sys_symlink,
    readlink(path: u64, buf: u64, bufsiz: i32) => dir::sys_readlink,
    chmod(path: u64, mode: u32) => attr::sys_chmod,
    fchmod(fd: Fd, mode: u32) => attr::sys_fchmod,
    chown(path: u64, uid: u32, gid: u32) => attr::sys_chown,
    fchown(fd: Fd, uid: u32, gid: u32) => attr::sys_fchown,
    lchown(path: u64, uid: u32, gid: u32) => attr::sys_lchown,
    umask(mask: u32) => rlimit::sys_umask,
    gettimeofday(tv: u64, tz: u64) => time::sys_gettimeofday,
    getrlimit(resource: u32, rlim: u64) => rlimit::sys_getrlimit,
    getrusage(who: i32, usage: u64) => usage::sys_getrusage,
    times(buf: u64) => usage::sys_times,
    sysinfo(buf: u64) => usage::sys_sysinfo,
    getuid() => cred::sys_getuid,
    getgid() => cred::sys_getgid,
    setuid(uid: u32) => cred::sys_setuid,
    setgid(gid: u32) => cred::sys_setgid,
    geteuid() => cred::sys_geteuid,
    getegid() => cred::sys_getegid,
    setpgid(pid: i32, pgid: i32) => ids::sys_setpgid,
    getppid() => ids::sys_getppid,
    getpgrp() => ids::sys_getpgrp,
    setsid() => ids::sys_setsid,
    setreuid(ruid: u32, euid: u32) => cred::sys_setreuid,
    setregid(rgid: u32, egid: u32) => cred::sys_setregid,
    getgroups(size: i32, list: u64) => cred::sys_getgroups,
    setgroups(size: i32, list: u64) => cred::sys_setgroups,
    setresuid(ruid: u32, euid: u32, suid: u32) => cred::sys_setresuid,
    getresuid(ruid: u64, euid: u64, suid: u64) => cred::sys_getresuid,
    setresgid(rgid: u32, egid: u32, sgid: u32) => cred::sys_setresgid,
    getresgid(rgid: u64, egid: u64, sgid: u64) => cred::sys_getresgid,
    getpgid(pid: i32) => ids::sys_getpgid,
    setfsuid(fsuid: u32) => cred::sys_setfsuid,
    setfsgid(fsgid: u32) => cred::sys_setfsgid,
    getsid(pid: i32) => ids::sys_getsid,
    rt_sigpending(set: u64, sigsetsize: usize) => signal::sys_rt_sigpending,
    sigaltstack(&ctx, ss: u64, old_ss: u64) => signal::sys_sigaltstack,
    utime(path: u64, times: u64) => attr::sys_utime,
    pause() => signal::sys_pause,
    rt_sigreturn(&mut ctx) => signal::sys_rt_sigreturn,
    rt_sigsuspend(mask: u64, sigsetsize: usize) => signal::sys_rt_sigsuspend,
    rt_sigqueueinfo(tgid: i32, sig: i32, uinfo: u64) => signal::sys_rt_sigqueueinfo,
    rt_tgsigqueueinfo(tgid: i32, tid: i32, sig: i32, uinfo: u64) => signal::sys_rt_tgsigqueueinfo,
    rt_sigtimedwait(set: u64, uinfo: u64, timeout: u64, sigsetsize: usize) => signal::sys_rt_sigtimedwait,
    arch_prctl(&mut ctx, code: u32, addr: u64) => arch_prctl::sys_arch_prctl,
    prctl(option: u32, arg2: u64) => thread::sys_prctl,
    setrlimit(resource: u32, rlim: u64) => rlimit::sys_setrlimit,
    gettid() => ids::sys_gettid,
    tkill(tid: i32, sig: i32) => signal::sys_tkill,
    time(tloc: u64) => time::sys_time,
    futex(uaddr: u64, op: u32, val: u32, timeout: u64, uaddr2: u64, val3: u32)
        => thread::sys_futex,
    sched_getaffinity(pid: i32, len: usize, mask: u64) => thread::sys_sched_getaffinity,
    utimes(path: u64, times: u64) => attr::sys_utimes,
    getdents64(fd: Fd, dirp: u64, count: usize) => dir::sys_getdents64,
    set_tid_address(tidptr: u64) => thread::sys_set_tid_address,
    clock_gettime(clockid: i32, tp: u64) => time::sys_clock_gettime,
    clock_getres(clockid: i32, res: u64) => time::sys_clock_getres,
    clock_nanosleep(clockid: i32, flags: u32, req: u64, rem: u64) => time::sys_clock_nanosleep,
    exit_group(status: i32) => exit::sys_exit_group,
    tgkill(tgid: i32, tid: i32, sig: i32) => signal::sys_tgkill,
    waitid(idtype: u32, id: i32, infop: u64, options: u32, rusage: u64) => process::sys_waitid,
    openat(dirfd: Fd, path: u64, flags: u32, mode: u32) => open::sys_openat,
    mkdirat(dirfd: Fd, path: u64, mode: u32) => dir::sys_mkdirat,
    fchownat(dirfd: Fd, path: u64, uid: u32, gid: u32, flags: u32) => attr::sys_fchownat,
    futimesat(dirfd: Fd, path: u64, times: u64) => attr::sys_futimesat,
    newfstatat(dirfd: Fd, path: u64, statbuf: u64, flags: u32) => stat::sys_newfstatat,
    unlinkat(dirfd: Fd, path: u64, flags: u32) => dir::sys_unlinkat,
    renameat(old_dirfd: Fd, old: u64, new_dirfd: Fd, new: u64) => dir::sys_renameat,
    linkat(old_dirfd: Fd, old: u64, new_dirfd: Fd, new: u64, flags: u32) => dir::sys_linkat,
    symlinkat(target: u64, dirfd: Fd, path: u64) => dir::sys_symlinkat,
    readlinkat(dirfd: Fd, path: u64, buf: u64, bufsiz: i32) => dir::sys_readlinkat,
    fchmodat(dirfd: Fd, path: u64, mode: u32) => attr::sys_fchmodat,
    faccessat(dirfd: Fd, path: u64, mode: u32) => dir::sys_faccessat,
    ppoll(fds: u64, nfds: u64, timeout: u64, sigmask: u64, sigsetsize: u64) => poll::sys_ppoll,
    pselect6(nfds: i32, r: u64, w: u64, e: u64, timeout: u64, sigmask: u64) => select::sys_pselect6,
    set_robust_list(head: u64, len: usize) => thread::sys_set_robust_list,
    utimensat(dirfd: Fd, path: u64, times: u64, flags: u32) => attr::sys_utimensat,
    dup3(old: Fd, new: Fd, flags: u32) => fcntl::sys_dup3,
    pipe2(fds: u64, flags: u32) => fcntl::sys_pipe2,
    preadv(fd: Fd, iov: u64, iovcnt: i32, pos_l: i64) => fd_io::sys_preadv,
    pwritev(fd: Fd, iov: u64, iovcnt: i32, pos_l: i64) => fd_io::sys_pwritev,
    prlimit64(pid: i32, resource: u32, new: u64, old: u64) => rlimit::sys_prlimit64,
    getrandom(buf: u64, len: usize, flags: u32) => random::sys_getrandom,
    execveat(&mut ctx, dirfd: Fd, path: u64, argv: u64, envp: u64, flags: u32)
        => exec::sys_execveat,
    statx(dirfd: Fd, path: u64, flags: u32, mask: u32, statxbuf: u64) => stat::sys_statx,
    rseq() => thread::sys_rseq,
    faccessat2(dirfd: Fd, path: u64, mode: u32, flags: u32) => dir::sys_faccessat2,
    fchmodat2(dirfd: Fd, path: u64, mode: u32, flags: u32) => attr::sys_fchmodat2,
}
