//! Emulated devices and the buses that route guest port and MMIO accesses to them.

pub mod bus;
pub mod exit_port;
pub mod memops;
pub mod serial;
pub mod virtio;

pub use bus::{Bus, BusDevice, DeviceAction};
