//! The Linux x86-64 system-call interface.
//!
//! `arch::x86_64::syscall_entry` saves the user context as a [`TrapFrame`] and calls
//! [`syscall_from_user`], which looks the number up in one table ([`table`]) and calls the
//! handler. Handlers live in small files by family; each decodes its raw arguments into
//! checked values (user pointers through `uaccess`, flags through `posix` rules) and calls
//! the kernel's real logic (`fs`, `mm::vm`, `process`, `exec`, `time`). A handler returns
//! a [`SysResult`]: the value, or an errno that becomes `-errno` in RAX.
//!
//! On the project's hosts system calls arrive as page faults at the entry point instead
//! (see [`from_fetch_fault`]); both ways end in the same dispatch.
//!
//! Unknown numbers return ENOSYS; with `verbose` the kernel logs the name once per number
//! (only then: without it the kernel keeps the program's stderr clean).
//!
//! Files: `table.rs` the numbers, `names.rs` their names, `args.rs` raw arguments,
//! `files.rs` descriptor and path helpers; the handlers: `fd_io.rs` (read, write and
//! friends), `open.rs`, `stat.rs`, `dir.rs` (names and directories), `fcntl.rs` (dup,
//! fcntl, pipe), `poll.rs`, `ioctl.rs`, `mem.rs` (brk, mmap...), `exec.rs`, `exit.rs`,
//! `process.rs` (fork, vfork, clone, wait4, waitid), `ids.rs` (and process groups,
//! sessions), `signal.rs`, `thread.rs` (futex, set_tid_address, prctl...),
//! `arch_prctl.rs`, `time.rs`, `random.rs`, `rlimit.rs` (and umask), `usage.rs`
//! (sysinfo, getrusage), `uname.rs`.
//!
//! Every system call ends with `sched::return_to_user` (interrupt work, preemption,
//! signals), and a call that a signal cut short ([`sched::ERESTARTSYS`]) is restarted by
//! moving the user's RIP back onto its `syscall` instruction.

pub mod arch_prctl;
mod args;
mod dir;
mod exec;
mod exit;
mod fcntl;
mod fd_io;
mod files;
mod ids;
mod ioctl;
mod mem;
pub mod names;
mod open;
mod poll;
mod process;
mod random;
mod rlimit;
mod signal;
mod stat;
mod table;
mod thread;
mod time;
mod uname;
pub mod usage;

use crate::arch::x86_64::syscall_entry::can_sysret;
use crate::arch::x86_64::trap_entry::TrapFrame;
use core::sync::atomic::{AtomicU64, Ordering};
use posix::Errno;

/// What a handler returns: the value for RAX, or an error.
pub type SysResult = Result<u64, Errno>;

/// A system-call handler: it reads its arguments from the saved user context (and may
/// change that context: exec, arch_prctl).
pub type Handler = fn(&mut TrapFrame) -> SysResult;

/// Numbers already reported as unknown (one bit each).
static REPORTED: [AtomicU64; names::COUNT.div_ceil(64) + 1] =
    [const { AtomicU64::new(0) }; names::COUNT.div_ceil(64) + 1];

/// Called by the SYSCALL entry with the saved user context: runs the system call in RAX
/// and stores its result in RAX. Returns 0 when the return to user mode may use `sysretq`,
/// non-zero when it must use `iretq` (the handler changed RIP, RSP or the flags).
pub extern "C" fn syscall_from_user(frame: &mut TrapFrame) -> u64 {
    dispatch(frame);
    u64::from(!can_sysret(frame))
}

/// Length of the `syscall` instruction (what a restart moves RIP back by).
const SYSCALL_INSN_LEN: u64 = 2;

/// Runs the system call in the saved context's RAX, stores its result in RAX, and does
/// the work due before the return to user mode.
fn dispatch(frame: &mut TrapFrame) {
    let nr = frame.rax;
    if nr == crate::uaccess::assist::ASSIST_DONE && crate::uaccess::assist::active() {
        crate::uaccess::assist::finish(frame.rdi);
    }
    let result = match table::TABLE.get(nr as usize).copied().flatten() {
        Some(handler) => handler(frame),
        None => unknown(nr),
    };
    frame.rax = match result {
        Ok(value) => value,
        Err(crate::sched::ERESTARTSYS) => {
            // No handler runs yet, so an interrupted call always restarts: the same
            // number and arguments, the `syscall` instruction again.
            frame.rip -= SYSCALL_INSN_LEN;
            frame.error_code
        }
        Err(e) => (-i64::from(e.0)) as u64,
    };
    crate::sched::return_to_user(frame);
}

/// RFLAGS bits user mode may set (CF, PF, AF, ZF, SF, TF, DF, OF, AC, ID); IF is forced
/// on, IOPL, NT, RF and VM off.
const USER_FLAGS: u64 =
    0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x4_0000 | 0x20_0000;

/// A SYSCALL that arrived as a page fault at the entry point: the hypervisor on the
/// project's hosts (`kvm_pvm`, docs/DESIGN.md section 6) performs SYSCALL's register part
/// (RCX = the next RIP, R11 = RFLAGS, RIP = LSTAR) but not the switch to ring 0, so the
/// fetch at `LSTAR` faults in user mode and the fault carries the complete user context.
/// The system call runs from that frame and returns with `iretq` to RCX. A user jump to
/// the entry point looks the same and is harmless: the registers are the user's own, the
/// return address is checked and the flags sanitized, as SYSRET would load them.
pub fn from_fetch_fault(frame: &mut TrapFrame) {
    if frame.rax == crate::uaccess::assist::ASSIST_DONE && crate::uaccess::assist::active() {
        crate::uaccess::assist::finish(frame.rdi);
    }
    frame.rip = frame.rcx;
    frame.rflags = (frame.r11 & USER_FLAGS) | crate::arch::x86_64::syscall_entry::USER_RFLAGS;
    frame.error_code = frame.rax;
    if frame.rip >= posix::exec::elf::USER_END {
        crate::process::exit::exit_process(posix::process::status::ChildEvent::killed_by(
            posix::signal::num::SIGSEGV,
        ));
    }
    dispatch(frame);
}

/// ENOSYS, logged once per number when verbose.
fn unknown(nr: u64) -> SysResult {
    if crate::klog::is_verbose() {
        let (word, bit) = ((nr / 64) as usize, nr % 64);
        let slot = REPORTED.get(word).unwrap_or(&REPORTED[REPORTED.len() - 1]);
        if slot.fetch_or(1 << bit, Ordering::Relaxed) & (1 << bit) == 0 {
            let name = names::NAMES.get(nr as usize).copied().filter(|n| !n.is_empty());
            crate::klog::verbose(format_args!(
                "unknown system call {nr} ({}): ENOSYS",
                name.unwrap_or("?")
            ));
        }
    }
    Err(Errno::ENOSYS)
}
