//! Powering the VM off with an exit status through the `vmm_abi::EXIT_PORT` device (the
//! vmm's, or QEMU's `isa-debug-exit`).

use crate::arch::x86_64::{cpu, port};
use crate::drivers::virtio::console as virtio_console;
use crate::report;
use vmm_abi::report::stamp;

/// How long the crash path waits for the virtio console to drain, in TSC ticks (about
/// 50 ms at 2-3 GHz; a fixed count, as the frequency may be unknown).
const CRASH_FLUSH_TICKS: u64 = 150_000_000;

/// Powers off with `status` (a normal shutdown, e.g. `exit=N`), once the virtio console
/// has written everything queued: the vmm stops at the exit-port write, so output still in
/// a ring would be lost.
pub fn power_off(status: u8) -> ! {
    virtio_console::flush();
    write_exit(u32::from(status))
}

/// Powers off reporting that the kernel itself failed with `status` (one of the
/// `vmm_abi::exit::STATUS_KERNEL_*` codes).
pub fn fail(status: u8) -> ! {
    write_exit(vmm_abi::exit::kernel_failure(status))
}

/// Before a crash report: lets the virtio console drain what it has queued (polling, for a
/// bounded time), so the report line on the UART comes after the log lines before it.
pub fn drain_console_for_crash() {
    virtio_console::flush_for_crash(CRASH_FLUSH_TICKS);
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
