//! The 16550A UART on COM1: the guest kernel's early and panic console.
//!
//! Emulated by `vm-superio`; its output goes to the host's stderr (kernel messages are
//! diagnostics; stdout is kept for guest programs). Output is batched per VM exit: a guest
//! line written with one `rep outsb` costs one exit and one `write(2)`.

mod device;
mod writer;

pub use device::{COM1_IRQ, SerialDevice};
pub use writer::BatchWriter;
