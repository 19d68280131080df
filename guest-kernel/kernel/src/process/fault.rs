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
use posix::signal::info::{SigInfo, code};
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
    let ip = ctx.instruction_pointer();
    let (signal, info) = match e.vector {
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
                Err(FaultError::OutOfMemory) => {
                    exit::exit_process(posix::process::status::ChildEvent::killed_by(SIGKILL))
                }
                Err(FaultError::Io) => (SIGBUS, SigInfo::fault(SIGBUS, code::BUS_ADRERR, addr)),
                Err(error @ (FaultError::Unmapped | FaultError::Protection)) => {
                    crate::klog::verbose(format_args!(
                        "pid {}: {access:?} fault at {addr:#x}, rip {:#x} err {:#x} rsp {:#x} flags {:#x}",
                        process.pid,
                        ctx.instruction_pointer(),
                        e.error_code,
                        ctx.stack_pointer(),
                        ctx.flags(),
                    ));
                    let code = if error == FaultError::Unmapped {
                        code::SEGV_MAPERR
                    } else {
                        code::SEGV_ACCERR
                    };
                    (SIGSEGV, SigInfo::fault(SIGSEGV, code, addr))
                }
            }
        }
        0 => (SIGFPE, SigInfo::fault(SIGFPE, code::FPE_INTDIV, ip)),
        16 | 19 => (SIGFPE, SigInfo::fault(SIGFPE, 0, ip)),
        6 => (SIGILL, SigInfo::fault(SIGILL, code::ILL_ILLOPN, ip)),
        3 => (SIGTRAP, SigInfo::new(SIGTRAP, code::SI_KERNEL)),
        1 => (SIGTRAP, SigInfo::fault(SIGTRAP, code::TRAP_BRKPT, ip)),
        11 | 12 | 17 => (SIGBUS, SigInfo::new(SIGBUS, code::SI_KERNEL)),
        _ => (SIGSEGV, SigInfo::new(SIGSEGV, code::SI_KERNEL)),
    };
    force(signal, info, e.vector, ip);
}

/// Linux `force_sig_fault`: the signal of a fault goes to the faulting thread, to its
/// handler if it has one and does not block it (the handler runs on the way out, and
/// returning from it retries the instruction); a fault whose signal is blocked, ignored or
/// at its default action ends the process, as the default action would.
fn force(signal: u8, info: SigInfo, vector: u8, ip: u64) {
    let task = current::task();
    let process = current::process_of(task);
    let handler = process.signals.lock().get(signal).handler;
    let caught = posix::signal::disposition::Disposition::of(signal, handler)
        == posix::signal::disposition::Disposition::Catch;
    if caught && !task.sigmask().contains(signal) {
        let _ = super::signal::send_to_task(task, signal, info);
        return;
    }

    crate::klog::verbose(format_args!(
        "pid {}: killed by signal {signal} (exception {}, rip {:#x})",
        process.pid, vector, ip
    ));
    exit::exit_process(posix::process::status::ChildEvent::killed_by(signal));
}
