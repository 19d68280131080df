//! Event-loop glue for virtio-console: which fd woke the loop, what to do about it, and
//! keeping the epoll set equal to what the device currently wants to hear about.
//!
//! The six queue eventfds are watched for the device's whole life. The input fd is watched
//! only while the guest has receive buffers posted ([`Console::wants_input`]), and an output
//! fd only while output is waiting for it to become writable ([`Console::wants_output`]);
//! after every event the handler adds or removes those two kinds of registration to match.

use event_manager::{EventOps, Events, MutEventSubscriber};
use vmm_sys_util::epoll::EventSet;

use super::{CONTROL_RX_QUEUE, CONTROL_TX_QUEUE, Console, NR_PORTS, rx_queue, tx_queue};

/// Event token: the driver posted port 0 receive buffers.
pub const PORT0_RX_EVENT: u32 = rx_queue(0) as u32;
/// Event token: the driver queued port 0 output.
pub const PORT0_TX_EVENT: u32 = tx_queue(0) as u32;
/// Event token: the driver posted control receive buffers.
pub const CONTROL_RX_EVENT: u32 = CONTROL_RX_QUEUE as u32;
/// Event token: the driver sent control messages.
pub const CONTROL_TX_EVENT: u32 = CONTROL_TX_QUEUE as u32;
/// Event token: the driver posted port 1 receive buffers (port 1 has no host input).
pub const PORT1_RX_EVENT: u32 = rx_queue(1) as u32;
/// Event token: the driver queued port 1 (stderr) output.
pub const PORT1_TX_EVENT: u32 = tx_queue(1) as u32;
/// Event token: the host input (stdin) is readable.
pub const INPUT_EVENT: u32 = 6;
/// Event token: port 0's output fd is writable again.
pub const PORT0_OUTPUT_EVENT: u32 = 7;
/// Event token: port 1's output fd is writable again.
pub const PORT1_OUTPUT_EVENT: u32 = 8;

const OUTPUT_EVENTS: [u32; NR_PORTS] = [PORT0_OUTPUT_EVENT, PORT1_OUTPUT_EVENT];

impl Console {
    /// Dispatches one event token to the device (no epoll changes).
    pub fn handle_event(&mut self, token: u32) {
        if let Some(evt) = self.queue_evts().get(token as usize) {
            // Reading resets the counter; the queue itself says how much work there is.
            let _ = evt.read();
        }
        match token {
            PORT0_RX_EVENT => self.process_rx_kick(),
            PORT0_TX_EVENT | PORT0_OUTPUT_EVENT => self.process_tx(0),
            CONTROL_RX_EVENT => self.deliver_control(),
            CONTROL_TX_EVENT => self.process_control_tx(),
            PORT1_TX_EVENT | PORT1_OUTPUT_EVENT => self.process_tx(1),
            INPUT_EVENT => self.process_input(),
            _ => {} // PORT1_RX_EVENT: nothing feeds port 1
        }
    }

    /// Makes the epoll set match what the device wants to hear about.
    fn sync_interest(&mut self, ops: &mut EventOps) {
        // Input. An fd epoll refuses (a regular file, /dev/null: EPERM) never blocks, so it
        // is read directly instead, whenever the guest has buffers.
        while self.wants_input() != self.input_registered {
            let Some(input) = self.input() else { break };
            let events = Events::with_data(input.fd(), INPUT_EVENT, EventSet::IN);
            if self.input_registered {
                let _ = ops.remove(events);
                self.input_registered = false;
            } else if ops.add(events).is_ok() {
                self.input_registered = true;
            } else if let Some(input) = self.input_mut() {
                input.pollable = false;
                self.process_input();
            }
        }
        // Outputs waiting for writability. An fd epoll refuses is waited for by blocking.
        for (port, token) in OUTPUT_EVENTS.into_iter().enumerate() {
            while self.wants_output(port) != self.output_registered[port] {
                let events = Events::with_data(self.output(port).fd(), token, EventSet::OUT);
                if self.output_registered[port] {
                    let _ = ops.remove(events);
                    self.output_registered[port] = false;
                } else if ops.add(events).is_ok() {
                    self.output_registered[port] = true;
                } else {
                    self.output_mut(port).pollable = false;
                    while self.output(port).has_pending() {
                        self.block_until_flushed(port);
                        self.process_tx(port);
                    }
                }
            }
        }
    }
}

impl MutEventSubscriber for Console {
    fn process(&mut self, events: Events, ops: &mut EventOps) {
        self.handle_event(events.data());
        self.sync_interest(ops);
    }

    fn init(&mut self, ops: &mut EventOps) {
        for (token, evt) in self.queue_evts().iter().enumerate() {
            if let Err(e) = ops.add(Events::with_data(evt, token as u32, EventSet::IN)) {
                eprintln!("vmm: virtio-console: cannot watch queue {token}: {e:?}");
            }
        }
    }
}
