//! Fuzzes the virtio-blk request parser and device with arbitrary descriptor chains.
//!
//! Input layout (missing bytes read as zero):
//!
//! ```text
//! [0]      queue size = 1 << (b % 5)  (1..=16)
//! [1]      bit 0: event-idx, bit 1: read-only disk
//! [2..4]   avail.idx (le16); used_event
//! [4..36]  avail.ring: 16 heads (le16)
//! [36..292] descriptor table: 16 x { le64 addr, le32 len, le16 flags, le16 next }
//!          flags bit 15 set: addr used as is; else bit 13 set: addr modulo guest RAM + 256
//!          (anywhere in or just past RAM); else addr lands in the payload window
//!          (0x4000 + addr % 16 KiB), where headers and indirect tables are likely.
//!          Bit 14 clear: len modulo 16 KiB. Bits 13..15 are cleared before use.
//! [292..]  bytes copied to guest RAM at 0x4000 (headers, data, indirect tables)
//! ```

#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use virtio_queue::{Queue, QueueOwnedT, QueueT};
use vm_memory::{Bytes, GuestAddress, GuestMemoryBackend, GuestMemoryMmap};
use vmm::devices::virtio::block::request::{self, Limits, RequestType};
use vmm::devices::virtio::block::{Block, DiskFile, SECTOR_SIZE, SEG_MAX, SIZE_MAX};
use vmm::devices::virtio::{Interrupt, VirtioDevice};
use vmm_sys_util::eventfd::{EFD_NONBLOCK, EventFd};

const MEM_SIZE: u64 = 256 << 10;
const DISK_SIZE: u64 = 64 << 10;
const DESC_TABLE: u64 = 0;
const AVAIL: u64 = 0x1000;
const USED: u64 = 0x2000;
const PAYLOAD: u64 = 0x4000;

/// A 64 KiB memfd standing in for the disk image, opened by path like a real one.
fn disk_path() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        // SAFETY: memfd_create with a NUL-terminated name; the fd is leaked on purpose.
        let fd = unsafe { libc::memfd_create(c"fuzz-disk".as_ptr(), 0) };
        assert!(fd >= 0);
        // SAFETY: ftruncate on the fd just created.
        assert_eq!(unsafe { libc::ftruncate(fd, DISK_SIZE as libc::off_t) }, 0);
        format!("/proc/self/fd/{fd}")
    })
}

#[path = "bytes.rs"]
mod bytes;
#[allow(unused_imports, reason = "each target uses the readers it needs")]
use bytes::{byte, le16, le32, le64};

fn queue(size: u16, event_idx: bool) -> Queue {
    let mut q = Queue::new(size).unwrap();
    q.set_size(size);
    q.try_set_desc_table_address(GuestAddress(DESC_TABLE)).unwrap();
    q.try_set_avail_ring_address(GuestAddress(AVAIL)).unwrap();
    q.try_set_used_ring_address(GuestAddress(USED)).unwrap();
    q.set_event_idx(event_idx);
    q.set_ready(true);
    q
}

fuzz_target!(|data: &[u8]| {
    let size = 1u16 << (byte(data, 0) % 5);
    let event_idx = byte(data, 1) & 1 != 0;
    let read_only = byte(data, 1) & 2 != 0;
    let avail_idx = le16(data, 2);

    let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), MEM_SIZE as usize)]).unwrap();
    // The available ring: flags 0, idx, ring, used_event.
    mem.write_obj(avail_idx, GuestAddress(AVAIL + 2)).unwrap();
    for i in 0..u64::from(size) {
        mem.write_obj(le16(data, 4 + 2 * i as usize), GuestAddress(AVAIL + 4 + 2 * i)).unwrap();
    }
    mem.write_obj(avail_idx, GuestAddress(AVAIL + 4 + 2 * u64::from(size))).unwrap();
    for i in 0..usize::from(size) {
        let at = 36 + 16 * i;
        let flags = le16(data, at + 12);
        let mut addr = le64(data, at);
        let mut len = le32(data, at + 8);
        if flags & 0x8000 == 0 {
            addr =
                if flags & 0x2000 != 0 { addr % (MEM_SIZE + 256) } else { PAYLOAD + addr % 0x4000 };
        }
        if flags & 0x4000 == 0 {
            len %= 16 << 10;
        }
        let desc = GuestAddress(DESC_TABLE + 16 * i as u64);
        mem.write_obj(addr, desc).unwrap();
        mem.write_obj(len, GuestAddress(desc.0 + 8)).unwrap();
        mem.write_obj(flags & 0x1fff, GuestAddress(desc.0 + 12)).unwrap();
        mem.write_obj(le16(data, at + 14), GuestAddress(desc.0 + 14)).unwrap();
    }
    if let Some(payload) = data.get(292..) {
        let n = payload.len().min((MEM_SIZE - PAYLOAD) as usize);
        mem.write_slice(&payload[..n], GuestAddress(PAYLOAD)).unwrap();
    }

    // 1. The parser on every published chain, through a scratch queue.
    let limits = Limits { seg_max: SEG_MAX, size_max: SIZE_MAX, capacity: DISK_SIZE / SECTOR_SIZE };
    let mut scratch = queue(size, event_idx);
    if let Ok(chains) = scratch.iter(&mem) {
        for chain in chains {
            match request::parse(chain, &mem, &limits) {
                Ok(req) => {
                    assert!(mem.check_range(req.status_addr, 1));
                    for s in &req.segments {
                        assert!(s.len <= SIZE_MAX);
                        assert!(s.len == 0 || mem.check_range(s.addr, s.len as usize));
                    }
                    assert_eq!(
                        req.data_len,
                        req.segments.iter().map(|s| u64::from(s.len)).sum::<u64>()
                    );
                    if matches!(req.request_type, RequestType::In | RequestType::Out) {
                        assert_eq!(req.data_len % SECTOR_SIZE, 0);
                        let end = req
                            .sector
                            .checked_mul(SECTOR_SIZE)
                            .and_then(|s| s.checked_add(req.data_len));
                        assert!(end.is_some_and(|end| end <= DISK_SIZE));
                    }
                    assert!(req.segments.len() <= SEG_MAX as usize);
                }
                Err(rejection) => {
                    if let Some(status) = rejection.status_addr {
                        assert!(mem.check_range(status, 1));
                    }
                }
            }
        }
    }

    // 2. The device on the real queue.
    let disk = DiskFile::open(std::path::Path::new(disk_path()), read_only).unwrap();
    let mut block = Block::new(disk).unwrap();
    let irq = Arc::new(Interrupt::new(EventFd::new(EFD_NONBLOCK).unwrap()));
    block.activate(mem.clone(), vec![queue(size, event_idx)], irq.clone()).unwrap();
    block.process_queue();
    let used_idx: u16 = mem.read_obj(GuestAddress(USED + 2)).unwrap();
    if avail_idx > size {
        assert!(irq.needs_reset());
    } else {
        assert!(irq.needs_reset() || used_idx == avail_idx);
        assert!(used_idx <= avail_idx);
    }
    for i in 0..u64::from(used_idx.min(size)) {
        let id: u32 = mem.read_obj(GuestAddress(USED + 4 + 8 * i)).unwrap();
        assert!(id < u32::from(size));
    }
    assert_eq!(std::fs::metadata(disk_path()).unwrap().len(), DISK_SIZE);
});
