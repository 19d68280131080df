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
//! canonical boundary (outside what user pointers may name, see `uaccess::check`). A call
//! runs the routine through the same `arch::enter_user` as any user code, with a user
//! context of its own on the kernel stack (its arguments in RDI and RSI, every other
//! register zero: no kernel value reaches user mode):
//!
//! 1. the routine finishes with `syscall` number [`ASSIST_DONE`], its result in RDI;
//! 2. a page fault in it is resolved as for the process itself (demand paging); one that
//!    cannot be resolved, any other exception, or any other system call ends the call as
//!    failed: EFAULT, as the kernel's own copy routines would give;
//! 3. interrupts are acknowledged and the routine goes on (no preemption: the assist is
//!    part of a system call in progress).
//!
//! A program that jumps into the assist page itself gets nothing: outside an assist,
//! `ASSIST_DONE` is an unknown system call (ENOSYS), and the page holds no secret.

use crate::arch::x86_64::percpu;
use crate::arch::{ReturnReason, UserContext, enter_user};
use crate::mm::layout;
use crate::mm::vm::Access;
use crate::process::current;
use core::arch::global_asm;
use posix::exec::elf::USER_END;

/// Where the assist page is mapped in every address space.
pub const ASSIST_VA: u64 = USER_END;

/// The system-call number the assist ends with (outside Linux's range).
pub const ASSIST_DONE: u64 = 0x4153_5349;

unsafe extern "C" {
    /// The assist page (its first byte).
    static assist_page: u8;
    /// The strnlen assist, inside the page.
    static assist_strnlen: u8;
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

    "#,
    done = const ASSIST_DONE,
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

/// Runs the assist at `routine` with two arguments; `None` if it faulted.
fn run(routine: *const u8, a: u64, b: u64) -> Option<u64> {
    let mut ctx = UserContext::new(user_address(routine), 0);
    ctx.set_call_arguments(a, b);
    let task_stack_top = percpu::kernel_stack_top();
    let result = loop {
        match enter_user(&mut ctx) {
            ReturnReason::Syscall if ctx.syscall_number() == ASSIST_DONE => {
                break Some(ctx.syscall_args()[0]);
            }
            ReturnReason::Syscall => break None,
            ReturnReason::Exception if ctx.exception().vector == 14 => {
                let e = ctx.exception();
                let access = if e.error_code & crate::arch::page_fault::WRITE != 0 {
                    Access::Write
                } else {
                    Access::Read
                };
                let process = current::process();
                let resolved = crate::process::fault::resolve(
                    process.pid,
                    &mut process.mm().lock(),
                    e.address,
                    access,
                );
                if resolved.is_err() {
                    break None;
                }
            }
            ReturnReason::Exception => break None,
            ReturnReason::Interrupt => {}
        }
    };
    // Entries from user mode go to the task's own context again.
    percpu::set_kernel_stack(task_stack_top);
    result
}

/// The index of the first NUL in the user bytes `addr..addr + max` (`max` if none), by
/// the user-mode assist; `None` if the memory cannot be read. The range must be in the
/// user half, `max > 0`, and no lock the page-fault path takes may be held.
pub fn strnlen(addr: u64, max: usize) -> Option<usize> {
    run(&raw const assist_strnlen, addr, max as u64).map(|n| n as usize)
}
