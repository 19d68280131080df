//! The per-CPU area: what the SYSCALL entry needs before it has a stack.
//!
//! SYSCALL does not switch stacks, so the entry code finds the current task's kernel stack
//! through `KERNEL_GS_BASE`: `swapgs` makes the per-CPU area addressable as `%gs:offset`
//! for the three instructions that switch stacks, then swaps back (see
//! `syscall_entry`). The kernel never uses `%gs` otherwise, which gives the invariant:
//! **`GS_BASE` holds the user's value whenever the kernel runs Rust code**, so traps and
//! interrupts need no `swapgs` at all (Linux keeps the kernel's GS for its per-CPU
//! variables; this kernel has none on the hot paths). Interrupts and exceptions from ring 3
//! find the same stack through `TSS.RSP0`, kept equal by [`set_kernel_stack`].
//!
//! One CPU for now: one static area. SMP would give each CPU its own and point each CPU's
//! `KERNEL_GS_BASE` and TSS at it.

use super::cpu;
use crate::sync::BootCell;

/// `IA32_KERNEL_GS_BASE`: the value `swapgs` exchanges with `GS_BASE`.
const IA32_KERNEL_GS_BASE: u32 = 0xc000_0102;

/// The per-CPU area. `#[repr(C)]`: the entry assembly uses the offsets below.
#[repr(C)]
pub struct PerCpu {
    /// Top of the current task's kernel stack ([`KERNEL_STACK_OFFSET`]).
    pub kernel_stack_top: u64,
    /// Scratch slot for the user's RSP during the stack switch ([`USER_RSP_OFFSET`]).
    pub user_rsp: u64,
}

/// Offset of [`PerCpu::kernel_stack_top`], used by the entry assembly.
pub const KERNEL_STACK_OFFSET: usize = 0;
/// Offset of [`PerCpu::user_rsp`], used by the entry assembly.
pub const USER_RSP_OFFSET: usize = 8;

/// The boot CPU's area.
static PERCPU: BootCell<PerCpu> = BootCell::new(PerCpu { kernel_stack_top: 0, user_rsp: 0 });

unsafe extern "C" {
    /// The 64-bit TSS (gdt.rs); RSP0 is the 8 bytes at offset 4.
    static mut tss_segment: [u8; 104];
}

/// Points `KERNEL_GS_BASE` at the per-CPU area. Once, at boot, before the first entry to
/// user mode.
pub fn init() {
    // SAFETY: IA32_KERNEL_GS_BASE exists on every x86_64 CPU; the value is the address of a
    // static, used only by `swapgs` in the SYSCALL entry.
    unsafe { cpu::wrmsr(IA32_KERNEL_GS_BASE, PERCPU.get() as u64) };
}

/// Makes `top` the kernel stack for entries from user mode (SYSCALL through the per-CPU
/// area, interrupts and exceptions through `TSS.RSP0`). Called when a task starts running.
pub fn set_kernel_stack(top: u64) {
    // SAFETY: one CPU, interrupts off in the kernel: nothing reads the area or the TSS
    // concurrently (the CPU reads RSP0 only on a privilege change, i.e. from user mode).
    unsafe {
        (*PERCPU.get()).kernel_stack_top = top;
        (&raw mut tss_segment).cast::<u8>().add(4).cast::<u64>().write_unaligned(top);
    }
}

/// The kernel stack top entries from user mode use now (the end of the running
/// `UserContext`).
#[inline(always)]
pub fn kernel_stack_top() -> u64 {
    // SAFETY: one CPU, interrupts off in the kernel: a plain read of the area.
    unsafe { (*PERCPU.get()).kernel_stack_top }
}
