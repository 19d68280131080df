//! Trap entry: one small stub per vector and the common path that saves the registers into
//! a [`TrapFrame`].
//!
//! Stable Rust has no `extern "x86-interrupt"`, so the stubs are assembly. Stub `v` sits at
//! `trap_stubs + 16 * v`: it pushes a zero where the CPU pushes no error code (so every frame
//! has the same layout), pushes `v`, and jumps to `trap_common`, which pushes the general
//! registers. Then:
//! - from user mode, the frame *is* the register part of the running `UserContext` (the
//!   CPU switched to `TSS.RSP0`, the context's end), so `trap_common` returns from
//!   `context::enter_user` (`user_mode_return`), which tells its caller why;
//! - from kernel mode, it calls [`kernel_trap`] (interrupts, user-copy faults, kernel bugs)
//!   and returns with the register restore and `iretq` of `trap_return`, which is also how
//!   `enter_user` leaves for user mode when it cannot use `sysretq`.
//!
//! The stubs form one 4 KiB-aligned block, which the IDT in `idt` relies on.
//!
//! Stack alignment: the CPU aligns RSP to 16 bytes before pushing its 5-word frame; with
//! the error code, the vector and 15 registers the frame is 22 words (176 bytes), so RSP is
//! 16-byte aligned at the `call`, as the System V ABI requires.
//!
//! Entries from ring 3 need no `swapgs`: the kernel never uses `%gs` (see `percpu`).

use super::frame::TrapFrame;
use core::arch::global_asm;

/// Distance between two stubs in `trap_stubs`. A stub is at most 12 bytes: `push $0`
/// (2), `push $vector` (2, or 5 for vectors >= 128) and `jmp rel32` (5).
pub const STUB_STRIDE: u64 = 16;

/// Number of stubs: one per IDT vector.
pub const VECTORS: usize = 256;

/// Vectors below 32 for which the CPU pushes an error code: #DF, #TS, #NP, #SS, #GP, #PF,
/// #AC, #CP, #VC, #SX.
const ERROR_CODE_VECTORS: u32 = (1 << 8)
    | (1 << 10)
    | (1 << 11)
    | (1 << 12)
    | (1 << 13)
    | (1 << 14)
    | (1 << 17)
    | (1 << 21)
    | (1 << 29)
    | (1 << 30);

/// Called by `trap_common` for traps taken in kernel mode: interrupts (in the idle loop or
/// a driver's wait, the only places the kernel enables them) and exceptions (a fault in a
/// user-copy routine, or a kernel bug). Traps from user mode never come here: they return
/// from `context::enter_user` instead.
extern "C" fn kernel_trap(frame: &mut TrapFrame) {
    if frame.vector >= 32 {
        super::irq::handle(frame.vector as u8);
    } else {
        super::exceptions::handle(frame);
    }
}

global_asm!(
    r#"
    .section .text.trap_entry, "ax", @progbits
    .balign 4096
    .global trap_stubs
trap_stubs:
    .set trap_vector, 0
    .rept {vectors}
    .balign {stride}
    .if trap_vector < 32
    .if ((({error_vectors}) >> trap_vector) & 1) == 0
    push $0
    .endif
    .else
    push $0
    .endif
    push $trap_vector
    jmp trap_common
    .set trap_vector, trap_vector + 1
    .endr
    .balign {stride}

trap_common:
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    cld
    /* From user mode with SMAP on: clear RFLAGS.AC, which user code may have set, so
     * the kernel's own accesses to user pages fault unless `uaccess` opens them (Linux's
     * ASM_CLAC; interrupt gates clear IF and TF but not AC). */
    testb $3, {cs_offset}(%rsp)
    jz 2f
    cmpb $0, {smap}(%rip)
    je 1f
    pushfq
    andq $~0x40000, (%rsp)
    popfq
1:
    /* From user mode: the registers are saved in the running UserContext; return from
     * `enter_user`. */
    jmp user_mode_return
2:
    mov %rsp, %rdi
    call {kernel_trap}
    .global trap_return
trap_return:
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    add $16, %rsp
    iretq
    .text
    "#,
    vectors = const VECTORS,
    stride = const STUB_STRIDE,
    error_vectors = const ERROR_CODE_VECTORS,
    kernel_trap = sym kernel_trap,
    cs_offset = const 18 * 8,
    smap = sym super::protection::SMAP_ENABLED,
    options(att_syntax)
);
