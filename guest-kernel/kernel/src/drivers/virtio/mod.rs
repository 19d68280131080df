//! virtio-mmio devices (virtio 1.2, modern only): discovery from the kernel command line,
//! bring-up, and the block and console drivers.
//!
//! What comes from the `virtio-drivers` crate and what does not:
//! - its `MmioTransport` (and `Transport` trait) does every register access: probe (magic,
//!   version, device ID), status, features, queue registers, config space, notify;
//! - the rings are this kernel's own ([`queue::SplitQueue`]), and so are the block and
//!   console drivers on them, because of the cost model (every kernel instruction about
//!   1 µs, zeroing and copying about 1 µs per 8 bytes). `virtio_drivers::queue::VirtQueue`
//!   zeroes and then copies a shadow descriptor table on creation and links every
//!   descriptor, allocates a heap table per request for indirect descriptors, copies each
//!   descriptor from its shadow, and completes requests only in order by token. Here
//!   queues are fresh DMA pages used as they are, each driver owns its descriptor numbering
//!   (a block request slot owns a ring entry and a preallocated indirect table; a console
//!   buffer its descriptor), and completion is by descriptor id, in any order.
//!   `VirtIOBlk` adds a bounded 16-entry queue and busy-waiting; `VirtIOConsole` lacks
//!   multiport (see `console`).
//!
//! Bring-up is lazy, per kind: the first use of the console (the first log line after the
//! banner, a console self-test) brings up the console, the first use of a disk brings up
//! every disk, in command-line order (so `vda`, `vdb`, ... follow the vmm's `--disk`
//! order). Bringing up the vmm's two devices costs about 10 ms here (some 130 register
//! exits and several thousand emulated instructions), which a boot that never touches them
//! (`exit=0`) does not pay.
//!
//! Interrupts: each device's line is routed edge-triggered to vector `0x20 + irq`; drivers
//! sleep in `irq::wait` and look at their used rings when woken.

pub mod blk;
pub mod console;
pub mod queue;
pub mod transport;

use crate::arch::x86_64::irq;
use crate::block;
use crate::console::println;
use crate::time;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use klib::virtio_mmio::MmioDevice;
use spin::mutex::SpinMutex;
use virtio_drivers::transport::DeviceType;
use virtio_drivers::transport::mmio::MmioTransport;

/// One announced device on its way up.
enum Slot {
    /// Not looked at yet.
    Announced(MmioDevice),
    /// Probed: a device of a kind not brought up yet.
    Probed(MmioDevice, MmioTransport<'static>),
    /// Brought up, unsupported, or failed (reported).
    Done,
}

/// The command line's devices.
struct Registry {
    /// The kernel command line, read for `virtio_mmio.device=` at the first bring-up.
    cmdline: &'static str,
    /// The announced devices in command-line order, once read.
    slots: Option<Vec<Slot>>,
    kvm_features: u32,
    verbose: bool,
    irq_ready: bool,
}

static REGISTRY: SpinMutex<Option<Registry>> = SpinMutex::new(None);
/// Whether the console / the disks were brought up (or tried).
static CONSOLE_DONE: AtomicBool = AtomicBool::new(false);
static DISKS_DONE: AtomicBool = AtomicBool::new(false);

/// Remembers the command line whose `virtio_mmio.device=` parameters announce the
/// devices; nothing is read or touched until first use. `verbose` reports what is found.
pub fn announce(cmdline: &'static str, kvm_features: u32, verbose: bool) {
    *REGISTRY.lock() =
        Some(Registry { cmdline, slots: None, kvm_features, verbose, irq_ready: false });
}

/// The announced devices, read from the command line (malformed ones reported, skipped).
fn read_devices(cmdline: &str) -> Vec<Slot> {
    let mut slots = Vec::new();
    for device in klib::virtio_mmio::devices(cmdline) {
        match device {
            Ok(device) => slots.push(Slot::Announced(device)),
            Err((value, e)) => println!("virtio_mmio.device={value}: {e}; ignored"),
        }
    }
    slots
}

/// Brings up the first console, once (cheap afterwards).
pub fn ensure_console() {
    if !CONSOLE_DONE.load(Ordering::Relaxed) && bring_up(DeviceType::Console) {
        CONSOLE_DONE.store(true, Ordering::Relaxed);
    }
}

/// Brings up every disk, once (cheap afterwards).
pub fn ensure_disks() {
    if !DISKS_DONE.load(Ordering::Relaxed) && bring_up(DeviceType::Block) {
        DISKS_DONE.store(true, Ordering::Relaxed);
    }
}

/// Brings up the devices of kind `kind`, probing the others on the way (they are kept
/// for their own turn). Returns false, doing nothing, before [`announce`] (the banner is
/// printed earlier) and when called from inside a bring-up (a log line printed by it asks
/// for the console): such lines go to the UART.
fn bring_up(kind: DeviceType) -> bool {
    let Some(mut guard) = REGISTRY.try_lock() else { return false };
    let Some(registry) = guard.as_mut() else { return false };
    let Registry { cmdline, slots, kvm_features, verbose, irq_ready } = registry;
    let slots = slots.get_or_insert_with(|| read_devices(cmdline));
    if slots.iter().all(|s| matches!(s, Slot::Done)) {
        return true;
    }
    let start = time::now();
    if !*irq_ready {
        if let Err(e) = irq::init(*kvm_features) {
            println!("virtio: no interrupts ({e}); devices not used");
            slots.iter_mut().for_each(|s| *s = Slot::Done);
            return true;
        }
        *irq_ready = true;
    }
    let verbose = *verbose;
    for slot in slots.iter_mut() {
        if let Slot::Announced(device) = *slot {
            *slot = match transport::probe(&device) {
                Ok(transport) => Slot::Probed(device, transport),
                Err(e) => {
                    println!("virtio-mmio {:#x} (irq {}): {e}", device.base, device.irq);
                    Slot::Done
                }
            };
        }
        let Slot::Probed(device, transport) = slot else { continue };
        let found = transport::device_type(transport);
        if found == kind || !matches!(found, DeviceType::Block | DeviceType::Console) {
            let Slot::Probed(device, transport) = core::mem::replace(slot, Slot::Done) else {
                continue;
            };
            if let Err(e) = start_device(found, &device, transport, verbose) {
                println!("virtio-mmio {:#x} (irq {}): {e}", device.base, device.irq);
            }
        } else {
            let _ = device;
        }
    }
    if verbose {
        let us = time::ticks_to_ns(time::now() - start) / 1000;
        println!("virtio: {kind:?} devices up in {us} us");
    }
    true
}

/// Starts one probed device with its driver.
fn start_device(
    kind: DeviceType,
    device: &MmioDevice,
    transport: MmioTransport<'static>,
    verbose: bool,
) -> Result<(), transport::InitError> {
    match kind {
        DeviceType::Block => {
            let driver = blk::VirtioBlk::new(transport, device.irq)?;
            let (capacity, read_only) = (driver.capacity(), driver.read_only());
            let disk = block::register(driver).ok_or(transport::InitError::NoMemory)?;
            if verbose {
                let ro = if read_only { ", read-only" } else { "" };
                println!("virtio-blk {}: {capacity} sectors{ro}", disk.name());
            }
        }
        DeviceType::Console => {
            // A second console is dropped (its transport resets it).
            console::install(console::VirtioConsole::new(transport, device.irq)?);
            let (rows, cols) = console::window_size_now();
            if verbose && cols != 0 {
                println!("virtio-console: terminal {rows}x{cols}");
            }
        }
        other => {
            if verbose {
                println!("virtio-mmio {:#x}: {other:?} device not supported", device.base);
            }
        }
    }
    Ok(())
}
