//! Powering the VM off with an exit status through the `vmm_abi::EXIT_PORT` device (the
//! vmm's, or QEMU's `isa-debug-exit`).

use crate::arch::x86_64::{cpu, port};
use crate::report;
use vmm_abi::report::stamp;

/// Powers off with `status` (a normal shutdown, e.g. `exit=N`).
pub fn power_off(status: u8) -> ! {
    write_exit(u32::from(status))
}

/// Powers off reporting that the kernel itself failed with `status` (one of the
/// `vmm_abi::exit::STATUS_KERNEL_*` codes).
pub fn fail(status: u8) -> ! {
    write_exit(vmm_abi::exit::kernel_failure(status))
}

/// Stamps and publishes the boot report, then writes `value` to the exit port (one exit).
/// If no device answers, the CPU halts for good.
fn write_exit(value: u32) -> ! {
    report::stamp(stamp::POWER_OFF);
    report::publish();
    // SAFETY: the exit device stops the VM; if there is none, the write is ignored.
    unsafe { port::outl(vmm_abi::EXIT_PORT, value) };
    cpu::halt_forever()
}
