//! The multiport control protocol (virtio 1.2, 5.3.6.2): message encoding and the device's
//! side of the port handshake, as pure logic the device feeds with driver messages.

use std::collections::VecDeque;

use super::{CONSOLE_PORT, NR_PORTS};

/// Driver → device: the driver is ready (value 1) or failed (value 0).
pub const VIRTIO_CONSOLE_DEVICE_READY: u16 = 0;
/// Device → driver: a new port `id` exists.
pub const VIRTIO_CONSOLE_DEVICE_ADD: u16 = 1;
/// Device → driver: port `id` is gone.
pub const VIRTIO_CONSOLE_DEVICE_REMOVE: u16 = 2;
/// Driver → device: port `id` is set up (value 1) or failed (value 0).
pub const VIRTIO_CONSOLE_PORT_READY: u16 = 3;
/// Device → driver: port `id` is a console.
pub const VIRTIO_CONSOLE_CONSOLE_PORT: u16 = 4;
/// Device → driver: console size changed (followed by rows/cols).
pub const VIRTIO_CONSOLE_RESIZE: u16 = 5;
/// Both ways: the sender's end of port `id` is open (1) or closed (0).
pub const VIRTIO_CONSOLE_PORT_OPEN: u16 = 6;
/// Device → driver: the port's name follows the header.
pub const VIRTIO_CONSOLE_PORT_NAME: u16 = 7;

/// Size of `struct virtio_console_control`.
pub const CONTROL_HEADER_LEN: usize = 8;

/// The names announced with PORT_NAME (Linux shows them as `/dev/virtio-ports/NAME`).
pub const PORT_NAMES: [&str; NR_PORTS] = ["stdio", "stderr"];

/// `struct virtio_console_control { le32 id; le16 event; le16 value; }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ControlHeader {
    /// Port number.
    pub id: u32,
    /// One of the `VIRTIO_CONSOLE_*` events.
    pub event: u16,
    /// Event argument.
    pub value: u16,
}

impl ControlHeader {
    /// The wire form.
    pub fn to_bytes(self) -> [u8; CONTROL_HEADER_LEN] {
        let mut bytes = [0u8; CONTROL_HEADER_LEN];
        bytes[0..4].copy_from_slice(&self.id.to_le_bytes());
        bytes[4..6].copy_from_slice(&self.event.to_le_bytes());
        bytes[6..8].copy_from_slice(&self.value.to_le_bytes());
        bytes
    }

    /// Decodes the wire form.
    pub fn from_bytes(bytes: [u8; CONTROL_HEADER_LEN]) -> Self {
        ControlHeader {
            id: u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            event: u16::from_le_bytes([bytes[4], bytes[5]]),
            value: u16::from_le_bytes([bytes[6], bytes[7]]),
        }
    }
}

/// The device's control-protocol state: which ports the driver has set up, and the messages
/// waiting for control receive buffers.
#[derive(Debug, Default)]
pub struct Control {
    ports: usize,
    port_ready: [bool; NR_PORTS],
    guest_open: [bool; NR_PORTS],
    input_closed: bool,
    outbox: VecDeque<Vec<u8>>,
}

impl Control {
    /// A fresh handshake announcing `ports` ports (port 0 first).
    pub fn new(ports: usize) -> Self {
        Control { ports: ports.min(NR_PORTS), ..Default::default() }
    }

    /// Starts over (device reset or re-activation), keeping what is known about the host
    /// input (an ended stdin stays ended).
    pub fn restart(&mut self, ports: usize) {
        let input_closed = self.input_closed;
        *self = Control::new(ports);
        self.input_closed = input_closed;
    }

    fn send(&mut self, id: usize, event: u16, value: u16) {
        self.outbox.push_back(ControlHeader { id: id as u32, event, value }.to_bytes().to_vec());
    }

    fn send_name(&mut self, id: usize) {
        let mut msg = ControlHeader { id: id as u32, event: VIRTIO_CONSOLE_PORT_NAME, value: 1 }
            .to_bytes()
            .to_vec();
        msg.extend_from_slice(PORT_NAMES[id].as_bytes());
        self.outbox.push_back(msg);
    }

    /// Handles one message from the driver.
    pub fn handle(&mut self, msg: ControlHeader) {
        let id = msg.id as usize;
        match msg.event {
            VIRTIO_CONSOLE_DEVICE_READY if msg.value == 1 => {
                for port in 0..self.ports {
                    self.send(port, VIRTIO_CONSOLE_DEVICE_ADD, 0);
                }
            }
            VIRTIO_CONSOLE_PORT_READY if msg.value == 1 && id < self.ports => {
                self.port_ready[id] = true;
                if id == CONSOLE_PORT {
                    self.send(id, VIRTIO_CONSOLE_CONSOLE_PORT, 1);
                }
                self.send_name(id);
                self.send(id, VIRTIO_CONSOLE_PORT_OPEN, 1);
                if id == CONSOLE_PORT && self.input_closed {
                    self.send(id, VIRTIO_CONSOLE_PORT_OPEN, 0);
                }
            }
            VIRTIO_CONSOLE_PORT_OPEN if id < self.ports => self.guest_open[id] = msg.value == 1,
            // DEVICE_READY(0) / PORT_READY(0): the driver gave up on the device or port;
            // nothing to undo. Unknown events are ignored (5.3.6.2: "ignore").
            _ => {}
        }
    }

    /// The host's input for port 0 ended (stdin EOF): tell the driver, now or once the port
    /// is ready.
    pub fn close_input(&mut self) {
        if !self.input_closed {
            self.input_closed = true;
            if self.port_ready[CONSOLE_PORT] {
                self.send(CONSOLE_PORT, VIRTIO_CONSOLE_PORT_OPEN, 0);
            }
        }
    }

    /// The next message to deliver, left queued until [`Self::delivered`].
    pub fn peek(&self) -> Option<&[u8]> {
        self.outbox.front().map(Vec::as_slice)
    }

    /// Drops the message [`Self::peek`] returned.
    pub fn delivered(&mut self) {
        self.outbox.pop_front();
    }

    /// Whether the driver said port `id` is ready.
    pub fn port_ready(&self, id: usize) -> bool {
        self.port_ready.get(id).copied().unwrap_or(false)
    }

    /// Whether the guest side of port `id` is open (it sent PORT_OPEN(id, 1)).
    pub fn guest_open(&self, id: usize) -> bool {
        self.guest_open.get(id).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: u32, event: u16, value: u16) -> ControlHeader {
        ControlHeader { id, event, value }
    }

    fn drain(c: &mut Control) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(m) = c.peek() {
            out.push(m.to_vec());
            c.delivered();
        }
        out
    }

    fn bytes(id: u32, event: u16, value: u16) -> Vec<u8> {
        msg(id, event, value).to_bytes().to_vec()
    }

    fn name(id: u32, text: &str) -> Vec<u8> {
        let mut m = bytes(id, VIRTIO_CONSOLE_PORT_NAME, 1);
        m.extend_from_slice(text.as_bytes());
        m
    }

    #[test]
    fn header_round_trips() {
        let h = msg(1, VIRTIO_CONSOLE_PORT_OPEN, 1);
        assert_eq!(h.to_bytes(), [1, 0, 0, 0, 6, 0, 1, 0]);
        assert_eq!(ControlHeader::from_bytes(h.to_bytes()), h);
    }

    #[test]
    fn handshake() {
        let mut c = Control::new(2);
        c.handle(msg(0, VIRTIO_CONSOLE_DEVICE_READY, 1));
        assert_eq!(
            drain(&mut c),
            [bytes(0, VIRTIO_CONSOLE_DEVICE_ADD, 0), bytes(1, VIRTIO_CONSOLE_DEVICE_ADD, 0)]
        );
        c.handle(msg(0, VIRTIO_CONSOLE_PORT_READY, 1));
        assert_eq!(
            drain(&mut c),
            [
                bytes(0, VIRTIO_CONSOLE_CONSOLE_PORT, 1),
                name(0, "stdio"),
                bytes(0, VIRTIO_CONSOLE_PORT_OPEN, 1)
            ]
        );
        c.handle(msg(1, VIRTIO_CONSOLE_PORT_READY, 1));
        assert_eq!(drain(&mut c), [name(1, "stderr"), bytes(1, VIRTIO_CONSOLE_PORT_OPEN, 1)]);
        assert!(c.port_ready(0) && c.port_ready(1));
        c.handle(msg(0, VIRTIO_CONSOLE_PORT_OPEN, 1));
        assert!(c.guest_open(0) && !c.guest_open(1));
    }

    #[test]
    fn failures_and_unknowns_are_ignored() {
        let mut c = Control::new(2);
        c.handle(msg(0, VIRTIO_CONSOLE_DEVICE_READY, 0));
        c.handle(msg(0, VIRTIO_CONSOLE_PORT_READY, 0));
        c.handle(msg(7, VIRTIO_CONSOLE_PORT_READY, 1));
        c.handle(msg(0, 99, 1));
        assert!(c.peek().is_none());
        assert!(!c.port_ready(0) && !c.port_ready(7));
    }

    #[test]
    fn eof_is_announced_when_the_port_is_ready() {
        let mut c = Control::new(2);
        c.close_input();
        assert!(c.peek().is_none(), "port 0 not ready yet");
        c.handle(msg(0, VIRTIO_CONSOLE_PORT_READY, 1));
        let sent = drain(&mut c);
        assert_eq!(sent.last().unwrap(), &bytes(0, VIRTIO_CONSOLE_PORT_OPEN, 0));

        let mut c = Control::new(2);
        c.handle(msg(0, VIRTIO_CONSOLE_PORT_READY, 1));
        drain(&mut c);
        c.close_input();
        c.close_input();
        assert_eq!(drain(&mut c), [bytes(0, VIRTIO_CONSOLE_PORT_OPEN, 0)]);

        // A restart keeps the fact that input ended.
        c.restart(2);
        c.handle(msg(0, VIRTIO_CONSOLE_PORT_READY, 1));
        assert_eq!(drain(&mut c).last().unwrap(), &bytes(0, VIRTIO_CONSOLE_PORT_OPEN, 0));
    }

    #[test]
    fn single_port_announces_one_port() {
        let mut c = Control::new(1);
        c.handle(msg(0, VIRTIO_CONSOLE_DEVICE_READY, 1));
        assert_eq!(drain(&mut c), [bytes(0, VIRTIO_CONSOLE_DEVICE_ADD, 0)]);
        c.handle(msg(1, VIRTIO_CONSOLE_PORT_READY, 1));
        assert!(c.peek().is_none());
    }
}
