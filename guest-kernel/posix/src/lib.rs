//! The guest kernel's UNIX model as pure logic: what POSIX and Linux say must happen, with
//! no hardware and no global state, so every rule is unit-tested on the host (`cargo test
//! -p posix`) and the kernel only wires it to memory and devices. How the kernel computes
//! without hardware (data structures, formats) is `klib`; the rule is written in
//! `guest-kernel/README.md`. Each rule cites where it comes from (POSIX, a Linux man page
//! or source file) because Linux is the oracle the differential tests compare against.
//!
//! Today: credentials and file access checks (`cred`); the exec image layout (`exec`):
//! ELF load plans, `#!` scripts, argument limits and the initial process stack; processes
//! (`process`): pid allocation, the parent/child tree, groups, sessions, orphaned groups,
//! wait selection and status encoding; signals as data (`signal`): sets, default
//! actions, dispositions, kill permissions; the file-system rules (`fs`), the user
//! address space's layout and `mmap` rules (`mm`), resource limits and clocks.
#![no_std]

extern crate alloc;

pub mod cred;
pub mod errno;
pub mod exec;
pub mod fs;
pub mod futex;
pub mod mm;
pub mod process;
pub mod rlimit;
pub mod signal;
pub mod time;
pub mod tty;

pub use errno::Errno;
