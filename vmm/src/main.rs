//! The `vmm` command: parse the command line, run the VM, exit with the guest's status.

use std::process::ExitCode;
use std::time::Instant;

use vmm_abi::exit::ExitRequest;

fn main() -> ExitCode {
    let started = Instant::now();
    let config = match vmm::cli::parse(std::env::args_os()) {
        Ok(config) => config,
        Err(exit) => return exit.print(),
    };
    match vmm::run(&config) {
        Ok(outcome) => {
            if let ExitRequest::KernelFailure(status) = outcome.request {
                eprintln!("vmm: the guest kernel failed (exit status {status})");
            }
            if let Some(timings) = &outcome.timings {
                eprint!("{}", timings.render(started.elapsed()));
            }
            // Exits now; the VM in `outcome` is torn down by a reaper afterwards.
            vmm::fast_exit::exit(outcome.status())
        }
        Err(e) => {
            eprintln!("vmm: error: {e}");
            ExitCode::from(e.exit_status())
        }
    }
}
