//! The virtio-console device: config space, activation, and the work behind each queue.

use std::os::fd::AsRawFd;
use std::sync::Arc;

use virtio_bindings::virtio_ids::VIRTIO_ID_CONSOLE;
use virtio_queue::{Queue, QueueOwnedT, QueueT};
use vm_memory::{Address, Bytes, GuestAddress, GuestMemoryMmap};
use vmm_sys_util::eventfd::{EFD_NONBLOCK, EventFd};

use super::control::{CONTROL_HEADER_LEN, Control, ControlHeader};
use super::port::{ConsoleIo, Input, Output, WriteOutcome};
use super::{
    CONSOLE_PORT, CONTROL_RX_QUEUE, CONTROL_TX_QUEUE, NR_PORTS, VIRTIO_CONSOLE_F_EMERG_WRITE,
    VIRTIO_CONSOLE_F_MULTIPORT, VIRTIO_CONSOLE_F_SIZE, WindowSize, rx_queue, tx_queue,
};
use crate::devices::virtio::queue::{notify_used, pop, push_iovecs, walk_chain};
use crate::devices::virtio::{
    ActivateError, Interrupt, VIRTIO_F_VERSION_1, VIRTIO_RING_F_EVENT_IDX,
    VIRTIO_RING_F_INDIRECT_DESC, VirtioDevice, read_config_bytes,
};

/// QueueNumMax of each queue: port receive queues hold the guest's input buffers, transmit
/// queues are larger so a burst of output becomes one big `writev`; control traffic is tiny.
const QUEUE_SIZES: [u16; 6] = [64, 128, 32, 32, 64, 128];
/// Config space: le16 cols, le16 rows, le32 max_nr_ports, le32 emerg_wr.
const CONFIG_LEN: usize = 12;
/// Offset of `emerg_wr` in the config space.
const EMERG_WR_OFFSET: u64 = 8;
/// One transmit batch stops at this many iovecs (the `writev` limit)...
const BATCH_IOVECS: usize = 1024;
/// ... or this many bytes.
const BATCH_BYTES: usize = 16 << 20;

/// What the device holds while the driver runs it.
struct Active {
    memory: GuestMemoryMmap,
    queues: Vec<Queue>,
    interrupt: Arc<Interrupt>,
    multiport: bool,
    /// Ports whose queues the driver set up (1, or 2 with multiport).
    ports: usize,
}

/// The driver broke the queue protocol in a way the device cannot work around.
struct QueueFault;

impl From<virtio_queue::Error> for QueueFault {
    fn from(_: virtio_queue::Error) -> Self {
        QueueFault
    }
}

/// A multiport virtio console on host file descriptors.
pub struct Console {
    avail_features: u64,
    acked_features: u64,
    config: [u8; CONFIG_LEN],
    queue_evts: Vec<EventFd>,
    input: Option<Input>,
    outputs: [Output; NR_PORTS],
    control: Control,
    active: Option<Active>,
    /// Whether the input fd is in the event loop's epoll set (kept by the event handler).
    pub(super) input_registered: bool,
    /// Whether each output fd is in the epoll set for writability.
    pub(super) output_registered: [bool; NR_PORTS],
}

impl Console {
    /// A console on `io`. With a `size` (the host terminal's, when the guest gets a
    /// terminal) the device offers VIRTIO_CONSOLE_F_SIZE with `cols`/`rows` in its config
    /// space, and [`Self::resize`] keeps them current; without, it offers no size (a pipe
    /// has none). Fails only if the queue eventfds cannot be created.
    pub fn new(io: ConsoleIo, size: Option<WindowSize>) -> std::io::Result<Self> {
        let mut avail_features = VIRTIO_F_VERSION_1
            | VIRTIO_RING_F_EVENT_IDX
            | VIRTIO_RING_F_INDIRECT_DESC
            | 1 << VIRTIO_CONSOLE_F_MULTIPORT
            | 1 << VIRTIO_CONSOLE_F_EMERG_WRITE;
        let mut config = [0u8; CONFIG_LEN];
        if let Some(size) = size {
            avail_features |= 1 << VIRTIO_CONSOLE_F_SIZE;
            write_size(&mut config, size);
        }
        config[4..8].copy_from_slice(&(NR_PORTS as u32).to_le_bytes());
        let queue_evts =
            (0..QUEUE_SIZES.len()).map(|_| EventFd::new(EFD_NONBLOCK)).collect::<Result<_, _>>()?;
        let mut control = Control::new(0);
        if io.input.is_none() {
            control.close_input();
        }
        Ok(Console {
            avail_features,
            acked_features: 0,
            config,
            queue_evts,
            input: io.input.map(Input::new),
            outputs: [Output::new(io.console_out), Output::new(io.stderr_out)],
            control,
            active: None,
            input_registered: false,
            output_registered: [false; NR_PORTS],
        })
    }

    /// The features the driver accepted.
    pub fn acked_features(&self) -> u64 {
        self.acked_features
    }

    /// The size in the config space (`None` if the device offers no size).
    pub fn size(&self) -> Option<WindowSize> {
        (self.avail_features & (1 << VIRTIO_CONSOLE_F_SIZE) != 0).then(|| WindowSize {
            cols: u16::from_le_bytes([self.config[0], self.config[1]]),
            rows: u16::from_le_bytes([self.config[2], self.config[3]]),
        })
    }

    /// The host terminal changed size: update `cols`/`rows` and, if the driver negotiated
    /// VIRTIO_CONSOLE_F_SIZE and the device runs, send a configuration change notification
    /// (virtio 1.2, 5.3.6 "Device Operation", item 3: "If the driver negotiated the
    /// VIRTIO_CONSOLE_F_SIZE feature, a configuration change notification indicates that
    /// the updated size can be read from the configuration fields. This size applies to
    /// port 0 only."). ConfigGeneration changes with it (4.2.2.1), so a driver reading
    /// both fields sees one size. Without F_SIZE offered, or with the same size, nothing
    /// happens.
    ///
    /// The multiport VIRTIO_CONSOLE_RESIZE control message (5.3.6.2) is not sent: the
    /// config field is the spec's mechanism for port 0 in every configuration, and the
    /// message's payload order differs between the spec (`cols, rows`) and Linux's driver
    /// (`rows, cols`), so it could not be right for both.
    pub fn resize(&mut self, size: WindowSize) {
        if self.size().is_none_or(|current| current == size) {
            return;
        }
        write_size(&mut self.config, size);
        let negotiated = self.acked_features & (1 << VIRTIO_CONSOLE_F_SIZE) != 0;
        if let Some(active) = self.active.as_ref().filter(|_| negotiated)
            && !active.interrupt.needs_reset()
        {
            active.interrupt.signal_config_change();
        }
    }

    /// The input (stdin) side, for the event handler.
    pub(super) fn input(&self) -> Option<&Input> {
        self.input.as_ref()
    }

    /// The input side, mutably.
    pub(super) fn input_mut(&mut self) -> Option<&mut Input> {
        self.input.as_mut()
    }

    /// Port `port`'s output side.
    pub(super) fn output(&self, port: usize) -> &Output {
        &self.outputs[port]
    }

    /// Port `port`'s output side, mutably.
    pub(super) fn output_mut(&mut self, port: usize) -> &mut Output {
        &mut self.outputs[port]
    }

    /// Whether the device wants to hear that the input fd is readable: it is running, input
    /// has not ended, and the guest has (or may have) receive buffers posted.
    pub fn wants_input(&self) -> bool {
        self.active.is_some()
            && self.input.as_ref().is_some_and(|i| !i.eof && i.pollable && i.wanted)
    }

    /// Whether port `port` has output waiting for its fd to become writable.
    pub fn wants_output(&self, port: usize) -> bool {
        self.outputs[port].has_pending() && self.outputs[port].pollable
    }

    /// The driver posted buffers on port 0's receive queue: start listening to the input
    /// (or, for an input epoll cannot watch, read it right away).
    pub fn process_rx_kick(&mut self) {
        let Some(input) = self.input.as_mut() else { return };
        if input.eof || self.active.is_none() {
            return;
        }
        if input.pollable {
            input.wanted = true;
        } else {
            self.process_input();
        }
    }

    /// The input fd is readable (or cannot be polled): move input into the guest's receive
    /// buffers. A pollable fd is read once per readiness (a second read could block); an
    /// unpollable one until the guest runs out of buffers or the input ends. With no
    /// buffers posted the device stops listening until the guest posts more. At end of input
    /// the driver gets PORT_OPEN(0, 0).
    pub fn process_input(&mut self) {
        let Console { input, active, .. } = self;
        let Some(input) = input.as_mut() else { return };
        let running = active.as_mut().filter(|a| !a.interrupt.needs_reset());
        let Some(Active { memory, queues, interrupt, .. }) = running else {
            input.wanted = false;
            return;
        };
        if input.eof {
            input.wanted = false;
            return;
        }
        let queue = &mut queues[rx_queue(CONSOLE_PORT)];
        let mut completed = 0;
        let result = receive(memory, queue, input, &mut completed);
        finish(queue, memory, interrupt, completed, result);
        if input.eof {
            self.control.close_input();
            self.deliver_control();
        }
    }

    /// Port `port`'s transmit queue has buffers (or its fd became writable): write what is
    /// pending, then every available buffer, in order.
    pub fn process_tx(&mut self, port: usize) {
        let Console { outputs, active, .. } = self;
        let output = &mut outputs[port];
        if !output.flush_pending() {
            return;
        }
        let running = active.as_mut().filter(|a| !a.interrupt.needs_reset());
        let Some(Active { memory, queues, interrupt, ports, .. }) = running else { return };
        if port >= *ports {
            return;
        }
        let queue = &mut queues[tx_queue(port)];
        let mut completed = 0;
        let result = transmit(memory, queue, output, &mut completed);
        finish(queue, memory, interrupt, completed, result);
    }

    /// The driver sent control messages: act on them and answer.
    pub fn process_control_tx(&mut self) {
        let Console { control, active, .. } = self;
        let running = active.as_mut().filter(|a| a.multiport && !a.interrupt.needs_reset());
        let Some(Active { memory, queues, interrupt, .. }) = running else { return };
        let queue = &mut queues[CONTROL_TX_QUEUE];
        let mut completed = 0;
        let result = read_control(memory, queue, control, &mut completed);
        finish(queue, memory, interrupt, completed, result);
        self.deliver_control();
    }

    /// Delivers queued control messages into the driver's control receive buffers.
    pub fn deliver_control(&mut self) {
        let Console { control, active, .. } = self;
        let running = active.as_mut().filter(|a| a.multiport && !a.interrupt.needs_reset());
        let Some(Active { memory, queues, interrupt, .. }) = running else { return };
        let queue = &mut queues[CONTROL_RX_QUEUE];
        let mut completed = 0;
        let result = write_control(memory, queue, control, &mut completed);
        finish(queue, memory, interrupt, completed, result);
    }

    /// Waits (blocking) until port `port`'s pending output is written: the fallback for an
    /// fd that said EAGAIN but cannot be watched by epoll.
    pub(super) fn block_until_flushed(&mut self, port: usize) {
        let output = &mut self.outputs[port];
        while !output.flush_pending() {
            let mut pfd =
                libc::pollfd { fd: output.fd().as_raw_fd(), events: libc::POLLOUT, revents: 0 };
            // SAFETY: one valid pollfd; poll only writes its `revents`.
            unsafe { libc::poll(&mut pfd, 1, -1) };
        }
    }

    /// The queue notification eventfds.
    pub(super) fn queue_evts(&self) -> &[EventFd] {
        &self.queue_evts
    }
}

/// Writes `size` into the config space's `cols` and `rows` (virtio 1.2, 5.3.4: le16 each,
/// `cols` first).
fn write_size(config: &mut [u8; CONFIG_LEN], size: WindowSize) {
    config[0..2].copy_from_slice(&size.cols.to_le_bytes());
    config[2..4].copy_from_slice(&size.rows.to_le_bytes());
}

/// Adds up after a batch: interrupt the driver for completed buffers, and mark the device
/// broken if the ring was malformed.
fn finish(
    queue: &mut Queue,
    memory: &GuestMemoryMmap,
    interrupt: &Interrupt,
    completed: usize,
    result: Result<(), QueueFault>,
) {
    let notified = if completed > 0 { notify_used(queue, memory, interrupt) } else { Ok(()) };
    if result.is_err() || notified.is_err() {
        interrupt.set_needs_reset();
    }
}

/// Host iovecs for a chain's descriptors of one direction. Descriptors outside guest RAM
/// are skipped (their bytes are neither read nor written); a broken chain is a fault.
fn chain_iovecs(
    mem: &GuestMemoryMmap,
    chain: virtio_queue::DescriptorChain<&GuestMemoryMmap>,
    writable: bool,
    iovs: &mut Vec<libc::iovec>,
    mut segment: impl FnMut(GuestAddress, usize),
) -> Result<(), QueueFault> {
    walk_chain(chain, |d| {
        if d.is_write_only() != writable || d.len() == 0 {
            return;
        }
        let before = iovs.len();
        if push_iovecs(mem, d.addr(), d.len() as usize, iovs).is_some() {
            segment(d.addr(), d.len() as usize);
        } else {
            iovs.truncate(before);
        }
    })
    .map(|_| ())
    .map_err(|_| QueueFault)
}

/// Gathers the port's available transmit buffers into batches and writes each with one
/// `writev`. Stops early, leaving buffers in the ring, if the fd would block.
fn transmit(
    mem: &GuestMemoryMmap,
    queue: &mut Queue,
    output: &mut Output,
    completed: &mut usize,
) -> Result<(), QueueFault> {
    loop {
        queue.disable_notification(mem)?;
        loop {
            let mut heads = Vec::new();
            let mut iovs = Vec::new();
            let mut segments = Vec::new();
            let mut bytes = 0;
            while iovs.len() < BATCH_IOVECS && bytes < BATCH_BYTES {
                let Some(chain) = pop(queue, mem)? else { break };
                heads.push(chain.head_index());
                chain_iovecs(mem, chain, false, &mut iovs, |addr, len| {
                    segments.push((addr, len));
                    bytes += len;
                })?;
            }
            if heads.is_empty() {
                break;
            }
            if let WriteOutcome::WouldBlock(written) = output.write_iovecs(&mut iovs) {
                keep_unwritten(mem, &segments, written, output);
            }
            for head in heads {
                queue.add_used(mem, head, 0)?;
                *completed += 1;
            }
            if output.has_pending() {
                // Back-pressure: the rest waits in the ring until the fd is writable.
                return Ok(());
            }
        }
        if !queue.enable_notification(mem)? {
            return Ok(());
        }
    }
}

/// Copies the bytes of `segments` past the first `skip` into the output's pending buffer, so
/// the guest's buffers can be returned while the host end is full.
fn keep_unwritten(
    mem: &GuestMemoryMmap,
    segments: &[(GuestAddress, usize)],
    mut skip: usize,
    output: &mut Output,
) {
    for &(addr, len) in segments {
        if skip >= len {
            skip -= len;
            continue;
        }
        let mut rest = vec![0u8; len - skip];
        if let Some(from) = addr.checked_add(skip as u64)
            && mem.read_slice(&mut rest, from).is_ok()
        {
            output.queue(&rest);
        }
        skip = 0;
    }
}

/// Reads input into the receive queue's buffers (see [`Console::process_input`]).
fn receive(
    mem: &GuestMemoryMmap,
    queue: &mut Queue,
    input: &mut Input,
    completed: &mut usize,
) -> Result<(), QueueFault> {
    loop {
        let Some(chain) = pop(queue, mem)? else {
            if queue.enable_notification(mem)? {
                continue; // buffers arrived while notifications were off
            }
            input.wanted = false; // back-pressure until the guest posts buffers
            return Ok(());
        };
        let head = chain.head_index();
        let mut iovs = Vec::new();
        chain_iovecs(mem, chain, true, &mut iovs, |_, _| {})?;
        if iovs.is_empty() {
            // No room at all in this buffer: give it back empty.
            queue.add_used(mem, head, 0)?;
            *completed += 1;
            continue;
        }
        match input.read_iovecs(&iovs) {
            Ok(n) if n > 0 => {
                queue.add_used(mem, head, u32::try_from(n).unwrap_or(u32::MAX))?;
                *completed += 1;
                if input.pollable {
                    return Ok(()); // one read per readiness: another could block
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                // Spurious readiness (someone else read it): keep the buffer, keep waiting.
                queue.go_to_previous_position();
                return Ok(());
            }
            _ => {
                // End of input, or an input that failed for good: the buffer stays posted.
                queue.go_to_previous_position();
                input.eof = true;
                input.wanted = false;
                return Ok(());
            }
        }
    }
}

/// Reads the driver's control messages and hands them to `control`.
fn read_control(
    mem: &GuestMemoryMmap,
    queue: &mut Queue,
    control: &mut Control,
    completed: &mut usize,
) -> Result<(), QueueFault> {
    loop {
        queue.disable_notification(mem)?;
        while let Some(chain) = pop(queue, mem)? {
            let head = chain.head_index();
            let mut raw = [0u8; CONTROL_HEADER_LEN];
            let mut got = 0;
            let mut bad = false;
            walk_chain(chain, |d| {
                if d.is_write_only() || got == raw.len() || bad {
                    return;
                }
                let n = (raw.len() - got).min(d.len() as usize);
                bad = mem.read_slice(&mut raw[got..got + n], d.addr()).is_err();
                got += n;
            })
            .map_err(|_| QueueFault)?;
            if got == raw.len() && !bad {
                control.handle(ControlHeader::from_bytes(raw));
            }
            queue.add_used(mem, head, 0)?;
            *completed += 1;
        }
        if !queue.enable_notification(mem)? {
            return Ok(());
        }
    }
}

/// Writes queued control messages into the driver's control receive buffers, one message
/// per buffer (a buffer too small for a PORT_NAME gets the name truncated).
fn write_control(
    mem: &GuestMemoryMmap,
    queue: &mut Queue,
    control: &mut Control,
    completed: &mut usize,
) -> Result<(), QueueFault> {
    while let Some(msg) = control.peek().map(<[u8]>::to_vec) {
        let Some(chain) = pop(queue, mem)? else {
            if queue.enable_notification(mem)? {
                continue;
            }
            return Ok(()); // delivered when the driver posts buffers
        };
        let head = chain.head_index();
        let mut written = 0;
        walk_chain(chain, |d| {
            if !d.is_write_only() || written == msg.len() {
                return;
            }
            let n = (msg.len() - written).min(d.len() as usize);
            if mem.write_slice(&msg[written..written + n], d.addr()).is_ok() {
                written += n;
            }
        })
        .map_err(|_| QueueFault)?;
        queue.add_used(mem, head, written as u32)?;
        *completed += 1;
        control.delivered();
    }
    Ok(())
}

impl VirtioDevice for Console {
    fn device_type(&self) -> u32 {
        VIRTIO_ID_CONSOLE
    }

    fn queue_max_sizes(&self) -> &[u16] {
        &QUEUE_SIZES
    }

    fn avail_features(&self) -> u64 {
        self.avail_features
    }

    fn ack_features(&mut self, features: u64) {
        self.acked_features = features;
    }

    fn read_config(&self, offset: u64, data: &mut [u8]) {
        read_config_bytes(&self.config, offset, data);
    }

    /// Only `emerg_wr` is writable: its low byte goes to the console output, behind
    /// anything already waiting there, and the event loop is kicked to write it.
    fn write_config(&mut self, offset: u64, data: &[u8]) {
        let Some(index) = EMERG_WR_OFFSET.checked_sub(offset) else { return };
        if let Some(&byte) = data.get(index as usize) {
            self.outputs[CONSOLE_PORT].queue(&[byte]);
            let _ = self.queue_evts[tx_queue(CONSOLE_PORT)].write(1);
        }
    }

    fn queue_events(&self) -> &[EventFd] {
        &self.queue_evts
    }

    fn activate(
        &mut self,
        memory: GuestMemoryMmap,
        queues: Vec<Queue>,
        interrupt: Arc<Interrupt>,
    ) -> Result<(), ActivateError> {
        if queues.len() != QUEUE_SIZES.len() {
            return Err(ActivateError::QueueCount {
                expected: QUEUE_SIZES.len(),
                got: queues.len(),
            });
        }
        let multiport = self.acked_features & (1 << VIRTIO_CONSOLE_F_MULTIPORT) != 0;
        let mut required = vec![rx_queue(0), tx_queue(0)];
        if multiport {
            required.extend([CONTROL_RX_QUEUE, CONTROL_TX_QUEUE]);
        }
        if let Some(&missing) = required.iter().find(|&&q| !queues[q].ready()) {
            return Err(ActivateError::QueueNotReady(missing));
        }
        let port1 = multiport && queues[rx_queue(1)].ready() && queues[tx_queue(1)].ready();
        let ports = if port1 { 2 } else { 1 };
        self.control.restart(if multiport { ports } else { 0 });
        self.active = Some(Active { memory, queues, interrupt, multiport, ports });
        // Buffers posted before DRIVER_OK (receive buffers, typically) need a first look.
        for evt in &self.queue_evts {
            evt.write(1)?;
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.active = None;
        self.acked_features = 0;
        self.control.restart(0);
        if let Some(input) = self.input.as_mut() {
            input.wanted = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::virtio::console::control::*;
    use crate::devices::virtio::console::event_handler::*;
    use crate::devices::virtio::console::port::tests::{pipe, set_nonblocking};
    use crate::devices::virtio::console::{HostFd, STDERR_PORT};
    use crate::devices::virtio::testing::{
        Desc, Driver, NEXT, Rng, WRITE, guest_memory, interrupt, irq_count,
    };
    use std::fs::File;
    use std::io::{Read, Write};
    use virtio_bindings::virtio_mmio::VIRTIO_MMIO_INT_CONFIG;

    const MEM: usize = 8 << 20;
    const DATA: u64 = 0x20_0000;

    /// A console on pipes with a driver for each queue.
    struct Rig {
        console: Console,
        drivers: Vec<Driver>,
        irq: Arc<Interrupt>,
        input: Option<File>,
        outputs: Vec<File>,
        control_posted: u64,
    }

    fn rig(multiport: bool) -> Rig {
        let (in_r, in_w) = pipe();
        let (out0_r, out0_w) = pipe();
        let (out1_r, out1_w) = pipe();
        let io = ConsoleIo {
            input: Some(in_r.into()),
            console_out: out0_w.into(),
            stderr_out: out1_w.into(),
        };
        rig_on(io, Some(in_w), vec![out0_r, out1_r], multiport)
    }

    fn rig_on(io: ConsoleIo, input: Option<File>, outputs: Vec<File>, multiport: bool) -> Rig {
        let mut console = Console::new(io, None).unwrap();
        let mem = guest_memory(MEM);
        let used_queues = if multiport { 6 } else { 2 };
        let drivers: Vec<Driver> =
            (0..6).map(|i| Driver::new(&mem, 0x1_0000 * i as u64, QUEUE_SIZES[i])).collect();
        let queues =
            drivers
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    if i < used_queues {
                        d.queue(true)
                    } else {
                        Queue::new(QUEUE_SIZES[i]).unwrap()
                    }
                })
                .collect();
        let mut features = console.avail_features();
        if !multiport {
            features &= !(1 << VIRTIO_CONSOLE_F_MULTIPORT);
        }
        console.ack_features(features);
        let irq = interrupt();
        console.activate(mem, queues, irq.clone()).unwrap();
        for evt in console.queue_evts() {
            assert_eq!(evt.read().unwrap(), 1, "activation kicks every queue");
        }
        Rig { console, drivers, irq, input, outputs, control_posted: 0 }
    }

    impl Rig {
        fn send_control(&mut self, id: u32, event: u16, value: u16) {
            let at = DATA - 0x1000;
            self.drivers[CONTROL_TX_QUEUE]
                .write(at, &ControlHeader { id, event, value }.to_bytes());
            self.drivers[CONTROL_TX_QUEUE].add_chain(&[Desc::r(at, 8)]);
            self.console.process_control_tx();
            assert_eq!(self.drivers[CONTROL_TX_QUEUE].take_used().len(), 1);
        }

        /// Posts `n` control receive buffers of 64 bytes. Single-descriptor chains take
        /// table slots in order, so buffer `k` sits in slot `k % 32` at `0x18_0000 + 64 * slot`.
        fn post_control_buffers(&mut self, n: u64) {
            for _ in 0..n {
                let slot = self.control_posted % u64::from(QUEUE_SIZES[CONTROL_RX_QUEUE]);
                self.drivers[CONTROL_RX_QUEUE].add_chain(&[Desc::w(0x18_0000 + 64 * slot, 64)]);
                self.control_posted += 1;
            }
        }

        /// Control messages the device delivered since the last call.
        fn received_control(&mut self) -> Vec<Vec<u8>> {
            let d = &mut self.drivers[CONTROL_RX_QUEUE];
            let heads: Vec<_> = d.take_used();
            heads
                .into_iter()
                .map(|(id, len)| d.read(0x18_0000 + 64 * u64::from(id), len as usize))
                .collect()
        }

        fn handshake(&mut self) {
            self.post_control_buffers(16);
            self.send_control(0, VIRTIO_CONSOLE_DEVICE_READY, 1);
            self.send_control(0, VIRTIO_CONSOLE_PORT_READY, 1);
            self.send_control(1, VIRTIO_CONSOLE_PORT_READY, 1);
            self.received_control();
        }
    }

    fn ctl(id: u32, event: u16, value: u16) -> Vec<u8> {
        ControlHeader { id, event, value }.to_bytes().to_vec()
    }

    fn named(id: u32, name: &str) -> Vec<u8> {
        let mut m = ctl(id, VIRTIO_CONSOLE_PORT_NAME, 1);
        m.extend_from_slice(name.as_bytes());
        m
    }

    #[test]
    fn identity_and_config() {
        let r = rig(true);
        assert_eq!(r.console.device_type(), 3);
        assert_eq!(r.console.queue_max_sizes().len(), 6);
        let f = r.console.avail_features();
        assert_ne!(f & (1 << VIRTIO_CONSOLE_F_MULTIPORT), 0);
        assert_ne!(f & (1 << VIRTIO_CONSOLE_F_EMERG_WRITE), 0);
        assert_eq!(f & (1 << VIRTIO_CONSOLE_F_SIZE), 0, "a pipe has no size");
        let mut config = [0u8; 12];
        r.console.read_config(0, &mut config);
        assert_eq!(u32::from_le_bytes(config[4..8].try_into().unwrap()), 2, "max_nr_ports");
        let mut ports = [0u8; 4];
        r.console.read_config(4, &mut ports);
        assert_eq!(u32::from_le_bytes(ports), 2);
    }

    #[test]
    fn control_handshake_over_the_queues() {
        let mut r = rig(true);
        r.post_control_buffers(16);
        r.send_control(0, VIRTIO_CONSOLE_DEVICE_READY, 1);
        assert_eq!(
            r.received_control(),
            [ctl(0, VIRTIO_CONSOLE_DEVICE_ADD, 0), ctl(1, VIRTIO_CONSOLE_DEVICE_ADD, 0)]
        );
        r.send_control(0, VIRTIO_CONSOLE_PORT_READY, 1);
        assert_eq!(
            r.received_control(),
            [
                ctl(0, VIRTIO_CONSOLE_CONSOLE_PORT, 1),
                named(0, "stdio"),
                ctl(0, VIRTIO_CONSOLE_PORT_OPEN, 1)
            ]
        );
        r.send_control(1, VIRTIO_CONSOLE_PORT_READY, 1);
        assert_eq!(r.received_control(), [named(1, "stderr"), ctl(1, VIRTIO_CONSOLE_PORT_OPEN, 1)]);
        r.send_control(0, VIRTIO_CONSOLE_PORT_OPEN, 1);
        assert!(r.console.control.guest_open(0));
        assert!(irq_count(&r.irq) > 0);
        assert!(!r.irq.needs_reset());
    }

    #[test]
    fn control_messages_wait_for_buffers() {
        let mut r = rig(true);
        r.send_control(0, VIRTIO_CONSOLE_DEVICE_READY, 1);
        assert!(r.received_control().is_empty(), "no buffers posted yet");
        r.post_control_buffers(1);
        r.console.deliver_control();
        assert_eq!(r.received_control(), [ctl(0, VIRTIO_CONSOLE_DEVICE_ADD, 0)]);
        r.post_control_buffers(1);
        r.console.handle_event(CONTROL_RX_EVENT);
        assert_eq!(r.received_control(), [ctl(1, VIRTIO_CONSOLE_DEVICE_ADD, 0)]);
    }

    #[test]
    fn one_mebibyte_of_output_arrives_intact_and_in_order() {
        let mut r = rig(true);
        let mut reader = r.outputs.remove(0);
        let collector = std::thread::spawn(move || {
            let mut all = Vec::new();
            reader.read_to_end(&mut all).unwrap();
            all
        });
        let mut rng = Rng::new(7);
        let data: Vec<u8> = (0..1 << 20).map(|_| rng.next_u64() as u8).collect();
        r.drivers[1].write(DATA, &data);
        let mut offset = 0usize;
        let mut batches = 0;
        while offset < data.len() {
            // Up to 60 buffers of 1..=16 KiB, some split over two descriptors (at most 120
            // of the 128 descriptor slots in flight).
            let mut posted = 0;
            while posted < 60 && offset < data.len() {
                let len = (1 + rng.below(16384) as usize).min(data.len() - offset);
                let at = DATA + offset as u64;
                if len > 1 && rng.one_in(3) {
                    let half = len / 2;
                    r.drivers[1].add_chain(&[
                        Desc::r(at, half as u32),
                        Desc::r(at + half as u64, (len - half) as u32),
                    ]);
                } else {
                    r.drivers[1].add_chain(&[Desc::r(at, len as u32)]);
                }
                offset += len;
                posted += 1;
            }
            r.console.handle_event(PORT0_TX_EVENT);
            let used = r.drivers[1].take_used();
            assert_eq!(used.len(), posted, "every buffer returned in one pass");
            assert!(used.iter().all(|&(_, len)| len == 0));
            batches += 1;
        }
        assert!(batches >= 2);
        drop(r); // closes the pipe's write end
        let got = collector.join().unwrap();
        assert_eq!(got.len(), data.len());
        assert!(got == data, "output differs from what the guest sent");
    }

    #[test]
    fn stderr_port_goes_to_its_own_fd() {
        let mut r = rig(true);
        r.drivers[tx_queue(STDERR_PORT)].write(DATA, b"oops\n");
        r.drivers[tx_queue(STDERR_PORT)].add_chain(&[Desc::r(DATA, 5)]);
        r.console.handle_event(PORT1_TX_EVENT);
        let mut err = r.outputs.remove(1);
        let mut out = r.outputs.remove(0);
        drop(r);
        let mut text = String::new();
        err.read_to_string(&mut text).unwrap();
        assert_eq!(text, "oops\n");
        let mut text = String::new();
        out.read_to_string(&mut text).unwrap();
        assert_eq!(text, "");
    }

    #[test]
    fn full_nonblocking_output_is_kept_in_order_and_applies_back_pressure() {
        let (mut reader, writer) = pipe();
        set_nonblocking(&writer);
        let (in_r, _in_w) = pipe();
        let (_e_r, e_w) = pipe();
        let io = ConsoleIo {
            input: Some(in_r.into()),
            console_out: writer.into(),
            stderr_out: e_w.into(),
        };
        let mut r = rig_on(io, None, vec![], true);
        let mut rng = Rng::new(9);
        let data: Vec<u8> = (0..512 * 1024).map(|_| rng.next_u64() as u8).collect();
        r.drivers[1].write(DATA, &data);
        // 256 KiB in 16 buffers: more than a pipe holds.
        for i in 0..16u64 {
            r.drivers[1].add_chain(&[Desc::r(DATA + i * 16384, 16384)]);
        }
        r.console.process_tx(0);
        assert_eq!(r.drivers[1].take_used().len(), 16, "buffers returned, rest kept aside");
        assert!(r.console.wants_output(0));
        // More output now waits in the ring: nothing is taken while the fd is full.
        for i in 16..32u64 {
            r.drivers[1].add_chain(&[Desc::r(DATA + i * 16384, 16384)]);
        }
        r.console.process_tx(0);
        assert!(r.drivers[1].take_used().is_empty());
        // Drain the pipe bit by bit, letting the device continue each time it is writable.
        let mut got = Vec::new();
        let mut used = 0;
        while got.len() < data.len() {
            let mut buf = vec![0u8; 65536];
            let n = reader.read(&mut buf).unwrap();
            got.extend_from_slice(&buf[..n]);
            r.console.handle_event(PORT0_OUTPUT_EVENT);
            used += r.drivers[1].take_used().len();
        }
        assert_eq!(used, 16);
        assert!(!r.console.wants_output(0));
        assert!(got == data, "output reordered or corrupted");
    }

    #[test]
    fn input_lands_in_posted_buffers_with_back_pressure() {
        let mut r = rig(true);
        let mut input = r.input.take().unwrap();
        input.write_all(b"hello").unwrap();
        // Two 4-byte buffers, the second split over two descriptors.
        r.drivers[0].add_chain(&[Desc::w(DATA, 4)]);
        r.drivers[0].add_chain(&[Desc::w(DATA + 0x100, 2), Desc::w(DATA + 0x200, 2)]);
        assert!(!r.console.wants_input());
        r.console.handle_event(PORT0_RX_EVENT);
        assert!(r.console.wants_input(), "buffers posted: watch stdin");
        r.console.handle_event(INPUT_EVENT);
        assert_eq!(r.drivers[0].take_used(), [(0, 4)]);
        assert_eq!(r.drivers[0].read(DATA, 4), b"hell");
        r.console.handle_event(INPUT_EVENT);
        assert_eq!(r.drivers[0].take_used(), [(1, 1)]);
        assert_eq!(r.drivers[0].read(DATA + 0x100, 1), b"o");
        assert!(r.console.wants_input());
        assert!(irq_count(&r.irq) > 0);

        // Both buffers are used up. More input arrives, but with nothing posted the device
        // stops watching the input (back-pressure) instead of spinning on it.
        input.write_all(b"xyz").unwrap();
        r.console.handle_event(INPUT_EVENT);
        assert!(!r.console.wants_input(), "no buffers: back-pressure");
        assert!(r.drivers[0].take_used().is_empty());
        // The bytes wait in the pipe until the guest posts a buffer.
        r.drivers[0].add_chain(&[Desc::w(DATA + 0x300, 16)]);
        r.console.handle_event(PORT0_RX_EVENT);
        assert!(r.console.wants_input());
        r.console.handle_event(INPUT_EVENT);
        assert_eq!(r.drivers[0].take_used(), [(3, 3)]);
        assert_eq!(r.drivers[0].read(DATA + 0x300, 3), b"xyz");
    }

    #[test]
    fn end_of_input_sends_port_open_zero() {
        let mut r = rig(true);
        r.handshake();
        drop(r.input.take());
        r.drivers[0].add_chain(&[Desc::w(DATA, 16)]);
        r.console.handle_event(PORT0_RX_EVENT);
        r.console.handle_event(INPUT_EVENT);
        assert!(r.drivers[0].take_used().is_empty(), "the buffer stays posted");
        assert!(!r.console.wants_input());
        assert_eq!(r.received_control(), [ctl(0, VIRTIO_CONSOLE_PORT_OPEN, 0)]);
        // Later kicks do not watch a finished input.
        r.console.handle_event(PORT0_RX_EVENT);
        assert!(!r.console.wants_input());
    }

    #[test]
    fn end_of_input_before_the_handshake_is_told_at_port_ready() {
        let mut r = rig(true);
        drop(r.input.take());
        r.drivers[0].add_chain(&[Desc::w(DATA, 16)]);
        r.console.handle_event(PORT0_RX_EVENT);
        r.console.handle_event(INPUT_EVENT);
        r.post_control_buffers(16);
        r.send_control(0, VIRTIO_CONSOLE_DEVICE_READY, 1);
        r.send_control(0, VIRTIO_CONSOLE_PORT_READY, 1);
        let msgs = r.received_control();
        assert_eq!(msgs.last().unwrap(), &ctl(0, VIRTIO_CONSOLE_PORT_OPEN, 0));
        assert!(msgs.contains(&ctl(0, VIRTIO_CONSOLE_PORT_OPEN, 1)));
    }

    #[test]
    fn emergency_write_reaches_the_console_output() {
        let mut r = rig(true);
        r.console.write_config(EMERG_WR_OFFSET, &u32::from(b'!').to_le_bytes());
        r.console.write_config(0, &[0xff; 4]); // cols/rows: read-only
        assert_eq!(r.console.queue_evts()[1].read().unwrap(), 1, "kicks the event loop");
        r.console.handle_event(PORT0_TX_EVENT);
        let mut out = r.outputs.remove(0);
        drop(r);
        let mut text = String::new();
        out.read_to_string(&mut text).unwrap();
        assert_eq!(text, "!");
    }

    #[test]
    fn single_port_mode_without_multiport() {
        let mut r = rig(false);
        r.drivers[1].write(DATA, b"plain");
        r.drivers[1].add_chain(&[Desc::r(DATA, 5)]);
        r.console.handle_event(PORT0_TX_EVENT);
        assert_eq!(r.drivers[1].take_used().len(), 1);
        // Control and port 1 do nothing.
        r.console.handle_event(CONTROL_TX_EVENT);
        r.console.handle_event(PORT1_TX_EVENT);
        let mut out = r.outputs.remove(0);
        drop(r);
        let mut text = String::new();
        out.read_to_string(&mut text).unwrap();
        assert_eq!(text, "plain");
    }

    /// A console with `size`, activated with `acked` features (less MULTIPORT) on port 0's
    /// two queues.
    fn sized(size: Option<WindowSize>, acked: u64) -> (Console, Arc<Interrupt>) {
        let null = || File::options().read(true).write(true).open("/dev/null").unwrap();
        let io = ConsoleIo {
            input: Some(null().into()),
            console_out: null().into(),
            stderr_out: null().into(),
        };
        let mut console = Console::new(io, size).unwrap();
        console.ack_features(console.avail_features() & acked & !(1 << VIRTIO_CONSOLE_F_MULTIPORT));
        let mem = guest_memory(1 << 20);
        let queues = (0..6)
            .map(|i| {
                if i < 2 {
                    Driver::new(&mem, 0x1_0000 * i as u64, QUEUE_SIZES[i]).queue(false)
                } else {
                    Queue::new(QUEUE_SIZES[i]).unwrap()
                }
            })
            .collect();
        let irq = interrupt();
        console.activate(mem, queues, irq.clone()).unwrap();
        (console, irq)
    }

    fn config_size(console: &Console) -> (u16, u16) {
        let mut raw = [0u8; 4];
        console.read_config(0, &mut raw);
        (u16::from_le_bytes([raw[0], raw[1]]), u16::from_le_bytes([raw[2], raw[3]]))
    }

    #[test]
    fn size_is_offered_only_with_a_terminal() {
        let (console, _) = sized(None, u64::MAX);
        assert_eq!(console.avail_features() & (1 << VIRTIO_CONSOLE_F_SIZE), 0);
        assert_eq!(config_size(&console), (0, 0));
        let (console, _) = sized(Some(WindowSize { cols: 101, rows: 33 }), u64::MAX);
        assert_ne!(console.avail_features() & (1 << VIRTIO_CONSOLE_F_SIZE), 0);
        assert_eq!(config_size(&console), (101, 33), "cols first (virtio 1.2, 5.3.4)");
    }

    #[test]
    fn resize_updates_the_config_and_notifies_a_driver_that_negotiated_size() {
        let (mut console, irq) = sized(Some(WindowSize { cols: 80, rows: 24 }), u64::MAX);
        let _ = irq.irq_evt().read();
        console.resize(WindowSize { cols: 80, rows: 24 });
        assert_eq!(irq.config_generation(), 0, "same size: nothing to say");
        console.resize(WindowSize { cols: 132, rows: 43 });
        assert_eq!(config_size(&console), (132, 43));
        assert_eq!(irq.config_generation(), 1);
        assert_eq!(irq.status() & VIRTIO_MMIO_INT_CONFIG, VIRTIO_MMIO_INT_CONFIG);
        assert_eq!(irq.irq_evt().read().unwrap(), 1, "one configuration change interrupt");

        // A driver that did not take F_SIZE still sees the field, but is not interrupted.
        let (mut console, irq) =
            sized(Some(WindowSize { cols: 80, rows: 24 }), !(1 << VIRTIO_CONSOLE_F_SIZE));
        console.resize(WindowSize { cols: 100, rows: 30 });
        assert_eq!(config_size(&console), (100, 30));
        assert_eq!(irq.config_generation(), 0);
        assert_eq!(irq.status(), 0);

        // No size offered (no terminal): a resize changes nothing.
        let (mut console, irq) = sized(None, u64::MAX);
        console.resize(WindowSize { cols: 100, rows: 30 });
        assert_eq!(config_size(&console), (0, 0));
        assert_eq!(irq.status(), 0);
    }

    #[test]
    fn activation_requirements() {
        let (in_r, _w) = pipe();
        let mut console = Console::new(
            ConsoleIo {
                input: Some(in_r.into()),
                console_out: HostFd::stdout(),
                stderr_out: HostFd::stderr(),
            },
            None,
        )
        .unwrap();
        console.ack_features(console.avail_features());
        let mem = guest_memory(1 << 20);
        let unready = || (0..6).map(|i| Queue::new(QUEUE_SIZES[i]).unwrap()).collect::<Vec<_>>();
        assert!(matches!(
            console.activate(mem.clone(), unready(), interrupt()),
            Err(ActivateError::QueueNotReady(0))
        ));
        let mut queues = unready();
        for (i, q) in queues.iter_mut().enumerate().take(2) {
            *q = Driver::new(&mem, 0x1_0000 * i as u64, QUEUE_SIZES[i]).queue(false);
        }
        assert!(matches!(
            console.activate(mem.clone(), queues, interrupt()),
            Err(ActivateError::QueueNotReady(2)),
        ));
        assert!(matches!(
            console.activate(mem, vec![], interrupt()),
            Err(ActivateError::QueueCount { expected: 6, got: 0 })
        ));
    }

    #[test]
    fn broken_transmit_chain_needs_reset() {
        let mut r = rig(true);
        r.drivers[1].add_raw(&[(0, Desc::raw(DATA, 4, NEXT, 0))], 0);
        r.console.handle_event(PORT0_TX_EVENT);
        assert!(r.irq.needs_reset());
        // Broken devices do nothing more.
        r.drivers[1].add_chain(&[Desc::r(DATA, 4)]);
        r.console.handle_event(PORT0_TX_EVENT);
        assert!(r.drivers[1].take_used().is_empty());
    }

    #[test]
    fn writable_descriptors_in_transmit_and_readable_in_receive_are_skipped() {
        let mut r = rig(true);
        r.drivers[1].write(DATA, b"ab");
        r.drivers[1].add_chain(&[Desc::r(DATA, 1), Desc::w(DATA + 1, 1), Desc::r(MEM as u64, 8)]);
        r.console.handle_event(PORT0_TX_EVENT);
        assert_eq!(r.drivers[1].take_used().len(), 1);
        r.drivers[0].add_chain(&[Desc::r(DATA, 8)]);
        r.input.as_mut().unwrap().write_all(b"q").unwrap();
        r.console.handle_event(PORT0_RX_EVENT);
        r.console.handle_event(INPUT_EVENT);
        assert_eq!(r.drivers[0].take_used(), [(0, 0)], "no writable room: returned empty");
        let mut out = r.outputs.remove(0);
        drop(r);
        let mut text = String::new();
        out.read_to_string(&mut text).unwrap();
        assert_eq!(text, "a");
    }

    #[test]
    fn reset_stops_the_device_and_restarts_the_handshake() {
        let mut r = rig(true);
        r.handshake();
        r.console.reset();
        r.drivers[1].add_chain(&[Desc::r(DATA, 4)]);
        r.console.handle_event(PORT0_TX_EVENT);
        r.console.handle_event(PORT0_RX_EVENT);
        assert!(!r.console.wants_input());
        assert!(r.drivers[1].take_used().is_empty());
        assert!(!r.console.control.port_ready(0));
    }

    /// Runs an event manager with the console until `done` holds (or 5 s pass).
    fn run_until(
        manager: &mut event_manager::EventManager<Arc<std::sync::Mutex<Console>>>,
        mut done: impl FnMut() -> bool,
    ) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !done() {
            assert!(std::time::Instant::now() < deadline, "timed out");
            manager.run_with_timeout(50).unwrap();
        }
    }

    #[test]
    fn event_loop_watches_input_only_while_buffers_are_posted() {
        use event_manager::{EventManager, SubscriberOps};
        let r = rig(true);
        let Rig { console, mut drivers, input, outputs: _outputs, .. } = r;
        let mut input = input.unwrap();
        let console = Arc::new(std::sync::Mutex::new(console));
        let mut manager = EventManager::<Arc<std::sync::Mutex<Console>>>::new().unwrap();
        manager.add_subscriber(console.clone());

        drivers[0].add_chain(&[Desc::w(DATA, 64)]);
        console.lock().unwrap().queue_evts()[0].write(1).unwrap();
        input.write_all(b"ping").unwrap();
        run_until(&mut manager, || drivers[0].used_idx() == 1);
        assert_eq!(drivers[0].take_used(), [(0, 4)]);
        assert_eq!(drivers[0].read(DATA, 4), b"ping");

        // No buffers left: after one look the input is dropped from epoll, so the loop goes
        // quiet although the pipe stays readable.
        input.write_all(b"pong").unwrap();
        for _ in 0..3 {
            manager.run_with_timeout(20).unwrap();
        }
        assert!(!console.lock().unwrap().input_registered);
        assert_eq!(manager.run_with_timeout(20).unwrap(), 0, "nothing spins");

        // A posted buffer brings it back.
        drivers[0].add_chain(&[Desc::w(DATA + 64, 64)]);
        console.lock().unwrap().queue_evts()[0].write(1).unwrap();
        run_until(&mut manager, || drivers[0].used_idx() == 2);
        assert_eq!(drivers[0].read(DATA + 64, 4), b"pong");
    }

    #[test]
    fn event_loop_reads_unpollable_input_directly() {
        use event_manager::{EventManager, SubscriberOps};
        let file = vmm_sys_util::tempfile::TempFile::new().unwrap();
        file.as_file().write_all(b"from a file").unwrap();
        let input = File::open(file.as_path()).unwrap();
        let (_o_r, o_w) = pipe();
        let (_e_r, e_w) = pipe();
        let io = ConsoleIo {
            input: Some(input.into()),
            console_out: o_w.into(),
            stderr_out: e_w.into(),
        };
        let mut r = rig_on(io, None, vec![], true);
        r.handshake();
        let Rig { console, mut drivers, .. } = r;
        let console = Arc::new(std::sync::Mutex::new(console));
        let mut manager = EventManager::<Arc<std::sync::Mutex<Console>>>::new().unwrap();
        manager.add_subscriber(console.clone());
        drivers[0].add_chain(&[Desc::w(DATA, 4)]);
        drivers[0].add_chain(&[Desc::w(DATA + 4, 64)]);
        drivers[0].add_chain(&[Desc::w(DATA + 68, 64)]);
        console.lock().unwrap().queue_evts()[0].write(1).unwrap();
        run_until(&mut manager, || drivers[0].used_idx() == 2);
        assert_eq!(drivers[0].read(DATA, 11), b"from a file");
        // Then end of file: PORT_OPEN(0, 0) on the control queue.
        let control = &mut drivers[CONTROL_RX_QUEUE];
        let before = control.used_idx();
        assert!(before >= 1);
        let last = control.take_used().last().copied().unwrap();
        assert_eq!(
            control.read(0x18_0000 + 64 * u64::from(last.0), last.1 as usize),
            ctl(0, VIRTIO_CONSOLE_PORT_OPEN, 0)
        );
        let _ = WRITE;
    }
}
