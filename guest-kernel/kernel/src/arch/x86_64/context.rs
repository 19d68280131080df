//! The one way into user mode and back: [`UserContext`] and [`enter_user`].
//!
//! A task's user registers live in its [`UserContext`], at the top of its kernel stack.
//! [`enter_user`] loads them and runs user code until the CPU comes back to the kernel,
//! then returns *why* ([`ReturnReason`]): a system call, an exception, or an interrupt.
//! Nothing in `arch` calls up into the kernel: the trap and SYSCALL entries save the user
//! registers into the context and return from `enter_user` (a `longjmp` to the kernel
//! stack pointer `enter_user` saved), and the caller decides what to do (Asterinas'
//! `UserMode::execute` has the same shape). Traps taken in kernel mode (interrupts in the
//! idle loop or a driver's wait, faults in the user-copy routines) never leave `arch`.
//!
//! On the project's hosts SYSCALL arrives as a page fault at the `LSTAR` address (their
//! hypervisor performs SYSCALL's register part but not the switch to ring 0,
//! docs/DESIGN.md section 6); [`enter_user`] decodes that into [`ReturnReason::Syscall`]
//! with the registers SYSCALL would have left (RIP from RCX, sanitized RFLAGS from R11), so
//! the kernel above sees one kind of system call on every platform.
//!
//! Cost on top of the register save and restore every entry needs: the six callee-saved
//! registers of the kernel side (pushed by `enter_user`, popped by the entry path) and the
//! decoding, about 25 emulated instructions per round trip.
//!
//! The FS and GS bases are part of the context but not saved on entry (user mode cannot
//! change them without the kernel: FSGSBASE is off). Their registers are loaded lazily:
//! `enter_user` writes them only after [`bases_changed`] (a task switch, or a setter), and
//! then only the ones that differ from what the registers hold, so a system call pays one
//! load and one branch for them.

use super::frame::TrapFrame;
pub use super::frame::page_fault;
use super::gdt::{USER_CS, USER_DS};
use super::percpu;
use super::syscall_entry::{self, SYSCALL_VECTOR};
use super::{cpu, irq};
use core::arch::global_asm;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// `IA32_FS_BASE` and `IA32_GS_BASE`.
const IA32_FS_BASE: u32 = 0xc000_0100;
const IA32_GS_BASE: u32 = 0xc000_0101;

/// RFLAGS a task starts user mode with: IF (interrupts on) and the always-one bit 1.
pub const USER_RFLAGS: u64 = 0x202;

/// RFLAGS bits user mode may set (CF, PF, AF, ZF, SF, TF, DF, OF, AC, ID); IF is forced
/// on, IOPL, NT, RF and VM off (what SYSRET would load from R11 after the kernel's
/// sanitizing).
const USER_FLAGS: u64 =
    0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x4_0000 | 0x20_0000;

/// End of the addresses a system call may return to: the canonical user half. `iretq` to a
/// non-canonical RIP would fault in the kernel, so a SYSCALL whose RCX is outside is
/// reported as the #GP Linux's return path would give the program.
const USER_RETURN_END: u64 = 0x0000_8000_0000_0000;

/// Vector numbers [`enter_user`] treats specially.
const VECTOR_NMI: u64 = 2;
const VECTOR_GP: u8 = 13;
const VECTOR_PF: u64 = 14;
const VECTOR_MC: u64 = 18;

/// The saved user registers of a task (or of a user-mode assist).
///
/// Layout: the FS/GS bases, the last fault address, the user time, a scratch slot for the
/// entry code, then the registers exactly as the entry
/// assembly pushes them, ending at the context's last byte: the kernel stack pointer for
/// entries from user mode (`TSS.RSP0`, the per-CPU stack top) is the end of the context
/// `enter_user` runs, so the CPU and the entry code write the registers straight into it.
#[repr(C, align(16))]
#[derive(Clone, Copy, Debug)]
pub struct UserContext {
    fs_base: u64,
    gs_base: u64,
    pub(super) fault_address: u64,
    /// TSC ticks spent in user mode with this context (CPU-time accounting: times(2),
    /// getrusage(2), the CPU-time clocks), counted by [`enter_user`].
    user_ticks: u64,
    /// Scratch space below the saved registers, never holding anything: after an entry
    /// from user mode has saved the registers, the trap path's `pushfq`/`popfq` (which
    /// clears RFLAGS.AC) writes the word just below them.
    _entry_scratch: [u64; 2],
    pub(super) regs: TrapFrame,
}

const _: () = assert!(size_of::<UserContext>().is_multiple_of(16));

/// Why user mode stopped: what [`enter_user`] returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReturnReason {
    /// A system call: number and arguments are in the context
    /// ([`UserContext::syscall_number`], [`UserContext::syscall_args`]).
    Syscall,
    /// A CPU exception raised by user code: its vector, error code and fault address are
    /// in the context ([`UserContext::exception`]).
    Exception,
    /// A device or timer interrupt (already acknowledged and noted in `irq::EVENTS`).
    Interrupt,
}

/// A CPU exception raised by user code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exception {
    /// The vector (0..32).
    pub vector: u8,
    /// The CPU's error code (0 for vectors without one).
    pub error_code: u64,
    /// For a page fault, the address accessed (CR2); 0 otherwise.
    pub address: u64,
}

impl UserContext {
    /// A context that starts user mode at `rip` with stack `rsp`, every other register zero
    /// (Linux `start_thread`; the System V ABI leaves them unspecified except RDX, which 0
    /// tells the program means "no exit handler to register"), FS and GS bases zero.
    pub const fn new(rip: u64, rsp: u64) -> Self {
        UserContext {
            fs_base: 0,
            gs_base: 0,
            fault_address: 0,
            user_ticks: 0,
            _entry_scratch: [0; 2],
            regs: TrapFrame {
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
                cs: USER_CS as u64,
                rflags: USER_RFLAGS,
                rsp,
                ss: USER_DS as u64,
            },
        }
    }

    /// Restarts this (running) context at `rip` with stack `rsp` and every register zero,
    /// for a new program: as [`UserContext::new`], but the GS base is kept (what the
    /// kernel did before contexts had it) and the FS register follows the cleared base.
    pub fn start(&mut self, rip: u64, rsp: u64) {
        let (gs, user_ticks) = (self.gs_base, self.user_ticks);
        *self = UserContext::new(rip, rsp);
        (self.gs_base, self.user_ticks) = (gs, user_ticks);
        self.set_fs_base(0);
    }

    /// TSC ticks this context has spent in user mode (exec keeps counting; a fork child's
    /// copy starts from [`UserContext::reset_user_ticks`]).
    pub fn user_ticks(&self) -> u64 {
        self.user_ticks
    }

    /// Starts the user-mode count from zero (a new process's copy of its parent's context).
    pub fn reset_user_ticks(&mut self) {
        self.user_ticks = 0;
    }

    /// Sets the first two argument registers of the System V calling convention (RDI,
    /// RSI), for a context that starts a routine (the user-mode assists).
    pub fn set_call_arguments(&mut self, a: u64, b: u64) {
        self.regs.rdi = a;
        self.regs.rsi = b;
    }

    /// The system-call number (RAX at entry; kept as Linux's `orig_ax` while the call runs).
    #[inline(always)]
    pub fn syscall_number(&self) -> u64 {
        self.regs.error_code
    }

    /// The six system-call arguments: RDI, RSI, RDX, R10, R8, R9 (the x86-64 Linux
    /// convention; R10 replaces the C convention's RCX, which SYSCALL overwrites).
    #[inline(always)]
    pub fn syscall_args(&self) -> [u64; 6] {
        let r = &self.regs;
        [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9]
    }

    /// The value the system call returns (RAX).
    #[inline(always)]
    pub fn return_value(&self) -> u64 {
        self.regs.rax
    }

    /// Sets the value the system call returns (RAX).
    #[inline(always)]
    pub fn set_return_value(&mut self, value: u64) {
        self.regs.rax = value;
    }

    /// Makes the system call run again when user mode resumes: RIP back onto the
    /// `syscall` instruction and RAX the number again (Linux's `-ERESTARTSYS` handling).
    #[inline(always)]
    pub fn restart_syscall(&mut self) {
        self.restart_syscall_as(self.regs.error_code);
    }

    /// Makes system call `nr` run when user mode resumes, in place of the one just made
    /// (Linux's `-ERESTART_RESTARTBLOCK` handling: `nr` is `restart_syscall`).
    #[inline(always)]
    pub fn restart_syscall_as(&mut self, nr: u64) {
        /// Length of the `syscall` instruction.
        const SYSCALL_INSN_LEN: u64 = 2;
        self.regs.rip -= SYSCALL_INSN_LEN;
        self.regs.rax = nr;
    }

    /// Where user mode resumes (RIP).
    #[inline(always)]
    pub fn instruction_pointer(&self) -> u64 {
        self.regs.rip
    }

    /// The user stack pointer (RSP).
    #[inline(always)]
    pub fn stack_pointer(&self) -> u64 {
        self.regs.rsp
    }

    /// Sets the user stack pointer.
    #[inline(always)]
    pub fn set_stack_pointer(&mut self, rsp: u64) {
        self.regs.rsp = rsp;
    }

    /// The exception that ended the last [`enter_user`] (after
    /// [`ReturnReason::Exception`]).
    pub fn exception(&self) -> Exception {
        Exception {
            vector: self.regs.vector as u8,
            error_code: self.regs.error_code,
            address: self.fault_address,
        }
    }

    /// The user RFLAGS.
    #[inline(always)]
    pub fn flags(&self) -> u64 {
        self.regs.rflags
    }

    /// The FS base (thread-local storage).
    pub fn fs_base(&self) -> u64 {
        self.fs_base
    }

    /// The GS base.
    pub fn gs_base(&self) -> u64 {
        self.gs_base
    }

    /// Sets the FS base (loaded into the register by the next [`enter_user`] with this
    /// context).
    pub fn set_fs_base(&mut self, base: u64) {
        self.fs_base = base;
        bases_changed();
    }

    /// Sets the GS base (loaded by the next [`enter_user`] with this context).
    pub fn set_gs_base(&mut self, base: u64) {
        self.gs_base = base;
        bases_changed();
    }

    /// Where the context ends: the kernel stack top entries from user mode use while it
    /// runs.
    fn end(&self) -> u64 {
        (self as *const Self as u64) + size_of::<Self>() as u64
    }

    /// The context that ends at the kernel stack top `top` (a task's).
    ///
    /// # Safety
    /// `top` must be the 16-byte aligned top of a kernel stack whose top
    /// `size_of::<UserContext>()` bytes hold a context that nothing else accesses for the
    /// returned lifetime.
    pub unsafe fn at_stack_top<'a>(top: u64) -> &'a mut UserContext {
        // SAFETY: the caller's guarantees.
        unsafe { &mut *((top as *mut UserContext).wrapping_sub(1)) }
    }
}

unsafe extern "C" {
    /// Saves the kernel's callee-saved registers and stack pointer, then restores `regs`
    /// and returns to user mode (`sysretq` when `sysret` is non-zero, else `iretq`). Returns
    /// when the next entry from user mode has saved the user registers into `regs`.
    fn user_mode(regs: *mut TrapFrame, sysret: u64);
}

/// The kernel stack pointer saved by `user_mode`, which the entries from user mode load to
/// return from it. One CPU: one slot.
#[unsafe(no_mangle)]
static mut USER_MODE_KERNEL_RSP: u64 = 0;

global_asm!(
    r#"
    .text
    .global user_mode
user_mode:
    push %rbp
    push %rbx
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, USER_MODE_KERNEL_RSP(%rip)
    mov %rdi, %rsp
    test %rsi, %rsi
    jz trap_return
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

    /* The way back, jumped to by the entries from user mode once the registers are
     * saved: restore the kernel side of `user_mode` and return from it. */
    .global user_mode_return
user_mode_return:
    mov USER_MODE_KERNEL_RSP(%rip), %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbx
    pop %rbp
    ret
    "#,
    options(att_syntax)
);

/// Runs user code with `ctx` until it enters the kernel; returns why, with `ctx` holding
/// the user registers at that point.
///
/// Interrupts taken from user mode are acknowledged here (`irq::handle`), a machine check
/// is reported as the fatal hardware error it is, and an NMI is ignored (the returned
/// reason is then `Interrupt`).
#[inline(always)]
pub fn enter_user(ctx: &mut UserContext) -> ReturnReason {
    if BASES_STALE.load(Ordering::Relaxed) {
        load_bases(ctx);
    }
    let end = ctx.end();
    if percpu::kernel_stack_top() != end {
        percpu::set_kernel_stack(end);
    }
    let regs = &mut ctx.regs;
    let sysret = regs.vector == SYSCALL_VECTOR && syscall_entry::can_sysret(regs);
    // User time: from just before user mode to just after it (two `rdtsc`s per entry; the
    // entry and exit instructions in between count as user time, as on Linux with
    // precise accounting).
    let entered = super::cpu::rdtsc();
    // SAFETY: `regs` is a user-mode context (ring 3 selectors, flags and RIP sanitized by
    // the accessors and the decoding below) ending at the kernel stack top the entries
    // use, so the next entry from user mode saves into it and returns here through
    // `user_mode_return`, with the callee-saved registers restored.
    unsafe { user_mode(regs, u64::from(sysret)) };
    ctx.user_ticks = ctx.user_ticks.wrapping_add(super::cpu::rdtsc().wrapping_sub(entered));
    decode(ctx)
}

/// Whether the FS/GS base registers may differ from the next context's.
static BASES_STALE: AtomicBool = AtomicBool::new(true);
/// What the FS_BASE register holds.
static LOADED_FS: AtomicU64 = AtomicU64::new(0);
/// What the GS_BASE register holds (the user's value: see `percpu`).
static LOADED_GS: AtomicU64 = AtomicU64::new(0);

/// Notes that the next [`enter_user`] must check the FS/GS base registers against its
/// context: the scheduler calls it when it switches tasks.
pub fn bases_changed() {
    BASES_STALE.store(true, Ordering::Relaxed);
}

/// Loads `ctx`'s FS and GS bases where the registers differ.
#[inline(never)]
fn load_bases(ctx: &UserContext) {
    BASES_STALE.store(false, Ordering::Relaxed);
    // SAFETY: FS_BASE only affects FS-relative user accesses (the kernel does not use FS);
    // GS_BASE holds the user's value whenever the kernel runs Rust code (see `percpu`).
    unsafe {
        if LOADED_FS.swap(ctx.fs_base, Ordering::Relaxed) != ctx.fs_base {
            cpu::wrmsr(IA32_FS_BASE, ctx.fs_base);
        }
        if LOADED_GS.swap(ctx.gs_base, Ordering::Relaxed) != ctx.gs_base {
            cpu::wrmsr(IA32_GS_BASE, ctx.gs_base);
        }
    }
}

/// Turns what the entry saved into a [`ReturnReason`] (small, so it comes back in a
/// register; the exception's details stay in the context).
#[inline(always)]
fn decode(ctx: &mut UserContext) -> ReturnReason {
    let r = &mut ctx.regs;
    if r.vector == VECTOR_PF && r.rip == syscall_entry::entry_address() {
        // SYSCALL delivered as a fetch fault at LSTAR: finish what SYSCALL did to the
        // registers (RCX = the next RIP, R11 = RFLAGS) as SYSRET would undo it. A user
        // jump to the entry point looks the same and is harmless: the registers are the
        // user's own, the return address is checked and the flags sanitized.
        r.rip = r.rcx;
        r.rflags = (r.r11 & USER_FLAGS) | USER_RFLAGS;
        r.error_code = r.rax;
        if r.rip >= USER_RETURN_END {
            r.vector = u64::from(VECTOR_GP);
            r.error_code = 0;
            return ReturnReason::Exception;
        }
        return ReturnReason::Syscall;
    }
    if r.vector == SYSCALL_VECTOR {
        r.error_code = r.rax;
        return ReturnReason::Syscall;
    }
    if r.vector >= 32 {
        irq::handle(r.vector as u8);
        return ReturnReason::Interrupt;
    }
    match r.vector {
        // An NMI arriving while user code runs is not the program's doing.
        VECTOR_NMI => ReturnReason::Interrupt,
        // Nor is a machine check: the machine is broken; report and stop.
        VECTOR_MC => super::exceptions::fatal(r),
        vector => {
            ctx.fault_address =
                if vector == VECTOR_PF { x86_64::registers::control::Cr2::read_raw() } else { 0 };
            ReturnReason::Exception
        }
    }
}
