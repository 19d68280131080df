//! Process creation: fork+exit+wait, fork+exec+wait of a static `true`, `posix_spawn` of
//! it, and fork+exec+wait of a `#!` script whose interpreter is `true`.
//!
//! Each iteration checks the child's wait status is exactly "exited with 0", so a failed
//! exec or a crash can never be timed as a fast success.

use std::ffi::{CString, c_void};
use std::os::raw::{c_char, c_int};

use super::{Outcome, Settings};
use crate::sys::{self, CArgs, Forked};

/// A child whose `execve` failed exits with this plus the errno, so the parent can say why.
const EXEC_FAILED_BASE: i32 = 100;

/// Explains a raw wait status that is not a clean exit 0.
fn describe_status(status: i32) -> String {
    let (code, signal) = ((status >> 8) & 0xff, status & 0x7f);
    match (signal, code) {
        (0, c) if c > EXEC_FAILED_BASE && c <= EXEC_FAILED_BASE + 133 => {
            format!("execve failed in the child: {}", sys::Errno(c - EXEC_FAILED_BASE))
        }
        (0, c) => format!("the child exited with status {c}"),
        (s, _) => format!("the child was killed by signal {s} (raw wait status {status:#x})"),
    }
}

/// Waits for `pid` and checks it exited with status 0.
fn reap(pid: i32) -> Result<(), String> {
    match sys::wait4(pid) {
        Ok((got, _)) if got != pid => Err(format!("wait4({pid}) returned pid {got}")),
        Ok((_, 0)) => Ok(()),
        Ok((_, status)) => Err(describe_status(status)),
        Err(e) => Err(format!("wait4: {e}")),
    }
}

/// Forks; the child runs `child` (which must only make raw system calls and should not
/// return: if it does, the child exits 126), the parent waits for it.
fn fork_and_wait(child: impl Fn()) -> Result<(), String> {
    // SAFETY: the child only runs `child`, which issues raw system calls and ends with
    // exit_group or execve.
    match unsafe { sys::fork() } {
        Ok(Forked::Child) => {
            child();
            sys::exit_group(126)
        }
        Ok(Forked::Parent(pid)) => reap(pid),
        Err(e) => Err(format!("fork: {e}")),
    }
}

/// fork(), the child exits 0 at once, the parent waits.
pub fn fork_exit_wait(s: &Settings) -> Result<Outcome, String> {
    let samples = s.time_process(|| fork_and_wait(|| sys::exit_group(0)))?;
    Ok(Outcome::Measured(samples))
}

/// fork(), the child execs `path` with argv `[path]` and an empty environment, the parent
/// waits and checks exit status 0.
fn fork_exec(s: &Settings, path: &str) -> Result<Outcome, String> {
    let cpath = CString::new(path).map_err(|_| format!("{path:?} contains NUL"))?;
    let argv = CArgs::new(&[path]);
    let envp = CArgs::new::<&str>(&[]);
    let samples = s.time_process(|| {
        fork_and_wait(|| {
            let err = sys::execve(&cpath, &argv, &envp);
            sys::exit_group(EXEC_FAILED_BASE + err.0)
        })
        .map_err(|e| format!("{path}: {e}"))
    })?;
    Ok(Outcome::Measured(samples))
}

/// fork+exec+wait of the static `true`.
pub fn fork_exec_wait(s: &Settings) -> Result<Outcome, String> {
    fork_exec(s, &s.true_path)
}

/// fork+exec+wait of the `#!` script (the kernel reads the script, then execs `true`).
pub fn script_exec_wait(s: &Settings) -> Result<Outcome, String> {
    fork_exec(s, &s.script_path)
}

unsafe extern "C" {
    /// musl's `posix_spawn` (linked statically with the Rust standard library): on x86_64
    /// it creates the child with `clone(CLONE_VM | CLONE_VFORK)` on a small separate stack,
    /// so the parent's address space is never copied, and reports an exec failure through a
    /// close-on-exec pipe as its return value.
    fn posix_spawn(
        pid: *mut c_int,
        path: *const c_char,
        file_actions: *const c_void,
        attr: *const c_void,
        argv: *const *const c_char,
        envp: *const *const c_char,
    ) -> c_int;
}

/// musl's `posix_spawn` of `true` (no file actions, no attributes), then wait4.
pub fn posix_spawn_wait(s: &Settings) -> Result<Outcome, String> {
    let path = &s.true_path;
    let cpath = CString::new(path.as_str()).map_err(|_| format!("{path:?} contains NUL"))?;
    let argv = CArgs::new(&[path]);
    let envp = CArgs::new::<&str>(&[]);
    let samples = s.time_process(|| {
        let mut pid: c_int = 0;
        // SAFETY: the path, argv and envp arrays are NUL/NULL-terminated and outlive the
        // call; NULL file actions and attributes are allowed.
        let err = unsafe {
            posix_spawn(
                &mut pid,
                cpath.as_ptr(),
                std::ptr::null(),
                std::ptr::null(),
                argv.as_ptr(),
                envp.as_ptr(),
            )
        };
        if err != 0 {
            return Err(format!("posix_spawn {path}: {}", sys::Errno(err)));
        }
        reap(pid).map_err(|e| format!("posix_spawn {path}: {e}"))
    })?;
    Ok(Outcome::Measured(samples))
}
