//! The end of a process.
//!
//! With one process (PID 1) there is nobody to report to: the kernel powers the VM off
//! with the status a shell would report for it (exit code, or 128 + the signal; POSIX XCU
//! 2.8.2 "Exit Status for Commands"), which is what `vmm run` exits with. The
//! process-lifecycle issue adds zombies, parents and `wait`.

use super::current;
use crate::power;
use posix::process::status::ChildEvent;

/// Ends the current process with `event` (an exit or a death by signal). Does not return.
pub fn exit_process(event: ChildEvent) -> ! {
    let process = current::process();
    crate::klog::verbose(format_args!(
        "pid {} exits: status {}",
        process.pid,
        event.shell_status()
    ));
    // Descriptors are closed before the power-off so the console's output is complete
    // (pipes and files have nothing to flush: writes are synchronous).
    process.files.lock().close_all();
    power::power_off(event.shell_status())
}
