//! Builds a VM top to bottom, in the order of docs/DESIGN.md "Boot sequence":
//! KVM, kernel image and disk checks, guest memory, VM + irqchip, vCPU, devices (legacy and
//! virtio), kernel load, boot structures, entry registers.

use std::io::stderr;
use std::sync::{Arc, Mutex};

use vm_memory::GuestMemoryMmap;
use vmm_sys_util::eventfd::{EFD_NONBLOCK, EventFd};

use crate::arch::x86_64::memmap;
use crate::config::{KernelSource, VmConfig};
use crate::devices::Bus;
use crate::devices::exit_port::ExitPort;
use crate::devices::memops::MemOps;
use crate::devices::serial::{BatchWriter, COM1_IRQ, SerialDevice};
use crate::devices::virtio::VirtioMmioDevices;
use crate::devices::virtio::block::{Block, DiskFile};
use crate::devices::virtio::console::{Console, ConsoleIo, WindowSize};
use crate::embedded::{EMBEDDED_ROOTFS, EMBEDDED_ROOTFS_NAME};
use crate::error::Error;
use crate::event_loop::Subscriber;
use crate::loader::{self, KernelImage, pvh};
use crate::timings::{Lap, Timings};
use crate::vstate::{kvm::Kvm, memory, vcpu::Vcpu, vm::Vm};

/// A VM ready for its first `KVM_RUN`.
pub struct BuiltVm {
    /// The boot vCPU (declared first: dropped before the VM it belongs to).
    pub vcpu: Vcpu,
    /// Devices the vCPU's exits are routed to.
    pub bus: Bus,
    /// The VM and its memory.
    pub vm: Vm,
    /// Event handlers of the virtio devices, for the device event loop.
    pub subscribers: Vec<Subscriber>,
    /// The console (for window-size changes: `crate::winsize`).
    pub console: Arc<Mutex<Console>>,
}

impl BuiltVm {
    /// Guest memory.
    pub fn memory(&self) -> &GuestMemoryMmap {
        &self.vm.memory
    }
}

/// Builds the VM described by `config`, recording phase times in `timings`. `tty`: the
/// guest's console is a terminal (the vmm's stdin and stdout are: `crate::terminal`), so the
/// kernel is told so (`console.tty=1`) and the console offers the host terminal's size.
pub fn build(config: &VmConfig, tty: bool, timings: &mut Timings) -> Result<BuiltVm, Error> {
    let mut lap = Lap::start();
    // User input first (command line, kernel, disks): cheap checks that name the problem
    // before anything is created.
    let mut trial = pvh::build_cmdline(&config.cmdline)?;
    pvh::append_program(
        &mut trial,
        &config.env,
        config.user.as_deref(),
        config.verbose,
        &config.command,
    )?;
    let image = match &config.kernel {
        KernelSource::Embedded => KernelImage::embedded()?,
        KernelSource::File(path) => KernelImage::from_file(path)?,
    };
    let disks = if config.disks.is_empty() {
        vec![DiskFile::from_static(EMBEDDED_ROOTFS_NAME, EMBEDDED_ROOTFS)?]
    } else {
        config
            .disks
            .iter()
            .map(|d| DiskFile::open(&d.path, d.read_only))
            .collect::<Result<_, _>>()?
    };
    let kvm = Kvm::open(&config.kvm_device)?;
    let guest_memory = memory::create(config.mem_mib, image.info().load_end)?;
    let vm = Vm::new(&kvm, guest_memory)?;
    let mut vcpu = Vcpu::new(&kvm, &vm, 0)?;
    let mut bus = attach_devices(&vm)?;
    let size = if tty { crate::winsize::host_size() } else { None };
    let (virtio, console) = attach_virtio(&vm, &mut bus, disks, size)?;
    // The devices announce themselves first, so user text (even a trailing `--`) follows;
    // the terminal flag comes before the user's text, which may override it.
    let mut cmdline = pvh::build_cmdline("")?;
    virtio.add_to_cmdline(&mut cmdline)?;
    pvh::append_console_tty(&mut cmdline, tty)?;
    pvh::append_cmdline(&mut cmdline, &config.cmdline)?;
    pvh::append_program(
        &mut cmdline,
        &config.env,
        config.user.as_deref(),
        config.verbose,
        &config.command,
    )?;
    // Without coalescing every byte the kernel prints is a round trip to the vmm (this
    // host's KVM runs `rep outsb` one element at a time); it is only an optimization.
    vcpu.coalesce_pio(&vm, vmm_abi::COM1_PORT);
    timings.vm_create = lap.lap();

    let entry = loader::load_kernel(&vm.memory, &image)?;
    let start_info =
        pvh::write_boot_structures(&vm.memory, &cmdline, &memmap::build(config.mem_mib << 20))?;
    vcpu.set_pvh_entry(entry.0, start_info.0)?;
    timings.kernel_load = lap.lap();
    Ok(BuiltVm { vcpu, bus, vm, subscribers: virtio.subscribers(), console })
}

/// The virtio-mmio devices: the disks in `--disk` order (vda, vdb, ...), then the console
/// (port 0: host stdin/stdout, port 1: host stderr; `size`: the terminal's, if any).
fn attach_virtio(
    vm: &Vm,
    bus: &mut Bus,
    disks: Vec<DiskFile>,
    size: Option<WindowSize>,
) -> Result<(VirtioMmioDevices, Arc<Mutex<Console>>), Error> {
    let mut virtio = VirtioMmioDevices::new();
    for disk in disks {
        let block =
            Block::new(disk).map_err(|source| Error::Device { what: "virtio-blk", source })?;
        virtio.attach(&vm.fd, bus, &vm.memory, Arc::new(Mutex::new(block)))?;
    }
    let console = Console::new(ConsoleIo::stdio(), size)
        .map_err(|source| Error::Device { what: "virtio-console", source })?;
    let console = Arc::new(Mutex::new(console));
    virtio.attach(&vm.fd, bus, &vm.memory, console.clone())?;
    Ok((virtio, console))
}

/// The port devices every VM has: COM1 (to stderr), the power-off port and the memops
/// device.
fn attach_devices(vm: &Vm) -> Result<Bus, Error> {
    let mut bus = Bus::default();
    let irq = EventFd::new(EFD_NONBLOCK)
        .map_err(|source| Error::Device { what: "COM1 eventfd", source })?;
    vm.fd
        .register_irqfd(&irq, COM1_IRQ)
        .map_err(|e| Error::Device { what: "COM1 irqfd", source: e.into() })?;
    let serial = SerialDevice::new(irq, BatchWriter::new(Box::new(stderr())));
    bus.add_pio(vmm_abi::COM1_PORT, 8, Box::new(serial))?;
    bus.add_pio(vmm_abi::EXIT_PORT, vmm_abi::EXIT_PORT_SIZE as u16, Box::new(ExitPort))?;
    bus.add_pio(vmm_abi::memops::MEMOPS_PORT, 4, Box::new(MemOps::new(vm.memory.clone())))?;
    Ok(bus)
}
