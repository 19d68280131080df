//! The block layer: disks named `vda`, `vdb`, ... in discovery order (the vmm's `--disk`
//! order), each a virtio-blk device behind its own block cache.

mod cache;
mod disk;

pub use disk::{BLOCK_SIZE, Disk, IoError, SECTORS_PER_BLOCK};

use crate::drivers::virtio::blk::VirtioBlk;
use crate::mm::frame;
use alloc::boxed::Box;
use alloc::vec::Vec;
use spin::mutex::SpinMutex;

/// Most disks (`vda` to `vdz`).
const MAX_DISKS: usize = 26;
/// Cache size bounds, in blocks: at least 256 KiB, at most 16 MiB, else 1/16 of free
/// memory.
const CACHE_MIN_BLOCKS: usize = 64;
const CACHE_MAX_BLOCKS: usize = 4096;

/// The disks, in discovery order. Disks are never removed, so references are `'static`.
static DISKS: SpinMutex<Vec<&'static Disk>> = SpinMutex::new(Vec::new());

/// Adds the next disk (`vda` first); returns it, or `None` if there are 26 already or
/// memory is short.
pub fn register(driver: VirtioBlk) -> Option<&'static Disk> {
    let mut disks = DISKS.lock();
    if disks.len() >= MAX_DISKS {
        return None;
    }
    let free_blocks = (frame::free_bytes() / BLOCK_SIZE as u64 / 16) as usize;
    let cache_blocks = free_blocks.clamp(CACHE_MIN_BLOCKS, CACHE_MAX_BLOCKS);
    let disk = Disk::new(b'a' + disks.len() as u8, driver, cache_blocks)?;
    let disk: &'static Disk = Box::leak(Box::new(disk));
    disks.push(disk);
    Some(disk)
}

/// Disk number `index` (0 is `vda`); the first call brings the disks up.
pub fn disk(index: usize) -> Option<&'static Disk> {
    crate::drivers::virtio::ensure_disks();
    DISKS.lock().get(index).copied()
}
