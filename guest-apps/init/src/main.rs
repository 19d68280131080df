//! `/sbin/init`, PID 1.
//!
//! The kernel starts it with the command from the vmm's command line as its arguments
//! (`init PROGRAM ARGS...`) and the environment the vmm asked for. init completes the
//! environment with defaults, starts the program as its child, reaps every process that
//! ends up as its child meanwhile (orphans are reparented to init, XSH `_exit`), and when
//! the program ends exits with the program's status, which the kernel turns into the VM's
//! exit status: the exit code, or 128 + N if signal N ended it (as a shell reports it).
//! With no command it runs `/bin/sh`.
//!
//! When the kernel cannot create processes (no fork/vfork: ENOSYS), init replaces itself
//! with the program instead (`execvp`), so the program's status is PID 1's.
//!
//! When the program cannot be started, init says why and exits like a shell does (POSIX
//! "Command Search and Execution"): 127 if it was not found, 126 if it was found but could
//! not be executed.
//!
//! The program runs as the leader of its own session, with the console as its controlling
//! terminal when the console is one ([`session`]), as `login` would start a shell. init
//! forks with the raw system call and execs in the child itself (std's `spawn` with a
//! pre-exec step needs `socketpair`, which the kernel does not have).
//!
//! With `vmm run --user USER[:GROUP]` the kernel passes `init.user=USER[:GROUP]` in init's
//! environment (`vmm_abi::user`); init resolves it against `/etc/passwd` and `/etc/group`
//! ([`user`]), removes it from the program's environment and, in the child right before
//! exec, drops to those ids ([`privileges`]); init itself stays root. A user or group the
//! image does not know is one line on stderr and status 2 (bad input, like the vmm's own).

mod privileges;
mod session;
mod user;

use std::os::unix::process::CommandExt;
use std::process::Command;

/// Defaults for variables the vmm did not set.
const DEFAULT_ENV: [(&str, &str); 3] =
    [("PATH", "/bin:/sbin:/usr/bin:/usr/sbin"), ("HOME", "/"), ("TERM", "linux")];

/// `ENOSYS`.
const ENOSYS: i32 = 38;

/// `fork()`: the child's pid in the parent, 0 in the child, or -errno.
fn fork() -> i64 {
    let ret: i64;
    // SAFETY: fork reads and writes no memory of ours; init has one thread, so the child
    // may go on running Rust code (allocation included) until it execs.
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") 57i64 => ret,
            lateout("rcx") _, lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

/// `wait4(-1, &status, 0, NULL)`: reaps any child; returns (pid or -errno, status).
fn wait_any() -> (i64, i32) {
    let mut status = 0i32;
    let ret: i64;
    // SAFETY: `status` is a valid writable i32; wait4 writes nothing else (rusage NULL).
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") 61i64 => ret,
            in("rdi") -1i64, in("rsi") &mut status as *mut i32, in("rdx") 0, in("r10") 0,
            lateout("rcx") _, lateout("r11") _,
            options(nostack),
        );
    }
    (ret, status)
}

/// The status a shell would report for a wait status word.
fn shell_status(status: i32) -> i32 {
    if status & 0x7f == 0 { (status >> 8) & 0xff } else { 128 + (status & 0x7f) }
}

/// Reports a failure to start the program and exits the shell way.
fn cannot_execute(program: &std::ffi::OsStr, error: std::io::Error) -> ! {
    let status = match error.kind() {
        std::io::ErrorKind::NotFound => 127,
        _ => 126,
    };
    eprintln!("init: cannot execute '{}': {error}", program.to_string_lossy());
    std::process::exit(status);
}

/// Status for a `--user` the image cannot honour (bad input, as the vmm's status 2).
const STATUS_BAD_USER: i32 = 2;

/// The `--user` identity, if the vmm asked for one; exits with status 2 if the image does
/// not know the user or group.
fn requested_user() -> Option<user::Identity> {
    let spec = std::env::var_os(vmm_abi::user::USER_PARAM)?;
    let spec = spec.to_string_lossy();
    let read = |path| std::fs::read_to_string(path).unwrap_or_default();
    match user::resolve(&spec, &read("/etc/passwd"), &read("/etc/group")) {
        Ok(identity) => Some(identity),
        Err(e) => {
            eprintln!("init: {e}");
            std::process::exit(STATUS_BAD_USER);
        }
    }
}

fn main() {
    let mut args = std::env::args_os().skip(1);
    let program = args.next().unwrap_or_else(|| "/bin/sh".into());
    let mut command = Command::new(&program);
    command.args(args);
    let identity = requested_user();
    command.env_remove(vmm_abi::user::USER_PARAM);
    let home = identity.as_ref().and_then(|id| id.home.clone());
    for (key, value) in DEFAULT_ENV {
        if std::env::var_os(key).is_none() {
            command.env(key, if key == "HOME" { home.as_deref().unwrap_or(value) } else { value });
        }
    }
    let main = match fork() {
        0 => {
            // The child: its own session (and the console as its terminal), then the
            // user's ids, then the program.
            // SAFETY: the closure runs right before exec in the child, which has one
            // thread; it makes raw system calls on the already-built `identity` only.
            unsafe {
                command.pre_exec(move || {
                    session::lead_session()?;
                    match &identity {
                        Some(identity) => privileges::become_user(identity),
                        None => Ok(()),
                    }
                });
            }
            let error = command.exec();
            cannot_execute(&program, error);
        }
        pid if pid > 0 => pid,
        err if err == -i64::from(ENOSYS) => {
            // No processes: init becomes the program (its own session stays).
            if let Some(identity) = identity {
                // SAFETY: as above, in init itself right before exec.
                unsafe {
                    command.pre_exec(move || privileges::become_user(&identity));
                }
            }
            let error = command.exec();
            cannot_execute(&program, error);
        }
        err => cannot_execute(&program, std::io::Error::from_raw_os_error(-err as i32)),
    };
    loop {
        match wait_any() {
            (pid, status) if pid == main => std::process::exit(shell_status(status)),
            (pid, _) if pid > 0 => {} // an orphan, reaped
            (err, _) => {
                eprintln!("init: wait failed (errno {})", -err);
                std::process::exit(1);
            }
        }
    }
}
