//! Bringing a virtio-mmio device up (virtio 1.2, 3.1.1 and 4.2.3), on `virtio-drivers`'
//! `MmioTransport`, which does the register accesses.
//!
//! Every register access is a VM exit to the vmm (MMIO that KVM does not handle itself), so
//! this code reads and writes each register once, in the order the specification asks.

use crate::arch::x86_64::paging;
use crate::drivers::virtio::queue::SplitQueue;
use core::fmt;
use core::ptr::NonNull;
use klib::virtio_mmio::MmioDevice;
use virtio_drivers::transport::mmio::{MmioError, MmioTransport, MmioVersion, VirtIOHeader};
use virtio_drivers::transport::{DeviceStatus, DeviceType, InterruptStatus, Transport};

/// VIRTIO_F_VERSION_1: a modern device (the only kind this kernel drives).
pub const F_VERSION_1: u64 = 1 << 32;
/// VIRTIO_F_RING_INDIRECT_DESC: descriptors may point at descriptor tables.
pub const F_INDIRECT_DESC: u64 = 1 << 28;
/// VIRTIO_F_RING_EVENT_IDX: `used_event`/`avail_event` suppress interrupts and kicks.
pub const F_EVENT_IDX: u64 = 1 << 29;

/// The VendorID of the project's vmm ("VMM\0"). Its transport raises a new interrupt edge
/// for every notification whether or not the driver acknowledged InterruptStatus
/// (`vmm/src/devices/virtio/interrupt.rs`), so drivers skip the acknowledgement, two exits
/// per interrupt. Other hosts (QEMU) keep their line up until the acknowledgement, and get it.
pub const VMM_VENDOR_ID: u32 = 0x004d_4d56;

/// Why a device could not be brought up.
#[derive(Clone, Copy, Debug)]
pub enum InitError {
    /// The register window is outside the MMIO gap or could not be mapped.
    Unmapped,
    /// The window does not hold a virtio-mmio device (bad magic, no device, too small).
    Transport(&'static str),
    /// A legacy (version 1) device.
    Legacy,
    /// A feature the driver needs is missing.
    MissingFeature(&'static str),
    /// The device refused the driver's features (FEATURES_OK did not stick).
    FeaturesRefused,
    /// The device has no queue `n`, or a smaller one than the driver needs.
    QueueTooSmall(u16),
    /// No memory for rings or buffers.
    NoMemory,
    /// The device's interrupt line cannot be routed.
    Irq,
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::Unmapped => f.write_str("registers outside the MMIO gap"),
            InitError::Transport(why) => f.write_str(why),
            InitError::Legacy => f.write_str("legacy (version 1) device"),
            InitError::MissingFeature(what) => write!(f, "device lacks {what}"),
            InitError::FeaturesRefused => f.write_str("device refused the features"),
            InitError::QueueTooSmall(q) => write!(f, "queue {q} missing or too small"),
            InitError::NoMemory => f.write_str("out of memory"),
            InitError::Irq => f.write_str("interrupt line cannot be routed"),
        }
    }
}

/// Maps the device's register window and checks it: magic, version 2, a device ID.
pub fn probe(device: &MmioDevice) -> Result<MmioTransport<'static>, InitError> {
    let regs = paging::map_mmio(device.base, u64::from(device.size)).ok_or(InitError::Unmapped)?;
    let header = NonNull::new(regs.cast::<VirtIOHeader>()).ok_or(InitError::Unmapped)?;
    // SAFETY: `header` maps the device's whole window (`size` bytes, config space included)
    // uncached, for good; nothing else accesses it (each window is announced once).
    let transport = unsafe { MmioTransport::new(header, device.size as usize) }.map_err(|e| {
        InitError::Transport(match e {
            MmioError::BadMagic(_) => "no virtio-mmio magic",
            MmioError::UnsupportedVersion(_) => "unknown virtio-mmio version",
            MmioError::InvalidDeviceID(_) => "no device behind the window",
            MmioError::MmioRegionTooSmall => "window too small",
        })
    })?;
    if transport.version() != MmioVersion::Modern {
        return Err(InitError::Legacy);
    }
    Ok(transport)
}

/// The device type, for dispatching to a driver.
pub fn device_type(transport: &MmioTransport<'static>) -> DeviceType {
    transport.device_type()
}

/// Resets the device and negotiates features: the driver's `supported` bits that the
/// device offers (VERSION_1 required). Returns the negotiated set.
pub fn negotiate(transport: &mut MmioTransport<'static>, supported: u64) -> Result<u64, InitError> {
    transport.set_status(DeviceStatus::empty());
    transport.set_status(DeviceStatus::ACKNOWLEDGE | DeviceStatus::DRIVER);
    let offered = transport.read_device_features();
    let features = offered & (supported | F_VERSION_1);
    if features & F_VERSION_1 == 0 {
        return Err(InitError::MissingFeature("VIRTIO_F_VERSION_1"));
    }
    transport.write_driver_features(features);
    let status = DeviceStatus::ACKNOWLEDGE | DeviceStatus::DRIVER | DeviceStatus::FEATURES_OK;
    transport.set_status(status);
    if !transport.get_status().contains(DeviceStatus::FEATURES_OK) {
        return Err(InitError::FeaturesRefused);
    }
    Ok(features)
}

/// Gives `queue` to the device (size, ring addresses, ready). Its size must come from
/// [`queue_size`], which checked it against the device's maximum.
pub fn add_queue(
    transport: &mut MmioTransport<'static>,
    queue: &SplitQueue,
) -> Result<(), InitError> {
    let (desc, avail, used) = queue.addresses();
    transport.queue_set(queue.index(), u32::from(queue.size()), desc, avail, used);
    Ok(())
}

/// The largest queue size up to `wanted` the device offers for queue `index` (a power of
/// two), or an error if it has no such queue.
pub fn queue_size(
    transport: &mut MmioTransport<'static>,
    index: u16,
    wanted: u16,
) -> Result<u16, InitError> {
    let max = transport.max_queue_size(index).min(u32::from(wanted));
    if max == 0 {
        return Err(InitError::QueueTooSmall(index));
    }
    // Round down to a power of two (the split ring's requirement).
    Ok(1 << (31 - max.leading_zeros()))
}

/// Sets DRIVER_OK: the device is live.
pub fn start(transport: &mut MmioTransport<'static>) {
    transport.set_status(
        DeviceStatus::ACKNOWLEDGE
            | DeviceStatus::DRIVER
            | DeviceStatus::FEATURES_OK
            | DeviceStatus::DRIVER_OK,
    );
}

/// Whether the device reports that it broke (DEVICE_NEEDS_RESET or FAILED): one register
/// read, for when an interrupt brought no progress.
pub fn failed(transport: &MmioTransport<'static>) -> bool {
    transport.get_status().intersects(DeviceStatus::DEVICE_NEEDS_RESET | DeviceStatus::FAILED)
}

/// Acknowledges the device's pending interrupt reasons; returns whether a configuration
/// change (or DEVICE_NEEDS_RESET) was among them. Two exits; only for hosts that need it.
pub fn acknowledge(transport: &mut MmioTransport<'static>) -> bool {
    transport.ack_interrupt().contains(InterruptStatus::DEVICE_CONFIGURATION_INTERRUPT)
}

/// Reads a 32-bit field of the device's configuration space (a zero on a short space).
pub fn config_u32(transport: &MmioTransport<'static>, offset: usize) -> u32 {
    transport.read_config_space::<u32>(offset).unwrap_or(0)
}
