//! `blkbench=seqread:MIB`, `seqwrite:MIB`, `randread:COUNT` on `vda`, bypassing the block
//! cache: requests straight from one DMA buffer, whose bytes the kernel never touches.
//! Timed with the TSC; prints `blkbench: <mode> bytes=<n> ns=<total> p50_ns=<..>
//! p99_ns=<..>`.
//!
//! Random reads run at queue depth 1 and their percentiles are request latencies. The
//! sequential modes keep [`SEQ_DEPTH`] requests in flight (the device serves one while the
//! kernel submits the next), and their percentiles are the times between consecutive
//! completions (the time one 1 MiB request costs at that depth).

use super::Outcome;
use crate::block::{self, Disk};
use crate::drivers::virtio::blk::{BlkError, Op, SECTOR_SIZE, Segment, VirtioBlk};
use crate::mm::dma::DmaRegion;
use crate::time;
use alloc::format;
use alloc::vec::Vec;
use klib::selftest_spec::{BlkBench, XorShift, percentile};

/// Sequential request size.
const SEQ_BYTES: usize = 1 << 20;
/// Random read size.
const RAND_BYTES: usize = 4096;
/// Sequential requests in flight.
const SEQ_DEPTH: usize = 4;

/// Runs the benchmark; the result is its line.
pub fn run(bench: BlkBench) -> Outcome {
    let disk = block::disk(0).ok_or("no disk vda")?;
    if time::tsc_khz() == 0 {
        return Err("TSC frequency unknown (no kvm-clock)".into());
    }
    let (op, request, count, depth) = match bench {
        BlkBench::SeqRead(mib) => (Op::Read, SEQ_BYTES, mib, SEQ_DEPTH),
        BlkBench::SeqWrite(mib) => (Op::Write, SEQ_BYTES, mib, SEQ_DEPTH),
        BlkBench::RandRead(count) => (Op::Read, RAND_BYTES, count, 1),
    };
    let sectors = (request as u64) / SECTOR_SIZE;
    let slots = disk.capacity() / sectors;
    if slots == 0 {
        return Err(format!("vda has {} sectors, fewer than one request", disk.capacity()));
    }
    let buffer = DmaRegion::new(request / 4096).ok_or("no memory for the buffer")?;
    let segments = segments(disk, &buffer);
    let mut rng = XorShift::new(0x5eed);
    // Sequential requests wrap around a disk smaller than the run.
    let random = matches!(bench, BlkBench::RandRead(_));
    let mut sector_of = |i: u64| if random { rng.below(slots) } else { i % slots } * sectors;
    let mut times = Vec::with_capacity(count as usize + 1);
    let result = disk.with_driver(0, disk.blocks(), |driver| {
        run_requests(driver, op, count, depth, &segments, &mut sector_of, &mut times)
    });
    result.map_err(|(i, e)| format!("request {i}: {e}"))?;
    // `times[0]` is the start, `times[i]` the i-th completion.
    let total = time::ticks_to_ns(times[times.len() - 1] - times[0]);
    let mut gaps: Vec<u64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    gaps.sort_unstable();
    let p50 = time::ticks_to_ns(percentile(&gaps, 50));
    let p99 = time::ticks_to_ns(percentile(&gaps, 99));
    let bytes = count * request as u64;
    Ok(format!("{} bytes={bytes} ns={total} p50_ns={p50} p99_ns={p99}", bench.name()))
}

/// Issues `count` requests with up to `depth` in flight; records the start time and each
/// completion time in `times` (one TSC read per request).
fn run_requests(
    driver: &mut VirtioBlk,
    op: Op,
    count: u64,
    depth: usize,
    segments: &[Segment],
    sector_of: &mut impl FnMut(u64) -> u64,
    times: &mut Vec<u64>,
) -> Result<(), (u64, BlkError)> {
    let mut in_flight = [0usize; SEQ_DEPTH];
    let (mut submitted, mut completed) = (0u64, 0u64);
    times.push(time::now());
    while completed < count {
        while submitted < count && (submitted - completed) < depth as u64 {
            let slot =
                driver.submit(op, sector_of(submitted), segments).map_err(|e| (submitted, e))?;
            in_flight[submitted as usize % SEQ_DEPTH] = slot;
            submitted += 1;
        }
        let slot = in_flight[completed as usize % SEQ_DEPTH];
        driver.wait(slot).map_err(|e| (completed, e))?;
        times.push(time::now());
        completed += 1;
    }
    Ok(())
}

/// The buffer as segments within the device's limits.
fn segments(disk: &Disk, buffer: &DmaRegion) -> Vec<Segment> {
    let (size_max, _) = disk.limits();
    let step = (size_max as usize).min(buffer.len) & !(SECTOR_SIZE as usize - 1);
    (0..buffer.len)
        .step_by(step.max(SECTOR_SIZE as usize))
        .map(|at| Segment { phys: buffer.phys_at(at), len: (buffer.len - at).min(step) as u32 })
        .collect()
}
