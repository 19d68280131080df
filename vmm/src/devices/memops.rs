//! The memory-operations device (`vmm_abi::memops`): zeroing and copying guest memory, and
//! filling it with random bytes from the host's kernel, at the host's speed on behalf of
//! the guest kernel, whose own instructions are emulated on this project's hosts.
//!
//! Every address in a request is checked through vm-memory (guest RAM only; a copy's two
//! ranges must not overlap); a bad request stops at the offending operation with a status
//! the kernel can report, and never touches memory outside the guest.

use vm_memory::{
    Address, ByteValued, Bytes, GuestAddress, GuestMemoryBackend, GuestMemoryMmap,
    GuestMemoryRegion,
};
use vmm_abi::memops::{
    Header, MAX_OPS, MEMOPS_MAGIC, MemOp, OP_COPY, OP_RANDOM, OP_ZERO, STATUS_BAD_COUNT,
    STATUS_BAD_OP, STATUS_BAD_RANGE, STATUS_OK,
};

use super::{BusDevice, DeviceAction};

/// Wrappers so the request page's structs can be read from guest memory.
#[derive(Clone, Copy, Default)]
#[repr(transparent)]
struct RawHeader(Header);
// SAFETY: `Header` is `repr(C)` plain old data of u32 fields with no padding.
unsafe impl ByteValued for RawHeader {}

#[derive(Clone, Copy, Default)]
#[repr(transparent)]
struct RawOp(MemOp);
// SAFETY: `MemOp` is `repr(C)` plain old data: two u32 then three u64, no padding.
unsafe impl ByteValued for RawOp {}

/// The device: it needs the guest's memory.
pub struct MemOps {
    memory: GuestMemoryMmap,
}

impl MemOps {
    /// A device operating on `memory`.
    pub fn new(memory: GuestMemoryMmap) -> Self {
        MemOps { memory }
    }

    /// Runs the request whose page starts at `page`, writing back status and progress.
    pub fn handle(&self, page: GuestAddress) {
        let Ok(RawHeader(mut header)) = self.memory.read_obj::<RawHeader>(page) else { return };
        let (status, done) = self.run(page, header.count);
        header.status = status;
        header.done = done;
        // A page that stopped being readable in between cannot get an answer; the kernel
        // sees its own unchanged status.
        let _ = self.memory.write_obj(RawHeader(header), page);
    }

    fn run(&self, page: GuestAddress, count: u32) -> (u32, u32) {
        if count as usize > MAX_OPS {
            return (STATUS_BAD_COUNT, 0);
        }
        for i in 0..count {
            let at = page.unchecked_add(16 + 32 * u64::from(i));
            let Ok(RawOp(op)) = self.memory.read_obj::<RawOp>(at) else {
                return (STATUS_BAD_RANGE, i);
            };
            let result = match op.op {
                OP_ZERO => self.zero(op.dst, op.len),
                OP_COPY => self.copy(op.src, op.dst, op.len),
                OP_RANDOM => self.random(op.dst, op.len),
                _ => return (STATUS_BAD_OP, i),
            };
            if result.is_none() {
                return (STATUS_BAD_RANGE, i);
            }
        }
        (STATUS_OK, count)
    }

    /// Checks `[addr, addr + len)` is guest RAM.
    fn in_ram(&self, addr: u64, len: u64) -> bool {
        len == 0
            || addr.checked_add(len - 1).is_some_and(|last| {
                self.memory.check_range(GuestAddress(addr), len as usize) && last < u64::MAX
            })
    }

    /// Bytes from `addr` to the end of its memory region.
    fn region_rest(&self, addr: u64) -> Option<u64> {
        let region = self.memory.find_region(GuestAddress(addr))?;
        Some(region.start_addr().raw_value() + region.len() - addr)
    }

    /// Calls `f` with each piece of `[dst, dst + len)` that lies in one memory region (a
    /// pointer into this process's mapping of it and the piece's length); `None` if the
    /// range is not guest RAM or `f` fails.
    fn for_each_piece(
        &self,
        dst: u64,
        len: u64,
        mut f: impl FnMut(*mut u8, usize) -> Option<()>,
    ) -> Option<()> {
        if !self.in_ram(dst, len) {
            return None;
        }
        let (mut at, mut left) = (dst, len);
        while left > 0 {
            let chunk = left.min(self.region_rest(at)?);
            let slice = self.memory.get_slice(GuestAddress(at), chunk as usize).ok()?;
            let guard = slice.ptr_guard_mut();
            f(guard.as_ptr(), chunk as usize)?;
            at += chunk;
            left -= chunk;
        }
        Some(())
    }

    fn zero(&self, dst: u64, len: u64) -> Option<()> {
        self.for_each_piece(dst, len, |ptr, n| {
            // SAFETY: the piece is `n` bytes of guest RAM mapped in this process; the vCPU
            // is stopped in this exit, so nothing else writes them concurrently.
            unsafe { std::ptr::write_bytes(ptr, 0, n) };
            Some(())
        })
    }

    /// Fills `[dst, dst + len)` from the host's `getrandom(2)` (never blocks once the host's
    /// generator is seeded; fewer bytes per call than asked are asked for again).
    fn random(&self, dst: u64, len: u64) -> Option<()> {
        self.for_each_piece(dst, len, |ptr, n| {
            let mut done = 0usize;
            while done < n {
                // SAFETY: the piece is `n` bytes of guest RAM mapped in this process (the
                // vCPU is stopped in this exit); getrandom writes at most the length it
                // is given, from `done` on.
                let got = unsafe { libc::getrandom(ptr.add(done).cast(), n - done, 0) };
                match got {
                    got if got > 0 => done += got as usize,
                    _ if std::io::Error::last_os_error().kind()
                        == std::io::ErrorKind::Interrupted => {}
                    _ => return None,
                }
            }
            Some(())
        })
    }

    fn copy(&self, src: u64, dst: u64, len: u64) -> Option<()> {
        let overlap = src < dst.saturating_add(len) && dst < src.saturating_add(len);
        if (overlap && len > 0) || !self.in_ram(src, len) || !self.in_ram(dst, len) {
            return None;
        }
        let (mut from, mut to, mut left) = (src, dst, len);
        while left > 0 {
            let chunk = left.min(self.region_rest(from)?).min(self.region_rest(to)?);
            let s = self.memory.get_slice(GuestAddress(from), chunk as usize).ok()?;
            let d = self.memory.get_slice(GuestAddress(to), chunk as usize).ok()?;
            s.copy_to_volatile_slice(d);
            from += chunk;
            to += chunk;
            left -= chunk;
        }
        Some(())
    }
}

impl BusDevice for MemOps {
    fn read(&mut self, _offset: u64, data: &mut [u8]) {
        let magic = MEMOPS_MAGIC.to_le_bytes();
        for (i, b) in data.iter_mut().enumerate() {
            *b = magic.get(i).copied().unwrap_or(0xff);
        }
    }

    /// A 32-bit write at offset 0 carries the request page's frame number.
    fn write(&mut self, offset: u64, data: &[u8]) -> DeviceAction {
        if let (0, Ok(bytes)) = (offset, <[u8; 4]>::try_from(data)) {
            self.handle(GuestAddress(u64::from(u32::from_le_bytes(bytes)) << 12));
        }
        DeviceAction::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: u64 = 0x1000;

    fn setup() -> (MemOps, GuestMemoryMmap) {
        let mem = GuestMemoryMmap::from_ranges(&[
            (GuestAddress(0), 0x10_0000),
            (GuestAddress(0x20_0000), 0x10_0000),
        ])
        .unwrap();
        (MemOps::new(mem.clone()), mem)
    }

    fn request(mem: &GuestMemoryMmap, ops: &[MemOp]) {
        mem.write_obj(
            RawHeader(Header { count: ops.len() as u32, ..Default::default() }),
            GuestAddress(PAGE),
        )
        .unwrap();
        for (i, op) in ops.iter().enumerate() {
            mem.write_obj(RawOp(*op), GuestAddress(PAGE + 16 + 32 * i as u64)).unwrap();
        }
    }

    fn answer(mem: &GuestMemoryMmap) -> Header {
        mem.read_obj::<RawHeader>(GuestAddress(PAGE)).unwrap().0
    }

    #[test]
    fn zero_and_copy() {
        let (mut dev, mem) = setup();
        mem.write_slice(&[0xaa; 8192], GuestAddress(0x8000)).unwrap();
        mem.write_slice(b"hello world", GuestAddress(0x5000)).unwrap();
        request(
            &mem,
            &[
                MemOp { op: OP_ZERO, len: 4096, dst: 0x8000, ..Default::default() },
                MemOp { op: OP_COPY, len: 11, dst: 0x9003, src: 0x5000, ..Default::default() },
            ],
        );
        let mut port = [0u8; 4];
        dev.read(0, &mut port);
        assert_eq!(u32::from_le_bytes(port), MEMOPS_MAGIC);
        assert_eq!(dev.write(0, &1u32.to_le_bytes()), DeviceAction::None);
        assert_eq!(answer(&mem), Header { count: 2, status: STATUS_OK, done: 2, reserved: 0 });
        let mut buf = [0u8; 8192];
        mem.read_slice(&mut buf, GuestAddress(0x8000)).unwrap();
        assert!(buf[..4096].iter().all(|&b| b == 0));
        assert_eq!(&buf[4096..4099], &[0xaa; 3]);
        assert_eq!(&buf[4099..4110], b"hello world");
        assert_eq!(buf[4110], 0xaa);
    }

    #[test]
    fn random_fills_the_range_only() {
        let (mut dev, mem) = setup();
        mem.write_slice(&[0u8; 8192], GuestAddress(0x8000)).unwrap();
        request(&mem, &[MemOp { op: OP_RANDOM, len: 4000, dst: 0x8010, ..Default::default() }]);
        dev.write(0, &1u32.to_le_bytes());
        assert_eq!(answer(&mem).status, STATUS_OK);
        let mut buf = [0u8; 8192];
        mem.read_slice(&mut buf, GuestAddress(0x8000)).unwrap();
        assert!(buf[..0x10].iter().all(|&b| b == 0), "before the range");
        assert!(buf[0x10 + 4000..].iter().all(|&b| b == 0), "after the range");
        // 4000 random bytes are not all zero, nor (chance 2^-31000) mostly zero.
        let zeros = buf[0x10..0x10 + 4000].iter().filter(|&&b| b == 0).count();
        assert!(zeros < 100, "{zeros} zero bytes out of 4000");
        request(&mem, &[MemOp { op: OP_RANDOM, len: 16, dst: 0x1000_0000, ..Default::default() }]);
        dev.handle(GuestAddress(PAGE));
        assert_eq!(answer(&mem).status, STATUS_BAD_RANGE, "outside RAM");
    }

    #[test]
    fn bad_requests_stop_at_the_offending_op() {
        let (dev, mem) = setup();
        let cases = [
            (MemOp { op: 9, len: 1, dst: 0x8000, ..Default::default() }, STATUS_BAD_OP),
            (
                MemOp { op: OP_ZERO, len: 4096, dst: 0x10_0000 - 100, ..Default::default() },
                STATUS_BAD_RANGE,
            ),
            (
                MemOp { op: OP_ZERO, len: u64::MAX, dst: 0x8000, ..Default::default() },
                STATUS_BAD_RANGE,
            ),
            (
                MemOp { op: OP_COPY, len: 100, dst: 0x8000, src: 0x8010, ..Default::default() },
                STATUS_BAD_RANGE,
            ),
            (
                MemOp {
                    op: OP_COPY,
                    len: 100,
                    dst: 0x8000,
                    src: 0x1_0000_0000,
                    ..Default::default()
                },
                STATUS_BAD_RANGE,
            ),
        ];
        for (bad, status) in cases {
            request(
                &mem,
                &[MemOp { op: OP_ZERO, len: 16, dst: 0x6000, ..Default::default() }, bad],
            );
            dev.handle(GuestAddress(PAGE));
            assert_eq!((answer(&mem).status, answer(&mem).done), (status, 1), "{bad:?}");
        }
        mem.write_obj(RawHeader(Header { count: 1000, ..Default::default() }), GuestAddress(PAGE))
            .unwrap();
        dev.handle(GuestAddress(PAGE));
        assert_eq!(answer(&mem).status, STATUS_BAD_COUNT);
        // A request page outside RAM is ignored without harm.
        dev.handle(GuestAddress(0x1000_0000));
    }

    #[test]
    fn copies_are_not_confused_by_region_boundaries() {
        let (dev, mem) = setup();
        // 0x10_0000..0x20_0000 is a hole between the two regions.
        request(
            &mem,
            &[MemOp {
                op: OP_COPY,
                len: 0x2000,
                dst: 0x20_0000,
                src: 0xf_f000,
                ..Default::default()
            }],
        );
        dev.handle(GuestAddress(PAGE));
        assert_eq!(answer(&mem).status, STATUS_BAD_RANGE);
        mem.write_slice(&[7u8; 0x2000], GuestAddress(0x8000)).unwrap();
        request(
            &mem,
            &[MemOp {
                op: OP_COPY,
                len: 0x2000,
                dst: 0x2f_f000 - 0x1000,
                src: 0x8000,
                ..Default::default()
            }],
        );
        dev.handle(GuestAddress(PAGE));
        assert_eq!(answer(&mem).status, STATUS_OK);
        let mut buf = [0u8; 0x2000];
        mem.read_slice(&mut buf, GuestAddress(0x2f_e000)).unwrap();
        assert!(buf.iter().all(|&b| b == 7));
    }
}
