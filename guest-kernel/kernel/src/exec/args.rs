//! Reading `argv` and `envp` from the caller's memory, with Linux's limits (E2BIG) checked
//! as the strings are measured, so an oversized list is refused after reading only as much
//! as the limit allows (fs/exec.c `count`, `copy_strings`).

use crate::uaccess;
use alloc::vec::Vec;
use posix::Errno;
use posix::exec::arg_limits::{Budget, MAX_ARG_STRLEN};

/// The argument and environment strings of one exec, without their NULs.
pub struct ExecArgs {
    /// Arguments.
    pub argv: Vec<Vec<u8>>,
    /// Environment entries.
    pub envp: Vec<Vec<u8>>,
}

/// The pointers of a NULL-terminated user array of strings (a NULL array is empty, as
/// Linux treats it); E2BIG once the pointers alone exceed `max_bytes`.
fn read_pointers(array: u64, max_bytes: usize) -> Result<Vec<u64>, Errno> {
    let mut pointers = Vec::new();
    if array == 0 {
        return Ok(pointers);
    }
    loop {
        let at = array.checked_add(8 * pointers.len() as u64).ok_or(Errno::EFAULT)?;
        let p: u64 = uaccess::read(at)?;
        if p == 0 {
            return Ok(pointers);
        }
        if (pointers.len() + 1) * 8 >= max_bytes {
            return Err(Errno::E2BIG);
        }
        pointers.try_reserve(1).map_err(|_| Errno::ENOMEM)?;
        pointers.push(p);
    }
}

/// Reads the strings of `argv` and `envp` (user arrays of string pointers), checking
/// Linux's limits for the stack size limit `stack_limit` with the file name of
/// `filename_len` bytes counted: EFAULT for unreadable memory, E2BIG for too much.
pub fn read_from_user(
    argv: u64,
    envp: u64,
    filename_len: usize,
    stack_limit: u64,
) -> Result<ExecArgs, Errno> {
    let limit = posix::exec::arg_limits::budget(stack_limit as usize);
    let argv_ptrs = read_pointers(argv, limit)?;
    let envp_ptrs = read_pointers(envp, limit)?;
    let mut budget =
        Budget::new(argv_ptrs.len(), envp_ptrs.len(), filename_len, stack_limit as usize)?;
    // Measure everything before copying anything: an E2BIG costs no copies.
    let mut lens = Vec::new();
    lens.try_reserve_exact(argv_ptrs.len() + envp_ptrs.len()).map_err(|_| Errno::ENOMEM)?;
    for &p in envp_ptrs.iter().chain(&argv_ptrs) {
        let len = uaccess::strnlen(p, MAX_ARG_STRLEN)?;
        budget.add(len)?;
        lens.push(len);
    }
    if argv_ptrs.is_empty() {
        // The "" that becomes argv[0] (below) counts like any argument.
        budget.add(0)?;
    }
    let (env_lens, arg_lens) = lens.split_at(envp_ptrs.len());
    let copy = |ptrs: &[u64], lens: &[usize]| -> Result<Vec<Vec<u8>>, Errno> {
        let mut out = Vec::new();
        out.try_reserve_exact(ptrs.len()).map_err(|_| Errno::ENOMEM)?;
        for (&p, &len) in ptrs.iter().zip(lens) {
            let mut s = Vec::new();
            s.try_reserve_exact(len).map_err(|_| Errno::ENOMEM)?;
            s.resize(len, 0);
            uaccess::read_bytes(p, &mut s)?;
            out.push(s);
        }
        Ok(out)
    };
    let mut argv = copy(&argv_ptrs, arg_lens)?;
    if argv.is_empty() {
        // Linux (since 5.18, fs/exec.c `do_execveat_common`): an empty argv gets "" as
        // argv[0], so programs that start at argv[1] do not walk into envp.
        argv.try_reserve_exact(1).map_err(|_| Errno::ENOMEM)?;
        argv.push(Vec::new());
    }
    Ok(ExecArgs { argv, envp: copy(&envp_ptrs, env_lens)? })
}
