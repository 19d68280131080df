//! The panic handler: one line with the location and message, then power-off with
//! `STATUS_KERNEL_PANIC`.

use crate::{console, power};
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};
use vmm_abi::exit::STATUS_KERNEL_PANIC;

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
