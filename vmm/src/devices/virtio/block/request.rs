//! Turns a descriptor chain into a validated virtio-blk request, or says precisely what is
//! wrong with it (virtio 1.2, 5.2.6).
//!
//! The framing this device accepts is the one every driver uses (Linux, virtio-drivers):
//!
//! ```text
//! [0]       header   device-readable, exactly 16 bytes: le32 type, le32 reserved, le64 sector
//! [1..n-1]  data     IN and GET_ID: device-writable; OUT: device-readable; FLUSH: none
//! [n-1]     status   device-writable, at least 1 byte; the status is its *last* byte
//! ```
//!
//! Everything is checked before any byte moves: every descriptor lies in guest RAM, the
//! directions, the lengths, the segment count (`seg_max`) and size (`size_max`), the sector
//! range against the disk's capacity. A rejected request either has a usable status byte
//! (the device writes VIRTIO_BLK_S_IOERR there and returns the chain), or it does not (a
//! broken chain, or no writable status descriptor), and then the device cannot complete it
//! at all and marks itself DEVICE_NEEDS_RESET.

use virtio_bindings::virtio_blk::{
    VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT,
};
use virtio_queue::DescriptorChain;
use vm_memory::{Address, Bytes, GuestAddress, GuestMemoryBackend, GuestMemoryMmap};

use super::SECTOR_SIZE;
use crate::devices::virtio::queue::{BrokenChain, walk_chain};

/// The size of `struct virtio_blk_outhdr`.
pub const HEADER_LEN: u32 = 16;

/// What the driver asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestType {
    /// VIRTIO_BLK_T_IN: read sectors into the data buffers.
    In,
    /// VIRTIO_BLK_T_OUT: write the data buffers to sectors.
    Out,
    /// VIRTIO_BLK_T_FLUSH: make earlier writes durable.
    Flush,
    /// VIRTIO_BLK_T_GET_ID: the device's serial.
    GetId,
    /// Any other type: answered VIRTIO_BLK_S_UNSUPP.
    Unsupported(u32),
}

impl From<u32> for RequestType {
    fn from(raw: u32) -> Self {
        match raw {
            VIRTIO_BLK_T_IN => RequestType::In,
            VIRTIO_BLK_T_OUT => RequestType::Out,
            VIRTIO_BLK_T_FLUSH => RequestType::Flush,
            VIRTIO_BLK_T_GET_ID => RequestType::GetId,
            other => RequestType::Unsupported(other),
        }
    }
}

/// One data buffer of a request, known to lie in guest RAM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Guest-physical start.
    pub addr: GuestAddress,
    /// Length in bytes.
    pub len: u32,
}

/// A request that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// What to do.
    pub request_type: RequestType,
    /// First sector (IN/OUT).
    pub sector: u64,
    /// The data buffers in order (empty for FLUSH and unsupported types).
    pub segments: Vec<Segment>,
    /// Their total length; for IN/OUT a multiple of 512 that fits the disk.
    pub data_len: u64,
    /// Where the status byte goes.
    pub status_addr: GuestAddress,
}

/// The device's limits a request is checked against.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The most data segments one request may have (config `seg_max`).
    pub seg_max: u32,
    /// The largest one data segment may be (config `size_max`).
    pub size_max: u32,
    /// Disk size in 512-byte sectors.
    pub capacity: u64,
}

/// What is wrong with a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The chain is empty, loops, or links outside its table.
    #[error(transparent)]
    BrokenChain(#[from] BrokenChain),
    /// One descriptor cannot carry both a header and a status.
    #[error("chain has a single descriptor; a request needs a header and a status")]
    TooShort,
    /// The last descriptor is device-readable.
    #[error("status descriptor is not device-writable")]
    StatusNotWritable,
    /// The last descriptor has length 0.
    #[error("status descriptor is empty")]
    StatusEmpty,
    /// The last descriptor is not (entirely) guest RAM.
    #[error("status descriptor {addr:#x}+{len:#x} is outside guest memory")]
    StatusOutOfMemory {
        /// Guest address.
        addr: u64,
        /// Length.
        len: u32,
    },
    /// More data segments than `seg_max`.
    #[error("request has {count} data segments, more than seg_max {max}")]
    TooManySegments {
        /// Data segments in the chain.
        count: usize,
        /// The limit.
        max: u32,
    },
    /// The first descriptor is device-writable.
    #[error("request header is device-writable")]
    HeaderWritable,
    /// The first descriptor is not 16 bytes.
    #[error("request header is {0} bytes, not 16")]
    HeaderLength(u32),
    /// The first descriptor is not guest RAM.
    #[error("request header at {0:#x} is outside guest memory")]
    HeaderOutOfMemory(u64),
    /// A data descriptor goes the wrong way for the request type.
    #[error("data segment {index} is device-{found}, the request needs device-{wanted}")]
    DataDirection {
        /// Position among the data segments.
        index: usize,
        /// "readable" or "writable".
        found: &'static str,
        /// "readable" or "writable".
        wanted: &'static str,
    },
    /// A data descriptor is not (entirely) guest RAM.
    #[error("data segment {addr:#x}+{len:#x} is outside guest memory")]
    DataOutOfMemory {
        /// Guest address.
        addr: u64,
        /// Length.
        len: u32,
    },
    /// A data descriptor is larger than `size_max`.
    #[error("data segment of {len} bytes exceeds size_max {max}")]
    SegmentTooLarge {
        /// Its length.
        len: u32,
        /// The limit.
        max: u32,
    },
    /// IN/OUT data that is not whole sectors.
    #[error("data length {0} is not a multiple of 512")]
    NotSectorMultiple(u64),
    /// FLUSH with data buffers.
    #[error("flush request carries {0} data segments")]
    FlushWithData(usize),
    /// IN/OUT beyond the end of the disk.
    #[error("sectors {sector}+{sectors} are beyond the disk's {capacity} sectors")]
    OutOfRange {
        /// First sector.
        sector: u64,
        /// Sector count.
        sectors: u64,
        /// Disk size in sectors.
        capacity: u64,
    },
}

/// A chain the device refuses, with where to report it if it can.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// What is wrong.
    pub error: RequestError,
    /// The status byte to write VIRTIO_BLK_S_IOERR to, if the chain has a usable one;
    /// `None` means the chain cannot be completed and the device needs a reset.
    pub status_addr: Option<GuestAddress>,
}

/// A descriptor as the parser keeps it.
#[derive(Clone, Copy)]
struct Raw {
    addr: u64,
    len: u32,
    writable: bool,
}

/// Parses and validates `chain` against `limits`.
pub fn parse(
    chain: DescriptorChain<&GuestMemoryMmap>,
    mem: &GuestMemoryMmap,
    limits: &Limits,
) -> Result<Request, Rejection> {
    let fatal = |error| Rejection { error, status_addr: None };

    // Collect at most seg_max + 2 descriptors, but walk to the end to find the status.
    let keep = limits.seg_max as usize + 2;
    let mut descs: Vec<Raw> = Vec::with_capacity(keep.min(8));
    let mut last = None;
    let count = walk_chain(chain, |d| {
        let raw = Raw { addr: d.addr().0, len: d.len(), writable: d.is_write_only() };
        if descs.len() < keep {
            descs.push(raw);
        }
        last = Some(raw);
    })
    .map_err(|e| fatal(e.into()))?;
    let Some(status) = last.filter(|_| count >= 2) else {
        return Err(fatal(RequestError::TooShort));
    };

    // The status byte: the last byte of the last descriptor.
    if !status.writable {
        return Err(fatal(RequestError::StatusNotWritable));
    }
    if status.len == 0 {
        return Err(fatal(RequestError::StatusEmpty));
    }
    let status_addr = GuestAddress(status.addr)
        .checked_add(u64::from(status.len) - 1)
        .filter(|_| in_memory(mem, status.addr, status.len))
        .ok_or_else(|| {
            fatal(RequestError::StatusOutOfMemory { addr: status.addr, len: status.len })
        })?;
    let reject = |error| Rejection { error, status_addr: Some(status_addr) };

    let data_count = count - 2;
    if data_count > limits.seg_max as usize {
        return Err(reject(RequestError::TooManySegments {
            count: data_count,
            max: limits.seg_max,
        }));
    }

    // The header.
    let header = descs[0];
    if header.writable {
        return Err(reject(RequestError::HeaderWritable));
    }
    if header.len != HEADER_LEN {
        return Err(reject(RequestError::HeaderLength(header.len)));
    }
    let mut raw_header = [0u8; HEADER_LEN as usize];
    mem.read_slice(&mut raw_header, GuestAddress(header.addr))
        .map_err(|_| reject(RequestError::HeaderOutOfMemory(header.addr)))?;
    let request_type =
        RequestType::from(u32::from_le_bytes(raw_header[0..4].try_into().unwrap_or_default()));
    let sector = u64::from_le_bytes(raw_header[8..16].try_into().unwrap_or_default());

    let data = &descs[1..count - 1];
    let wanted_writable = match request_type {
        RequestType::In | RequestType::GetId => true,
        RequestType::Out => false,
        RequestType::Flush if data.is_empty() => {
            return Ok(Request {
                request_type,
                sector,
                segments: Vec::new(),
                data_len: 0,
                status_addr,
            });
        }
        RequestType::Flush => return Err(reject(RequestError::FlushWithData(data.len()))),
        RequestType::Unsupported(_) => {
            return Ok(Request {
                request_type,
                sector,
                segments: Vec::new(),
                data_len: 0,
                status_addr,
            });
        }
    };

    let mut segments = Vec::with_capacity(data.len());
    let mut data_len = 0u64;
    for (index, d) in data.iter().enumerate() {
        if d.writable != wanted_writable {
            let name = |w| if w { "writable" } else { "readable" };
            return Err(reject(RequestError::DataDirection {
                index,
                found: name(d.writable),
                wanted: name(wanted_writable),
            }));
        }
        if d.len > limits.size_max {
            return Err(reject(RequestError::SegmentTooLarge { len: d.len, max: limits.size_max }));
        }
        if !in_memory(mem, d.addr, d.len) {
            return Err(reject(RequestError::DataOutOfMemory { addr: d.addr, len: d.len }));
        }
        segments.push(Segment { addr: GuestAddress(d.addr), len: d.len });
        data_len += u64::from(d.len);
    }

    if matches!(request_type, RequestType::In | RequestType::Out) {
        if !data_len.is_multiple_of(SECTOR_SIZE) {
            return Err(reject(RequestError::NotSectorMultiple(data_len)));
        }
        let sectors = data_len / SECTOR_SIZE;
        if sector.checked_add(sectors).is_none_or(|end| end > limits.capacity) {
            return Err(reject(RequestError::OutOfRange {
                sector,
                sectors,
                capacity: limits.capacity,
            }));
        }
    }
    Ok(Request { request_type, sector, segments, data_len, status_addr })
}

/// Whether guest `[addr, addr + len)` is all RAM (an empty range anywhere is).
fn in_memory(mem: &GuestMemoryMmap, addr: u64, len: u32) -> bool {
    len == 0 || GuestMemoryBackend::check_range(mem, GuestAddress(addr), len as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::virtio::queue::pop;
    use crate::devices::virtio::testing::{Desc, Driver, INDIRECT, NEXT, WRITE, guest_memory};

    const MEM: usize = 1 << 20;
    const LIMITS: Limits = Limits { seg_max: 4, size_max: 8192, capacity: 64 };
    const HDR: u64 = 0x1_0000;
    const DATA: u64 = 0x2_0000;
    const STATUS: u64 = 0x3_0000;

    fn header(d: &Driver, request_type: u32, sector: u64) {
        let mut raw = [0u8; 16];
        raw[0..4].copy_from_slice(&request_type.to_le_bytes());
        raw[8..16].copy_from_slice(&sector.to_le_bytes());
        d.write(HDR, &raw);
    }

    fn parse_chain(descs: &[Desc], request_type: u32, sector: u64) -> Result<Request, Rejection> {
        let mem = guest_memory(MEM);
        let mut d = Driver::new(&mem, 0, 16);
        header(&d, request_type, sector);
        d.add_chain(descs);
        let mut q = d.queue(false);
        let chain = pop(&mut q, &mem).unwrap().unwrap();
        parse(chain, &mem, &LIMITS)
    }

    fn err(result: Result<Request, Rejection>) -> (RequestError, bool) {
        let r = result.unwrap_err();
        (r.error, r.status_addr.is_some())
    }

    #[test]
    fn read_request() {
        let req = parse_chain(
            &[Desc::r(HDR, 16), Desc::w(DATA, 1024), Desc::w(DATA + 4096, 512), Desc::w(STATUS, 1)],
            VIRTIO_BLK_T_IN,
            3,
        )
        .unwrap();
        assert_eq!(req.request_type, RequestType::In);
        assert_eq!(req.sector, 3);
        assert_eq!(req.data_len, 1536);
        assert_eq!(req.segments.len(), 2);
        assert_eq!(req.segments[1], Segment { addr: GuestAddress(DATA + 4096), len: 512 });
        assert_eq!(req.status_addr, GuestAddress(STATUS));
    }

    #[test]
    fn status_is_the_last_byte_of_the_last_descriptor() {
        let req =
            parse_chain(&[Desc::r(HDR, 16), Desc::w(STATUS, 4)], VIRTIO_BLK_T_FLUSH, 0).unwrap();
        assert_eq!(req.request_type, RequestType::Flush);
        assert_eq!(req.status_addr, GuestAddress(STATUS + 3));
    }

    #[test]
    fn write_get_id_and_unsupported() {
        let req = parse_chain(
            &[Desc::r(HDR, 16), Desc::r(DATA, 512), Desc::w(STATUS, 1)],
            VIRTIO_BLK_T_OUT,
            63,
        )
        .unwrap();
        assert_eq!((req.request_type, req.data_len), (RequestType::Out, 512));
        let req = parse_chain(
            &[Desc::r(HDR, 16), Desc::w(DATA, 20), Desc::w(STATUS, 1)],
            VIRTIO_BLK_T_GET_ID,
            0,
        )
        .unwrap();
        assert_eq!((req.request_type, req.data_len), (RequestType::GetId, 20));
        let req = parse_chain(
            &[Desc::r(HDR, 16), Desc::r(DATA, 7), Desc::w(STATUS, 1)],
            11, // DISCARD: not offered
            0,
        )
        .unwrap();
        assert_eq!(req.request_type, RequestType::Unsupported(11));
    }

    #[test]
    fn unusable_status_is_fatal() {
        let cases: &[(&[Desc], RequestError)] = &[
            (&[Desc::r(HDR, 16)], RequestError::TooShort),
            (&[Desc::w(STATUS, 1)], RequestError::TooShort),
            (&[Desc::r(HDR, 16), Desc::r(STATUS, 1)], RequestError::StatusNotWritable),
            (&[Desc::r(HDR, 16), Desc::w(STATUS, 0)], RequestError::StatusEmpty),
            (
                &[Desc::r(HDR, 16), Desc::w(MEM as u64, 1)],
                RequestError::StatusOutOfMemory { addr: MEM as u64, len: 1 },
            ),
            (
                &[Desc::r(HDR, 16), Desc::w(u64::MAX, 2)],
                RequestError::StatusOutOfMemory { addr: u64::MAX, len: 2 },
            ),
        ];
        for (descs, expected) in cases {
            assert_eq!(
                err(parse_chain(descs, VIRTIO_BLK_T_IN, 0)),
                (*expected, false),
                "{descs:?}"
            );
        }
    }

    #[test]
    fn broken_chains_are_fatal() {
        let mem = guest_memory(MEM);
        let mut d = Driver::new(&mem, 0, 16);
        d.add_raw(
            &[(0, Desc::raw(HDR, 16, NEXT, 1)), (1, Desc::raw(STATUS, 1, NEXT | WRITE, 0))],
            0,
        );
        let mut q = d.queue(false);
        let r = parse(pop(&mut q, &mem).unwrap().unwrap(), &mem, &LIMITS).unwrap_err();
        assert_eq!(
            r,
            Rejection { error: RequestError::BrokenChain(BrokenChain), status_addr: None }
        );

        // An indirect table that itself points outside memory.
        let mut d = Driver::new(&mem, 0, 16);
        d.add_raw(&[(0, Desc::raw(MEM as u64 - 16, 32, INDIRECT, 0))], 0);
        let mut q = d.queue(false);
        let r = parse(pop(&mut q, &mem).unwrap().unwrap(), &mem, &LIMITS).unwrap_err();
        assert_eq!(r.status_addr, None);
    }

    #[test]
    fn malformed_requests_get_an_error_status() {
        let ok_status = Desc::w(STATUS, 1);
        let cases: &[(&[Desc], u32, u64, RequestError)] = &[
            (&[Desc::w(HDR, 16), ok_status], VIRTIO_BLK_T_FLUSH, 0, RequestError::HeaderWritable),
            (&[Desc::r(HDR, 15), ok_status], VIRTIO_BLK_T_FLUSH, 0, RequestError::HeaderLength(15)),
            (&[Desc::r(HDR, 17), ok_status], VIRTIO_BLK_T_FLUSH, 0, RequestError::HeaderLength(17)),
            (
                &[Desc::r(MEM as u64 - 8, 16), ok_status],
                VIRTIO_BLK_T_FLUSH,
                0,
                RequestError::HeaderOutOfMemory(MEM as u64 - 8),
            ),
            (
                &[Desc::r(HDR, 16), Desc::r(DATA, 512), ok_status],
                VIRTIO_BLK_T_IN,
                0,
                RequestError::DataDirection { index: 0, found: "readable", wanted: "writable" },
            ),
            (
                &[Desc::r(HDR, 16), Desc::r(DATA, 512), Desc::w(DATA, 512), ok_status],
                VIRTIO_BLK_T_OUT,
                0,
                RequestError::DataDirection { index: 1, found: "writable", wanted: "readable" },
            ),
            (
                &[Desc::r(HDR, 16), Desc::r(DATA, 512), ok_status],
                VIRTIO_BLK_T_GET_ID,
                0,
                RequestError::DataDirection { index: 0, found: "readable", wanted: "writable" },
            ),
            (
                &[Desc::r(HDR, 16), Desc::w(DATA, 500), ok_status],
                VIRTIO_BLK_T_IN,
                0,
                RequestError::NotSectorMultiple(500),
            ),
            (
                &[Desc::r(HDR, 16), Desc::w(DATA, 256), Desc::w(DATA + 256, 128), ok_status],
                VIRTIO_BLK_T_IN,
                0,
                RequestError::NotSectorMultiple(384),
            ),
            (
                &[Desc::r(HDR, 16), Desc::w(MEM as u64 - 512, 1024), ok_status],
                VIRTIO_BLK_T_IN,
                0,
                RequestError::DataOutOfMemory { addr: MEM as u64 - 512, len: 1024 },
            ),
            (
                &[Desc::r(HDR, 16), Desc::w(DATA, 8704), ok_status],
                VIRTIO_BLK_T_IN,
                0,
                RequestError::SegmentTooLarge { len: 8704, max: 8192 },
            ),
            (
                &[Desc::r(HDR, 16), Desc::r(DATA, 512), ok_status],
                VIRTIO_BLK_T_FLUSH,
                0,
                RequestError::FlushWithData(1),
            ),
            (
                &[Desc::r(HDR, 16), Desc::w(DATA, 1024), ok_status],
                VIRTIO_BLK_T_IN,
                63,
                RequestError::OutOfRange { sector: 63, sectors: 2, capacity: 64 },
            ),
            (
                &[Desc::r(HDR, 16), Desc::r(DATA, 512), ok_status],
                VIRTIO_BLK_T_OUT,
                u64::MAX,
                RequestError::OutOfRange { sector: u64::MAX, sectors: 1, capacity: 64 },
            ),
            (
                &[
                    Desc::r(HDR, 16),
                    Desc::w(DATA, 512),
                    Desc::w(DATA, 512),
                    Desc::w(DATA, 512),
                    Desc::w(DATA, 512),
                    Desc::w(DATA, 512),
                    ok_status,
                ],
                VIRTIO_BLK_T_IN,
                0,
                RequestError::TooManySegments { count: 5, max: 4 },
            ),
        ];
        for (descs, request_type, sector, expected) in cases {
            assert_eq!(
                err(parse_chain(descs, *request_type, *sector)),
                (*expected, true),
                "{descs:?}"
            );
        }
    }

    #[test]
    fn zero_length_read_at_the_end_is_valid() {
        let req =
            parse_chain(&[Desc::r(HDR, 16), Desc::w(STATUS, 1)], VIRTIO_BLK_T_IN, 64).unwrap();
        assert_eq!(req.data_len, 0);
        let req = parse_chain(&[Desc::r(HDR, 16), Desc::w(STATUS, 1)], VIRTIO_BLK_T_IN, 65);
        assert!(req.is_err());
    }

    #[test]
    fn errors_have_messages() {
        let e = RequestError::HeaderLength(15);
        assert_eq!(e.to_string(), "request header is 15 bytes, not 16");
        assert!(RequestError::BrokenChain(BrokenChain).to_string().contains("loops"));
    }
}
