//! CPU exceptions taken in kernel mode (those from user mode are returned by
//! `context::enter_user`). Apart from page faults in the user-copy routines (`usercopy`),
//! every one is a kernel bug:
//! the handler prints one line with everything needed to find it, through the reporter the
//! kernel installs at boot ([`set_reporter`]), which powers the VM off with
//! `STATUS_KERNEL_FAULT`.
//!
//! The line: `KERNEL FAULT: #PF page fault (vector 14), error code 0x2, RIP 0x..., CR2 0x...`.
//! CR2 is always printed (it is only meaningful for #PF, and for a #DF caused by a stack
//! overflow, where it is the guard-page address the stack ran into).

use super::cpu;
use super::frame::TrapFrame;
use crate::mm::layout;
use core::sync::atomic::{AtomicPtr, Ordering};

/// Mnemonic and description of each architectural exception vector (Intel SDM vol. 3
/// table 6-1, AMD APM vol. 2 table 8-1).
const EXCEPTIONS: [(&str, &str); 32] = [
    ("#DE", "divide error"),
    ("#DB", "debug exception"),
    ("NMI", "non-maskable interrupt"),
    ("#BP", "breakpoint"),
    ("#OF", "overflow"),
    ("#BR", "bound range exceeded"),
    ("#UD", "invalid opcode"),
    ("#NM", "device not available"),
    ("#DF", "double fault"),
    ("#MP", "coprocessor segment overrun"),
    ("#TS", "invalid TSS"),
    ("#NP", "segment not present"),
    ("#SS", "stack-segment fault"),
    ("#GP", "general protection fault"),
    ("#PF", "page fault"),
    ("#15", "reserved exception"),
    ("#MF", "x87 floating-point error"),
    ("#AC", "alignment check"),
    ("#MC", "machine check"),
    ("#XM", "SIMD floating-point exception"),
    ("#VE", "virtualization exception"),
    ("#CP", "control protection exception"),
    ("#22", "reserved exception"),
    ("#23", "reserved exception"),
    ("#24", "reserved exception"),
    ("#25", "reserved exception"),
    ("#26", "reserved exception"),
    ("#27", "reserved exception"),
    ("#HV", "hypervisor injection exception"),
    ("#VC", "VMM communication exception"),
    ("#SX", "security exception"),
    ("#31", "reserved exception"),
];

/// Handles a CPU exception (vector < 32) taken in kernel mode: fatal unless it is a page
/// fault in a user-copy routine, which fails the copy (see `usercopy`).
pub fn handle(frame: &mut TrapFrame) {
    if frame.vector == 14 && super::usercopy::fixup(frame) {
        return;
    }
    fatal(frame);
}

/// Reports the exception in `frame` as fatal (a kernel bug, or a machine check) and powers
/// the VM off.
pub fn fatal(frame: &TrapFrame) -> ! {
    let (mnemonic, description) =
        EXCEPTIONS.get(frame.vector as usize).copied().unwrap_or(("IRQ", "unexpected interrupt"));
    let cr2 = x86_64::registers::control::Cr2::read_raw();
    let overflow = layout::stacks()
        .into_iter()
        .find(|s| (s.guard..s.guard + 4096).contains(&cr2))
        .map(|s| s.name)
        .or_else(|| crate::mm::kstack::is_guard(cr2).then_some("task"));
    let report = REPORTER.load(Ordering::Relaxed);
    // SAFETY: a non-null value was stored by `set_reporter` from a `Reporter`.
    let report: Option<Reporter> =
        (!report.is_null()).then(|| unsafe { core::mem::transmute::<*mut (), Reporter>(report) });
    let Some(report) = report else { cpu::halt_forever() };
    report(format_args!(
        "KERNEL FAULT: {mnemonic} {description} (vector {}), error code {:#x}, RIP {:#x}, CR2 {cr2:#x}{}{}{}",
        frame.vector,
        frame.error_code,
        frame.rip,
        if overflow.is_some() { " (" } else { "" },
        overflow.unwrap_or(""),
        if overflow.is_some() { " stack overflow)" } else { "" },
    ))
}

/// Prints the one-line report of a fatal exception and stops the machine: given by the
/// kernel at boot (it owns the console and the power-off device, which `arch` must not
/// name). Until then a fatal exception halts the CPU.
pub type Reporter = fn(core::fmt::Arguments<'_>) -> !;

/// The installed [`Reporter`] (null: none yet).
static REPORTER: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

/// Installs the fatal-exception reporter. Once, early at boot.
pub fn set_reporter(report: Reporter) {
    REPORTER.store(report as *mut (), Ordering::Relaxed);
}
