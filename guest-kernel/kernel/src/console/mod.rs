//! The kernel console: the COM1 UART, with `print!`/`println!` macros.
//!
//! Output is formatted into a line buffer on the stack and sent with one `rep outsb` per
//! line (one VM exit), under a spin lock so lines from different CPUs never interleave.
//! The panic and fault paths use [`emergency_println`], which skips the lock: they may run
//! while the lock is held, and they power the VM off right after.

mod serial;

#[allow(unused_imports, reason = "print! has no user yet")]
pub use serial::print_args;
pub use serial::{emergency_println, println_args};

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
