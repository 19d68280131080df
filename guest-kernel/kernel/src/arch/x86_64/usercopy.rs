//! The fault-tolerant user-memory routines and their exception table.
//!
//! Each routine touches user memory only at a few labelled instructions. A page fault at
//! one of them is not a kernel bug: the kernel-mode trap path ([`fixup`]) notes the fault
//! (address and access, [`last_fault`]) and resumes at the routine's fixup label, and the
//! routine returns a failure (Linux `_ASM_EXTABLE_UA`, `ex_handler_uaccess`). The caller
//! (`uaccess`) then decides: a user page not touched yet is a normal case (demand paging),
//! so it resolves the fault in the address space and runs the routine again; anything
//! else is EFAULT. So `arch` never calls up into the memory manager from a trap. Nothing
//! else in the kernel may fault on a user address.
//!
//! Costs (kernel instructions are emulated, ~1 µs each, `rep` ~1 µs per iteration): a copy
//! is `rep movsq` for the 8-byte words and `rep movsb` for the tail, so a 144-byte `stat`
//! is 18 iterations; `strnlen` checks 8 bytes per 9 instructions (the "has a zero byte"
//! word trick) after at most 7 single bytes to reach alignment. Big transfers do not come
//! here: file data goes through physical segments and the memops device.
//!
//! With SMAP on (`protection`), each routine opens the user window by setting
//! RFLAGS.AC and closes it by clearing it, also on the fault path. `stac`/`clac` would do
//! that in one instruction each, but the instruction emulator of the project's hypervisor
//! does not know them (a KVM internal error); `pushf`/`popf` it knows.

use super::frame::TrapFrame;
use super::frame::page_fault;
use super::protection::SMAP_ENABLED;
use core::arch::global_asm;
use core::sync::atomic::{AtomicU64, Ordering};

unsafe extern "C" {
    /// Copies `len` bytes from `src` to `dst`; returns 0, or 1 if a user access faulted.
    fn uaccess_copy(dst: *mut u8, src: *const u8, len: usize) -> u64;
    /// Stores `len` zero bytes at `dst`; returns 0, or 1 if a user access faulted.
    fn uaccess_zero(dst: *mut u8, len: usize) -> u64;
    /// The index of the first NUL in `src[..max]`, `max` if there is none, or -1 if a user
    /// access faulted. `max > 0`.
    fn uaccess_strnlen(src: *const u8, max: usize) -> i64;
    static uaccess_copy_q: u8;
    static uaccess_copy_b: u8;
    static uaccess_copy_fault: u8;
    static uaccess_zero_q: u8;
    static uaccess_zero_b: u8;
    static uaccess_strnlen_b: u8;
    static uaccess_strnlen_q: u8;
    static uaccess_strnlen_fault: u8;
    fn uaccess_fxsave(dst: *mut u8) -> u64;
    fn uaccess_fxrstor(src: *const u8) -> u64;
    static uaccess_fxsave_insn: u8;
    static uaccess_fxrstor_insn: u8;
    static uaccess_fx_fault: u8;
}

global_asm!(
    r#"
    .section .text.uaccess, "ax", @progbits

    /* Opens the user window: RFLAGS.AC set when SMAP is on (see the module docs). */
    .macro uaccess_open
    cmpb $0, {smap}(%rip)
    je 91f
    pushfq
    orq $0x40000, (%rsp)
    popfq
91:
    .endm

    /* Closes the user window and returns. */
    .macro uaccess_close_ret
    cmpb $0, {smap}(%rip)
    je 92f
    pushfq
    andq $~0x40000, (%rsp)
    popfq
92:
    ret
    .endm

    .global uaccess_copy, uaccess_copy_q, uaccess_copy_b, uaccess_copy_fault
uaccess_copy:
    uaccess_open
    mov %rdx, %rcx
    shr $3, %rcx
uaccess_copy_q:
    rep movsq
    mov %edx, %ecx
    and $7, %ecx
uaccess_copy_b:
    rep movsb
    xor %eax, %eax
    uaccess_close_ret
uaccess_copy_fault:
    mov $1, %eax
    uaccess_close_ret

    .global uaccess_zero, uaccess_zero_q, uaccess_zero_b
uaccess_zero:
    uaccess_open
    mov %rsi, %rcx
    shr $3, %rcx
    xor %eax, %eax
uaccess_zero_q:
    rep stosq
    mov %esi, %ecx
    and $7, %ecx
uaccess_zero_b:
    rep stosb
    uaccess_close_ret

    .global uaccess_strnlen, uaccess_strnlen_b, uaccess_strnlen_q, uaccess_strnlen_fault
uaccess_strnlen:
    uaccess_open
    mov %rdi, %r8
    lea (%rdi,%rsi), %r9
2:
    test $7, %dil
    jz 4f
uaccess_strnlen_b:
    cmpb $0, (%rdi)
    je 7f
    inc %rdi
    cmp %r9, %rdi
    jb 2b
    jmp 6f
4:
    movabs $0x0101010101010101, %r10
    movabs $0x8080808080808080, %r11
5:
uaccess_strnlen_q:
    mov (%rdi), %rax
    mov %rax, %rdx
    sub %r10, %rdx
    not %rax
    and %rax, %rdx
    and %r11, %rdx
    jnz 8f
    add $8, %rdi
    cmp %r9, %rdi
    jb 5b
6:
    mov %rsi, %rax
    uaccess_close_ret
8:
    bsf %rdx, %rdx
    shr $3, %rdx
    add %rdx, %rdi
7:
    mov %rdi, %rax
    sub %r8, %rax
    cmp %rsi, %rax
    cmova %rsi, %rax
    uaccess_close_ret
uaccess_strnlen_fault:
    mov $-1, %rax
    uaccess_close_ret

    .global uaccess_fxsave, uaccess_fxrstor, uaccess_fxsave_insn, uaccess_fxrstor_insn
    .global uaccess_fx_fault
uaccess_fxsave:
    uaccess_open
uaccess_fxsave_insn:
    fxsave64 (%rdi)
    xor %eax, %eax
    uaccess_close_ret
uaccess_fxrstor:
    uaccess_open
uaccess_fxrstor_insn:
    fxrstor64 (%rdi)
    xor %eax, %eax
    uaccess_close_ret
uaccess_fx_fault:
    mov $1, %eax
    uaccess_close_ret
    .text
    "#,
    smap = sym SMAP_ENABLED,
    options(att_syntax)
);

/// The exception table: (faulting instruction, where to resume).
fn table() -> [(u64, u64); 8] {
    let a = |p: *const u8| p as u64;
    // SAFETY (for the address-of operations below): only the addresses of the labels are
    // taken, nothing is read.
    [
        (a(&raw const uaccess_copy_q), a(&raw const uaccess_copy_fault)),
        (a(&raw const uaccess_copy_b), a(&raw const uaccess_copy_fault)),
        (a(&raw const uaccess_zero_q), a(&raw const uaccess_copy_fault)),
        (a(&raw const uaccess_zero_b), a(&raw const uaccess_copy_fault)),
        (a(&raw const uaccess_strnlen_b), a(&raw const uaccess_strnlen_fault)),
        (a(&raw const uaccess_strnlen_q), a(&raw const uaccess_strnlen_fault)),
        (a(&raw const uaccess_fxsave_insn), a(&raw const uaccess_fx_fault)),
        (a(&raw const uaccess_fxrstor_insn), a(&raw const uaccess_fx_fault)),
    ]
}

/// Address of the last user access that faulted in a routine (see [`last_fault`]).
static FAULT_ADDRESS: AtomicU64 = AtomicU64::new(0);
/// Its page-fault error code.
static FAULT_ERROR: AtomicU64 = AtomicU64::new(0);

/// A user access that faulted: where, and whether it was a write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserFault {
    /// The address (CR2).
    pub address: u64,
    /// Whether the access was a write.
    pub write: bool,
}

/// The last user access that made a routine fail (valid right after the failure: one
/// CPU, and the kernel is not preempted between the copy and the look).
pub fn last_fault() -> UserFault {
    UserFault {
        address: FAULT_ADDRESS.load(Ordering::Relaxed),
        write: FAULT_ERROR.load(Ordering::Relaxed) & page_fault::WRITE != 0,
    }
}

/// For a page fault taken in kernel mode at `frame`: if it happened at a user access of
/// one of the routines, notes it and redirects `frame` to the routine's fixup (the routine
/// then returns its failure value) and returns true; false for any other kernel fault.
pub fn fixup(frame: &mut TrapFrame) -> bool {
    let Some((_, fixup)) = table().into_iter().find(|&(insn, _)| insn == frame.rip) else {
        return false;
    };
    FAULT_ADDRESS.store(x86_64::registers::control::Cr2::read_raw(), Ordering::Relaxed);
    FAULT_ERROR.store(frame.error_code, Ordering::Relaxed);
    frame.rip = fixup;
    true
}

/// Copies `len` bytes between kernel and user memory; `false` if a user page could not be
/// accessed.
///
/// # Safety
/// The kernel side of the copy must be valid for `len` bytes; the user side must lie in the
/// user half (checked by the caller), where faults are handled.
pub unsafe fn copy(dst: *mut u8, src: *const u8, len: usize) -> bool {
    // SAFETY: the caller's guarantees; the routine only touches the two ranges.
    unsafe { uaccess_copy(dst, src, len) == 0 }
}

/// Stores `len` zero bytes at user address `dst` (`rep stosq`, no kernel source to copy
/// from); `false` if a user page could not be written.
///
/// # Safety
/// `dst..dst + len` must lie in the user half (checked by the caller).
pub unsafe fn zero(dst: *mut u8, len: usize) -> bool {
    // SAFETY: the caller's guarantees; the routine only stores to that range.
    unsafe { uaccess_zero(dst, len) == 0 }
}

/// Stores the current FPU/SSE registers (`fxsave`) at user address `dst`; `false` if a
/// user page could not be written. A signal frame takes them this way, one instruction
/// instead of a save into the kernel and a 512-byte copy.
///
/// # Safety
/// `dst..dst + 512` must lie in the user half (checked by the caller), 16-byte aligned.
pub unsafe fn fxsave(dst: *mut u8) -> bool {
    // SAFETY: the caller's guarantees; FXSAVE stores only to the 512 bytes at `dst`.
    unsafe { uaccess_fxsave(dst) == 0 }
}

/// Loads the FPU/SSE registers (`fxrstor`) from user address `src`; `false` if a user page
/// could not be read.
///
/// # Safety
/// `src..src + 512` must lie in the user half, 16-byte aligned, and its MXCSR (bytes
/// 24..28) must have no bit outside the CPU's MXCSR mask: `fxrstor` takes #GP otherwise,
/// which is not caught. The caller reads and checks it first; nothing can change the
/// memory in between (one CPU, and the kernel is not preempted).
pub unsafe fn fxrstor(src: *const u8) -> bool {
    // SAFETY: the caller's guarantees.
    unsafe { uaccess_fxrstor(src) == 0 }
}

/// The length of the NUL-terminated user string at `src`, looking at most `max` bytes:
/// `Some(n)` with `n < max` if it ends there, `Some(max)` if not, `None` if unreadable.
///
/// # Safety
/// `src..src + max` must lie in the user half (checked by the caller), `max > 0`.
pub unsafe fn strnlen(src: *const u8, max: usize) -> Option<usize> {
    // SAFETY: the caller's guarantees; the routine reads aligned words that never cross a
    // page boundary, so it reads no page beyond those of the range.
    let n = unsafe { uaccess_strnlen(src, max) };
    usize::try_from(n).ok()
}
