//! `blktest=rw` and `blktest=ro` on `vda` (the contract is in `klib::selftest_spec`).

use super::{Outcome, pass};
use crate::block::{self, BLOCK_SIZE, Disk, IoError, SECTORS_PER_BLOCK};
use crate::drivers::virtio::blk::{BlkError, Op, SECTOR_SIZE, Segment};
use crate::mm::dma::DmaRegion;
use alloc::format;
use alloc::string::String;
use klib::selftest_spec::{BlkTest, check_sector, fill_sector};

/// Blocks the read-write test writes: sectors 0..128, 64 KiB.
const TEST_BLOCKS: u64 = 16;

/// Runs the test.
pub fn run(test: BlkTest) -> Outcome {
    let disk = block::disk(0).ok_or("no disk vda")?;
    match test {
        BlkTest::ReadWrite => read_write(disk),
        BlkTest::ReadOnly => read_only(disk),
    }
}

/// Writes the `blktest=rw` pattern into one block's bytes.
fn fill(block: u64, data: &mut [u8]) {
    for (i, sector) in data.chunks_mut(SECTOR_SIZE as usize).enumerate() {
        fill_sector(block * SECTORS_PER_BLOCK + i as u64, sector);
    }
}

/// Whether one block's bytes hold the pattern.
fn check(block: u64, data: &[u8]) -> bool {
    data.len() == BLOCK_SIZE
        && data
            .chunks(SECTOR_SIZE as usize)
            .enumerate()
            .all(|(i, sector)| check_sector(block * SECTORS_PER_BLOCK + i as u64, sector))
}

fn read_write(disk: &Disk) -> Outcome {
    if disk.read_only() {
        return Err("vda is read-only".into());
    }
    if disk.capacity() < 2048 {
        return Err(format!("vda has {} sectors, the test needs 2048 (1 MiB)", disk.capacity()));
    }
    let io = |what: &str, e: IoError| format!("{what}: {e}");

    // (a) Sectors 0..128 in two shapes: one 32 KiB request, then 4, 8 and 20 KiB ones.
    let before = disk.stats();
    disk.write(0, 8, fill).map_err(|e| io("write of 32 KiB at sector 0", e))?;
    for (first, count) in [(8, 1), (9, 2), (11, 5)] {
        disk.write(first, count, fill).map_err(|e| io("write", e))?;
    }
    let requests = disk.stats().device_requests - before.device_requests;
    if requests != 4 {
        return Err(format!("the writes took {requests} device requests, expected 4"));
    }

    // (b) Make them durable.
    disk.flush().map_err(|e| io("flush", e))?;

    // (c) Read back from the device: drop the blocks the write-through cache kept first.
    disk.forget(0, TEST_BLOCKS);
    let before = disk.stats();
    let mut bad = None;
    disk.read(0, TEST_BLOCKS, |b, data| {
        if bad.is_none() && !check(b, data) {
            bad = Some(b);
        }
    })
    .map_err(|e| io("read-back", e))?;
    if let Some(b) = bad {
        return Err(format!("block {b} (sectors {}..) read back wrong", b * SECTORS_PER_BLOCK));
    }
    let after = disk.stats();
    if after.device_requests == before.device_requests {
        return Err("the read-back did not reach the device".into());
    }

    // (d) Again: the cache must serve it, with no device request.
    disk.read(0, TEST_BLOCKS, |b, data| {
        if bad.is_none() && !check(b, data) {
            bad = Some(b);
        }
    })
    .map_err(|e| io("cached read", e))?;
    if let Some(b) = bad {
        return Err(format!("cached block {b} wrong"));
    }
    let cached = disk.stats();
    if cached.device_requests != after.device_requests {
        let n = cached.device_requests - after.device_requests;
        return Err(format!("the second read made {n} device requests"));
    }
    if cached.cache_hits - after.cache_hits != TEST_BLOCKS {
        return Err(format!(
            "the second read hit the cache {} times",
            cached.cache_hits - after.cache_hits
        ));
    }

    // (e) Past the end: the block layer refuses, and the device itself answers IOERR.
    let end = disk.blocks();
    expect_failure("cached read past the end", disk.read(end, 1, |_, _| {}))?;
    expect_failure("cached write past the end", disk.write(end, 1, |_, _| {}))?;
    let buffer = DmaRegion::new(1).ok_or("no memory for a buffer")?;
    let sector = [Segment { phys: buffer.phys, len: SECTOR_SIZE as u32 }];
    let capacity = disk.capacity();
    expect_device_error("read at sector capacity", disk.raw(Op::Read, capacity, &sector))?;
    expect_device_error("write at sector capacity", disk.raw(Op::Write, capacity, &sector))?;
    pass()
}

fn read_only(disk: &Disk) -> Outcome {
    if !disk.read_only() {
        return Err("vda does not report VIRTIO_BLK_F_RO".into());
    }
    // The block layer refuses the write itself...
    match disk.write(0, 1, fill) {
        Err(IoError::ReadOnly) => {}
        other => {
            return Err(format!("write through the block layer: {other:?}, expected ReadOnly"));
        }
    }
    // ...and the device refuses it too when the layer is bypassed.
    let buffer = DmaRegion::new(1).ok_or("no memory for a buffer")?;
    let sector = [Segment { phys: buffer.phys, len: SECTOR_SIZE as u32 }];
    expect_device_error("raw write of sector 0", disk.raw(Op::Write, 0, &sector))?;
    disk.read(0, 1, |_, _| {}).map_err(|e| format!("read of sector 0: {e}"))?;
    pass()
}

/// `result` must be an error.
fn expect_failure<T>(what: &str, result: Result<T, IoError>) -> Result<(), String> {
    match result {
        Err(_) => Ok(()),
        Ok(_) => Err(format!("{what} succeeded")),
    }
}

/// `result` must be the device's IOERR.
fn expect_device_error<T>(what: &str, result: Result<T, IoError>) -> Result<(), String> {
    match result {
        Err(IoError::Device(BlkError::Io)) => Ok(()),
        Err(e) => Err(format!("{what}: {e}, expected the device's IOERR")),
        Ok(_) => Err(format!("{what} succeeded")),
    }
}
