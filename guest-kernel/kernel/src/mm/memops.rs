//! The memops client: zeroing and copying guest-physical memory through the vmm's memops
//! device (`vmm_abi::memops`, docs/DESIGN.md section 3), one port write per batch of up to
//! 127 operations.
//!
//! Why: kernel instructions are emulated here (about 1 µs each, `rep movs` about 1 µs per
//! iteration), so copying a 4 KiB page in the kernel costs about 500 µs and the vmm does it
//! in well under one. Below [`CPU_THRESHOLD`] bytes the kernel copies itself: the exit and
//! the request cost more than a short copy.
//!
//! Use: `let mut b = Batch::new(); b.copy(dst, src, len); ... b.finish()?;` (a batch is
//! also flushed when full and when dropped). Every address is guest-physical RAM that the
//! caller owns for the duration of the batch. Under QEMU (no device: the port reads as all
//! ones) every operation is done by the kernel through the direct map.

use crate::arch::x86_64::port;
use crate::mm::dma::DmaRegion;
use crate::mm::layout;
use core::sync::atomic::{AtomicU8, Ordering};
use spin::mutex::{SpinMutex, SpinMutexGuard};
use vmm_abi::memops::{
    Header, MAX_OPS, MEMOPS_MAGIC, MEMOPS_PORT, MemOp, OP_COPY, OP_RANDOM, OP_ZERO, STATUS_OK,
};

/// Operations shorter than this are done by the kernel (about 8 bytes per emulated
/// instruction against an exit of several microseconds plus the request's bookkeeping).
pub const CPU_THRESHOLD: u64 = 128;

/// Why a batch failed: the vmm refused an operation (an address outside guest RAM or
/// overlapping copy ranges: a kernel bug).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemopsError {
    /// `vmm_abi::memops::STATUS_*`.
    pub status: u32,
    /// Index of the operation that failed.
    pub index: u32,
}

/// Device state: unknown, present, absent.
const UNKNOWN: u8 = 0;
const PRESENT: u8 = 1;
const ABSENT: u8 = 2;
static DEVICE: AtomicU8 = AtomicU8::new(UNKNOWN);

/// The request page, allocated on first use and kept.
static REQUEST: SpinMutex<Option<DmaRegion>> = SpinMutex::new(None);

/// Whether the vmm's memops device is there (probed once: one port read).
fn device_present() -> bool {
    match DEVICE.load(Ordering::Relaxed) {
        PRESENT => true,
        ABSENT => false,
        _ => {
            // SAFETY: a read of the memops port has no side effect (it returns the magic,
            // or all ones where no device answers).
            let present = unsafe { port::inl(MEMOPS_PORT) } == MEMOPS_MAGIC;
            DEVICE.store(if present { PRESENT } else { ABSENT }, Ordering::Relaxed);
            present
        }
    }
}

/// A batch of zero and copy operations, performed at the latest by [`Batch::finish`] or
/// when dropped. Holds the request page's lock: keep batches short and never wait for
/// anything while holding one.
pub struct Batch {
    page: Option<SpinMutexGuard<'static, Option<DmaRegion>>>,
    count: usize,
    error: Option<MemopsError>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        let mut page = None;
        if device_present() {
            let mut guard = REQUEST.lock();
            if guard.is_none() {
                *guard = DmaRegion::new(1);
            }
            if guard.is_some() {
                page = Some(guard);
            }
        }
        Self { page, count: 0, error: None }
    }

    /// Zeroes `len` bytes at physical `dst`.
    pub fn zero(&mut self, dst: u64, len: u64) {
        self.push(OP_ZERO, dst, 0, len);
    }

    /// Copies `len` bytes from physical `src` to physical `dst` (non-overlapping).
    pub fn copy(&mut self, dst: u64, src: u64, len: u64) {
        self.push(OP_COPY, dst, src, len);
    }

    /// Fills `len` bytes at physical `dst` with random bytes from the host, if the device
    /// is there; false (and nothing queued) otherwise: the caller makes the bytes itself.
    pub fn random(&mut self, dst: u64, len: u64) -> bool {
        if self.page.is_none() {
            return false;
        }
        self.queue(OP_RANDOM, dst, 0, len);
        true
    }

    fn push(&mut self, op: u32, dst: u64, src: u64, len: u64) {
        if len == 0 {
            return;
        }
        if self.page.as_deref().and_then(Option::as_ref).is_none() || len < CPU_THRESHOLD {
            cpu_op(op, dst, src, len);
            return;
        }
        self.queue(op, dst, src, len);
    }

    /// Queues `op` in the request page (which must exist), merged with the previous
    /// operation when it continues it.
    fn queue(&mut self, op: u32, dst: u64, src: u64, len: u64) {
        let Some(region) = self.page.as_deref().and_then(Option::as_ref) else { return };
        if len == 0 {
            return;
        }
        // Extend the previous operation when this one continues it (consecutive pages of
        // a buffer and of the page cache often are).
        if self.count > 0 {
            let at = size_of::<Header>() + (self.count - 1) * size_of::<MemOp>();
            let last = region.at(at).cast::<MemOp>();
            // SAFETY: entry `count - 1` was written by this batch (lock held), in the page.
            let prev = unsafe { last.read() };
            let follows =
                prev.dst + prev.len == dst && (op != OP_COPY || prev.src + prev.len == src);
            if prev.op == op && follows {
                // SAFETY: as above.
                unsafe { (&raw mut (*last).len).write(prev.len + len) };
                return;
            }
        }
        let entry = MemOp { op, reserved: 0, len, dst, src };
        let at = size_of::<Header>() + self.count * size_of::<MemOp>();
        // SAFETY: the request page is ours (its lock is held by this batch) and `count <
        // MAX_OPS`, so the entry lies inside the page; it is suitably aligned (16 + 32 k).
        unsafe { region.at(at).cast::<MemOp>().write(entry) };
        self.count += 1;
        if self.count == MAX_OPS {
            self.submit();
        }
    }

    /// Sends the queued operations to the vmm.
    fn submit(&mut self) {
        let Some(region) = self.page.as_deref().and_then(Option::as_ref) else { return };
        if self.count == 0 {
            return;
        }
        let header = region.at(0).cast::<Header>();
        // SAFETY: the request page is ours (lock held); the header is at its start.
        unsafe {
            header.write(Header { count: self.count as u32, status: 0, done: 0, reserved: 0 })
        };
        // SAFETY: the memops device performs the operations in the page, all on memory
        // this batch's callers own, and writes the header back before the write returns.
        unsafe { port::outl(MEMOPS_PORT, (region.phys >> 12) as u32) };
        // SAFETY: as above; the vmm finished with the page.
        let result = unsafe { header.read_volatile() };
        if result.status != STATUS_OK && self.error.is_none() {
            self.error = Some(MemopsError { status: result.status, index: result.done });
        }
        self.count = 0;
    }

    /// Performs everything queued; `Err` if the vmm refused an operation.
    pub fn finish(mut self) -> Result<(), MemopsError> {
        self.submit();
        self.error.take().map_or(Ok(()), Err)
    }
}

impl Default for Batch {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        self.submit();
    }
}

/// Does one operation with the kernel's own instructions, through the direct map.
fn cpu_op(op: u32, dst: u64, src: u64, len: u64) {
    let Some(d) = layout::phys_to_virt(dst, len) else { return };
    if op == OP_ZERO {
        // SAFETY: the caller owns `dst..dst + len` (batch contract), mapped at `d`.
        unsafe { d.write_bytes(0, len as usize) };
        return;
    }
    let Some(s) = layout::phys_to_virt(src, len) else { return };
    // SAFETY: the caller owns both ranges and they do not overlap (batch contract).
    unsafe { core::ptr::copy_nonoverlapping(s.cast_const(), d, len as usize) };
}
