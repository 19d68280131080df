//! The virtio-blk device: config space, activation, and serving the request queue.

use std::sync::Arc;

use virtio_bindings::virtio_blk::{
    VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_RO, VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_SIZE_MAX,
    VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_OK, VIRTIO_BLK_S_UNSUPP,
};
use virtio_bindings::virtio_ids::VIRTIO_ID_BLOCK;
use virtio_queue::{Queue, QueueT};
use vm_memory::{Bytes, GuestMemoryMmap};
use vmm_sys_util::eventfd::{EFD_NONBLOCK, EventFd};

use super::disk::DiskFile;
use super::request::{self, Limits, Rejection, Request, RequestType};
use super::{QUEUE_SIZE, SECTOR_SIZE, SEG_MAX, SIZE_MAX};
use crate::devices::virtio::queue::{notify_used, pop, push_iovecs};
use crate::devices::virtio::{
    ActivateError, Interrupt, VIRTIO_F_VERSION_1, VIRTIO_RING_F_EVENT_IDX,
    VIRTIO_RING_F_INDIRECT_DESC, VirtioDevice, read_config_bytes,
};

/// Length of the config space we fill: capacity (le64), size_max (le32), seg_max (le32).
/// Later fields (geometry, blk_size, ...) belong to features not offered and read as zero.
const CONFIG_LEN: usize = 16;

/// What the device holds while the driver runs it.
struct Active {
    memory: GuestMemoryMmap,
    queue: Queue,
    interrupt: Arc<Interrupt>,
}

/// The driver broke the queue protocol in a way no status byte can report.
struct QueueFault;

impl From<virtio_queue::Error> for QueueFault {
    fn from(_: virtio_queue::Error) -> Self {
        QueueFault
    }
}

/// A virtio-blk device serving one disk file.
pub struct Block {
    disk: DiskFile,
    avail_features: u64,
    acked_features: u64,
    config: [u8; CONFIG_LEN],
    queue_evts: [EventFd; 1],
    active: Option<Active>,
}

impl Block {
    /// A device for `disk` (read-only disks offer VIRTIO_BLK_F_RO). Fails only if the queue's
    /// eventfd cannot be created.
    pub fn new(disk: DiskFile) -> std::io::Result<Self> {
        let mut avail_features = VIRTIO_F_VERSION_1
            | VIRTIO_RING_F_EVENT_IDX
            | VIRTIO_RING_F_INDIRECT_DESC
            | 1 << VIRTIO_BLK_F_SEG_MAX
            | 1 << VIRTIO_BLK_F_SIZE_MAX
            | 1 << VIRTIO_BLK_F_FLUSH;
        if disk.read_only() {
            avail_features |= 1 << VIRTIO_BLK_F_RO;
        }
        let mut config = [0u8; CONFIG_LEN];
        config[0..8].copy_from_slice(&(disk.size() / SECTOR_SIZE).to_le_bytes());
        config[8..12].copy_from_slice(&SIZE_MAX.to_le_bytes());
        config[12..16].copy_from_slice(&SEG_MAX.to_le_bytes());
        Ok(Block {
            disk,
            avail_features,
            acked_features: 0,
            config,
            queue_evts: [EventFd::new(EFD_NONBLOCK)?],
            active: None,
        })
    }

    /// The disk being served.
    pub fn disk(&self) -> &DiskFile {
        &self.disk
    }

    /// The features the driver accepted.
    pub fn acked_features(&self) -> u64 {
        self.acked_features
    }

    /// The request queue's notification eventfd.
    pub fn queue_event(&self) -> &EventFd {
        &self.queue_evts[0]
    }

    /// Serves every request the driver made available, then interrupts it if it wants to
    /// know. Called by the event loop when the queue is notified (and by tests and the fuzz
    /// target directly). Does nothing before activation or once the device needs a reset.
    ///
    /// With event-idx, notifications stay enabled (the driver notifies only past
    /// `avail_event`); after draining, the queue is re-checked once notifications are on, so
    /// a request published in between is not left waiting for a notify that never comes.
    pub fn process_queue(&mut self) {
        let Some(Active { memory, queue, interrupt }) = self.active.as_mut() else { return };
        if interrupt.needs_reset() {
            return;
        }
        let limits = Limits {
            seg_max: SEG_MAX,
            size_max: SIZE_MAX,
            capacity: self.disk.size() / SECTOR_SIZE,
        };
        let mut completed = 0;
        let result = serve(&self.disk, memory, queue, &limits, &mut completed);
        // Notify for whatever was completed, even if the queue broke afterwards.
        let notified = if completed > 0 { notify_used(queue, memory, interrupt) } else { Ok(()) };
        if result.is_err() || notified.is_err() {
            interrupt.set_needs_reset();
        }
    }
}

/// Drains the available ring, counting completed requests in `completed`.
fn serve(
    disk: &DiskFile,
    mem: &GuestMemoryMmap,
    queue: &mut Queue,
    limits: &Limits,
    completed: &mut usize,
) -> Result<(), QueueFault> {
    loop {
        queue.disable_notification(mem)?;
        while let Some(chain) = pop(queue, mem)? {
            let head = chain.head_index();
            let used_len = match request::parse(chain, mem, limits) {
                Ok(request) => execute(disk, mem, &request)?,
                Err(Rejection { status_addr: Some(addr), .. }) => {
                    mem.write_obj(VIRTIO_BLK_S_IOERR as u8, addr).map_err(|_| QueueFault)?;
                    1
                }
                Err(Rejection { status_addr: None, .. }) => return Err(QueueFault),
            };
            queue.add_used(mem, head, used_len)?;
            *completed += 1;
        }
        if !queue.enable_notification(mem)? {
            return Ok(());
        }
    }
}

/// Performs a validated request and writes its status. Returns the used length: bytes the
/// device wrote into the chain (data for IN/GET_ID, plus the status byte).
fn execute(disk: &DiskFile, mem: &GuestMemoryMmap, request: &Request) -> Result<u32, QueueFault> {
    let offset = request.sector.saturating_mul(SECTOR_SIZE);
    let (status, written) = match request.request_type {
        RequestType::In => {
            let done = iovecs(mem, request)
                .is_some_and(|mut iovs| disk.read_vectored_at(&mut iovs, offset).is_ok());
            if done { (VIRTIO_BLK_S_OK, request.data_len) } else { (VIRTIO_BLK_S_IOERR, 0) }
        }
        RequestType::Out => {
            let done = iovecs(mem, request)
                .is_some_and(|mut iovs| disk.write_vectored_at(&mut iovs, offset).is_ok());
            if done { (VIRTIO_BLK_S_OK, 0) } else { (VIRTIO_BLK_S_IOERR, 0) }
        }
        RequestType::Flush => match disk.flush() {
            Ok(()) => (VIRTIO_BLK_S_OK, 0),
            Err(_) => (VIRTIO_BLK_S_IOERR, 0),
        },
        RequestType::GetId => match write_serial(mem, request, disk.serial()) {
            Some(n) => (VIRTIO_BLK_S_OK, n),
            None => (VIRTIO_BLK_S_IOERR, 0),
        },
        RequestType::Unsupported(_) => (VIRTIO_BLK_S_UNSUPP, 0),
    };
    mem.write_obj(status as u8, request.status_addr).map_err(|_| QueueFault)?;
    Ok(u32::try_from(written + 1).unwrap_or(u32::MAX))
}

/// Host iovecs for the request's data segments (checked by the parser to be guest RAM).
fn iovecs(mem: &GuestMemoryMmap, request: &Request) -> Option<Vec<libc::iovec>> {
    let mut iovs = Vec::with_capacity(request.segments.len());
    for segment in &request.segments {
        push_iovecs(mem, segment.addr, segment.len as usize, &mut iovs)?;
    }
    Some(iovs)
}

/// Copies as much of the serial as the buffers hold (the spec's "up to 20 bytes"; a shorter
/// serial would be NUL-terminated, ours is exactly 20). Returns the bytes written.
fn write_serial(mem: &GuestMemoryMmap, request: &Request, serial: &[u8]) -> Option<u64> {
    let mut rest = serial;
    for segment in &request.segments {
        let n = rest.len().min(segment.len as usize);
        mem.write_slice(&rest[..n], segment.addr).ok()?;
        rest = &rest[n..];
    }
    Some((serial.len() - rest.len()) as u64)
}

impl VirtioDevice for Block {
    fn device_type(&self) -> u32 {
        VIRTIO_ID_BLOCK
    }

    fn queue_max_sizes(&self) -> &[u16] {
        &[QUEUE_SIZE]
    }

    fn avail_features(&self) -> u64 {
        self.avail_features
    }

    fn ack_features(&mut self, features: u64) {
        self.acked_features = features;
    }

    fn read_config(&self, offset: u64, data: &mut [u8]) {
        read_config_bytes(&self.config, offset, data);
    }

    /// Every field we expose is read-only (`writeback` needs CONFIG_WCE, not offered).
    fn write_config(&mut self, _offset: u64, _data: &[u8]) {}

    fn queue_events(&self) -> &[EventFd] {
        &self.queue_evts
    }

    fn activate(
        &mut self,
        memory: GuestMemoryMmap,
        mut queues: Vec<Queue>,
        interrupt: Arc<Interrupt>,
    ) -> Result<(), ActivateError> {
        if queues.len() != 1 {
            return Err(ActivateError::QueueCount { expected: 1, got: queues.len() });
        }
        let queue = queues.remove(0);
        if !queue.ready() {
            return Err(ActivateError::QueueNotReady(0));
        }
        self.active = Some(Active { memory, queue, interrupt });
        // Requests the driver published before DRIVER_OK (or whose notify raced with it)
        // would otherwise wait for a notify that already happened: kick the event loop.
        self.queue_evts[0].write(1)?;
        Ok(())
    }

    fn reset(&mut self) {
        self.active = None;
        self.acked_features = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::virtio::testing::{
        Desc, Driver, INDIRECT, NEXT, Rng, WRITE, guest_memory, interrupt, irq_count,
    };
    use std::io::Write;
    use virtio_bindings::virtio_blk::{
        VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT,
    };
    use vmm_sys_util::tempfile::TempFile;

    const MEM: usize = 8 << 20;
    const DISK_SECTORS: u64 = 4096; // 2 MiB
    const HDR: u64 = 0x10_0000;
    const STATUS: u64 = 0x10_1000;
    const DATA: u64 = 0x20_0000;

    struct Setup {
        _file: TempFile,
        path: std::path::PathBuf,
        block: Block,
        driver: Driver,
        irq: Arc<Interrupt>,
    }

    fn setup_with(contents: &[u8], read_only: bool, event_idx: bool) -> Setup {
        let file = TempFile::new().unwrap();
        file.as_file().write_all(contents).unwrap();
        let path = file.as_path().to_path_buf();
        let mut block = Block::new(DiskFile::open(&path, read_only).unwrap()).unwrap();
        let mem = guest_memory(MEM);
        let driver = Driver::new(&mem, 0, QUEUE_SIZE);
        let irq = interrupt();
        block.activate(mem, vec![driver.queue(event_idx)], irq.clone()).unwrap();
        assert_eq!(block.queue_event().read().unwrap(), 1, "activation kicks the queue");
        Setup { _file: file, path, block, driver, irq }
    }

    fn setup() -> Setup {
        setup_with(&vec![0u8; (DISK_SECTORS * SECTOR_SIZE) as usize], false, false)
    }

    impl Setup {
        fn header(&self, at: u64, request_type: u32, sector: u64) {
            let mut raw = [0u8; 16];
            raw[0..4].copy_from_slice(&request_type.to_le_bytes());
            raw[8..16].copy_from_slice(&sector.to_le_bytes());
            self.driver.write(at, &raw);
        }

        /// Submits one request with data buffers `data` and runs the device; returns
        /// (status, used len).
        fn request(&mut self, request_type: u32, sector: u64, data: &[Desc]) -> (u8, u32) {
            self.header(HDR, request_type, sector);
            self.driver.write(STATUS, &[0xff]);
            let mut chain = vec![Desc::r(HDR, 16)];
            chain.extend_from_slice(data);
            chain.push(Desc::w(STATUS, 1));
            let head = self.driver.add_chain(&chain);
            self.block.process_queue();
            let used = self.driver.take_used();
            assert_eq!(used.len(), 1);
            assert_eq!(used[0].0, u32::from(head));
            (self.driver.read(STATUS, 1)[0], used[0].1)
        }

        fn file(&self) -> Vec<u8> {
            std::fs::read(&self.path).unwrap()
        }
    }

    fn pattern(seed: u64, len: usize) -> Vec<u8> {
        let mut rng = Rng::new(seed);
        (0..len).map(|_| rng.next_u64() as u8).collect()
    }

    #[test]
    fn identity_features_and_config() {
        let s = setup();
        assert_eq!(s.block.device_type(), 2);
        let f = s.block.avail_features();
        for bit in [VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_SIZE_MAX, VIRTIO_BLK_F_FLUSH] {
            assert_ne!(f & (1 << bit), 0);
        }
        assert_eq!(f & (1 << VIRTIO_BLK_F_RO), 0);
        assert_ne!(f & VIRTIO_F_VERSION_1, 0);
        assert_ne!(f & VIRTIO_RING_F_EVENT_IDX, 0);
        let mut config = [0u8; 24];
        s.block.read_config(0, &mut config);
        assert_eq!(u64::from_le_bytes(config[0..8].try_into().unwrap()), DISK_SECTORS);
        assert_eq!(u32::from_le_bytes(config[8..12].try_into().unwrap()), SIZE_MAX);
        assert_eq!(u32::from_le_bytes(config[12..16].try_into().unwrap()), SEG_MAX);
        assert_eq!(&config[16..], &[0; 8]);
        let mut hi = [0u8; 4];
        s.block.read_config(4, &mut hi);
        assert_eq!(hi, [0; 4], "high half of capacity, as a driver reads a 64-bit field");

        let ro = setup_with(&[0u8; 512], true, false);
        assert_ne!(ro.block.avail_features() & (1 << VIRTIO_BLK_F_RO), 0);
    }

    #[test]
    fn patterned_writes_read_back_and_land_in_the_file() {
        let mut s = setup();
        // Three segments, the middle one crossing no particular boundary.
        let data = pattern(1, 3 * 4096);
        s.driver.write(DATA, &data[..4096]);
        s.driver.write(DATA + 0x10000, &data[4096..8192]);
        s.driver.write(DATA + 0x30000, &data[8192..]);
        let segs =
            [Desc::r(DATA, 4096), Desc::r(DATA + 0x10000, 4096), Desc::r(DATA + 0x30000, 4096)];
        assert_eq!(s.request(VIRTIO_BLK_T_OUT, 10, &segs), (VIRTIO_BLK_S_OK as u8, 1));
        let file = s.file();
        assert_eq!(&file[10 * 512..10 * 512 + data.len()], &data[..]);
        assert!(file[..10 * 512].iter().all(|&b| b == 0));
        assert!(file[10 * 512 + data.len()..].iter().all(|&b| b == 0));

        // Read it back into differently split buffers.
        let out = 0x40_0000;
        let segs = [Desc::w(out, 512), Desc::w(out + 512, 12288 - 512)];
        let (status, len) = s.request(VIRTIO_BLK_T_IN, 10, &segs);
        assert_eq!((status, len), (VIRTIO_BLK_S_OK as u8, 12288 + 1));
        assert_eq!(s.driver.read(out, 12288), data);
    }

    #[test]
    fn one_mebibyte_requests_round_trip() {
        let mut s = setup();
        let data = pattern(2, 1 << 20);
        s.driver.write(DATA, &data);
        assert_eq!(s.request(VIRTIO_BLK_T_OUT, 2048, &[Desc::r(DATA, 1 << 20)]).0, 0);
        assert_eq!(&s.file()[2048 * 512..], &data[..]);
        s.driver.write(DATA, &vec![0u8; 1 << 20]);
        assert_eq!(s.request(VIRTIO_BLK_T_IN, 2048, &[Desc::w(DATA, 1 << 20)]), (0, (1 << 20) + 1));
        assert_eq!(s.driver.read(DATA, 1 << 20), data);
    }

    #[test]
    fn indirect_descriptors_work() {
        let mut s = setup();
        let data = pattern(3, 1024);
        s.driver.write(DATA, &data);
        s.header(HDR, VIRTIO_BLK_T_OUT, 0);
        let table = Driver::new(&s.driver.mem, 0x50_0000, 4);
        table.write_desc(0, Desc::raw(HDR, 16, NEXT, 1));
        table.write_desc(1, Desc::raw(DATA, 1024, NEXT, 2));
        table.write_desc(2, Desc::raw(STATUS, 1, WRITE, 0));
        s.driver.add_chain(&[Desc::raw(0x50_0000, 48, INDIRECT, 0)]);
        s.block.process_queue();
        assert_eq!(s.driver.take_used().len(), 1);
        assert_eq!(s.driver.read(STATUS, 1)[0], VIRTIO_BLK_S_OK as u8);
        assert_eq!(&s.file()[..1024], &data[..]);
    }

    #[test]
    fn flush_and_get_id() {
        let mut s = setup();
        assert_eq!(s.request(VIRTIO_BLK_T_FLUSH, 0, &[]), (VIRTIO_BLK_S_OK as u8, 1));
        let (status, len) = s.request(VIRTIO_BLK_T_GET_ID, 0, &[Desc::w(DATA, 20)]);
        assert_eq!((status, len), (VIRTIO_BLK_S_OK as u8, 21));
        assert_eq!(s.driver.read(DATA, 20), s.block.disk().serial().to_vec());
        // A short buffer gets what fits.
        s.driver.write(DATA, &[0; 20]);
        assert_eq!(s.request(VIRTIO_BLK_T_GET_ID, 0, &[Desc::w(DATA, 8)]), (0, 9));
        assert_eq!(s.driver.read(DATA, 8), s.block.disk().serial()[..8].to_vec());
        assert_eq!(s.driver.read(DATA + 8, 12), vec![0; 12]);
    }

    #[test]
    fn unsupported_types_answer_unsupp() {
        let mut s = setup();
        for request_type in [2, 11, 13, 0x8000_0000] {
            assert_eq!(s.request(request_type, 0, &[]).0, VIRTIO_BLK_S_UNSUPP as u8);
        }
    }

    #[test]
    fn read_only_disk_refuses_writes_and_keeps_the_file() {
        let original = pattern(4, 4096);
        let mut s = setup_with(&original, true, false);
        s.driver.write(DATA, &[0xee; 512]);
        assert_eq!(
            s.request(VIRTIO_BLK_T_OUT, 0, &[Desc::r(DATA, 512)]).0,
            VIRTIO_BLK_S_IOERR as u8
        );
        assert_eq!(s.file(), original);
        // Reads and flushes still work.
        assert_eq!(s.request(VIRTIO_BLK_T_IN, 1, &[Desc::w(DATA, 512)]).0, 0);
        assert_eq!(s.driver.read(DATA, 512), original[512..1024].to_vec());
        assert_eq!(s.request(VIRTIO_BLK_T_FLUSH, 0, &[]).0, 0);
    }

    #[test]
    fn out_of_range_sectors_are_ioerr() {
        let mut s = setup();
        let io = VIRTIO_BLK_S_IOERR as u8;
        assert_eq!(s.request(VIRTIO_BLK_T_IN, DISK_SECTORS, &[Desc::w(DATA, 512)]).0, io);
        assert_eq!(s.request(VIRTIO_BLK_T_IN, DISK_SECTORS - 1, &[Desc::w(DATA, 1024)]).0, io);
        assert_eq!(s.request(VIRTIO_BLK_T_OUT, u64::MAX, &[Desc::r(DATA, 512)]).0, io);
        assert_eq!(s.request(VIRTIO_BLK_T_OUT, u64::MAX / 512 + 1, &[Desc::r(DATA, 512)]).0, io);
        assert_eq!(s.request(VIRTIO_BLK_T_IN, DISK_SECTORS - 1, &[Desc::w(DATA, 512)]).0, 0);
        assert!(s.file().iter().all(|&b| b == 0));
    }

    #[test]
    fn malformed_requests_with_a_status_get_ioerr() {
        let mut s = setup();
        let io = VIRTIO_BLK_S_IOERR as u8;
        let cases: Vec<(u32, Vec<Desc>)> = vec![
            (VIRTIO_BLK_T_IN, vec![Desc::r(DATA, 512)]), // wrong direction
            (VIRTIO_BLK_T_OUT, vec![Desc::w(DATA, 512)]), // wrong direction
            (VIRTIO_BLK_T_IN, vec![Desc::w(DATA, 100)]), // not sectors
            (VIRTIO_BLK_T_IN, vec![Desc::w(MEM as u64 - 512, 1024)]), // outside memory
            (VIRTIO_BLK_T_IN, vec![Desc::w(DATA, SIZE_MAX + 512)]), // segment too large
            (VIRTIO_BLK_T_FLUSH, vec![Desc::r(DATA, 512)]), // flush with data
        ];
        for (request_type, data) in cases {
            assert_eq!(s.request(request_type, 0, &data), (io, 1), "{data:?}");
        }
        // Too many segments: SEG_MAX + 1 data descriptors in an indirect table.
        let table = Driver::new(&s.driver.mem, 0x50_0000, 512);
        let n = SEG_MAX as u16 + 3;
        s.header(HDR, VIRTIO_BLK_T_IN, 0);
        table.write_desc(0, Desc::raw(HDR, 16, NEXT, 1));
        for i in 1..n - 1 {
            table.write_desc(i, Desc::raw(DATA, 512, NEXT | WRITE, i + 1));
        }
        table.write_desc(n - 1, Desc::raw(STATUS, 1, WRITE, 0));
        s.driver.add_chain(&[Desc::raw(0x50_0000, 16 * u32::from(n), INDIRECT, 0)]);
        s.block.process_queue();
        let used = s.driver.take_used();
        assert_eq!(used.len(), 1);
        assert_eq!(used[0].1, 1);
        assert_eq!(s.driver.read(STATUS, 1)[0], io);
        // A bad header: readable but 8 bytes.
        s.driver.add_chain(&[Desc::r(HDR, 8), Desc::w(STATUS, 1)]);
        s.block.process_queue();
        assert_eq!(s.driver.take_used().len(), 1);
        assert_eq!(s.driver.read(STATUS, 1)[0], io);
        // A writable header.
        s.driver.add_chain(&[Desc::w(HDR, 16), Desc::w(STATUS, 1)]);
        s.block.process_queue();
        assert_eq!(s.driver.take_used().len(), 1);
        assert_eq!(s.driver.read(STATUS, 1)[0], io);
        assert!(!s.irq.needs_reset());
        assert!(s.file().iter().all(|&b| b == 0));
    }

    #[test]
    fn chains_without_a_usable_status_need_reset() {
        let cases: Vec<Vec<(u16, Desc)>> = vec![
            vec![(0, Desc::raw(HDR, 16, 0, 0))], // header only
            vec![(0, Desc::raw(HDR, 16, NEXT, 1)), (1, Desc::raw(STATUS, 1, 0, 0))], // read-only status
            vec![(0, Desc::raw(HDR, 16, NEXT, 1)), (1, Desc::raw(STATUS, 0, WRITE, 0))], // empty status
            vec![(0, Desc::raw(HDR, 16, NEXT, 1)), (1, Desc::raw(MEM as u64, 1, WRITE, 0))], // outside
            vec![(0, Desc::raw(HDR, 16, NEXT, 1)), (1, Desc::raw(STATUS, 1, NEXT | WRITE, 0))], // loop
            vec![(0, Desc::raw(HDR, 16, NEXT, 300))], // next out of the table
        ];
        for table in cases {
            let mut s = setup();
            s.header(HDR, VIRTIO_BLK_T_IN, 0);
            s.driver.add_raw(&table, 0);
            s.block.process_queue();
            assert!(s.irq.needs_reset(), "{table:?}");
            assert!(s.driver.take_used().is_empty());
            assert_eq!(irq_count(&s.irq), 1, "config-change interrupt");
            // Further notifies are ignored until reset.
            s.driver.add_chain(&[Desc::r(HDR, 16), Desc::w(STATUS, 1)]);
            s.block.process_queue();
            assert!(s.driver.take_used().is_empty());
        }
    }

    #[test]
    fn head_index_past_the_queue_needs_reset() {
        let mut s = setup();
        s.driver.publish(QUEUE_SIZE + 3);
        s.block.process_queue();
        assert!(s.irq.needs_reset());
    }

    #[test]
    fn avail_index_running_ahead_needs_reset() {
        let mut s = setup();
        s.driver.set_avail_idx(QUEUE_SIZE + 1);
        s.block.process_queue();
        assert!(s.irq.needs_reset());
    }

    #[test]
    fn reset_stops_the_device() {
        let mut s = setup();
        s.block.reset();
        s.header(HDR, VIRTIO_BLK_T_FLUSH, 0);
        s.driver.add_chain(&[Desc::r(HDR, 16), Desc::w(STATUS, 1)]);
        s.block.process_queue();
        assert!(s.driver.take_used().is_empty());
    }

    #[test]
    fn interrupts_without_event_idx_follow_every_batch() {
        let mut s = setup();
        for _ in 0..3 {
            s.header(HDR, VIRTIO_BLK_T_FLUSH, 0);
            s.driver.add_chain(&[Desc::r(HDR, 16), Desc::w(STATUS, 1)]);
        }
        s.block.process_queue();
        assert_eq!(s.driver.take_used().len(), 3);
        assert_eq!(irq_count(&s.irq), 1, "one interrupt for the batch");
        assert_eq!(s.irq.status(), 1);
        assert_eq!(s.driver.used_flags(), 0, "notifications re-enabled");
    }

    #[test]
    fn event_idx_suppresses_interrupts_the_driver_did_not_ask_for() {
        let mut s = setup_with(&vec![0u8; 4096], false, true);
        s.header(HDR, VIRTIO_BLK_T_FLUSH, 0);
        // The driver wants an interrupt only once used.idx passes 2 (after the 3rd request).
        s.driver.set_used_event(2);
        s.driver.add_chain(&[Desc::r(HDR, 16), Desc::w(STATUS, 1)]);
        s.block.process_queue();
        assert_eq!(s.driver.take_used().len(), 1);
        assert_eq!(irq_count(&s.irq), 0);
        assert_eq!(s.driver.avail_event(), 1, "device asks to be notified for the next one");
        s.driver.add_chain(&[Desc::r(HDR, 16), Desc::w(STATUS, 1)]);
        s.driver.add_chain(&[Desc::r(HDR, 16), Desc::w(STATUS, 1)]);
        s.block.process_queue();
        assert_eq!(s.driver.take_used().len(), 2);
        assert_eq!(irq_count(&s.irq), 1);
        assert_eq!(s.driver.avail_event(), 3);
    }

    /// A measurement, not a check: the device's own cost for sequential 1 MiB reads from a
    /// file in the page cache, against plain `pread` of the same file. Run with
    /// `cargo test --release -p vmm -- --ignored --nocapture bench_`.
    #[test]
    #[ignore]
    fn bench_sequential_one_mebibyte_reads() {
        use std::os::unix::fs::FileExt;
        const FILE: usize = 256 << 20;
        const REQ: usize = 1 << 20;
        let mut s = setup_with(&vec![0x5a; FILE], false, true);
        let file = std::fs::File::open(&s.path).unwrap();
        let mut buf = vec![0u8; REQ];
        for round in 0..2 {
            let start = std::time::Instant::now();
            for i in 0..FILE / REQ {
                file.read_exact_at(&mut buf, (i * REQ) as u64).unwrap();
            }
            let host = start.elapsed();
            let start = std::time::Instant::now();
            for i in 0..FILE / REQ {
                s.header(HDR, VIRTIO_BLK_T_IN, (i * REQ / 512) as u64);
                s.driver.add_chain(&[
                    Desc::r(HDR, 16),
                    Desc::w(DATA, REQ as u32),
                    Desc::w(STATUS, 1),
                ]);
                s.block.process_queue();
                assert_eq!(s.driver.take_used().len(), 1);
            }
            let device = start.elapsed();
            let rate = |t: std::time::Duration| FILE as f64 / t.as_secs_f64() / f64::from(1 << 20);
            println!(
                "round {round}: host pread {:.0} MiB/s, device {:.0} MiB/s ({:.1} us per 1 MiB request)",
                rate(host),
                rate(device),
                device.as_secs_f64() * 1e6 / (FILE / REQ) as f64
            );
        }
    }

    #[test]
    fn activation_needs_a_ready_queue() {
        let file = TempFile::new().unwrap();
        file.as_file().write_all(&[0u8; 512]).unwrap();
        let mut block = Block::new(DiskFile::open(file.as_path(), false).unwrap()).unwrap();
        let mem = guest_memory(1 << 20);
        let unready = Queue::new(QUEUE_SIZE).unwrap();
        assert!(matches!(
            block.activate(mem.clone(), vec![unready], interrupt()),
            Err(ActivateError::QueueNotReady(0))
        ));
        assert!(matches!(
            block.activate(mem, vec![], interrupt()),
            Err(ActivateError::QueueCount { expected: 1, got: 0 })
        ));
    }

    /// Property test: arbitrary descriptor tables in guest memory, generated by a seeded
    /// PRNG. Half the rounds write completely random tables (addresses anywhere, random
    /// lengths, flags, next links, heads, indirect flags, avail indices); the other half
    /// write well-formed requests of every type and then mutate a few fields, which reaches
    /// the deeper checks. The device must never panic, must touch guest memory only through
    /// checked accessors (a stray host access would crash the test), must keep the file's
    /// size, and must either complete every published chain or declare DEVICE_NEEDS_RESET.
    #[test]
    fn arbitrary_chains_never_panic_or_escape() {
        let mut rng = Rng::new(0x5eed_b10c);
        let mem_size = 1u64 << 20;
        let (mut completed, mut resets, mut ok) = (0usize, 0usize, 0usize);
        for round in 0..3000 {
            let file = TempFile::new().unwrap();
            file.as_file().write_all(&[0u8; 8192]).unwrap();
            let disk = DiskFile::open(file.as_path(), round % 5 == 0).unwrap();
            let mut block = Block::new(disk).unwrap();
            let mem = guest_memory(mem_size as usize);
            let size = 1u16 << rng.below(5); // 1..=16
            let mut driver = Driver::new(&mem, 0, size);
            let irq = interrupt();
            block.activate(mem.clone(), vec![driver.queue(rng.one_in(2))], irq.clone()).unwrap();

            // Random bytes where headers, data and indirect tables may point.
            let noise: Vec<u8> = (0..4096).map(|_| rng.next_u64() as u8).collect();
            driver.write(0x8000, &noise);
            let addr = |rng: &mut Rng| match rng.below(6) {
                0 => rng.next_u64(),               // anywhere at all
                1 => mem_size - rng.below(64),     // straddling the end of RAM
                2 => 0x8000 + rng.below(4096),     // the noise
                _ => 0x8000 + 16 * rng.below(256), // aligned, in RAM
            };
            let len = |rng: &mut Rng| match rng.below(5) {
                0 => rng.next_u64() as u32,
                1 => 16,
                2 => 1,
                3 => 512 * rng.below(4) as u32,
                _ => rng.below(64) as u32,
            };
            let mut published = 0u16;
            if rng.one_in(2) {
                for i in 0..size {
                    let flags = (rng.next_u64() as u16) & (NEXT | WRITE | INDIRECT | 0x8);
                    let next = if rng.one_in(8) {
                        rng.next_u64() as u16
                    } else {
                        rng.below(u64::from(size)) as u16
                    };
                    driver.write_desc(i, Desc::raw(addr(&mut rng), len(&mut rng), flags, next));
                }
                for _ in 0..rng.below(4) {
                    let head = if rng.one_in(10) {
                        rng.next_u64() as u16
                    } else {
                        rng.below(u64::from(size)) as u16
                    };
                    driver.publish(head);
                    published += 1;
                }
            } else {
                // A well-formed request, then a few random mutations.
                let request_type =
                    [0u32, 1, 4, 8, 11, rng.next_u64() as u32][rng.below(6) as usize];
                let sector = if rng.one_in(4) { rng.next_u64() } else { rng.below(20) };
                let mut raw = [0u8; 16];
                raw[0..4].copy_from_slice(&request_type.to_le_bytes());
                raw[8..16].copy_from_slice(&sector.to_le_bytes());
                driver.write(0x9000, &raw);
                let writable = if request_type == 1 { 0 } else { WRITE };
                let segments = rng.below(u64::from(size.min(4)));
                let mut chain = vec![Desc::r(0x9000, 16)];
                for k in 0..segments {
                    chain.push(Desc::raw(0x10000 + 0x1000 * k, 512, writable, 0));
                }
                chain.push(Desc::w(0xa000, 1));
                chain.truncate(usize::from(size));
                for _ in 0..rng.below(3) {
                    let victim = rng.below(chain.len() as u64) as usize;
                    let d = &mut chain[victim];
                    match rng.below(4) {
                        0 => d.addr = addr(&mut rng),
                        1 => d.len = len(&mut rng),
                        2 => d.flags ^= 1 << rng.below(3),
                        _ => d.next = rng.next_u64() as u16,
                    }
                }
                driver.add_chain(&chain);
                published = 1;
            }
            if rng.one_in(20) {
                published = rng.next_u64() as u16;
                driver.set_avail_idx(published);
            }
            driver.set_used_event(rng.next_u64() as u16);
            block.process_queue();
            let used = driver.take_used();
            if published > size {
                assert!(irq.needs_reset(), "round {round}: avail.idx ran ahead");
            } else {
                // Every published chain completed, or the device stopped at a broken one.
                assert!(
                    irq.needs_reset() || used.len() == usize::from(published),
                    "round {round}: {} of {published}",
                    used.len()
                );
                assert!(used.len() <= usize::from(published));
            }
            for &(id, used_len) in &used {
                assert!(id < u32::from(size));
                assert!(used_len >= 1);
            }
            if used.len() == 1 && driver.read(0xa000, 1)[0] == VIRTIO_BLK_S_OK as u8 {
                ok += 1;
            }
            completed += used.len();
            resets += usize::from(irq.needs_reset());
            assert_eq!(std::fs::metadata(file.as_path()).unwrap().len(), 8192);
        }
        // The generator reaches all three outcomes often enough to mean something.
        assert!(completed > 600 && resets > 300 && ok > 200, "{completed} {resets} {ok}");
    }
}
