//! virtio-console (device ID 3) with VIRTIO_CONSOLE_F_MULTIPORT (virtio 1.2, 5.3).
//!
//! Two ports: port 0 is the console, wired to the host's stdin and stdout; port 1 carries
//! the guest's stderr to the host's stderr. Queues (5.3.2): 0 port-0 receiveq, 1 port-0
//! transmitq, 2 control receiveq, 3 control transmitq, 4 port-1 receiveq, 5 port-1
//! transmitq. A driver that does not negotiate MULTIPORT gets port 0 on queues 0 and 1 only.
//!
//! - Transmit: every available buffer of a port is gathered into one `writev` straight from
//!   guest memory. If the host end would block (a full non-blocking pipe), the unwritten rest
//!   is copied aside, the device stops taking that port's buffers (the guest feels the
//!   back-pressure through its full ring) and waits for the fd to become writable. Nothing is
//!   dropped or reordered; a blocking host end simply blocks the device thread.
//! - Receive: stdin is watched only while the guest has receive buffers posted; with none,
//!   the device stops watching (back-pressure) until the guest posts more. At EOF the device
//!   sends PORT_OPEN(port 0, 0) so the guest can report EOF to its readers.
//! - Control (5.3.6.2): DEVICE_READY → DEVICE_ADD per port; PORT_READY(id, 1) → for port 0
//!   CONSOLE_PORT, then PORT_NAME and PORT_OPEN(id, 1) (and PORT_OPEN(0, 0) if stdin already
//!   ended).
//!
//! - Size (5.3.4, 5.3.6 item 3): when the guest gets a terminal the device offers
//!   VIRTIO_CONSOLE_F_SIZE with the host terminal's `cols`/`rows`; [`Console::resize`]
//!   (the vmm's SIGWINCH) updates them and sends a configuration change notification.
//!
//! The host ends are injectable ([`ConsoleIo`]) so tests drive the device with pipes.

pub mod control;
mod device;
mod event_handler;
mod port;

pub use device::Console;
pub use event_handler::{
    CONTROL_RX_EVENT, CONTROL_TX_EVENT, INPUT_EVENT, PORT0_OUTPUT_EVENT, PORT0_RX_EVENT,
    PORT0_TX_EVENT, PORT1_OUTPUT_EVENT, PORT1_RX_EVENT, PORT1_TX_EVENT,
};
pub use port::{ConsoleIo, HostFd};

/// VIRTIO_CONSOLE_F_SIZE: `cols` and `rows` in the config space are valid.
pub const VIRTIO_CONSOLE_F_SIZE: u32 = 0;
/// VIRTIO_CONSOLE_F_MULTIPORT: several ports and a control queue pair.
pub const VIRTIO_CONSOLE_F_MULTIPORT: u32 = 1;
/// VIRTIO_CONSOLE_F_EMERG_WRITE: the driver may write single characters to `emerg_wr`.
pub const VIRTIO_CONSOLE_F_EMERG_WRITE: u32 = 2;

/// A terminal's size, as the config space's `cols` and `rows` carry it (virtio 1.2, 5.3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowSize {
    /// Columns.
    pub cols: u16,
    /// Rows.
    pub rows: u16,
}

/// Number of ports (config `max_nr_ports`).
pub const NR_PORTS: usize = 2;
/// The console port (stdin/stdout).
pub const CONSOLE_PORT: usize = 0;
/// The stderr port.
pub const STDERR_PORT: usize = 1;
/// Queue index of the control receiveq (device → driver).
pub const CONTROL_RX_QUEUE: usize = 2;
/// Queue index of the control transmitq (driver → device).
pub const CONTROL_TX_QUEUE: usize = 3;

/// The receiveq (host → guest) index of `port`.
pub const fn rx_queue(port: usize) -> usize {
    if port == 0 { 0 } else { 2 + 2 * port }
}

/// The transmitq (guest → host) index of `port`.
pub const fn tx_queue(port: usize) -> usize {
    rx_queue(port) + 1
}
