//! Device drivers. The 16550 UART (the early and panic console) lives in `console`; the
//! rest are virtio-mmio devices.

pub mod virtio;
