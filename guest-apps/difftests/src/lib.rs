//! Shared pieces of the differential test programs.
//!
//! Each program prints facts (what a call returned, which errno), never pids or addresses,
//! so its output on the host Linux kernel and in the guest can be compared byte for byte.
//! Raw system calls go through the small wrappers here so a test sees exactly what the
//! kernel returned, not what a library made of it.

pub mod sys;

use std::ffi::CString;

/// The Linux errno names the tests can print (asm-generic/errno-base.h, errno.h).
pub fn errno_name(errno: i32) -> String {
    let name = match errno {
        1 => "EPERM",
        2 => "ENOENT",
        3 => "ESRCH",
        4 => "EINTR",
        5 => "EIO",
        7 => "E2BIG",
        8 => "ENOEXEC",
        9 => "EBADF",
        10 => "ECHILD",
        11 => "EAGAIN",
        12 => "ENOMEM",
        13 => "EACCES",
        14 => "EFAULT",
        17 => "EEXIST",
        20 => "ENOTDIR",
        21 => "EISDIR",
        22 => "EINVAL",
        25 => "ENOTTY",
        26 => "ETXTBSY",
        29 => "ESPIPE",
        30 => "EROFS",
        32 => "EPIPE",
        36 => "ENAMETOOLONG",
        38 => "ENOSYS",
        40 => "ELOOP",
        _ => return format!("errno {errno}"),
    };
    name.to_owned()
}

/// Raw `syscall(2)` with up to six arguments; returns the kernel's value (negative errno
/// on failure), without libc's errno translation.
///
/// # Safety
/// The caller must pass arguments valid for system call `nr`, or deliberately invalid ones
/// whose effect it is testing.
pub unsafe fn syscall6(nr: usize, a: [usize; 6]) -> isize {
    let ret: isize;
    // SAFETY: the `syscall` instruction clobbers rcx and r11; the caller vouches for the
    // arguments.
    unsafe {
        std::arch::asm!(
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

/// `execve(path, argv, envp)`; returns the negative errno (it only returns on failure).
pub fn execve(path: &str, argv: &[&[u8]], envp: &[&[u8]]) -> isize {
    let path = CString::new(path).expect("no NUL in path");
    let args: Vec<CString> = argv.iter().map(|a| CString::new(*a).expect("no NUL")).collect();
    let envs: Vec<CString> = envp.iter().map(|e| CString::new(*e).expect("no NUL")).collect();
    let mut argv_ptrs: Vec<*const u8> = args.iter().map(|a| a.as_ptr().cast()).collect();
    argv_ptrs.push(std::ptr::null());
    let mut envp_ptrs: Vec<*const u8> = envs.iter().map(|e| e.as_ptr().cast()).collect();
    envp_ptrs.push(std::ptr::null());
    // SAFETY: valid NUL-terminated strings and NULL-terminated pointer arrays that outlive
    // the call.
    unsafe {
        syscall6(
            59,
            [
                path.as_ptr() as usize,
                argv_ptrs.as_ptr() as usize,
                envp_ptrs.as_ptr() as usize,
                0,
                0,
                0,
            ],
        )
    }
}

/// Renders a raw return value: `ok N` or the errno name.
pub fn outcome(ret: isize) -> String {
    if ret < 0 { errno_name((-ret) as i32) } else { format!("ok {ret}") }
}
