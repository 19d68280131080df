//! Self-tests and benchmarks asked for on the kernel command line (`blktest=`, `contest=`,
//! `blkbench=`; see `klib::selftest_spec`). Each prints one result line on the kernel console
//! (port 1 of the virtio console: the vmm's stderr) and powers off: status 0 when it
//! passed, 1 when it failed. The host integration tests are written against exactly that.
//! If several are given, the first of blktest, blkbench, contest runs.

mod blkbench;
mod blktest;
mod contest;

use crate::console::println;
use crate::power;
use alloc::string::String;

/// The result of a passed test.
fn pass() -> Outcome {
    Ok(String::from("PASS"))
}
use klib::options::BootOptions;

/// A test's outcome: `Ok` carries the result printed after `<name>: ` (`PASS`, or a
/// benchmark's figures), `Err` the reason printed after `FAIL`.
type Outcome = Result<String, String>;

/// Runs the self-test the options ask for, if any; it powers the VM off.
pub fn run(options: &BootOptions) {
    if let Some(test) = options.blktest {
        finish("blktest", blktest::run(test));
    }
    if let Some(bench) = options.blkbench {
        finish("blkbench", blkbench::run(bench));
    }
    if let Some(test) = options.contest {
        finish("contest", contest::run(test));
    }
}

/// Prints `<name>: <result>` or `<name>: FAIL <reason>` and powers off with 0 or 1.
fn finish(name: &str, outcome: Outcome) -> ! {
    match outcome {
        Ok(result) => {
            println!("{name}: {result}");
            power::power_off(0)
        }
        Err(reason) => {
            println!("{name}: FAIL {reason}");
            power::power_off(1)
        }
    }
}
