//! The memory a read fills ([`ReadBuf`]) or a write drains ([`WriteBuf`]): a list of
//! guest-physical segments.
//!
//! Why physical: file data lives in page-cache frames, block-cache frames, pipe buffers
//! and device queues, all physical; user buffers are per-page frames. Moving bytes between
//! two physical ranges is one memops entry (`mm::memops`, done by the vmm at native speed),
//! or a DMA descriptor (console output posted from the user's own pages), never a loop of
//! emulated kernel instructions over the data. Short pieces (dirent records, termios) are
//! written by the kernel through the direct map.

use crate::mm::layout;
use crate::mm::memops::Batch;
use core::marker::PhantomData;

/// One guest-physical range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seg {
    /// First byte.
    pub phys: u64,
    /// Length in bytes.
    pub len: usize,
}

/// The segments behind a buffer: one (kernel memory) or the caller's list (user memory).
#[derive(Clone, Copy, Debug)]
enum Segs<'a> {
    One([Seg; 1]),
    Many(&'a [Seg]),
}

impl Segs<'_> {
    fn as_slice(&self) -> &[Seg] {
        match self {
            Segs::One(s) => s,
            Segs::Many(s) => s,
        }
    }

    /// The segments of a contiguous kernel range (heap, stack, statics: see
    /// `layout::virt_to_phys`); empty if the range is not physically contiguous.
    fn kernel(ptr: *const u8, len: usize) -> Self {
        let seg = match layout::virt_to_phys(ptr, len) {
            Some(phys) => Seg { phys, len },
            None => Seg { phys: 0, len: 0 },
        };
        Segs::One([seg])
    }

    fn total(&self) -> usize {
        self.as_slice().iter().map(|s| s.len).sum()
    }

    /// Calls `f(phys, offset, n)` for the pieces of bytes `at..at + len` of the buffer
    /// (`offset` counts from `at`); stops at the buffer's end.
    fn for_each(&self, at: usize, len: usize, mut f: impl FnMut(u64, usize, usize)) {
        let (mut skip, mut done) = (at, 0);
        for seg in self.as_slice() {
            if done == len {
                break;
            }
            if skip >= seg.len {
                skip -= seg.len;
                continue;
            }
            let n = (seg.len - skip).min(len - done);
            f(seg.phys + skip as u64, done, n);
            done += n;
            skip = 0;
        }
    }
}

/// The destination of a read: memory the fs writes into.
#[derive(Debug)]
pub struct ReadBuf<'a> {
    segs: Segs<'a>,
    len: usize,
    _mem: PhantomData<&'a mut [u8]>,
}

impl<'a> ReadBuf<'a> {
    /// A buffer made of physical segments (a user buffer, as core's `uaccess` builds it).
    ///
    /// # Safety
    /// Every segment must be guest RAM the caller may have overwritten (for user memory:
    /// present, writable, copy-on-write already broken), and must stay so, not used for
    /// anything else, until the call it is passed to returns (it may block).
    pub unsafe fn from_segments(segs: &'a [Seg]) -> Self {
        let segs = Segs::Many(segs);
        Self { len: segs.total(), segs, _mem: PhantomData }
    }

    /// A kernel buffer (heap, stack or static memory: physically contiguous).
    pub fn from_mut(buf: &'a mut [u8]) -> Self {
        let segs = Segs::kernel(buf.as_ptr(), buf.len());
        Self { len: segs.total(), segs, _mem: PhantomData }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffer holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Queues the copy of `len` bytes at physical `src` into the buffer at `at`.
    pub fn copy_from_phys(&mut self, batch: &mut Batch, at: usize, src: u64, len: usize) {
        self.segs.for_each(at, len, |dst, off, n| batch.copy(dst, src + off as u64, n as u64));
    }

    /// Queues zeroing `len` bytes of the buffer at `at`.
    pub fn zero(&mut self, batch: &mut Batch, at: usize, len: usize) {
        self.segs.for_each(at, len, |dst, _, n| batch.zero(dst, n as u64));
    }

    /// Writes `bytes` into the buffer at `at` with kernel stores (short data only).
    pub fn write_bytes(&mut self, at: usize, bytes: &[u8]) {
        self.segs.for_each(at, bytes.len(), |dst, off, n| {
            if let Some(p) = layout::phys_to_virt(dst, n as u64) {
                // SAFETY: the segment is memory the caller gave us to overwrite
                // (`from_segments` contract, or a `&mut` kernel slice), mapped at `p`.
                unsafe { core::ptr::copy_nonoverlapping(bytes[off..].as_ptr(), p, n) };
            }
        });
    }
}

/// The source of a write: memory the fs reads from.
#[derive(Debug)]
pub struct WriteBuf<'a> {
    segs: Segs<'a>,
    len: usize,
    _mem: PhantomData<&'a [u8]>,
}

impl<'a> WriteBuf<'a> {
    /// A buffer made of physical segments (a user buffer, as core's `uaccess` builds it).
    ///
    /// # Safety
    /// Every segment must be guest RAM, present and unchanged by others until the call it
    /// is passed to returns (it may block).
    pub unsafe fn from_segments(segs: &'a [Seg]) -> Self {
        let segs = Segs::Many(segs);
        Self { len: segs.total(), segs, _mem: PhantomData }
    }

    /// A kernel buffer (heap, stack or static memory: physically contiguous).
    pub fn from_slice(buf: &'a [u8]) -> Self {
        let segs = Segs::kernel(buf.as_ptr(), buf.len());
        Self { len: segs.total(), segs, _mem: PhantomData }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffer holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The segments (for DMA straight from the buffer).
    pub fn segments(&self) -> &[Seg] {
        self.segs.as_slice()
    }

    /// Queues the copy of `len` bytes of the buffer at `at` to physical `dst`.
    pub fn copy_to_phys(&self, batch: &mut Batch, at: usize, dst: u64, len: usize) {
        self.segs.for_each(at, len, |src, off, n| batch.copy(dst + off as u64, src, n as u64));
    }
}
