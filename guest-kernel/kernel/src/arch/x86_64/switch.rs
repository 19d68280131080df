//! The kernel context switch: from one task's kernel stack to another's.
//!
//! A task that is not running has its kernel context saved on its own kernel stack: the
//! six callee-saved registers and a return address, with the stack pointer kept in the
//! task ([`context_switch`] saves it and loads the next one's). Everything else (the
//! user registers, in the `UserContext` at the top of the stack; the address space; the
//! FPU state, see `fpu`) is switched by the scheduler around this call. 14 instructions.
//!
//! A new task has never run, so its stack is prepared ([`prepare_stack`]) to look as if
//! it had called `context_switch` from [`task_first_entry`]: the switch "returns" there,
//! which calls the task's entry function (given by the layer that creates tasks, as a
//! value: `arch` calls nothing above it by name).

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
    /* %r12 holds the entry function (`prepare_stack`); the stack is 16-byte aligned. */
    call *%r12
    ud2
    "#,
    options(att_syntax)
);

/// Callee-saved registers `context_switch` keeps on the stack.
const SAVED_REGISTERS: u64 = 6;

/// Prepares the kernel stack that ends at `below` (the task's `UserContext` lies above it)
/// for a task that has never run: the return address [`task_first_entry`] and callee-saved
/// registers that hold `entry` (in R12), the function the task starts in. Returns the stack
/// pointer to give `context_switch`.
///
/// # Safety
/// `below` must be 16-byte aligned and the top of unused mapped kernel stack memory.
pub unsafe fn prepare_stack(below: u64, entry: extern "C" fn() -> !) -> u64 {
    let ret = (below as *mut u64).wrapping_sub(1);
    let saved = ret.wrapping_sub(SAVED_REGISTERS as usize);
    // SAFETY: both lie just below `below`, in the stack the caller owns. `context_switch`
    // pops R15, R14, R13, R12, RBX, RBP in that order, so R12 is the fourth word.
    unsafe {
        ret.write(task_first_entry as *const () as u64);
        saved.write_bytes(0, SAVED_REGISTERS as usize);
        saved.add(3).write(entry as usize as u64);
    }
    saved as u64
}
