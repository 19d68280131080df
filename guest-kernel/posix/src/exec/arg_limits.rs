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

/// The running account of one exec's argument bytes, for callers that measure strings
/// one at a time and want to stop at the first one that does not fit (Linux stops copying
/// there too, so a 7 MiB argument list is not read to the end).
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Bytes still available for strings.
    left: usize,
    /// Bytes of strings counted so far, NULs included.
    used: usize,
}

impl Budget {
    /// The budget for `argc` arguments and `envc` environment entries under the stack
    /// limit `stack_limit`, with the file name (`filename_len` bytes, plus its NUL) already
    /// counted. E2BIG if the pointers alone do not fit.
    pub fn new(
        argc: usize,
        envc: usize,
        filename_len: usize,
        stack_limit: usize,
    ) -> Result<Self, Errno> {
        let pointers = argc.max(1).saturating_add(envc).saturating_mul(core::mem::size_of::<u64>());
        let limit = budget(stack_limit);
        if limit <= pointers {
            return Err(Errno::E2BIG);
        }
        let mut b = Budget { left: limit - pointers, used: 0 };
        b.add(filename_len)?;
        Ok(b)
    }

    /// Counts one string of `len` bytes (without its NUL): E2BIG if it is longer than
    /// [`MAX_ARG_STRLEN`] with its NUL, or if the total no longer fits.
    pub fn add(&mut self, len: usize) -> Result<(), Errno> {
        let with_nul = len.saturating_add(1);
        if with_nul > MAX_ARG_STRLEN || with_nul > self.left {
            return Err(Errno::E2BIG);
        }
        self.left -= with_nul;
        self.used += with_nul;
        Ok(())
    }

    /// Bytes of strings counted, NULs included.
    pub fn used(&self) -> usize {
        self.used
    }
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
    let mut budget = Budget::new(argc, envc, filename_len, stack_limit)?;
    for len in argv.chain(envp) {
        budget.add(len)?;
    }
    Ok(budget.used())
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
    fn budget_stops_at_the_first_string_over() {
        let mut b = Budget::new(1, 72, 4, DEFAULT_STACK_LIMIT).unwrap();
        let mut added = 0;
        while b.add(100 * 1024).is_ok() {
            added += 1;
        }
        assert_eq!(added, 20, "2 MiB of 100 KiB strings");
        assert_eq!(Budget::new(1 << 20, 0, 1, DEFAULT_STACK_LIMIT).unwrap_err(), Errno::E2BIG);
    }

    /// Found by the `exec_image` fuzz target: counts whose sum overflows are E2BIG, not an
    /// arithmetic overflow.
    #[test]
    fn huge_counts_are_e2big() {
        for (argc, envc) in [(usize::MAX, 1), (1, usize::MAX), (usize::MAX, usize::MAX)] {
            assert_eq!(Budget::new(argc, envc, 1, usize::MAX).unwrap_err(), Errno::E2BIG);
        }
    }

    #[test]
    fn counts_nuls_and_the_filename() {
        assert_eq!(check(lens(&[4, 1]), lens(&[3]), 9, DEFAULT_STACK_LIMIT), Ok(5 + 2 + 4 + 10));
    }
}
