//! CPU exceptions raised by user code: a page fault is resolved in the address space
//! (demand paging, copy on write) when it can be; everything else, and a page fault that
//! cannot be resolved, ends the process as the matching signal's default action would
//! (signal delivery to handlers comes with the signals issue). Never a kernel crash.
//!
//! Vector to signal, as Linux (arch/x86/kernel/traps.c): #DE, #MF, #XM → SIGFPE; #UD →
//! SIGILL; #DB, #BP → SIGTRAP; #NP, #SS, #AC → SIGBUS; #PF that cannot be resolved →
//! SIGSEGV (SIGBUS for a file page that cannot be read; out of memory kills with SIGKILL,
//! as the OOM killer would); anything else (#GP, #OF, #BR, ...) → SIGSEGV. NMIs and
//! machine checks never get here (`arch::enter_user` deals with them).

use super::Pid;
use super::current;
use super::exit;
use crate::arch::{Exception, UserContext, page_fault};
use crate::mm::frame;
use crate::mm::vm::{Access, AddressSpace, FaultError};
use posix::signal::num::{SIGBUS, SIGFPE, SIGILL, SIGKILL, SIGSEGV, SIGTRAP};

/// Resolves a page fault of process `pid` at `addr` in its address space `mm` (locked by
/// the caller). When memory is gone, init may take its pages from the kernel reserve
/// (`mm::reserve`): init reaps every orphan and its end powers the machine off, so it is
/// the one process the out-of-memory rule (the faulting process dies) must not reach.
pub fn resolve(
    pid: Pid,
    mm: &mut AddressSpace,
    addr: u64,
    access: Access,
) -> Result<(), FaultError> {
    match mm.fault(addr, access) {
        Err(FaultError::OutOfMemory) if pid == posix::process::INIT => {
            frame::with_reserve(|| mm.fault(addr, access))
        }
        other => other,
    }
}

/// Handles exception `e`, raised by user code running with `ctx`. Returns to retry the
/// instruction when a page fault was resolved; otherwise the process ends. Out of memory
/// ends only the faulting process (SIGKILL, as Linux's OOM killer would pick it): the
/// kernel and the other processes keep running.
pub fn user_exception(ctx: &mut UserContext, e: Exception) {
    let signal = match e.vector {
        14 => {
            let addr = e.address;
            let access = if e.error_code & page_fault::INSTRUCTION != 0 {
                Access::Exec
            } else if e.error_code & page_fault::WRITE != 0 {
                Access::Write
            } else {
                Access::Read
            };
            let process = current::process();
            let result = resolve(process.pid, &mut process.mm().lock(), addr, access);
            match result {
                Ok(()) => return,
                Err(FaultError::OutOfMemory) => SIGKILL,
                Err(FaultError::Io) => SIGBUS,
                Err(FaultError::Unmapped | FaultError::Protection) => {
                    crate::klog::verbose(format_args!(
                        "pid {}: {access:?} fault at {addr:#x}, rip {:#x} err {:#x} rsp {:#x} flags {:#x}",
                        process.pid,
                        ctx.instruction_pointer(),
                        e.error_code,
                        ctx.stack_pointer(),
                        ctx.flags(),
                    ));
                    SIGSEGV
                }
            }
        }
        0 | 16 | 19 => SIGFPE,
        6 => SIGILL,
        1 | 3 => SIGTRAP,
        11 | 12 | 17 => SIGBUS,
        _ => SIGSEGV,
    };
    crate::klog::verbose(format_args!(
        "pid {}: killed by signal {signal} (exception {}, rip {:#x})",
        current::process().pid,
        e.vector,
        ctx.instruction_pointer()
    ));
    exit::exit_process(posix::process::status::ChildEvent::killed_by(signal));
}
