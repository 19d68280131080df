//! The virtio-console multiport control protocol, driver side (virtio 1.2, 5.3.6.2):
//! message encoding and what the driver answers to each device message.
//!
//! The handshake: the driver sends DEVICE_READY(1); the device announces each port with
//! DEVICE_ADD(id); the driver answers PORT_READY(id, 1) and, as its end of every port is
//! a kernel console that is always open, PORT_OPEN(id, 1). The device then sends
//! CONSOLE_PORT, PORT_NAME and PORT_OPEN(id, 1) (its end is open). PORT_OPEN(id, 0) from the
//! device means its end closed: for the vmm's port 0, that stdin reached end of file.

use crate::fixed_vec::FixedVec;

/// Driver → device: the driver is ready (1) or failed (0).
pub const DEVICE_READY: u16 = 0;
/// Device → driver: port `id` exists.
pub const DEVICE_ADD: u16 = 1;
/// Device → driver: port `id` is gone.
pub const DEVICE_REMOVE: u16 = 2;
/// Driver → device: port `id` is set up (1) or failed (0).
pub const PORT_READY: u16 = 3;
/// Device → driver: port `id` is a console.
pub const CONSOLE_PORT: u16 = 4;
/// Device → driver: console size changed.
pub const RESIZE: u16 = 5;
/// Both ways: the sender's end of port `id` is open (1) or closed (0).
pub const PORT_OPEN: u16 = 6;
/// Device → driver: port `id`'s name follows the header.
pub const PORT_NAME: u16 = 7;

/// Bytes of a control message header (`struct virtio_console_control`).
pub const HEADER_LEN: usize = 8;

/// Ports the driver handles: 0 (the vmm's stdin and stdout) and 1 (its stderr).
pub const MAX_PORTS: usize = 2;

/// `struct virtio_console_control { le32 id; le16 event; le16 value; }`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ControlMsg {
    /// Port number.
    pub id: u32,
    /// One of the event constants above.
    pub event: u16,
    /// The event's argument.
    pub value: u16,
}

impl ControlMsg {
    /// A message.
    pub const fn new(id: u32, event: u16, value: u16) -> Self {
        Self { id, event, value }
    }

    /// The wire form, as one little-endian word (the header is 8 bytes, so the driver can
    /// write a message with a single store).
    pub const fn to_word(self) -> u64 {
        self.id as u64 | (self.event as u64) << 32 | (self.value as u64) << 48
    }

    /// Decodes the first [`HEADER_LEN`] bytes of `bytes` (anything after it, e.g. a port
    /// name, is ignored); `None` if there are fewer.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let b: &[u8; HEADER_LEN] = bytes.get(..HEADER_LEN)?.try_into().ok()?;
        Some(Self {
            id: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            event: u16::from_le_bytes([b[4], b[5]]),
            value: u16::from_le_bytes([b[6], b[7]]),
        })
    }
}

/// The driver's first message.
pub const READY: ControlMsg = ControlMsg::new(0, DEVICE_READY, 1);

/// What the driver knows about one port.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PortState {
    /// The device announced the port (DEVICE_ADD) and has not removed it.
    pub added: bool,
    /// The device's end is open (its last PORT_OPEN said 1).
    pub host_open: bool,
    /// The device's end was open and then closed: no more input will come.
    pub host_closed: bool,
    /// The device said the port is a console (CONSOLE_PORT).
    pub console: bool,
}

/// Replies the driver must send for one device message (at most two).
pub type Replies = FixedVec<ControlMsg, 2>;

/// The driver's control-protocol state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ControlState {
    /// Ports 0 and 1.
    pub ports: [PortState; MAX_PORTS],
}

impl ControlState {
    /// Handles one device message; returns what to send back.
    pub fn handle(&mut self, msg: ControlMsg) -> Replies {
        let mut replies = Replies::new();
        let id = msg.id;
        let Some(port) = self.ports.get_mut(id as usize) else {
            // A port this driver has no queues for: refuse it (the device then does not
            // use it); ignore anything else about it.
            if msg.event == DEVICE_ADD {
                let _ = replies.push(ControlMsg::new(id, PORT_READY, 0));
            }
            return replies;
        };
        match msg.event {
            DEVICE_ADD => {
                port.added = true;
                let _ = replies.push(ControlMsg::new(id, PORT_READY, 1));
                let _ = replies.push(ControlMsg::new(id, PORT_OPEN, 1));
            }
            DEVICE_REMOVE => {
                let closed = port.host_open || port.host_closed;
                *port = PortState { host_closed: closed, ..PortState::default() };
            }
            CONSOLE_PORT => port.console = true,
            PORT_OPEN if msg.value == 1 => {
                port.host_open = true;
                port.host_closed = false;
            }
            PORT_OPEN => {
                port.host_open = false;
                port.host_closed = true;
            }
            // PORT_NAME, RESIZE and unknown events need nothing (5.3.6.2: "ignore").
            _ => {}
        }
        replies
    }

    /// Whether input on `port` has ended: the device closed its end (for the vmm's port 0,
    /// stdin reached end of file) or removed the port after using it.
    pub fn input_ended(&self, port: usize) -> bool {
        self.ports.get(port).is_none_or(|p| p.host_closed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;

    fn msg(id: u32, event: u16, value: u16) -> ControlMsg {
        ControlMsg::new(id, event, value)
    }

    #[test]
    fn wire_form() {
        let m = msg(1, PORT_OPEN, 1);
        assert_eq!(m.to_word().to_le_bytes(), [1, 0, 0, 0, 6, 0, 1, 0]);
        assert_eq!(ControlMsg::from_bytes(&m.to_word().to_le_bytes()), Some(m));
        let mut named = std::vec::Vec::from(m.to_word().to_le_bytes());
        named.extend_from_slice(b"stdio");
        assert_eq!(ControlMsg::from_bytes(&named), Some(m));
        assert_eq!(ControlMsg::from_bytes(&[1, 0, 0]), None);
        assert_eq!(READY.to_word().to_le_bytes(), [0, 0, 0, 0, 0, 0, 1, 0]);
    }

    #[test]
    fn handshake_as_the_vmm_runs_it() {
        let mut s = ControlState::default();
        assert_eq!(
            &*s.handle(msg(0, DEVICE_ADD, 0)),
            &[msg(0, PORT_READY, 1), msg(0, PORT_OPEN, 1)]
        );
        assert_eq!(
            &*s.handle(msg(1, DEVICE_ADD, 0)),
            &[msg(1, PORT_READY, 1), msg(1, PORT_OPEN, 1)]
        );
        assert!(s.handle(msg(0, CONSOLE_PORT, 1)).is_empty());
        assert!(s.handle(msg(0, PORT_NAME, 1)).is_empty());
        assert!(s.handle(msg(0, PORT_OPEN, 1)).is_empty());
        assert!(s.handle(msg(1, PORT_OPEN, 1)).is_empty());
        assert!(s.ports[0].console && s.ports[0].host_open && s.ports[1].added);
        assert!(!s.input_ended(0));
        // stdin reached end of file.
        assert!(s.handle(msg(0, PORT_OPEN, 0)).is_empty());
        assert!(s.input_ended(0));
        assert!(!s.input_ended(1));
    }

    #[test]
    fn eof_before_the_port_is_open_still_counts() {
        let mut s = ControlState::default();
        s.handle(msg(0, DEVICE_ADD, 0));
        s.handle(msg(0, PORT_OPEN, 0));
        assert!(s.input_ended(0));
        s.handle(msg(0, PORT_OPEN, 1));
        assert!(!s.input_ended(0), "reopened");
    }

    #[test]
    fn unknown_ports_are_refused_and_removal_ends_input() {
        let mut s = ControlState::default();
        assert_eq!(&*s.handle(msg(5, DEVICE_ADD, 0)), &[msg(5, PORT_READY, 0)]);
        assert!(s.handle(msg(5, PORT_OPEN, 1)).is_empty());
        assert!(s.input_ended(5));
        s.handle(msg(0, DEVICE_ADD, 0));
        s.handle(msg(0, PORT_OPEN, 1));
        s.handle(msg(0, DEVICE_REMOVE, 0));
        assert!(s.input_ended(0));
        assert!(!s.ports[0].added);
        assert!(s.handle(msg(0, 99, 1)).is_empty());
        assert!(s.handle(msg(1, RESIZE, 0)).is_empty());
    }
}
