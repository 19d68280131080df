//! Wiring a virtio device into a VM: one 4 KiB MMIO window and one IOAPIC pin per device,
//! an ioeventfd per queue at QueueNotify, an irqfd for the interrupt, the transport on the
//! MMIO bus, the event subscriber for the event loop, and the kernel command-line fragment
//! that tells the guest where the device is.
//!
//! Devices get consecutive slots in attach order: slot `i` is at
//! `VIRTIO_MMIO_BASE + i * VIRTIO_MMIO_SIZE` with GSI `VIRTIO_IRQ_BASE + i`
//! (`arch::x86_64::layout`), so the same attach order gives the guest the same devices.

use std::sync::{Arc, Mutex};

use event_manager::MutEventSubscriber;
use kvm_ioctls::{IoEventAddress, VmFd};
use linux_loader::cmdline::Cmdline;
use vm_memory::{GuestAddress, GuestMemoryMmap};
use vmm_sys_util::eventfd::{EFD_NONBLOCK, EventFd};

use super::mmio::{QUEUE_NOTIFY_OFFSET, lock};
use super::{Interrupt, MmioTransport, VirtioDevice};
use crate::arch::x86_64::layout::{
    VIRTIO_IRQ_BASE, VIRTIO_MMIO_BASE, VIRTIO_MMIO_MAX_DEVICES, VIRTIO_MMIO_SIZE,
};
use crate::devices::Bus;
use crate::devices::bus::BusError;
use crate::event_loop::Subscriber;

/// The two KVM registrations a virtio-mmio device needs. Implemented for `VmFd`; tests use a
/// recorder so the wiring is checked without `/dev/kvm`.
pub trait IrqRegistrar {
    /// Makes a 4-byte guest write of `datamatch` to MMIO address `addr` signal `evt` inside
    /// KVM, without a VM exit to the vmm (KVM_IOEVENTFD).
    fn register_ioevent(&self, evt: &EventFd, addr: u64, datamatch: u32) -> std::io::Result<()>;
    /// Makes a write to `evt` raise IOAPIC pin `gsi` (KVM_IRQFD).
    fn register_irqfd(&self, evt: &EventFd, gsi: u32) -> std::io::Result<()>;
}

impl IrqRegistrar for VmFd {
    fn register_ioevent(&self, evt: &EventFd, addr: u64, datamatch: u32) -> std::io::Result<()> {
        VmFd::register_ioevent(self, evt, &IoEventAddress::Mmio(addr), datamatch)
            .map_err(|e| std::io::Error::from_raw_os_error(e.errno()))
    }

    fn register_irqfd(&self, evt: &EventFd, gsi: u32) -> std::io::Result<()> {
        VmFd::register_irqfd(self, evt, gsi)
            .map_err(|e| std::io::Error::from_raw_os_error(e.errno()))
    }
}

/// Why a device could not be attached.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    /// Every slot is taken.
    #[error("too many virtio devices (at most {VIRTIO_MMIO_MAX_DEVICES})")]
    TooManyDevices,
    /// Creating the interrupt eventfd or copying queue eventfds failed.
    #[error("virtio device eventfd: {0}")]
    EventFd(std::io::Error),
    /// KVM_IRQFD failed.
    #[error("registering the irqfd for GSI {gsi}: {source}")]
    Irqfd {
        /// The IOAPIC pin.
        gsi: u32,
        /// The OS error.
        source: std::io::Error,
    },
    /// KVM_IOEVENTFD failed.
    #[error("registering the ioeventfd of queue {queue} at {addr:#x}: {source}")]
    Ioevent {
        /// The queue.
        queue: usize,
        /// The QueueNotify address.
        addr: u64,
        /// The OS error.
        source: std::io::Error,
    },
    /// The MMIO window overlaps another device.
    #[error(transparent)]
    Bus(#[from] BusError),
    /// The command line has no room for the device.
    #[error("adding the virtio device to the kernel command line: {0}")]
    Cmdline(linux_loader::cmdline::Error),
}

/// One attached device.
pub struct AttachedDevice {
    /// Guest-physical base of its register window.
    pub base: u64,
    /// Its IOAPIC pin (GSI).
    pub irq: u32,
    /// Its transport (also on the bus), for inspection.
    pub transport: Arc<Mutex<MmioTransport>>,
    /// The Linux-convention announcement, e.g. `virtio_mmio.device=4K@0xd0000000:5`.
    pub cmdline: String,
}

/// The virtio devices of one VM, in slot order, with what the event loop and the kernel
/// command line need from them.
#[derive(Default)]
pub struct VirtioMmioDevices {
    devices: Vec<AttachedDevice>,
    subscribers: Vec<Subscriber>,
}

impl VirtioMmioDevices {
    /// No devices yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Attaches `device` in the next free slot: registers its irqfd and one ioeventfd per
    /// queue with `vm`, puts its transport on `bus`, and keeps its event subscriber and
    /// command-line fragment. `memory` is the guest RAM its queues live in.
    pub fn attach<D>(
        &mut self,
        vm: &impl IrqRegistrar,
        bus: &mut Bus,
        memory: &GuestMemoryMmap,
        device: Arc<Mutex<D>>,
    ) -> Result<&AttachedDevice, AttachError>
    where
        D: VirtioDevice + MutEventSubscriber + 'static,
    {
        let slot = self.devices.len() as u32;
        if slot >= VIRTIO_MMIO_MAX_DEVICES {
            return Err(AttachError::TooManyDevices);
        }
        let base = VIRTIO_MMIO_BASE + u64::from(slot) * VIRTIO_MMIO_SIZE;
        let irq = VIRTIO_IRQ_BASE + slot;

        let irq_evt = EventFd::new(EFD_NONBLOCK).map_err(AttachError::EventFd)?;
        vm.register_irqfd(&irq_evt, irq)
            .map_err(|source| AttachError::Irqfd { gsi: irq, source })?;
        let notify = base + QUEUE_NOTIFY_OFFSET;
        for (queue, evt) in lock(&device).queue_events().iter().enumerate() {
            vm.register_ioevent(evt, notify, queue as u32)
                .map_err(|source| AttachError::Ioevent { queue, addr: notify, source })?;
        }

        let interrupt = Arc::new(Interrupt::new(irq_evt));
        let shared: Arc<Mutex<dyn VirtioDevice>> = device.clone();
        let transport =
            MmioTransport::new(shared, memory.clone(), interrupt).map_err(AttachError::EventFd)?;
        let transport = Arc::new(Mutex::new(transport));
        bus.add_mmio(base, VIRTIO_MMIO_SIZE, Box::new(transport.clone()))?;

        let mut fragment = Cmdline::new(128).map_err(AttachError::Cmdline)?;
        fragment
            .add_virtio_mmio_device(VIRTIO_MMIO_SIZE, GuestAddress(base), irq, None)
            .map_err(AttachError::Cmdline)?;
        let cmdline =
            fragment.as_cstring().map_err(AttachError::Cmdline)?.into_string().unwrap_or_default();

        self.subscribers.push(device);
        self.devices.push(AttachedDevice { base, irq, transport, cmdline });
        Ok(self.devices.last().expect("just pushed"))
    }

    /// The attached devices in slot order.
    pub fn devices(&self) -> &[AttachedDevice] {
        &self.devices
    }

    /// Every device's fragment, space-separated (empty with no devices).
    pub fn cmdline(&self) -> String {
        self.devices.iter().map(|d| d.cmdline.as_str()).collect::<Vec<_>>().join(" ")
    }

    /// Appends every device's fragment to `cmdline`.
    pub fn add_to_cmdline(&self, cmdline: &mut Cmdline) -> Result<(), AttachError> {
        for device in &self.devices {
            cmdline.insert_str(&device.cmdline).map_err(AttachError::Cmdline)?;
        }
        Ok(())
    }

    /// The devices' event subscribers, for `EventLoop::start`.
    pub fn subscribers(&self) -> Vec<Subscriber> {
        self.subscribers.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::virtio::testing::guest_memory;
    use std::cell::RefCell;

    /// A device that is only something to attach.
    struct Dummy(Vec<EventFd>);

    impl VirtioDevice for Dummy {
        fn device_type(&self) -> u32 {
            9
        }
        fn queue_max_sizes(&self) -> &[u16] {
            &[4, 4, 4]
        }
        fn avail_features(&self) -> u64 {
            0
        }
        fn ack_features(&mut self, _: u64) {}
        fn read_config(&self, _: u64, data: &mut [u8]) {
            data.fill(0)
        }
        fn write_config(&mut self, _: u64, _: &[u8]) {}
        fn queue_events(&self) -> &[EventFd] {
            &self.0
        }
        fn activate(
            &mut self,
            _: GuestMemoryMmap,
            _: Vec<virtio_queue::Queue>,
            _: Arc<Interrupt>,
        ) -> Result<(), super::super::ActivateError> {
            Ok(())
        }
        fn reset(&mut self) {}
    }

    impl MutEventSubscriber for Dummy {
        fn process(&mut self, _: event_manager::Events, _: &mut event_manager::EventOps) {}
        fn init(&mut self, _: &mut event_manager::EventOps) {}
    }

    fn dummy() -> Arc<Mutex<Dummy>> {
        Arc::new(Mutex::new(Dummy((0..3).map(|_| EventFd::new(EFD_NONBLOCK).unwrap()).collect())))
    }

    #[derive(Default)]
    struct Recorder {
        ioevents: RefCell<Vec<(u64, u32)>>,
        irqfds: RefCell<Vec<u32>>,
    }

    impl IrqRegistrar for Recorder {
        fn register_ioevent(&self, _: &EventFd, addr: u64, datamatch: u32) -> std::io::Result<()> {
            self.ioevents.borrow_mut().push((addr, datamatch));
            Ok(())
        }
        fn register_irqfd(&self, _: &EventFd, gsi: u32) -> std::io::Result<()> {
            self.irqfds.borrow_mut().push(gsi);
            Ok(())
        }
    }

    #[test]
    fn devices_get_consecutive_slots_and_fragments() {
        let vm = Recorder::default();
        let mut bus = Bus::default();
        let mem = guest_memory(1 << 20);
        let mut devices = VirtioMmioDevices::new();
        let first = devices.attach(&vm, &mut bus, &mem, dummy()).unwrap();
        assert_eq!((first.base, first.irq), (0xd000_0000, 5));
        assert_eq!(first.cmdline, "virtio_mmio.device=4K@0xd0000000:5");
        devices.attach(&vm, &mut bus, &mem, dummy()).unwrap();
        assert_eq!(
            devices.cmdline(),
            "virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6"
        );
        assert_eq!(*vm.irqfds.borrow(), [5, 6]);
        assert_eq!(
            *vm.ioevents.borrow(),
            [
                (0xd000_0050, 0),
                (0xd000_0050, 1),
                (0xd000_0050, 2),
                (0xd000_1050, 0),
                (0xd000_1050, 1),
                (0xd000_1050, 2)
            ]
        );
        assert_eq!(devices.subscribers().len(), 2);

        // The transports answer on the bus at their bases.
        let mut magic = [0u8; 4];
        bus.mmio_read(0xd000_1000, &mut magic);
        assert_eq!(&magic, b"virt");
        let mut id = [0u8; 4];
        bus.mmio_read(0xd000_1008, &mut id);
        assert_eq!(u32::from_le_bytes(id), 9);

        let mut cmdline = Cmdline::new(256).unwrap();
        cmdline.insert_str("console=x").unwrap();
        devices.add_to_cmdline(&mut cmdline).unwrap();
        assert_eq!(
            cmdline.as_cstring().unwrap().to_str().unwrap(),
            "console=x virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6"
        );
    }

    /// What the builder does: a disk and the console, their fragments on the command line,
    /// their subscribers in the event loop.
    #[test]
    fn attach_a_disk_and_the_console() {
        use crate::devices::virtio::block::{Block, DiskFile};
        use crate::devices::virtio::console::{Console, ConsoleIo, HostFd};
        use std::io::Write;

        let image = vmm_sys_util::tempfile::TempFile::new().unwrap();
        image.as_file().write_all(&[0u8; 4096]).unwrap();
        let vm = Recorder::default();
        let mut bus = Bus::default();
        let mem = guest_memory(1 << 20);
        let mut devices = VirtioMmioDevices::new();

        let disk = DiskFile::open(image.as_path(), false).unwrap();
        let block = Arc::new(Mutex::new(Block::new(disk).unwrap()));
        devices.attach(&vm, &mut bus, &mem, block).unwrap();
        // In the vmm: `ConsoleIo::stdio()`.
        let null = || std::fs::OpenOptions::new().read(true).write(true).open("/dev/null").unwrap();
        let io = ConsoleIo {
            input: Some(null().into()),
            console_out: null().into(),
            stderr_out: HostFd::stderr(),
        };
        let console = Arc::new(Mutex::new(Console::new(io, None).unwrap()));
        devices.attach(&vm, &mut bus, &mem, console).unwrap();

        assert_eq!(
            devices.cmdline(),
            "virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6"
        );
        let mut id = [0u8; 4];
        bus.mmio_read(0xd000_0008, &mut id);
        assert_eq!(u32::from_le_bytes(id), 2);
        bus.mmio_read(0xd000_1008, &mut id);
        assert_eq!(u32::from_le_bytes(id), 3);
        let mut event_loop = crate::event_loop::EventLoop::start(devices.subscribers()).unwrap();
        event_loop.stop();
    }

    #[test]
    fn slots_run_out() {
        let vm = Recorder::default();
        let mut bus = Bus::default();
        let mem = guest_memory(1 << 20);
        let mut devices = VirtioMmioDevices::new();
        for _ in 0..VIRTIO_MMIO_MAX_DEVICES {
            devices.attach(&vm, &mut bus, &mem, dummy()).unwrap();
        }
        let last = devices.devices().last().unwrap();
        assert_eq!(last.irq, 20);
        assert!(matches!(
            devices.attach(&vm, &mut bus, &mem, dummy()),
            Err(AttachError::TooManyDevices)
        ));
    }

    /// On KVM: the real registrations succeed and a notify written at QueueNotify
    /// reaches the queue's eventfd through KVM (checked by the ioctl accepting the
    /// registration; running a guest is the integration tests' job).
    #[test]
    fn registers_with_kvm_when_available() {
        let kvm = kvm_ioctls::Kvm::new().expect("this test needs KVM: /dev/kvm cannot be opened");
        let vm = kvm.create_vm().unwrap();
        vm.create_irq_chip().unwrap();
        let mut bus = Bus::default();
        let mem = guest_memory(1 << 20);
        let mut devices = VirtioMmioDevices::new();
        devices.attach(&vm, &mut bus, &mem, dummy()).unwrap();
        devices.attach(&vm, &mut bus, &mem, dummy()).unwrap();
    }

    /// A measurement, not a check: what the KVM registrations of a disk and a console cost
    /// (7 ioeventfds, 2 irqfds). `cargo test -p vmm -- --ignored --nocapture kvm_registration`
    #[test]
    #[ignore]
    fn kvm_registration_cost() {
        let kvm = kvm_ioctls::Kvm::new().expect("this test needs KVM: /dev/kvm cannot be opened");
        for irqchip_first in [true, false] {
            let vm = kvm.create_vm().unwrap();
            let evts: Vec<EventFd> = (0..9).map(|_| EventFd::new(EFD_NONBLOCK).unwrap()).collect();
            let start = std::time::Instant::now();
            if irqchip_first {
                vm.create_irq_chip().unwrap();
            }
            let chip = start.elapsed();
            for (i, evt) in evts[..7].iter().enumerate() {
                IrqRegistrar::register_ioevent(
                    &vm,
                    evt,
                    0xd000_0050 + 0x1000 * (i as u64 / 6),
                    i as u32 % 6,
                )
                .unwrap();
            }
            let ioevents = start.elapsed() - chip;
            if !irqchip_first {
                vm.create_irq_chip().unwrap();
            }
            let chip2 = start.elapsed() - chip - ioevents;
            IrqRegistrar::register_irqfd(&vm, &evts[7], 5).unwrap();
            IrqRegistrar::register_irqfd(&vm, &evts[8], 6).unwrap();
            let irqfds = start.elapsed() - chip - ioevents - chip2;
            println!(
                "irqchip first: {irqchip_first}: irqchip {:?}, 7 ioeventfds {ioevents:?}, irqchip after {chip2:?}, 2 irqfds {irqfds:?}",
                chip
            );
        }
    }

    /// On KVM: a real-mode guest writes queue index 1, then 2, to a QueueNotify
    /// register whose ioeventfd matches 1. The first write must signal the eventfd inside KVM
    /// without an exit (32-bit datamatch), the second must exit as an ordinary MMIO write.
    #[test]
    fn matching_notify_never_exits_with_kvm() {
        use kvm_bindings::kvm_userspace_memory_region;
        use kvm_ioctls::VcpuExit;
        use vm_memory::{Bytes, GuestMemoryBackend, GuestMemoryRegion};

        let kvm = kvm_ioctls::Kvm::new().expect("this test needs KVM: /dev/kvm cannot be opened");
        let vm = kvm.create_vm().unwrap();
        let mem = guest_memory(0x10000);
        let region = mem.iter().next().unwrap();
        let slot = kvm_userspace_memory_region {
            slot: 0,
            flags: 0,
            guest_phys_addr: 0,
            memory_size: region.len(),
            userspace_addr: region.as_ptr() as u64,
        };
        // SAFETY: the region is a live mapping of `memory_size` bytes, and `mem` outlives
        // the VM, which is dropped explicitly at the end of the test.
        unsafe { vm.set_user_memory_region(slot) }.unwrap();
        // mov eax,1; mov [0x50],eax; mov eax,2; mov [0x50],eax; hlt  (DS = 0x2000)
        let code = [
            0x66, 0xb8, 1, 0, 0, 0, 0x66, 0xa3, 0x50, 0x00, 0x66, 0xb8, 2, 0, 0, 0, 0x66, 0xa3,
            0x50, 0x00, 0xf4,
        ];
        mem.write_slice(&code, GuestAddress(0x1000)).unwrap();
        let notify = EventFd::new(EFD_NONBLOCK).unwrap();
        IrqRegistrar::register_ioevent(&vm, &notify, 0x2_0050, 1).unwrap();

        let mut vcpu = vm.create_vcpu(0).unwrap();
        let mut sregs = vcpu.get_sregs().unwrap();
        sregs.cs.base = 0;
        sregs.cs.selector = 0;
        sregs.ds.base = 0x2_0000;
        sregs.ds.selector = 0x2000;
        vcpu.set_sregs(&sregs).unwrap();
        let mut regs = vcpu.get_regs().unwrap();
        regs.rip = 0x1000;
        regs.rflags = 2;
        vcpu.set_regs(&regs).unwrap();

        match vcpu.run().unwrap() {
            VcpuExit::MmioWrite(addr, data) => {
                assert_eq!(addr, 0x2_0050);
                assert_eq!(data, [2, 0, 0, 0]);
            }
            other => panic!("unexpected exit {other:?}"),
        }
        assert_eq!(notify.read().unwrap(), 1, "the matching write signalled the eventfd");
        assert!(matches!(vcpu.run().unwrap(), VcpuExit::Hlt));
        drop(vcpu);
        drop(vm);
    }
}
