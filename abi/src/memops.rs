//! The memory-operations device: zeroing and copying guest memory done by the vmm.
//!
//! On this project's hosts the guest kernel's own instructions are emulated (about 1 µs
//! each, see docs/DESIGN.md "Platform"), so zeroing a 4 KiB page in the kernel costs about
//! 450 µs and copying one about as much; the vmm does either in well under a microsecond.
//! The kernel therefore batches page zeroing, page copies (copy-on-write) and large copies
//! to and from user memory into one request page and hands it over with a single port
//! write. It also asks for random bytes this way (a ChaCha20 block costs it ~1,000
//! emulated instructions).
//!
//! Protocol: the kernel fills a 4 KiB request page (a [`Header`] followed by up to
//! [`MAX_OPS`] [`MemOp`] entries) and writes the page's frame number (its physical address
//! divided by 4096) as a 32-bit value to [`MEMOPS_PORT`]. The vmm performs the operations in order
//! before the write returns, then stores in `Header::done` how many it completed and in
//! `Header::status` [`STATUS_OK`] or the reason it stopped. A 32-bit read of the port
//! returns [`MEMOPS_MAGIC`] when the device exists (QEMU returns all ones: the kernel then
//! does the work itself).

/// The device's I/O port (4 bytes wide).
pub const MEMOPS_PORT: u16 = 0xf8;

/// What a 32-bit read of [`MEMOPS_PORT`] returns when the device is present: "MEMO".
pub const MEMOPS_MAGIC: u32 = u32::from_le_bytes(*b"MEMO");

/// Fill `len` bytes at `dst` with zeros (`src` is ignored).
pub const OP_ZERO: u32 = 1;
/// Copy `len` bytes from `src` to `dst` (ranges must not overlap).
pub const OP_COPY: u32 = 2;
/// Fill `len` bytes at `dst` with random bytes from the host's kernel generator
/// (`getrandom(2)`; `src` is ignored). For the guest's `getrandom`, whose own generator
/// costs about 16 emulated instructions per byte on these hosts.
pub const OP_RANDOM: u32 = 3;

/// All operations were done.
pub const STATUS_OK: u32 = 0;
/// An operation had an unknown code; `done` is its index.
pub const STATUS_BAD_OP: u32 = 1;
/// An operation's range is not guest RAM (or overlaps, for a copy); `done` is its index.
pub const STATUS_BAD_RANGE: u32 = 2;
/// The header's `count` is larger than [`MAX_OPS`]; nothing was done.
pub const STATUS_BAD_COUNT: u32 = 3;

/// The request page's header.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// Number of operations that follow.
    pub count: u32,
    /// Written by the vmm: one of the `STATUS_*` values.
    pub status: u32,
    /// Written by the vmm: how many operations were completed.
    pub done: u32,
    /// Reserved, zero.
    pub reserved: u32,
}

/// One operation; addresses are guest-physical.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemOp {
    /// [`OP_ZERO`], [`OP_COPY`] or [`OP_RANDOM`].
    pub op: u32,
    /// Reserved, zero.
    pub reserved: u32,
    /// Number of bytes.
    pub len: u64,
    /// Destination address.
    pub dst: u64,
    /// Source address (copies only).
    pub src: u64,
}

/// How many operations fit in one request page after the header.
pub const MAX_OPS: usize = (4096 - core::mem::size_of::<Header>()) / core::mem::size_of::<MemOp>();

const _: () = assert!(core::mem::size_of::<Header>() == 16);
const _: () = assert!(core::mem::size_of::<MemOp>() == 32);
const _: () = assert!(MAX_OPS == 127);
