//! `contest=out:N`, `contest=echo` and `contest=split` (the contract is in
//! `klib::selftest_spec`).

use super::{Outcome, pass};
use crate::drivers::virtio::console::{self, Port};
use crate::mm::dma::DmaRegion;
use alloc::format;
use klib::selftest_spec::{CONSOLE_PERIOD, ConTest, fill_console_pattern};

/// Chunk sizes `out:N` cycles through: tiny to one whole period, so both the batching of
/// many small buffers and single large ones are exercised.
const CHUNKS: [usize; 14] =
    [1, 2, 3, 17, 255, 256, 1000, 4096, 4097, 8191, 16384, 30000, 64256, 100];

/// Runs the test.
pub fn run(test: ConTest) -> Outcome {
    if !console::is_up() {
        return Err("no virtio console".into());
    }
    let e = |what: &str, e: console::ConsoleError| format!("{what}: {e}");
    match test {
        ConTest::Out(n) => out(n).map_err(|err| e("output", err))?,
        ConTest::Echo => loop {
            let mut result = Ok(());
            let n = console::read_with(|data| result = console::write_all(Port::Console, data))
                .map_err(|err| e("input", err))?;
            result.map_err(|err| e("echo", err))?;
            if n == 0 {
                break;
            }
        },
        ConTest::Split => {
            console::write_all(Port::Console, b"to-stdout\n").map_err(|err| e("port 0", err))?;
            console::write_all(Port::Stderr, b"to-stderr\n").map_err(|err| e("port 1", err))?;
        }
    }
    pass()
}

/// Writes `n` pattern bytes to port 0. The pattern repeats every `CONSOLE_PERIOD` bytes, so
/// one period is generated and every chunk is a descriptor pointing into it: the kernel
/// neither generates nor copies the other `n - 64256` bytes.
fn out(n: u64) -> Result<(), console::ConsoleError> {
    if n == 0 {
        return Ok(());
    }
    let period = CONSOLE_PERIOD.min(n) as usize;
    // Fresh pages: zero already, and kept for good (the device may read them after this
    // returns), so no clearing and no copy.
    let region = DmaRegion::new(period.div_ceil(4096)).ok_or(console::ConsoleError::NoMemory)?;
    // SAFETY: the region is `period` bytes or more of fresh memory nobody else uses, kept
    // for good.
    let pattern: &'static mut [u8] =
        unsafe { core::slice::from_raw_parts_mut(region.virt, period) };
    fill_console_pattern(pattern);
    let pattern: &'static [u8] = pattern;
    let mut k: u64 = 0;
    let mut sizes = CHUNKS.iter().cycle();
    while k < n {
        let size = (*sizes.next().unwrap_or(&4096) as u64).min(n - k) as usize;
        let at = (k % CONSOLE_PERIOD) as usize;
        let first = size.min(period - at);
        console::write_static(Port::Console, &pattern[at..at + first])?;
        if first < size {
            console::write_static(Port::Console, &pattern[..size - first])?;
        }
        k += size as u64;
    }
    console::flush();
    Ok(())
}
