//! Memory shared with devices: physically contiguous, zeroed pages for virtqueues and the
//! buffers drivers own (request headers, control messages, log lines, input).
//!
//! Devices read and write guest-physical addresses; the kernel reaches the same memory
//! through the direct map. Regions come from fresh frames, which are zero without being
//! cleared (see `frame::alloc_zeroed`), and are kept for good: drivers live as long as
//! the kernel.

use crate::mm::{frame, layout};
use klib::memmap::PAGE_SIZE;

/// A physically contiguous, zero-initialized region shared with devices.
#[derive(Clone, Copy, Debug)]
pub struct DmaRegion {
    /// Guest-physical address (what descriptors carry).
    pub phys: u64,
    /// The kernel's address for it (direct map).
    pub virt: *mut u8,
    /// Length in bytes (whole pages).
    pub len: usize,
}

// SAFETY: a `DmaRegion` is an address range in the direct map, valid on every CPU; the
// drivers that own one serialize access to it (their locks).
unsafe impl Send for DmaRegion {}

impl DmaRegion {
    /// `pages` fresh pages, or `None` when memory is exhausted.
    pub fn new(pages: usize) -> Option<Self> {
        let phys = frame::alloc_kernel_contiguous(pages as u64)?;
        let len = pages * PAGE_SIZE as usize;
        let virt = layout::phys_to_virt(phys, len as u64)?;
        Some(Self { phys, virt, len })
    }

    /// The physical address of byte `offset`.
    pub fn phys_at(&self, offset: usize) -> u64 {
        debug_assert!(offset <= self.len);
        self.phys + offset as u64
    }

    /// The kernel's pointer to byte `offset`.
    pub fn at(&self, offset: usize) -> *mut u8 {
        debug_assert!(offset <= self.len);
        self.virt.wrapping_add(offset)
    }
}
