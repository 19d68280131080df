//! The IDT: every vector points at its stub in `trap_entry`.
//!
//! All gates are interrupt gates (IF cleared on entry) at DPL 0, except #BP and #OF at DPL 3
//! so that user code's `int3` and `into` raise them (SIGTRAP, SIGSEGV) rather than #GP. #DF, NMI and #MC switch to
//! their own IST stacks (see `gdt`), so they work even when the kernel stack is unusable.
//!
//! The table is complete in the kernel image (see `gdt` for why): stub `v` is at
//! `trap_stubs + 16 * v`, the stubs sit in one 4 KiB-aligned block, so every gate shares
//! the upper 48 bits of the address, which the linker script provides as symbols along
//! with the low 16 bits of `trap_stubs`. [`init`] only loads it.

use super::gdt::{IST_DOUBLE_FAULT, IST_MACHINE_CHECK, IST_NMI, KERNEL_CS};
use super::trap_entry::{STUB_STRIDE, VECTORS};
use core::arch::global_asm;
use x86_64::VirtAddr;
use x86_64::structures::DescriptorTablePointer;

/// Size of one gate descriptor.
const GATE_SIZE: usize = 16;

unsafe extern "C" {
    /// The IDT.
    static idt_table: [u8; VECTORS * GATE_SIZE];
}

global_asm!(
    r#"
    .section .rodata.idt, "a", @progbits
    .balign 16
    .global idt_table
idt_table:
    .set idt_vector, 0
    .rept {vectors}
    .word __trap_stubs_0_15 + {stride} * idt_vector
    .word {cs}
    .if idt_vector == 8
    .byte {ist_df}
    .elseif idt_vector == 2
    .byte {ist_nmi}
    .elseif idt_vector == 18
    .byte {ist_mc}
    .else
    .byte 0
    .endif
    .if idt_vector == 3 || idt_vector == 4
    .byte 0xee                  /* P, DPL 3: `int3`/`into` from user mode give #BP/#OF */
    .else
    .byte 0x8e                  /* P, DPL 0, 64-bit interrupt gate */
    .endif
    .word __trap_stubs_16_31
    .long __trap_stubs_32_63
    .long 0
    .set idt_vector, idt_vector + 1
    .endr
    .text
    "#,
    vectors = const VECTORS,
    stride = const STUB_STRIDE,
    cs = const KERNEL_CS,
    ist_df = const IST_DOUBLE_FAULT,
    ist_nmi = const IST_NMI,
    ist_mc = const IST_MACHINE_CHECK,
);

/// Loads the IDT. Runs once, on the boot CPU, after `gdt::init`.
pub fn init() {
    let pointer = DescriptorTablePointer {
        limit: (VECTORS * GATE_SIZE - 1) as u16,
        base: VirtAddr::new(&raw const idt_table as u64),
    };
    // SAFETY: the IDT is a static whose gates point at the trap stubs, which exist for
    // every vector; the GDT with `KERNEL_CS` and the TSS with the IST stacks are loaded.
    unsafe { x86_64::instructions::tables::lidt(&pointer) };
}
