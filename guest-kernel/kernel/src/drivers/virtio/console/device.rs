//! The virtio-console device (virtio 1.2, 5.3) with VIRTIO_CONSOLE_F_MULTIPORT: bring-up,
//! output, input, and waiting for the device.

use super::control::Control;
use super::rx::RxQueue;
use super::tx::{NO_SLOT, TxQueue};
use crate::arch::x86_64::irq;
use crate::drivers::virtio::queue::SplitQueue;
use crate::drivers::virtio::transport::{self, F_EVENT_IDX, InitError};
use crate::mm::dma::DmaRegion;
use crate::mm::layout;
use core::fmt;
use klib::virtio_console::READY;
use virtio_drivers::transport::Transport;
use virtio_drivers::transport::mmio::MmioTransport;

/// VIRTIO_CONSOLE_F_SIZE: `cols`/`rows` in the config space (`size.rs`).
const F_SIZE: u64 = 1 << 0;
/// VIRTIO_CONSOLE_F_MULTIPORT.
const F_MULTIPORT: u64 = 1 << 1;
/// Queue sizes the driver asks for (the device may offer less).
const TX_SIZE: u16 = 128;
const CONTROL_SIZE: u16 = 16;
/// Largest buffer one descriptor carries.
const MAX_CHUNK: usize = 1 << 22;

/// A console port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Port {
    /// Port 0: the vmm's stdin and stdout.
    Console = 0,
    /// Port 1: the vmm's stderr (port 0 on a device without multiport).
    Stderr = 1,
}

/// Why a console operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsoleError {
    /// The device broke the queue protocol or needs a reset.
    DeviceBroken,
    /// The buffer is not physically contiguous kernel memory.
    NotContiguous,
    /// No memory for a buffer.
    NoMemory,
    /// The device has no stderr port (no multiport): the kernel log stays on the UART
    /// rather than mixing into port 0, the programs' stdout.
    NoLogPort,
}

impl fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConsoleError::DeviceBroken => "console device broken",
            ConsoleError::NotContiguous => "buffer not physically contiguous",
            ConsoleError::NoMemory => "out of memory",
            ConsoleError::NoLogPort => "no stderr port",
        })
    }
}

/// The console device.
pub struct VirtioConsole {
    pub(super) transport: MmioTransport<'static>,
    pub(super) gsi: u32,
    pub(super) needs_ack: bool,
    /// Whether VIRTIO_CONSOLE_F_SIZE was negotiated (the host end is a terminal).
    pub(super) has_size: bool,
    /// ConfigGeneration when the size was last read (`size.rs`).
    pub(super) size_generation: u32,
    broken: bool,
    pub(super) multiport: bool,
    control: Option<Control>,
    rx: RxQueue,
    /// Transmit queues of ports 0 and 1 (1 only with multiport).
    pub(super) tx: [Option<TxQueue>; 2],
    pub(super) log: DmaRegion,
    /// Bit `i` set: log slot `i` is free.
    pub(super) log_free: u8,
}

impl VirtioConsole {
    /// Brings the device up: features, queues (port 0, control and port 1 with multiport),
    /// interrupt line `gsi`, DRIVER_OK, the window size (with F_SIZE), then DEVICE_READY
    /// with control buffers posted.
    pub fn new(mut transport: MmioTransport<'static>, gsi: u32) -> Result<Self, InitError> {
        let features = transport::negotiate(&mut transport, F_MULTIPORT | F_EVENT_IDX | F_SIZE)?;
        let event_idx = features & F_EVENT_IDX != 0;
        let multiport = features & F_MULTIPORT != 0;
        let rx_size = transport::queue_size(&mut transport, 0, super::rx::RX_BUFFERS)?;
        let tx_size = transport::queue_size(&mut transport, 1, TX_SIZE)?;
        let no_mem = |_| InitError::NoMemory;
        let rx = RxQueue::new(0, rx_size, event_idx).map_err(no_mem)?;
        let tx0 = TxQueue::new(1, tx_size, event_idx).map_err(no_mem)?;
        transport::add_queue(&mut transport, &rx.queue)?;
        transport::add_queue(&mut transport, &tx0.queue)?;
        let (mut control, mut tx1) = (None, None);
        if multiport {
            let crx = transport::queue_size(&mut transport, 2, CONTROL_SIZE)?;
            let ctx = transport::queue_size(&mut transport, 3, CONTROL_SIZE)?;
            let c = Control::new(2, crx, 3, ctx, event_idx).map_err(no_mem)?;
            transport::add_queue(&mut transport, &c.rx)?;
            transport::add_queue(&mut transport, &c.tx)?;
            // Port 1's receive queue must be ready for the device to enable the port, but
            // nothing is ever received on it: a one-entry queue with no buffers.
            let rx1 = transport::queue_size(&mut transport, 4, 1)?;
            let rx1 = SplitQueue::new(4, rx1, event_idx).map_err(no_mem)?;
            transport::add_queue(&mut transport, &rx1)?;
            let t1 = transport::queue_size(&mut transport, 5, TX_SIZE)?;
            let t1 = TxQueue::new(5, t1, event_idx).map_err(no_mem)?;
            transport::add_queue(&mut transport, &t1.queue)?;
            control = Some(c);
            tx1 = Some(t1);
        }
        let log = DmaRegion::new(1).ok_or(InitError::NoMemory)?;
        let needs_ack = transport.vendor_id() != transport::VMM_VENDOR_ID;
        irq::route(gsi).map_err(|_| InitError::Irq)?;
        transport::start(&mut transport);
        let mut console = Self {
            transport,
            gsi,
            needs_ack,
            has_size: features & F_SIZE != 0,
            size_generation: 0,
            broken: false,
            multiport,
            control,
            rx,
            tx: [Some(tx0), tx1],
            log,
            log_free: u8::MAX,
        };
        // After DRIVER_OK: a resize from then on comes with a configuration change
        // interrupt, so none is missed between this read and the first interrupt.
        console.read_size();
        if let Some(c) = console.control.as_mut() {
            c.post_rx();
            c.send(READY);
        }
        console.kick_control();
        Ok(console)
    }

    /// Publishes staged control buffers and messages, notifying the device if it asks.
    fn kick_control(&mut self) {
        if let Some(c) = self.control.as_mut() {
            if c.rx.publish() {
                self.transport.notify(2);
            }
            if c.tx.publish() {
                self.transport.notify(3);
            }
        }
    }

    pub(super) fn tx_index(&self, port: Port) -> usize {
        if self.multiport { port as usize } else { 0 }
    }

    /// Looks at every queue: returned output, control messages (answered), without
    /// sleeping. Returns whether anything happened.
    fn service(&mut self) -> bool {
        let mut progress = false;
        let mut bad = false;
        let mut log_free = self.log_free;
        for tx in self.tx.iter_mut().flatten() {
            match tx.reap(|slot| log_free |= 1 << slot) {
                Ok(any) => progress |= any,
                Err(()) => bad = true,
            }
        }
        self.log_free = log_free;
        if let Some(c) = self.control.as_mut() {
            match c.poll() {
                Ok(any) => progress |= any,
                Err(()) => bad = true,
            }
        }
        if progress {
            self.kick_control();
        }
        if bad {
            self.mark_broken("returned a buffer it was not given");
        }
        progress
    }

    /// Gives up on the device (once, with one line on the early console): every operation
    /// fails from now on, and the kernel log falls back to the UART.
    fn mark_broken(&mut self, why: &str) {
        if !self.broken {
            self.broken = true;
            crate::console::emergency_println(format_args!(
                "virtio-console: device {why}; giving up on it"
            ));
        }
    }

    /// Sleeps until `done` holds, servicing the queues on every wake-up.
    pub(super) fn wait_until(
        &mut self,
        mut done: impl FnMut(&Self) -> bool,
    ) -> Result<(), ConsoleError> {
        loop {
            if done(self) {
                return Ok(());
            }
            self.service();
            if done(self) {
                return Ok(());
            }
            if self.broken {
                return Err(ConsoleError::DeviceBroken);
            }
            for tx in self.tx.iter_mut().flatten() {
                tx.queue.arm_interrupt();
            }
            if self.rx.posted() {
                self.rx.queue.arm_interrupt();
            }
            if let Some(c) = self.control.as_mut() {
                c.rx.arm_interrupt();
            }
            if self.service() || done(self) {
                continue;
            }
            irq::wait();
            for tx in self.tx.iter_mut().flatten() {
                tx.queue.disarm_interrupt();
            }
            if self.take_irq() {
                let config = self.needs_ack && transport::acknowledge(&mut self.transport);
                if config {
                    super::size::note_config_change();
                }
                let progress = self.service();
                if (config || !progress) && !done(self) && transport::failed(&self.transport) {
                    self.mark_broken("needs a reset");
                }
            }
        }
    }

    /// Posts `data` on `port` as descriptors pointing at it (waiting for free descriptors
    /// as needed). The caller keeps `data` unchanged until the device returns it.
    fn post(&mut self, port: Port, data: &[u8]) -> Result<(), ConsoleError> {
        let phys =
            layout::virt_to_phys(data.as_ptr(), data.len()).ok_or(ConsoleError::NotContiguous)?;
        self.post_phys(port, phys, data.len())?;
        self.publish(self.tx_index(port));
        Ok(())
    }

    /// Stages the `len` bytes at physical `phys` on `port` (waiting for free descriptors
    /// as needed; the caller publishes). The memory must stay unchanged until the device
    /// returns it.
    fn post_phys(&mut self, port: Port, phys: u64, len: usize) -> Result<(), ConsoleError> {
        if self.broken {
            return Err(ConsoleError::DeviceBroken);
        }
        let index = self.tx_index(port);
        let mut done = 0;
        while done < len {
            let n = (len - done).min(MAX_CHUNK);
            if !self.tx[index].as_ref().is_some_and(TxQueue::has_room) {
                self.publish(index);
                self.wait_until(|c| c.tx[index].as_ref().is_some_and(TxQueue::has_room))?;
            }
            if let Some(tx) = self.tx[index].as_mut() {
                tx.post(phys + done as u64, n as u32, NO_SLOT);
            }
            done += n;
        }
        Ok(())
    }

    /// Writes the physical ranges `segments` (address, length) to `port`, in order, and
    /// returns once the device has written them all: the descriptors point at the ranges
    /// (a program's own pages for `write(2)`), so nothing is copied.
    pub fn write_phys(
        &mut self,
        port: Port,
        segments: &[(u64, usize)],
    ) -> Result<(), ConsoleError> {
        for &(phys, len) in segments {
            self.post_phys(port, phys, len)?;
        }
        let index = self.tx_index(port);
        self.publish(index);
        self.wait_until(|c| c.tx[index].as_ref().is_none_or(TxQueue::idle))
    }

    /// Publishes a transmit queue's staged buffers and notifies if the device asks.
    pub(super) fn publish(&mut self, index: usize) {
        if let Some(tx) = self.tx[index].as_mut()
            && tx.queue.publish()
        {
            self.transport.notify(tx.queue.index());
        }
    }

    /// Writes `data` to `port` and returns once the device has written all of it to the
    /// host (the descriptors point at `data`: nothing is copied).
    pub fn write_all(&mut self, port: Port, data: &[u8]) -> Result<(), ConsoleError> {
        self.post(port, data)?;
        let index = self.tx_index(port);
        self.wait_until(|c| c.tx[index].as_ref().is_none_or(TxQueue::idle))
    }

    /// Queues `data` on `port` without waiting for the device to write it (only for free
    /// descriptors): `data` lives for good, so the device may take its time.
    pub fn write_static(&mut self, port: Port, data: &'static [u8]) -> Result<(), ConsoleError> {
        self.post(port, data)
    }

    /// Waits until the device has written every queued byte of every port.
    pub fn flush(&mut self) -> Result<(), ConsoleError> {
        self.wait_until(|c| c.tx.iter().flatten().all(TxQueue::idle))
    }

    /// Flushes by polling, for at most `ticks` TSC ticks: the crash path, which must not
    /// sleep on a device that may be what failed.
    pub fn flush_polling(&mut self, ticks: u64) {
        let start = crate::time::now();
        while !self.broken && crate::time::now().wrapping_sub(start) < ticks {
            self.service();
            if self.tx.iter().flatten().all(TxQueue::idle) {
                return;
            }
            core::hint::spin_loop();
        }
    }

    /// Waits for input on port 0 and returns one filled receive buffer (id, bytes, length),
    /// or `None` at end of input. The buffer stays the caller's until [`Self::release`].
    pub fn receive(&mut self) -> Result<Option<(u16, *const u8, usize)>, ConsoleError> {
        if self.rx.post_all() && self.rx.queue.publish() {
            self.transport.notify(0);
        }
        loop {
            // Control first: the device returns input before it announces its end.
            self.service();
            match self.rx.pop() {
                Ok(Some((id, _, 0))) => {
                    self.release(id);
                    continue;
                }
                Ok(Some(buffer)) => return Ok(Some(buffer)),
                Ok(None) => {}
                Err(()) => self.mark_broken("returned a bad receive buffer"),
            }
            if self.input_ended() {
                return Ok(None);
            }
            self.wait_until(|c| c.rx.queue.has_used() || c.input_ended())?;
        }
    }

    /// [`Self::receive`] without waiting: `Some(Some(buffer))` input, `Some(None)` end of
    /// input, `None` nothing yet. Before `None` the receive and control interrupts are
    /// armed, so a caller sleeping in `irq::wait` wakes when input comes.
    #[allow(clippy::type_complexity, reason = "the buffer triple of `receive`, optional twice")]
    pub fn try_receive(&mut self) -> Result<Option<Option<(u16, *const u8, usize)>>, ConsoleError> {
        if self.broken {
            return Err(ConsoleError::DeviceBroken);
        }
        if self.take_irq() && self.needs_ack && transport::acknowledge(&mut self.transport) {
            super::size::note_config_change();
        }
        if self.rx.post_all() && self.rx.queue.publish() {
            self.transport.notify(0);
        }
        let mut armed = false;
        loop {
            self.service();
            match self.rx.pop() {
                Ok(Some((id, _, 0))) => {
                    self.release(id);
                    continue;
                }
                Ok(Some(buffer)) => return Ok(Some(Some(buffer))),
                Ok(None) => {}
                Err(()) => {
                    self.mark_broken("returned a bad receive buffer");
                    return Err(ConsoleError::DeviceBroken);
                }
            }
            if self.input_ended() {
                return Ok(Some(None));
            }
            if armed {
                return Ok(None);
            }
            // Arm, then look once more: input that came in between is seen either way.
            self.rx.queue.arm_interrupt();
            if let Some(c) = self.control.as_mut() {
                c.rx.arm_interrupt();
            }
            armed = true;
        }
    }

    /// Whether [`Self::try_receive`] has something to report (input, end of input, a
    /// broken device), without taking it. When not, the receive and control interrupts
    /// are armed first, so a caller may sleep in `irq::wait` and ask again.
    pub fn input_ready(&mut self) -> bool {
        if self.broken {
            return true;
        }
        if self.take_irq() && self.needs_ack && transport::acknowledge(&mut self.transport) {
            super::size::note_config_change();
        }
        if self.rx.post_all() && self.rx.queue.publish() {
            self.transport.notify(0);
        }
        self.service();
        if self.rx.queue.has_used() || self.input_ended() {
            return true;
        }
        self.rx.queue.arm_interrupt();
        if let Some(c) = self.control.as_mut() {
            c.rx.arm_interrupt();
        }
        self.service();
        self.rx.queue.has_used() || self.input_ended()
    }

    /// Gives a receive buffer back to the device.
    pub fn release(&mut self, id: u16) {
        self.rx.repost(id);
        if self.rx.queue.publish() {
            self.transport.notify(0);
        }
    }

    /// Whether port 0's input has ended (the host's stdin reached end of file). Without
    /// multiport there is no way to tell; input never ends.
    fn input_ended(&self) -> bool {
        self.control.as_ref().is_some_and(|c| c.state.input_ended(0))
    }
}
