//! arch_prctl(2): the FS and GS segment bases (thread-local storage: libc points FS at its
//! thread control block at startup).
//!
//! Both bases are part of the task's user context (`arch::UserContext`), which loads them
//! into their registers on the way back to user mode.

use super::SysResult;
use crate::arch::UserContext;
use crate::uaccess;
use posix::Errno;
use posix::exec::elf::USER_END;

/// Codes from arch/x86/include/uapi/asm/prctl.h.
const ARCH_SET_GS: u32 = 0x1001;
const ARCH_SET_FS: u32 = linux_raw_sys::general::ARCH_SET_FS;
const ARCH_GET_FS: u32 = 0x1003;
const ARCH_GET_GS: u32 = 0x1004;

/// arch_prctl(code, addr): ARCH_SET_FS/ARCH_SET_GS with a user address (EPERM for an
/// address outside the user half, as Linux), ARCH_GET_FS/ARCH_GET_GS into `*addr`;
/// EINVAL for other codes.
pub fn sys_arch_prctl(ctx: &mut UserContext, code: u32, addr: u64) -> SysResult {
    match code {
        ARCH_SET_FS | ARCH_SET_GS => {
            if addr >= USER_END {
                return Err(Errno::EPERM);
            }
            if code == ARCH_SET_FS {
                ctx.set_fs_base(addr);
            } else {
                // The task's own value, in its context (the system-call fuzzer once found
                // it written to the register alone, so the next process read this one's).
                ctx.set_gs_base(addr);
            }
            Ok(0)
        }
        ARCH_GET_FS => {
            uaccess::write(addr, &ctx.fs_base())?;
            Ok(0)
        }
        ARCH_GET_GS => {
            uaccess::write(addr, &ctx.gs_base())?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}
