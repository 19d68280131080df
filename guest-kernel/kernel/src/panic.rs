//! The panic handler: one line with the location and message, then power-off with
//! `STATUS_KERNEL_PANIC`; and the reporter of fatal CPU exceptions (`arch` formats the
//! line, [`report_fault`] prints it and powers off with `STATUS_KERNEL_FAULT`).

use crate::{console, power};
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};
use vmm_abi::exit::{STATUS_KERNEL_FAULT, STATUS_KERNEL_PANIC};

/// Set by the first panic; a panic while printing the first (or while powering off) goes
/// straight to power-off instead of recursing.
static PANICKING: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    if PANICKING.swap(true, Ordering::Relaxed) {
        power::fail(STATUS_KERNEL_PANIC);
    }
    power::drain_console_for_crash();
    match info.location() {
        Some(l) => console::emergency_println(format_args!(
            "KERNEL PANIC at {}:{}:{}: {}",
            l.file(),
            l.line(),
            l.column(),
            info.message()
        )),
        None => console::emergency_println(format_args!("KERNEL PANIC: {}", info.message())),
    }
    power::fail(STATUS_KERNEL_PANIC)
}

/// Prints `line` (a fatal CPU exception's report, formatted by `arch`) and powers the VM off
/// with `STATUS_KERNEL_FAULT`. Installed with `arch::x86_64::exceptions::set_reporter`.
pub fn report_fault(line: core::fmt::Arguments<'_>) -> ! {
    power::drain_console_for_crash();
    console::emergency_println(line);
    power::fail(STATUS_KERNEL_FAULT)
}
