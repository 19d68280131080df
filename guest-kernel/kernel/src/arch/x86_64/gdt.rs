//! The GDT and the TSS.
//!
//! Selector layout (Linux's, so SYSCALL/SYSRET work and user space sees the segment values
//! it expects in signal frames):
//!
//! | selector | index | descriptor                                                  |
//! |----------|-------|-------------------------------------------------------------|
//! | `0x00`   | 0     | null                                                        |
//! | `0x08`   | 1     | kernel 32-bit code (unused, kept for Linux compatibility)   |
//! | `0x10`   | 2     | [`KERNEL_CS`]: kernel 64-bit code                           |
//! | `0x18`   | 3     | [`KERNEL_DS`]: kernel data (SS)                             |
//! | `0x23`   | 4     | [`USER32_CS`]: user 32-bit code (DPL 3)                     |
//! | `0x2b`   | 5     | [`USER_DS`]: user data (DPL 3)                              |
//! | `0x33`   | 6     | [`USER_CS`]: user 64-bit code (DPL 3)                       |
//! | `0x38`   | 7     | null (unused)                                               |
//! | `0x40`   | 8-9   | [`TSS`]: the 16-byte 64-bit TSS descriptor                  |
//!
//! SYSCALL loads CS = STAR[47:32] = `KERNEL_CS` and SS = `KERNEL_CS + 8` = `KERNEL_DS`;
//! SYSRET to 64-bit code loads CS = STAR[63:48] + 16 = `USER_CS` and SS = STAR[63:48] + 8 =
//! `USER_DS` with STAR[63:48] = `USER32_CS`, which is why the user segments come in this
//! order. The accessed bits are preset so the CPU never writes to the GDT (except the TSS
//! busy bit, set by `ltr`).
//!
//! The TSS holds the interrupt stacks (IST): #DF, NMI and #MC each run on their own stack
//! above a guard page, so a kernel stack overflow ends in a clean #DF report instead of a
//! triple fault.
//!
//! Both tables are complete in the kernel image: the assembler lays them out and the linker
//! fills in the addresses (the TSS address is split into descriptor fields by symbols the
//! linker script computes). Building them at run time would cost a few hundred instructions,
//! and on these machines, where the hypervisor emulates the guest kernel's instructions
//! one by one, every instruction counts. [`init`] only loads them.

use core::arch::{asm, global_asm};
use x86_64::VirtAddr;
use x86_64::structures::DescriptorTablePointer;

/// Kernel 64-bit code selector.
pub const KERNEL_CS: u16 = 0x10;
/// Kernel data / stack selector.
pub const KERNEL_DS: u16 = 0x18;
/// User 32-bit code selector (RPL 3); the SYSRET base in STAR.
pub const USER32_CS: u16 = 0x23;
/// User data / stack selector (RPL 3).
pub const USER_DS: u16 = 0x2b;
/// User 64-bit code selector (RPL 3).
pub const USER_CS: u16 = 0x33;
/// TSS selector.
pub const TSS: u16 = 0x40;

/// IST slot (1-based, as the IDT encodes it) of the double-fault stack.
pub const IST_DOUBLE_FAULT: u8 = 1;
/// IST slot of the NMI stack.
pub const IST_NMI: u8 = 2;
/// IST slot of the machine-check stack.
pub const IST_MACHINE_CHECK: u8 = 3;

/// Number of 8-byte GDT slots.
const GDT_LEN: usize = 10;

/// Size of the 64-bit TSS.
const TSS_SIZE: usize = 104;

unsafe extern "C" {
    /// The GDT (in `.data`: `ltr` sets the busy bit of the TSS descriptor).
    static gdt_table: [u64; GDT_LEN];
}

global_asm!(
    r#"
    .section .data.gdt, "aw", @progbits
    .balign 16
    .global gdt_table
gdt_table:
    .quad 0
    .quad 0x00cf9b000000ffff    /* kernel 32-bit code: P, DPL 0, exec/read accessed, D, G */
    .quad 0x00af9b000000ffff    /* kernel 64-bit code: P, DPL 0, exec/read accessed, L, G */
    .quad 0x00cf93000000ffff    /* kernel data: P, DPL 0, read/write accessed, B, G */
    .quad 0x00cffb000000ffff    /* user 32-bit code: as kernel 32-bit code, DPL 3 */
    .quad 0x00cff3000000ffff    /* user data: as kernel data, DPL 3 */
    .quad 0x00affb000000ffff    /* user 64-bit code: as kernel 64-bit code, DPL 3 */
    .quad 0
    /* TSS descriptor: limit, base 0..15, base 16..23, P + type 9 (available 64-bit TSS),
     * limit 16..19 and flags, base 24..31, base 32..63, reserved. */
    .word {tss_limit}
    .word __tss_base_0_15
    .byte __tss_base_16_23
    .byte 0x89
    .byte 0
    .byte __tss_base_24_31
    .long __tss_base_32_63
    .long 0

    /* The 64-bit TSS: RSP0 is the boot stack for now (the scheduler will set it per
     * task); IST1..3 are the #DF, NMI and #MC stacks; no I/O bitmap. */
    .section .data.tss, "aw", @progbits
    .balign 16
    .global tss_segment
tss_segment:
    .long 0
    .quad __boot_stack_top
    .quad 0, 0
    .quad 0
    .quad __df_stack_top, __nmi_stack_top, __mc_stack_top, 0, 0, 0, 0
    .quad 0
    .word 0
    .word {tss_size}
    .text
    "#,
    tss_limit = const TSS_SIZE - 1,
    tss_size = const TSS_SIZE,
);

/// Loads the GDT, the segment registers and the task register. Runs once, on the boot CPU,
/// before the IDT is loaded.
pub fn init() {
    let pointer = DescriptorTablePointer {
        limit: (GDT_LEN * 8 - 1) as u16,
        base: VirtAddr::new(&raw const gdt_table as u64),
    };
    // SAFETY: the GDT is a static with the layout documented above; reloading CS with a
    // far return to the next instruction and the data segments with valid selectors of that
    // GDT keeps executing at the same place; the TSS descriptor points at the static TSS.
    unsafe {
        x86_64::instructions::tables::lgdt(&pointer);
        asm!(
            "push {cs}",
            "lea {tmp}, [rip + 2f]",
            "push {tmp}",
            "retfq",
            "2:",
            "mov ss, {ds:e}",
            "mov ds, {ds:e}",
            "mov es, {ds:e}",
            "mov fs, {null:e}",
            "mov gs, {null:e}",
            "ltr {tss:x}",
            cs = in(reg) u64::from(KERNEL_CS),
            tmp = out(reg) _,
            ds = in(reg) u32::from(KERNEL_DS),
            null = in(reg) 0u32,
            tss = in(reg) TSS,
            options(preserves_flags)
        );
    }
}
