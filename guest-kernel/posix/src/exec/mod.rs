//! What `execve` needs to decide before it touches the caller's address space (the old
//! image must stay intact until the point of no return, so everything that can fail is
//! checked here first): which kind of file it is (`probe`), the ELF load plan (`elf`), the
//! `#!` interpreter line (`shebang`), the argument limits (`arg_limits`), and the initial stack
//! (`initial_stack`).

pub mod arg_limits;
pub mod auxv;
pub mod elf;
pub mod initial_stack;
pub mod shebang;

/// How many bytes of a file exec looks at to decide what it is (Linux `BINPRM_BUF_SIZE`).
pub const PROBE_LEN: usize = 256;

/// How many `#!` interpreter rewrites one exec may go through before ELOOP. Measured on
/// Linux 6.x: a chain of 4 scripts ending in a binary runs, 5 scripts fail with ELOOP
/// (fs/exec.c `exec_binprm`).
pub const MAX_INTERPRETER_DEPTH: usize = 4;

/// What the first bytes of a file say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// Starts with the ELF magic.
    Elf,
    /// Starts with `#!`.
    Script,
    /// Anything else: exec fails with ENOEXEC.
    Unknown,
}

/// Classifies a file from its first bytes (`probe` may be shorter than [`PROBE_LEN`]).
pub fn probe(probe: &[u8]) -> FileKind {
    if probe.starts_with(&linux_raw_sys::elf::ELFMAG) {
        FileKind::Elf
    } else if probe.starts_with(b"#!") {
        FileKind::Script
    } else {
        FileKind::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(probe(b"\x7fELF\x02\x01"), FileKind::Elf);
        assert_eq!(probe(b"#!/bin/sh\n"), FileKind::Script);
        assert_eq!(probe(b"#"), FileKind::Unknown);
        assert_eq!(probe(b""), FileKind::Unknown);
    }
}
