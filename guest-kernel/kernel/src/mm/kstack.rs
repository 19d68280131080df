//! Kernel stacks of tasks, each with an unmapped guard area below it.
//!
//! Every task runs its system calls, faults and interrupts on its own kernel stack: a task
//! that blocks keeps its kernel context there while others run. The stacks live in one
//! area of the kernel half, [`AREA_START`] (PML4 slot 511, whose tables every address
//! space shares), cut into slots of [`SLOT`] bytes: the top [`STACK_SIZE`] bytes of a slot
//! are mapped, the rest below stays unmapped, so running off the bottom of a stack faults
//! on the guard instead of overwriting a neighbour (the fault becomes a double fault on
//! its own stack, which reports "task stack overflow": see `arch::x86_64::exceptions`).
//!
//! A stack's pages are physically contiguous (eight fresh frames in a row), so a buffer
//! on a kernel stack can be handed to the memops device or to a virtio device like any
//! other kernel memory ([`virt_to_phys`], used by `layout::virt_to_phys`).
//!
//! Costs (every kernel instruction is emulated, ~1 µs): mapping a new stack writes eight
//! page-table entries, so a stack that is given back keeps its mapping and waits in a pool
//! for the next task. The pool keeps at most [`POOL_MAX`] spare stacks; beyond that a
//! stack given back is unmapped and its frames go back to the frame allocator, so a fork
//! bomb's 512 stacks (an eighth of memory, the process limit's bound: `process::limits`,
//! Linux's rule) do not stay out of user memory's reach once the processes are gone.
//! Unmapped slots are reused first, so the area in use stays as small as the peak.
//!
//! Stack frames come from general memory only (fresh frames or a zeroed run): a fork that
//! finds no eight contiguous frames fails with EAGAIN rather than draw on the kernel
//! reserve (`mm::reserve`).

use crate::arch::x86_64::paging;
use crate::mm::frame;
use alloc::vec::Vec;
use spin::mutex::SpinMutex;

/// Start of the stack area (1 GiB below the kernel image's 2 GiB window).
pub const AREA_START: u64 = 0xffff_ffff_4000_0000;
/// Size of the stack area.
pub const AREA_SIZE: u64 = 1 << 30;
/// Bytes of address space per stack: the stack on top, the guard below.
pub const SLOT: u64 = 64 * 1024;
/// Bytes of a stack (mapped).
pub const STACK_SIZE: u64 = 32 * 1024;
/// Most spare stacks kept mapped for reuse (1 MiB).
pub const POOL_MAX: usize = 32;
/// Frames per stack.
const STACK_PAGES: u64 = STACK_SIZE / 4096;

/// A task's kernel stack; given back to the pool when dropped.
pub struct KernelStack {
    slot: u32,
}

/// The allocator's state.
struct Stacks {
    /// Slots whose stacks are mapped and unused: the first `spare` entries.
    pool: [u32; POOL_MAX],
    spare: usize,
    /// The first frame of each slot's stack (0: not mapped).
    phys: Vec<u64>,
    /// Slots with no stack mapped (`phys` 0), reused before new ones are made.
    unmapped: usize,
}

static STACKS: SpinMutex<Stacks> =
    SpinMutex::new(Stacks { pool: [0; POOL_MAX], spare: 0, phys: Vec::new(), unmapped: 0 });

/// Base address of slot `slot`.
fn slot_base(slot: u32) -> u64 {
    AREA_START + u64::from(slot) * SLOT
}

impl KernelStack {
    /// A stack: a spare one from the pool, or a newly mapped one. `None` when memory (or
    /// the area) is exhausted.
    pub fn new() -> Option<KernelStack> {
        let mut stacks = STACKS.lock();
        if stacks.spare > 0 {
            stacks.spare -= 1;
            return Some(KernelStack { slot: stacks.pool[stacks.spare] });
        }
        // An unmapped slot if there is one (a scan, but only after stacks were trimmed),
        // else a new one.
        let reuse =
            if stacks.unmapped > 0 { stacks.phys.iter().position(|&p| p == 0) } else { None };
        let slot = match reuse {
            Some(slot) => slot,
            None => {
                let slot = stacks.phys.len();
                if slot as u64 >= AREA_SIZE / SLOT {
                    return None;
                }
                stacks.phys.try_reserve(1).ok()?;
                slot
            }
        };
        let phys = frame::alloc_contiguous_general(STACK_PAGES)?;
        let slot = slot as u32;
        if map(slot, phys).is_none() {
            for k in 0..STACK_PAGES {
                // SAFETY: the frames were just allocated and are not mapped any more.
                unsafe { frame::free(phys + k * 4096) };
            }
            return None;
        }
        if reuse.is_some() {
            stacks.unmapped -= 1;
            stacks.phys[slot as usize] = phys;
        } else {
            stacks.phys.push(phys);
        }
        Some(KernelStack { slot })
    }

    /// The initial stack pointer (16-byte aligned; the stack grows down from here).
    pub fn top(&self) -> u64 {
        slot_base(self.slot) + SLOT
    }
}

impl Drop for KernelStack {
    fn drop(&mut self) {
        // Nothing here allocates: the pool is an array, and an unmapped slot is only
        // counted (its `phys` entry becomes 0).
        let mut stacks = STACKS.lock();
        if stacks.spare < POOL_MAX {
            let spare = stacks.spare;
            stacks.pool[spare] = self.slot;
            stacks.spare += 1;
            return;
        }
        let phys = core::mem::replace(&mut stacks.phys[self.slot as usize], 0);
        let bottom = slot_base(self.slot) + SLOT - STACK_SIZE;
        for k in 0..STACK_PAGES {
            paging::unmap_kernel_page(bottom + k * 4096);
        }
        let frames: [u64; STACK_PAGES as usize] = core::array::from_fn(|k| phys + k as u64 * 4096);
        // SAFETY: the stack's frames are unmapped (its task is gone: the scheduler drops a
        // task's stack only once the CPU has left it) and nothing else refers to them.
        // Zeroed, they go back as one run, which the next stack can take whole.
        unsafe { frame::free_zeroing(&frames, crate::mm::memops::Batch::new()) };
        stacks.unmapped += 1;
    }
}

/// Maps the stack pages of `slot` to the frames from `phys` on; on failure nothing stays
/// mapped.
fn map(slot: u32, phys: u64) -> Option<()> {
    let bottom = slot_base(slot) + SLOT - STACK_SIZE;
    for k in 0..STACK_SIZE / 4096 {
        if paging::map_kernel_page(bottom + k * 4096, phys + k * 4096).is_none() {
            for j in 0..k {
                paging::unmap_kernel_page(bottom + j * 4096);
            }
            return None;
        }
    }
    Some(())
}

/// The physical address of the kernel stack memory `virt..virt + len`, if it lies within
/// one mapped stack (`layout::virt_to_phys` for the stack area).
pub fn virt_to_phys(virt: u64, len: u64) -> Option<u64> {
    let offset = virt.checked_sub(AREA_START)?;
    let slot = usize::try_from(offset / SLOT).ok()?;
    let within = offset % SLOT;
    let start = within.checked_sub(SLOT - STACK_SIZE)?;
    if start + len > STACK_SIZE {
        return None;
    }
    let base = STACKS.lock().phys.get(slot).copied().filter(|&p| p != 0)?;
    Some(base + start)
}

/// Whether `addr` lies in the guard area of a task stack (for the double-fault report:
/// a kernel stack overflow).
pub fn is_guard(addr: u64) -> bool {
    (AREA_START..AREA_START + AREA_SIZE).contains(&addr)
        && (addr - AREA_START) % SLOT < SLOT - STACK_SIZE
}
