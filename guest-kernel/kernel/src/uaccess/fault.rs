//! The kernel-mode page-fault hook that makes the `copy` routines fault tolerant.

use super::copy;
use crate::arch::x86_64::trap_entry::TrapFrame;
use crate::mm::vm::Access;
use crate::process::current;
use posix::exec::elf::USER_END;

/// Page-fault error code bit: the access was a write.
const PF_WRITE: u64 = 1 << 1;

/// Handles a page fault taken in kernel mode at `frame`: if it happened at a user-access
/// instruction, either resolves it in the current address space (demand paging: the
/// routine then retries) or redirects the routine to its fixup (it returns EFAULT).
/// Returns false for any other kernel fault: a kernel bug, which the caller reports.
pub fn kernel_fault(frame: &mut TrapFrame) -> bool {
    let Some(fixup) = copy::fixup_for(frame.rip) else { return false };
    let addr = x86_64::registers::control::Cr2::read_raw();
    if addr < USER_END {
        let access = if frame.error_code & PF_WRITE != 0 { Access::Write } else { Access::Read };
        // `try_lock`: a system call that copies user memory while holding its address
        // space's lock is a kernel bug; it gets EFAULT instead of a hang.
        let resolved = current::try_process()
            .and_then(|p| Some((p.pid, p.try_mm()?)))
            .and_then(|(pid, space)| {
                let mut mm = space.try_lock()?;
                Some(crate::process::fault::resolve(pid, &mut mm, addr, access).is_ok())
            })
            .unwrap_or(false);
        if resolved {
            return true;
        }
    }
    copy::apply_fixup(frame, fixup);
    true
}
