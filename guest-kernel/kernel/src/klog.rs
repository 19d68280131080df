//! Kernel messages that only the `verbose` command-line parameter shows (the vmm's
//! `--verbose`): what a program's run looked like from the kernel (unknown system calls,
//! faults, exit statuses). The kernel is otherwise quiet, so a program's stderr holds
//! nothing but its own output; errors that stop the kernel are always printed.

use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};

static VERBOSE: AtomicBool = AtomicBool::new(false);

/// Turns verbose messages on or off (from the command line, at boot).
pub fn set_verbose(on: bool) {
    VERBOSE.store(on, Ordering::Relaxed);
}

/// Whether verbose messages are printed.
pub fn is_verbose() -> bool {
    VERBOSE.load(Ordering::Relaxed)
}

/// Prints `args` as a kernel log line when verbose (formatting costs nothing otherwise).
pub fn verbose(args: fmt::Arguments<'_>) {
    if is_verbose() {
        crate::console::println_args(args);
    }
}
