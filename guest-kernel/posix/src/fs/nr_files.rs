//! The system-wide limit on open file descriptions (Linux `fs.file-max`, fs/file_table.c
//! `files_maxfiles_init` and `alloc_empty_file`).
//!
//! Linux sizes the limit from memory, about one file per 10 KiB of RAM ("roughly ... 10%
//! of memory for files", assuming 1 KiB per file and its inode and dentry), and never
//! below `NR_FILE` (8192). Opening a file past the limit fails with ENFILE, except for a
//! process with CAP_SYS_ADMIN (root here), which Linux lets through.

use crate::Errno;

/// The least file-max Linux sets (`NR_FILE`).
pub const NR_FILE: u64 = 8192;

/// file-max for `ram_bytes` of memory: `ram / 10 KiB`, at least [`NR_FILE`].
pub fn max_files(ram_bytes: u64) -> u64 {
    (ram_bytes / 4096 * 4 / 10).max(NR_FILE)
}

/// Whether one more file may be opened with `open` files open and a limit of `max`:
/// ENFILE at the limit unless `privileged` (CAP_SYS_ADMIN).
pub fn check(open: u64, max: u64, privileged: bool) -> Result<(), Errno> {
    if open >= max && !privileged { Err(Errno::ENFILE) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_follows_memory() {
        assert_eq!(max_files(128 << 20), 13107);
        assert_eq!(max_files(16 << 20), NR_FILE);
        assert_eq!(max_files(24 << 30), 2_516_582);
    }

    #[test]
    fn enfile_at_the_limit_except_for_root() {
        assert_eq!(check(99, 100, false), Ok(()));
        assert_eq!(check(100, 100, false), Err(Errno::ENFILE));
        assert_eq!(check(100, 100, true), Ok(()));
    }
}
