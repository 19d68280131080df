//! The kernel context switch: from one task's kernel stack to another's.
//!
//! A task that is not running has its kernel context saved on its own kernel stack: the
//! six callee-saved registers and a return address, with the stack pointer kept in the
//! task ([`context_switch`] saves it and loads the next one's). Everything else (the
//! user registers, saved as a `TrapFrame` at the top of the stack when the task entered
//! the kernel; the address space; the FPU state, see `fpu`) is switched by the scheduler
//! around this call. 14 instructions.
//!
//! A new task has never run, so its stack is prepared ([`prepare_stack`]) to look as if
//! it had called `context_switch` from [`task_first_entry`]: the switch "returns" there,
//! which lets the scheduler finish the switch (`sched::switch::first_run`) and then leaves
//! for user mode through the trap path's register restore and `iretq`, with the user
//! context written at the top of the stack (the child's copy of its parent's frame, for a
//! fork).

use super::trap_entry::TrapFrame;
use core::arch::global_asm;

unsafe extern "C" {
    /// Saves the callee-saved registers on the current stack and the stack pointer at
    /// `*save`, then switches to the stack `load` and restores what is saved there.
    /// Returns when some later switch loads the saved stack pointer again.
    pub fn context_switch(save: *mut u64, load: u64);
    /// Where a new task's first switch returns to.
    fn task_first_entry();
}

global_asm!(
    r#"
    .text
    .global context_switch
context_switch:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, (%rdi)
    mov %rsi, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret

    .global task_first_entry
task_first_entry:
    /* %rsp is the TrapFrame at the top of the stack (16-byte aligned). */
    call {first_run}
    jmp trap_return
    "#,
    first_run = sym crate::sched::switch::first_run,
    options(att_syntax)
);

/// Callee-saved registers `context_switch` keeps on the stack.
const SAVED_REGISTERS: u64 = 6;

/// Prepares the kernel stack whose top is `top` for a task that has never run: `frame`
/// (its user context) at the top, below it the return address [`task_first_entry`] and
/// zeroed callee-saved registers. Returns the stack pointer to give `context_switch`.
///
/// # Safety
/// `top` must be the 16-byte aligned top of a mapped kernel stack that nothing uses.
pub unsafe fn prepare_stack(top: u64, frame: &TrapFrame) -> u64 {
    let at = (top as *mut TrapFrame).wrapping_sub(1);
    let ret = at.cast::<u64>().wrapping_sub(1);
    let saved = ret.wrapping_sub(SAVED_REGISTERS as usize);
    // SAFETY: all three lie in the top of the given stack, which the caller owns.
    unsafe {
        at.write(*frame);
        ret.write(task_first_entry as *const () as u64);
        saved.write_bytes(0, SAVED_REGISTERS as usize);
    }
    saved as u64
}
