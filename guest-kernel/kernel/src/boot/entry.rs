//! The PVH entry: the kernel's first instructions, from 32-bit protected mode to `kmain`.
//!
//! A PVH loader (the vmm, QEMU, Firecracker) loads the ELF at its physical addresses, reads
//! the `XEN_ELFNOTE_PHYS32_ENTRY` note below and starts the boot CPU there in 32-bit
//! protected mode: paging off, CR0.PE only, flat 32-bit segments, EFLAGS = 0x2 (interrupts
//! off), EBX = physical address of `hvm_start_info`. This code, linked at physical
//! addresses in the `.boot` sections:
//!
//! 1. reads the TSC first (the boot report's `ENTRY` stamp) and keeps it and EBX in registers;
//! 2. sets every CR4 bit the kernel wants (PAE, PGE, OSFXSR, OSXMMEXCPT) in one write,
//!    points CR3 at the static boot page tables, sets EFER.LME and EFER.NXE, then sets
//!    CR0.PG together with WP, NE and MP (clearing EM, TS, CD, NW), again in one write: every
//!    control-register write is a VM exit, so each register is written once;
//! 3. loads a three-entry boot GDT and far-jumps to 64-bit code;
//! 4. loads the data segments, switches to the boot stack in the higher half, zeroes `.bss`
//!    (kept small: see "Cost model" in the crate docs) and calls
//!    `kmain(start_info_phys, entry_tsc)`, which never returns.
//!
//! The boot page tables map the first GiB twice with 2 MiB pages: identity (for this code)
//! and at `KERNEL_VMA` (for the kernel proper). `kmain` replaces them with its own.

use crate::mm::layout::{BOOT_STACK_SIZE, IST_STACK_SIZE};
use core::arch::global_asm;

/// CR4 at the end of the entry code: PAE, PGE, OSFXSR, OSXMMEXCPT.
const BOOT_CR4: u32 = (1 << 5) | (1 << 7) | (1 << 9) | (1 << 10);
/// CR0 bits set by the entry code: PE, MP, NE, WP, PG.
const BOOT_CR0_SET: u32 = (1 << 0) | (1 << 1) | (1 << 5) | (1 << 16) | (1 << 31);
/// CR0 bits cleared by the entry code: EM, TS, NW, CD.
const BOOT_CR0_CLEAR: u32 = (1 << 2) | (1 << 3) | (1 << 29) | (1 << 30);
/// EFER bits set by the entry code: LME (long mode), NXE (no-execute page bit).
const BOOT_EFER: u32 = (1 << 8) | (1 << 11);
/// The EFER MSR.
const MSR_EFER: u32 = 0xc000_0080;
/// Boot GDT selector of the 64-bit code segment.
const BOOT_CS: u32 = 0x08;
/// Boot GDT selector of the data segment.
const BOOT_DS: u32 = 0x10;

global_asm!(
    r#"
    /* The PVH note: name "Xen", type XEN_ELFNOTE_PHYS32_ENTRY (18), 4-byte physical entry. */
    .section .note.Xen, "a", @note
    .balign 4
    .long 4
    .long 4
    .long 18
    .asciz "Xen"
    .balign 4
    .long pvh_start32
    .balign 4

    .section .boot.text, "ax", @progbits
    .code32
    .global pvh_start32
    .type pvh_start32, @function
pvh_start32:
    rdtsc
    mov %eax, %edi
    mov %edx, %esi
    mov %ebx, %ebp

    mov ${cr4}, %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov ${efer_msr}, %ecx
    rdmsr
    or ${efer}, %eax
    wrmsr
    mov %cr0, %eax
    and $~{cr0_clear}, %eax
    or ${cr0_set}, %eax
    mov %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp ${boot_cs}, $pvh_start64

    .code64
pvh_start64:
    mov ${boot_ds}, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    xor %eax, %eax
    mov %eax, %fs
    mov %eax, %gs

    /* Upper register halves are undefined after the mode switch: rebuild from the low ones. */
    mov %edi, %edi
    shl $32, %rsi
    or %rdi, %rsi
    mov %rsi, %r12
    mov %ebp, %r13d

    movabs $__boot_stack_top, %rsp
    xor %ebp, %ebp

    /* .bss is 16-byte aligned at both ends (linker.ld): zero it 8 bytes at a time. */
    movabs $__bss_start, %rdi
    movabs $__bss_end, %rcx
    sub %rdi, %rcx
    shr $3, %rcx
    xor %eax, %eax
    cld
    rep stosq

    mov %r13, %rdi
    mov %r12, %rsi
    movabs ${kmain}, %rax
    call *%rax
    ud2

    .section .boot.rodata, "a", @progbits
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9b000000ffff
    .quad 0x00cf93000000ffff
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

    /* PML4[0] and PML4[511] share one PDPT; its entries 0 and 510 share one PD that maps
     * physical 0..1 GiB with 2 MiB pages: identity, and KERNEL_VMA + phys. */
    .section .boot.pagetables, "aw", @progbits
    .balign 4096
boot_pml4:
    .quad boot_pdpt + 0x3
    .fill 510, 8, 0
    .quad boot_pdpt + 0x3
boot_pdpt:
    .quad boot_pd + 0x3
    .fill 509, 8, 0
    .quad boot_pd + 0x3
    .quad 0
boot_pd:
    .set boot_pd_index, 0
    .rept 512
    .quad (boot_pd_index << 21) | 0x83
    .set boot_pd_index, boot_pd_index + 1
    .endr

    /* Stacks, each below a guard page left unmapped by the kernel's page tables. Not zeroed:
     * a stack page costs nothing until it is used. */
    .section .stacks, "aw", @nobits
    .balign 4096
    .global __boot_stack_guard, __boot_stack_top
    .global __df_stack_guard, __df_stack_top
    .global __nmi_stack_guard, __nmi_stack_top
    .global __mc_stack_guard, __mc_stack_top
__boot_stack_guard:
    .skip 4096
    .skip {boot_stack}
__boot_stack_top:
__df_stack_guard:
    .skip 4096
    .skip {ist_stack}
__df_stack_top:
__nmi_stack_guard:
    .skip 4096
    .skip {ist_stack}
__nmi_stack_top:
__mc_stack_guard:
    .skip 4096
    .skip {ist_stack}
__mc_stack_top:

    .text
    "#,
    cr4 = const BOOT_CR4,
    cr0_set = const BOOT_CR0_SET,
    cr0_clear = const BOOT_CR0_CLEAR,
    efer = const BOOT_EFER,
    efer_msr = const MSR_EFER,
    boot_cs = const BOOT_CS,
    boot_ds = const BOOT_DS,
    boot_stack = const BOOT_STACK_SIZE,
    ist_stack = const IST_STACK_SIZE,
    kmain = sym crate::kmain,
    options(att_syntax)
);
