//! The kernel console, with `print!`/`println!` macros.
//!
//! Until the virtio console is up (and if it breaks), output goes to the COM1 UART:
//! formatted into a line buffer on the stack and sent with one `rep outsb` per line, under
//! a spin lock so lines from different CPUs never interleave. Once the virtio console is
//! up, `println!` lines go to its port 1 (the vmm's stderr), formatted straight into DMA
//! memory (`drivers::virtio::console`). The panic and fault paths use
//! [`emergency_println`], always on the UART and without the lock: they may run while a
//! lock is held, and they power the VM off right after.

mod serial;

use crate::drivers::virtio::console as virtio;
use core::fmt;

pub use serial::emergency_println;
#[allow(unused_imports, reason = "print! has no user yet")]
pub use serial::print_args;

/// Prints `args` and a newline (use the `println!` macro): on the virtio console once it
/// is up, else on the UART.
pub fn println_args(args: fmt::Arguments<'_>) {
    if virtio::is_up() && virtio::log_line(args) {
        return;
    }
    serial::println_args(args);
}

/// Prints to the console without a newline (one exit per call: prefer whole lines).
#[allow(unused_macros)]
macro_rules! print {
    ($($arg:tt)*) => {
        $crate::console::print_args(format_args!($($arg)*))
    };
}

/// Prints one line to the console (one VM exit for lines up to the buffer size).
macro_rules! println {
    ($($arg:tt)*) => {
        $crate::console::println_args(format_args!($($arg)*))
    };
}

#[allow(unused_imports)]
pub(crate) use {print, println};
