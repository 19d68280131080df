//! The SYSCALL entry (`LSTAR`) and the MSRs that enable it.
//!
//! `syscall_entry` switches to the current task's kernel stack through the per-CPU area
//! (`percpu`), builds the same [`TrapFrame`] the trap stubs do, in the running
//! `UserContext` (the per-CPU stack top is its end), and returns from
//! `context::enter_user`, which reports a system call. The frame of a system call has
//! `vector == SYSCALL_VECTOR`; `enter_user` goes back with `sysretq` when the context
//! allows it ([`can_sysret`]: RCX == RIP, R11 == RFLAGS and RIP in the user half, which
//! avoids SYSRET's #GP on a non-canonical RIP taken in ring 0 with the user's stack), else
//! with the full restore and `iretq` of the trap path.
//!
//! Cost (every instruction here is emulated, about 1 µs each): 27 instructions in, 19 out,
//! plus the dispatch.
//!
//! On the project's hosts this path is not taken: their hypervisor (`kvm_pvm`) performs
//! SYSCALL's register part but not the switch to ring 0, so the fetch at `LSTAR` faults in
//! user mode and the system call arrives as that page fault, with the complete user
//! context; `context::enter_user` decodes it into a system call. Under QEMU and hardware
//! virtualization this entry is the one used.
//!
//! MSRs (`init`): EFER.SCE on; STAR with the kernel CS (SS = CS + 8) and the user 32-bit
//! CS base (SYSRET to 64-bit loads CS = base + 16, SS = base + 8: the GDT's Linux layout);
//! LSTAR = `syscall_entry`; FMASK clears IF (the kernel runs with interrupts off), DF (the
//! ABI's direction), TF, AC (SMAP: user access only inside the copy routines), NT and IOPL.

use super::cpu;
use super::frame::TrapFrame;
use super::gdt::{KERNEL_CS, USER_CS, USER_DS, USER32_CS};
use super::percpu::{KERNEL_STACK_OFFSET, USER_RSP_OFFSET};
use core::arch::global_asm;

/// `TrapFrame::vector` of a system call (outside the IDT's 0..=255).
pub const SYSCALL_VECTOR: u64 = 0x100;

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
    /* The registers are saved in the running UserContext: return from `enter_user`. */
    jmp user_mode_return
    .text
    "#,
    user_rsp = const USER_RSP_OFFSET,
    kstack = const KERNEL_STACK_OFFSET,
    user_ds = const USER_DS,
    user_cs = const USER_CS,
    vector = const SYSCALL_VECTOR,
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
