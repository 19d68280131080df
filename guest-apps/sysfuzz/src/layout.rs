//! Where each worker's memory lives. Workers share the supervisor's address space, so each
//! gets a region at a fixed address (the same in every run: pointers in a reproduced call
//! sequence are the same numbers) far below everything the kernel places by itself:
//!
//! ```text
//! region + 0                 guard page (PROT_NONE)
//! region + STACK_OFF         the worker's stack (STACK_LEN)
//!                            guard page
//! region + SCRATCH_OFF       scratch (SCRATCH_LEN): every "valid" pointer the kernel may
//!                            write through points here; the worker builds structures here
//!                            guard page
//! region + ARENA_OFF         arena (ARENA_LEN): the only memory that munmap, mprotect,
//!                            mremap, madvise and MAP_FIXED may touch
//! region + ARENA_OFF + ...   unmapped up to REGION_SPAN (memory calls may reach into it)
//! ```
//!
//! The worker never reads or writes the arena itself, so whatever the fuzzed calls do to
//! it cannot hurt the fuzzer.

use crate::sys;

/// Page size.
pub const PAGE: u64 = 4096;
/// Address of worker 0's region.
pub const REGION_BASE: u64 = 0x1000_0000_0000;
/// Distance between two workers' regions.
pub const REGION_STRIDE: u64 = 0x10_0000_0000;
/// How much of a region the fuzzed memory calls may reach (the rest stays empty).
pub const REGION_SPAN: u64 = 0x4000_0000;
/// Offset of the stack.
pub const STACK_OFF: u64 = PAGE;
/// Size of the stack.
pub const STACK_LEN: u64 = 256 * 1024;
/// Offset of the scratch buffer.
pub const SCRATCH_OFF: u64 = STACK_OFF + STACK_LEN + PAGE;
/// Size of the scratch buffer.
pub const SCRATCH_LEN: u64 = 64 * 1024;
/// Offset of the arena.
pub const ARENA_OFF: u64 = 0x100_0000;
/// Size of the arena as first mapped (small: in a 128 MiB guest, what the kernel writes
/// into the arenas of all workers must fit with room to spare).
pub const ARENA_LEN: u64 = 0x40_0000;

/// `PROT_READ | PROT_WRITE`.
const RW: u32 = 3;
/// `MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED`.
const FIXED: u32 = 0x02 | 0x20 | 0x10;
/// `MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE`.
const NOREPLACE: u32 = 0x02 | 0x20 | 0x10_0000;

/// One worker's region.
#[derive(Clone, Copy, Debug)]
pub struct Region {
    /// Its first address.
    pub base: u64,
}

impl Region {
    /// The region of worker `index`.
    pub fn of(index: usize) -> Region {
        Region { base: REGION_BASE + index as u64 * REGION_STRIDE }
    }

    /// The top of the stack (exclusive).
    pub fn stack_top(&self) -> u64 {
        self.base + STACK_OFF + STACK_LEN
    }

    /// The first byte of scratch.
    pub fn scratch(&self) -> u64 {
        self.base + SCRATCH_OFF
    }

    /// The first byte of the arena.
    pub fn arena(&self) -> u64 {
        self.base + ARENA_OFF
    }

    /// The end of what memory calls may touch.
    pub fn end(&self) -> u64 {
        self.base + REGION_SPAN
    }

    /// The guard page after scratch.
    pub fn scratch_guard(&self) -> u64 {
        self.scratch() + SCRATCH_LEN
    }

    /// Maps the region afresh: guard pages, stack, scratch and arena. `first` uses
    /// MAP_FIXED_NOREPLACE so a clash with anything else in the address space is an error
    /// instead of damage; later calls (after a worker died) first unmap whatever the
    /// fuzzed calls left there.
    pub fn map(&self, first: bool) -> Result<(), String> {
        if !first {
            // SAFETY: the region belongs to the (dead) worker alone.
            unsafe { sys::munmap(self.base, REGION_SPAN) };
        }
        let flags = if first { NOREPLACE } else { FIXED };
        let parts = [
            (self.base, PAGE, 0),
            (self.base + STACK_OFF, STACK_LEN, RW),
            (self.base + STACK_OFF + STACK_LEN, PAGE, 0),
            (self.scratch(), SCRATCH_LEN, RW),
            (self.scratch_guard(), PAGE, 0),
            (self.arena(), ARENA_LEN, RW),
        ];
        for (addr, len, prot) in parts {
            let got = sys::mmap_anon(addr, len, prot, flags);
            if got != addr as i64 {
                return Err(format!("mapping {len:#x} bytes at {addr:#x} gave {got:#x}"));
            }
        }
        Ok(())
    }
}
