//! arch_prctl(2): the FS and GS segment bases (thread-local storage: libc points FS at its
//! thread control block at startup).
//!
//! The kernel never uses FS, and keeps the user's GS base loaded while it runs (see
//! `arch::x86_64::percpu`), so both are written to their MSRs directly; the FS base is
//! also kept in the task for the context switch to come.

use super::SysResult;
use super::args::Args;
use crate::arch::x86_64::cpu;
use crate::arch::x86_64::trap_entry::TrapFrame;
use crate::process::{Task, current};
use crate::uaccess;
use core::sync::atomic::Ordering;
use posix::Errno;
use posix::exec::elf::USER_END;

/// Codes from arch/x86/include/uapi/asm/prctl.h.
const ARCH_SET_GS: u32 = 0x1001;
const ARCH_SET_FS: u32 = linux_raw_sys::general::ARCH_SET_FS;
const ARCH_GET_FS: u32 = 0x1003;
const ARCH_GET_GS: u32 = 0x1004;

const IA32_FS_BASE: u32 = 0xc000_0100;
const IA32_GS_BASE: u32 = 0xc000_0101;

/// Sets `task`'s FS base (and the register: `task` is the current task).
pub fn set_fs_base(task: &Task, base: u64) {
    task.fs_base.store(base, Ordering::Relaxed);
    // SAFETY: FS_BASE only affects FS-relative user accesses; the kernel does not use FS.
    unsafe { cpu::wrmsr(IA32_FS_BASE, base) };
}

/// arch_prctl(code, addr): ARCH_SET_FS/ARCH_SET_GS with a user address (EPERM for an
/// address outside the user half, as Linux), ARCH_GET_FS/ARCH_GET_GS into `*addr`;
/// EINVAL for other codes.
pub fn sys_arch_prctl(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let (code, addr) = (a.u32(0), a.u64(1));
    let task = current::task();
    match code {
        ARCH_SET_FS | ARCH_SET_GS => {
            if addr >= USER_END {
                return Err(Errno::EPERM);
            }
            if code == ARCH_SET_FS {
                set_fs_base(task, addr);
            } else {
                // The task's own value: the context switch loads it for this task only
                // (the system-call fuzzer found it written to the register alone, so the
                // next process read this one's GS base).
                task.gs_base.store(addr, Ordering::Relaxed);
                // SAFETY: GS_BASE holds the user's value while the kernel runs (the kernel
                // never uses GS outside the SYSCALL entry's swapgs pair).
                unsafe { cpu::wrmsr(IA32_GS_BASE, addr) };
            }
            Ok(0)
        }
        ARCH_GET_FS => {
            uaccess::write(addr, &task.fs_base.load(Ordering::Relaxed))?;
            Ok(0)
        }
        ARCH_GET_GS => {
            uaccess::write(addr, &task.gs_base.load(Ordering::Relaxed))?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}
