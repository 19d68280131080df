//! Where things go in a fresh user address space (x86-64 Linux without address-space
//! randomization, `setarch -R`; arch/x86/mm/mmap.c, fs/binfmt_elf.c).
//!
//! ```text
//! 0x7fff_ffff_f000  USER_END = STACK_TOP (the last page below it is never mapped)
//!                   stack, growing down, at most RLIMIT_STACK
//!                   gap: max(RLIMIT_STACK + guard gap, 128 MiB)
//! mmap_base         mappings without an address hint, placed top-down below here
//!   ...
//!                   brk heap, growing up from the end of the image
//! 0x5555_5555_4000  static-pie images (posix::exec::elf::ET_DYN_BASE)
//! 0x0040_0000       typical ET_EXEC images
//! 0x0001_0000       MMAP_MIN_ADDR: nothing is mapped below (vm.mmap_min_addr)
//! ```

use super::PAGE;
use crate::exec::elf::USER_END;

/// Top of the initial stack (Linux `STACK_TOP` = `TASK_SIZE` without randomization).
pub const STACK_TOP: u64 = USER_END;

/// Lowest address a mapping may start at (Linux's default `vm.mmap_min_addr`, 64 KiB).
pub const MMAP_MIN_ADDR: u64 = 0x1_0000;

/// The gap Linux keeps between a growing stack and the mapping below it
/// (`stack_guard_gap`, 256 pages).
pub const STACK_GUARD_GAP: u64 = 256 * PAGE;

/// Smallest gap between the stack top and `mmap_base` (`MIN_GAP`, 128 MiB).
const MIN_GAP: u64 = 128 << 20;

/// Where top-down `mmap` starts, given the stack size limit (`mmap_base()` in
/// arch/x86/mm/mmap.c with no random offset): the stack limit plus the guard gap, clamped
/// to [128 MiB, 5/6 of the user range], below the stack top.
pub fn mmap_base(stack_limit: u64) -> u64 {
    let gap = stack_limit.saturating_add(STACK_GUARD_GAP);
    let max_gap = USER_END / 6 * 5;
    let gap = gap.clamp(MIN_GAP, max_gap);
    (USER_END - gap) & !(PAGE - 1)
}

/// The lowest address of the stack region for a stack size limit: the stack may grow down
/// to here (at most 5/6 of the user range, like the mmap gap, so a huge limit still leaves
/// room for mappings).
pub fn stack_bottom(stack_limit: u64) -> u64 {
    let size = stack_limit.min(USER_END / 6 * 5) & !(PAGE - 1);
    STACK_TOP - size.max(PAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_stack_limit_gives_linux_layout() {
        // `setarch -R cat /proc/self/maps` on x86-64 Linux: mmaps end at 0x7ffff7fff000.
        assert_eq!(mmap_base(8 << 20), 0x7fff_f7ff_f000);
        assert_eq!(stack_bottom(8 << 20), 0x7fff_ff7f_f000);
    }

    #[test]
    fn big_stack_limits_move_the_mmap_base() {
        assert_eq!(mmap_base(1 << 30), USER_END - (1 << 30) - STACK_GUARD_GAP);
        let unlimited = mmap_base(u64::MAX);
        assert!((USER_END / 6 - PAGE..USER_END).contains(&unlimited));
        assert!(stack_bottom(u64::MAX) >= unlimited);
    }
}
