//! User-mode assists: work on user memory that the kernel runs in ring 3, natively.
//!
//! On the project's hosts the kernel's own instructions are emulated (about 1 µs each) and
//! user code runs natively (docs/DESIGN.md section 6). Scanning user memory for a NUL is
//! pure computation on memory the process can read anyway, so when the kernel needs to
//! measure a long user string (exec's arguments: up to 2 MiB must be measured before E2BIG
//! can be decided, about 2.4 s of emulated word-at-a-time scanning) it runs the scan on
//! the process's behalf in user mode, where it takes microseconds.
//!
//! The assist code sits alone in one page of the kernel image, which every address space
//! maps read-only and executable for user mode at [`ASSIST_VA`], the last page below the
//! canonical boundary (outside what user pointers may name, see `uaccess::check`). A call:
//!
//! 1. [`strnlen`] saves the kernel's callee-saved registers and stack pointer
//!    (`assist_enter`), points the per-CPU kernel stack (SYSCALL and TSS.RSP0) below its
//!    own frame, and `iretq`s to the assist with the arguments in registers and every
//!    other register cleared (no kernel value reaches user mode);
//! 2. the assist finishes with `syscall` number [`ASSIST_DONE`]: the system-call path
//!    calls [`finish`], which returns from `assist_enter` with the result (the entry frame
//!    below is abandoned);
//! 3. a page fault in the assist is resolved as for the process itself (demand paging);
//!    one that cannot be resolved, or any other exception, calls [`abort`]: the call
//!    fails with EFAULT, as the kernel's own copy routines would.
//!
//! A program that jumps into the assist page itself gets nothing: `ASSIST_DONE` is ENOSYS
//! when no assist is running, and the page holds no secret.

use crate::arch::x86_64::gdt::{USER_CS, USER_DS};
use crate::arch::x86_64::percpu;
use crate::mm::layout;
use crate::process::current;
use core::arch::{asm, global_asm};
use core::sync::atomic::{AtomicBool, Ordering};
use posix::exec::elf::USER_END;

/// Where the assist page is mapped in every address space.
pub const ASSIST_VA: u64 = USER_END;

/// The system-call number the assist ends with (outside Linux's range).
pub const ASSIST_DONE: u64 = 0x4153_5349;

/// Whether an assist is running (one CPU: one at a time).
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// The kernel stack pointer saved by `assist_enter`.
#[unsafe(no_mangle)]
static mut ASSIST_SAVED_RSP: u64 = 0;
/// Whether the last assist faulted (set before `assist_resume`).
static FAULTED: AtomicBool = AtomicBool::new(false);

unsafe extern "C" {
    /// The assist page (its first byte).
    static assist_page: u8;
    /// The strnlen assist, inside the page.
    static assist_strnlen: u8;
    /// Saves the kernel context, enters user mode at `rip` with RDI = `a`, RSI = `b`;
    /// returns the value given to `assist_resume`.
    fn assist_enter(rip: u64, a: u64, b: u64) -> u64;
    /// Returns from the pending `assist_enter` with `value`.
    fn assist_resume(value: u64) -> !;
}

global_asm!(
    r#"
    .section .text.user_assist, "ax", @progbits
    .balign 4096
    .global assist_page, assist_strnlen
assist_page:
/* strnlen(rdi = address, rsi = max > 0) -> index of the first NUL, or max. Runs in user
 * mode: aligned 8-byte loads never cross into a page the string does not reach. */
assist_strnlen:
    mov %rdi, %r8
    lea (%rdi,%rsi), %r9
1:
    test $7, %dil
    jz 3f
    cmpb $0, (%rdi)
    je 6f
    inc %rdi
    cmp %r9, %rdi
    jb 1b
    jmp 5f
3:
    movabs $0x0101010101010101, %r10
    movabs $0x8080808080808080, %r11
4:
    mov (%rdi), %rax
    mov %rax, %rdx
    sub %r10, %rdx
    not %rax
    and %rax, %rdx
    and %r11, %rdx
    jnz 7f
    add $8, %rdi
    cmp %r9, %rdi
    jb 4b
5:
    mov %rsi, %rdi
    jmp 8f
7:
    bsf %rdx, %rdx
    shr $3, %rdx
    add %rdx, %rdi
6:
    sub %r8, %rdi
    cmp %rsi, %rdi
    cmova %rsi, %rdi
8:
    mov ${done}, %eax
    syscall
    ud2
    .balign 4096

    .text
    .global assist_enter, assist_resume
assist_enter:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, ASSIST_SAVED_RSP(%rip)
    push ${user_ds}
    push $0
    push $0x202
    push ${user_cs}
    push %rdi
    mov %rsi, %rdi
    mov %rdx, %rsi
    xor %eax, %eax
    xor %ebx, %ebx
    xor %ecx, %ecx
    xor %edx, %edx
    xor %ebp, %ebp
    xor %r8d, %r8d
    xor %r9d, %r9d
    xor %r10d, %r10d
    xor %r11d, %r11d
    xor %r12d, %r12d
    xor %r13d, %r13d
    xor %r14d, %r14d
    xor %r15d, %r15d
    iretq
assist_resume:
    mov ASSIST_SAVED_RSP(%rip), %rsp
    mov %rdi, %rax
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
    "#,
    done = const ASSIST_DONE,
    user_ds = const USER_DS,
    user_cs = const USER_CS,
    options(att_syntax)
);

/// Physical address of the assist page (mapped into every address space by exec).
pub fn page_phys() -> u64 {
    layout::image_virt_to_phys(&raw const assist_page as u64)
}

/// The user address of an assist routine.
fn user_address(routine: *const u8) -> u64 {
    ASSIST_VA + (routine as u64 - &raw const assist_page as u64)
}

/// Whether an assist is running (the system-call and fault paths ask).
pub fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// Ends the running assist with `value` (its `ASSIST_DONE` system call). Does not return.
pub fn finish(value: u64) -> ! {
    FAULTED.store(false, Ordering::Relaxed);
    // SAFETY: an assist is running (the caller checked `active`), so `assist_enter` saved
    // a kernel context that is still on the stack below the per-CPU stack top.
    unsafe { assist_resume(value) }
}

/// Ends the running assist as failed (a fault it cannot continue after). Does not return.
pub fn abort() -> ! {
    FAULTED.store(true, Ordering::Relaxed);
    // SAFETY: as in `finish`.
    unsafe { assist_resume(0) }
}

/// Runs the assist at `routine` with two arguments; `None` if it faulted.
fn run(routine: *const u8, a: u64, b: u64) -> Option<u64> {
    let rsp: u64;
    // SAFETY: reads the stack pointer.
    unsafe { asm!("mov {}, rsp", out(reg) rsp, options(nomem, nostack, preserves_flags)) };
    // Entries from user mode during the assist push their frames well below this one
    // (`assist_enter` uses less than 128 bytes of stack).
    percpu::set_kernel_stack((rsp - 1024) & !15);
    ACTIVE.store(true, Ordering::Relaxed);
    // SAFETY: the routine is in the assist page, mapped for user mode in the current
    // address space (exec maps it); `assist_enter` comes back through `finish`/`abort`.
    let value = unsafe { assist_enter(user_address(routine), a, b) };
    ACTIVE.store(false, Ordering::Relaxed);
    percpu::set_kernel_stack(current::task().kernel_stack_top);
    (!FAULTED.load(Ordering::Relaxed)).then_some(value)
}

/// The index of the first NUL in the user bytes `addr..addr + max` (`max` if none), by
/// the user-mode assist; `None` if the memory cannot be read. The range must be in the
/// user half, `max > 0`, and no lock the page-fault path takes may be held.
pub fn strnlen(addr: u64, max: usize) -> Option<usize> {
    run(&raw const assist_strnlen, addr, max as u64).map(|n| n as usize)
}
