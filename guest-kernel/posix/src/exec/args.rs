//! How much argument and environment data one exec may carry (execve(2) "Limits on size
//! of arguments and environment"; fs/exec.c `bprm_stack_limits`, `copy_strings`):
//!
//! - each string, with its NUL, is at most [`MAX_ARG_STRLEN`] (32 pages);
//! - all strings plus the file name, with their NULs, plus one pointer per argument and
//!   environment entry, fit in a quarter of the stack size limit, capped at 3/4 of the
//!   default 8 MiB stack (6 MiB) and never less than [`ARG_MAX`] (32 pages).
//!
//! Exceeding any of them is E2BIG, decided before the old image is touched.

use crate::Errno;

/// Largest single string, NUL included (`MAX_ARG_STRLEN`).
pub const MAX_ARG_STRLEN: usize = 32 * 4096;

/// The floor of the total limit (`ARG_MAX`).
pub const ARG_MAX: usize = 32 * 4096;

/// The default stack size limit (`_STK_LIM`, RLIMIT_STACK's default).
pub const DEFAULT_STACK_LIMIT: usize = 8 << 20;

/// The byte budget for strings and pointers given the stack size limit (RLIMIT_STACK).
pub fn budget(stack_limit: usize) -> usize {
    (DEFAULT_STACK_LIMIT / 4 * 3).min(stack_limit / 4).max(ARG_MAX)
}

/// Checks the sizes of the strings exec will copy: `argv` and `envp` lengths without NULs,
/// `filename_len` the path given to exec. Returns the bytes the strings take (NULs
/// included) or E2BIG.
pub fn check(
    argv: impl Iterator<Item = usize> + Clone,
    envp: impl Iterator<Item = usize> + Clone,
    filename_len: usize,
    stack_limit: usize,
) -> Result<usize, Errno> {
    let (argc, envc) = (argv.clone().count(), envp.clone().count());
    let pointers = (argc.max(1) + envc) * core::mem::size_of::<u64>();
    let limit = budget(stack_limit);
    if limit <= pointers {
        return Err(Errno::E2BIG);
    }
    let mut strings = filename_len + 1;
    for len in argv.chain(envp) {
        let with_nul = len + 1;
        if with_nul > MAX_ARG_STRLEN {
            return Err(Errno::E2BIG);
        }
        strings += with_nul;
        if strings > limit - pointers {
            return Err(Errno::E2BIG);
        }
    }
    Ok(strings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lens(v: &[usize]) -> core::iter::Copied<core::slice::Iter<'_, usize>> {
        v.iter().copied()
    }

    #[test]
    fn budget_follows_the_stack_limit() {
        assert_eq!(budget(DEFAULT_STACK_LIMIT), 2 << 20);
        assert_eq!(budget(usize::MAX), 6 << 20);
        assert_eq!(budget(64 << 10), ARG_MAX);
    }

    #[test]
    fn one_string_too_long() {
        assert!(check(lens(&[4, MAX_ARG_STRLEN - 1]), lens(&[]), 9, DEFAULT_STACK_LIMIT).is_ok());
        assert_eq!(
            check(lens(&[4, MAX_ARG_STRLEN]), lens(&[]), 9, DEFAULT_STACK_LIMIT),
            Err(Errno::E2BIG)
        );
    }

    #[test]
    fn total_too_large() {
        let piece = [100 * 1024; 72];
        assert_eq!(check(lens(&piece), lens(&[]), 6, DEFAULT_STACK_LIMIT), Err(Errno::E2BIG));
        assert_eq!(check(lens(&[4]), lens(&piece), 6, usize::MAX), Err(Errno::E2BIG));
        let fits = [100 * 1024; 19];
        assert!(check(lens(&fits), lens(&[]), 6, DEFAULT_STACK_LIMIT).is_ok());
    }

    #[test]
    fn counts_nuls_and_the_filename() {
        assert_eq!(check(lens(&[4, 1]), lens(&[3]), 9, DEFAULT_STACK_LIMIT), Ok(5 + 2 + 4 + 10));
    }
}
