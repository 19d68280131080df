//! The SYSCALL/SYSRET path and the first entry into user mode.
//!
//! `syscall_entry` (the `LSTAR` target) switches to the current task's kernel stack through
//! the per-CPU area (`percpu`), builds a [`TrapFrame`] exactly like the trap stubs do (so
//! exec, and later fork and signal delivery, handle one kind of saved user context), and
//! calls `crate::syscall::syscall_from_user`. The frame of a system call has
//! `vector == SYSCALL_VECTOR` and the system call number in `error_code` (Linux's
//! `orig_ax`, kept for restarting interrupted calls later).
//!
//! The way back is `sysretq` when the frame allows it (`syscall_from_user` returns 0:
//! RCX == RIP, R11 == RFLAGS and RIP in the user half, which avoids SYSRET's #GP on a
//! non-canonical RIP taken in ring 0 with the user's stack), else the full restore and
//! `iretq` of the trap path (`trap_return`).
//!
//! Cost (every instruction here is emulated, about 1 µs each): 27 instructions in, 19 out,
//! plus the dispatch.
//!
//! On the project's hosts this path is not taken: their hypervisor (`kvm_pvm`) performs
//! SYSCALL's register part but not the switch to ring 0, so the fetch at `LSTAR` faults in
//! user mode and the system call arrives as that page fault, with the complete user
//! context; `trap_entry::trap_dispatch` recognizes it and `syscall::from_fetch_fault` runs
//! it and returns with `iretq` (about 100 emulated instructions for a null system call).
//! Under QEMU and hardware virtualization this entry is the one used.
//!
//! MSRs (`init`): EFER.SCE on; STAR with the kernel CS (SS = CS + 8) and the user 32-bit
//! CS base (SYSRET to 64-bit loads CS = base + 16, SS = base + 8: the GDT's Linux layout);
//! LSTAR = `syscall_entry`; FMASK clears IF (the kernel runs with interrupts off), DF (the
//! ABI's direction), TF, AC (SMAP: user access only inside the copy routines), NT and IOPL.

use super::cpu;
use super::gdt::{KERNEL_CS, USER_CS, USER_DS, USER32_CS};
use super::percpu::{KERNEL_STACK_OFFSET, USER_RSP_OFFSET};
use super::trap_entry::TrapFrame;
use core::arch::{asm, global_asm};

/// `TrapFrame::vector` of a system call (outside the IDT's 0..=255).
pub const SYSCALL_VECTOR: u64 = 0x100;

/// RFLAGS a task starts user mode with: IF (interrupts on) and the always-one bit 1.
pub const USER_RFLAGS: u64 = 0x202;

const IA32_EFER: u32 = 0xc000_0080;
const IA32_STAR: u32 = 0xc000_0081;
const IA32_LSTAR: u32 = 0xc000_0082;
const IA32_FMASK: u32 = 0xc000_0084;
/// EFER.SCE: SYSCALL/SYSRET enabled.
const EFER_SCE: u64 = 1;
/// RFLAGS cleared on SYSCALL: TF, IF, DF, IOPL, NT, AC.
const FMASK: u64 = 0x100 | 0x200 | 0x400 | 0x3000 | 0x4000 | 0x4_0000;

unsafe extern "C" {
    fn syscall_entry();
    fn trap_return();
}

global_asm!(
    r#"
    .section .text.syscall_entry, "ax", @progbits
    .global syscall_entry
syscall_entry:
    swapgs
    mov %rsp, %gs:{user_rsp}
    mov %gs:{kstack}, %rsp
    push ${user_ds}
    push %gs:{user_rsp}
    swapgs
    push %r11
    push ${user_cs}
    push %rcx
    push %rax
    push ${vector}
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
    mov %rsp, %rdi
    call {dispatch}
    test %rax, %rax
    jnz trap_return
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
    mov 40(%rsp), %rsp
    sysretq
    .text
    "#,
    user_rsp = const USER_RSP_OFFSET,
    kstack = const KERNEL_STACK_OFFSET,
    user_ds = const USER_DS,
    user_cs = const USER_CS,
    vector = const SYSCALL_VECTOR,
    dispatch = sym crate::syscall::syscall_from_user,
    options(att_syntax)
);

/// The address of the SYSCALL entry (`LSTAR`).
pub fn entry_address() -> u64 {
    syscall_entry as *const () as u64
}

/// Enables SYSCALL/SYSRET. Once, at boot, after the GDT is loaded.
pub fn init() {
    let star = (u64::from(USER32_CS) << 48) | (u64::from(KERNEL_CS) << 32);
    // SAFETY: the MSRs exist on every x86_64 CPU; STAR's selectors match the loaded GDT,
    // LSTAR points at the entry above, and FMASK only clears flags on entry.
    unsafe {
        cpu::wrmsr(IA32_STAR, star);
        cpu::wrmsr(IA32_LSTAR, entry_address());
        cpu::wrmsr(IA32_FMASK, FMASK);
        cpu::wrmsr(IA32_EFER, cpu::rdmsr(IA32_EFER) | EFER_SCE);
    }
}

/// Whether the syscall path may return with `sysretq` for `frame`: RCX and R11 hold what
/// SYSRET will load (RIP and RFLAGS), RIP is in the canonical user half, and the segments
/// are the standard 64-bit user ones.
pub fn can_sysret(frame: &TrapFrame) -> bool {
    frame.rcx == frame.rip
        && frame.r11 == frame.rflags
        && frame.rip < 0x0000_8000_0000_0000
        && frame.cs == u64::from(USER_CS)
        && frame.ss == u64::from(USER_DS)
}

/// A user-mode context that starts at `rip` with stack `rsp`, every other register zero
/// (Linux `start_thread`; the System V ABI leaves them unspecified except RDX, which 0
/// tells the program means "no exit handler to register").
pub fn initial_frame(rip: u64, rsp: u64) -> TrapFrame {
    TrapFrame {
        r15: 0,
        r14: 0,
        r13: 0,
        r12: 0,
        r11: 0,
        r10: 0,
        r9: 0,
        r8: 0,
        rbp: 0,
        rdi: 0,
        rsi: 0,
        rdx: 0,
        rcx: 0,
        rbx: 0,
        rax: 0,
        vector: SYSCALL_VECTOR,
        error_code: 0,
        rip,
        cs: u64::from(USER_CS),
        rflags: USER_RFLAGS,
        rsp,
        ss: u64::from(USER_DS),
    }
}

/// Leaves the kernel for user mode with the registers in `frame`, for good: the frame is
/// copied to the top of the kernel stack `stack_top` (which becomes the stack that
/// entries from user mode use) and restored by the trap path's `iretq`.
///
/// # Safety
/// `stack_top` must be the top of a kernel stack that nothing on the current call chain
/// needs any more (the caller never returns), 16-byte aligned, and `frame` a user-mode
/// context (ring 3 selectors) of the current address space.
pub unsafe fn enter_user(frame: &TrapFrame, stack_top: u64) -> ! {
    super::percpu::set_kernel_stack(stack_top);
    let at = (stack_top as *mut TrapFrame).wrapping_sub(1);
    // SAFETY: `at` is the top `size_of::<TrapFrame>()` bytes of the given stack, which the
    // caller gives up; `frame` may overlap it (hence a memmove), and is not used after the
    // copy; then switch stacks and restore.
    unsafe {
        core::ptr::copy(frame, at, 1);
        asm!(
            "mov rsp, {frame}",
            "jmp {ret}",
            frame = in(reg) at,
            ret = sym trap_return,
            options(noreturn)
        );
    }
}
