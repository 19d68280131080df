//! The console's window size (VIRTIO_CONSOLE_F_SIZE; virtio 1.2, 5.3.4 and 5.3.6 item 3),
//! and the interface the kernel's terminal layer uses to learn it.
//!
//! The vmm offers F_SIZE only when the guest's console is a terminal (its stdin and stdout
//! are), with the host terminal's `cols` and `rows` in the config space, and on every host
//! SIGWINCH it updates them and sends a configuration change interrupt. The driver reads the
//! size after DRIVER_OK and again whenever ConfigGeneration moved after a console
//! interrupt.
//!
//! # Interface for the tty (the layer above; this module does not know it)
//!
//! - [`window_size`]`() -> (rows, cols)`: the host terminal's size as last read, `(0, 0)`
//!   when there is none (no terminal, or a device without F_SIZE), which is what Linux's
//!   `TIOCGWINSZ` reports for a terminal nobody sized. Use it for the tty's first size.
//! - [`poll_resize`]`() -> Option<(rows, cols)>`: the new size when it *changed* since the
//!   last look (not the first size), called by the tty after device interrupts, with no
//!   lock held and never from an interrupt handler, so the caller may send SIGWINCH to the
//!   foreground process group. The tty is a floor above and calls down; this driver names
//!   nothing above it.
//!
//! # How a change is noticed
//!
//! Interrupt handlers only note that the console's GSI fired (`irq`); [`poll_resize`] must
//! then run where no lock is held (the tty calls it from the scheduler's device hook,
//! `sched::events::set_device_hook`). It looks only when the console's interrupt fired
//! since the last look: taken here, or taken
//! by the driver's own waits, which leave a note ([`note_config_change`]). Then one MMIO
//! read of ConfigGeneration says whether the config changed; only then is the size read
//! (4.2.2.1's generation loop, so `cols` and `rows` belong together). Without F_SIZE
//! nothing is ever read: a piped console pays nothing.

use super::VirtioConsole;
use crate::arch::x86_64::irq;
use crate::drivers::virtio::transport;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use virtio_drivers::transport::Transport;

/// The last size read: `rows << 16 | cols`.
static SIZE: AtomicU32 = AtomicU32::new(0);
/// Whether the console negotiated F_SIZE (else [`poll_resize`] does nothing).
static HAS_SIZE: AtomicBool = AtomicBool::new(false);
/// The console's GSI (valid when [`HAS_SIZE`]).
static GSI: AtomicU32 = AtomicU32::new(0);
/// A console interrupt was taken by the driver itself since the last look: the config may
/// have changed with it.
static CHECK: AtomicBool = AtomicBool::new(false);

/// The console's window size, `(rows, cols)`; `(0, 0)` without one. Brings the console up
/// if it is not yet (see `drivers::virtio` on lazy bring-up).
pub fn window_size() -> (u16, u16) {
    super::is_up();
    window_size_now()
}

/// [`window_size`] without bringing the console up (for its own bring-up).
pub fn window_size_now() -> (u16, u16) {
    let size = SIZE.load(Ordering::Relaxed);
    ((size >> 16) as u16, size as u16)
}

/// The driver took a console interrupt (or saw a configuration change): have
/// [`poll_resize`] look.
pub(super) fn note_config_change() {
    CHECK.store(true, Ordering::Relaxed);
}

/// To run after device interrupts, with no lock held (the tty's device hook): reads the
/// size if the console's config changed and returns it if it differs from the last one.
/// Costs one atomic load without F_SIZE, and one MMIO read per console interrupt with it.
pub fn poll_resize() -> Option<(u16, u16)> {
    if !HAS_SIZE.load(Ordering::Relaxed) {
        return None;
    }
    let fired = irq::take_fired(GSI.load(Ordering::Relaxed));
    if !CHECK.swap(false, Ordering::Relaxed) && !fired {
        return None;
    }
    let changed = {
        // Never wait for the console here: whoever holds it is looked at again later.
        let Some(mut guard) = super::CONSOLE.try_lock() else {
            note_config_change();
            return None;
        };
        let c = guard.as_mut()?;
        if fired && c.needs_ack {
            // The bit was taken here: acknowledge as the driver's waits would have.
            transport::acknowledge(&mut c.transport);
        }
        c.check_size()
    };
    // The console's lock is released: the log (and the caller) may use the console.
    let (rows, cols) = changed?;
    crate::klog::verbose(format_args!("virtio-console: terminal resized to {rows}x{cols}"));
    Some((rows, cols))
}

impl VirtioConsole {
    /// Takes the console's "interrupt fired" note, leaving one for [`poll_resize`] when the
    /// console has a size (the interrupt may have been a configuration change).
    pub(super) fn take_irq(&self) -> bool {
        let fired = irq::take_fired(self.gsi);
        if fired && self.has_size {
            note_config_change();
        }
        fired
    }

    /// Reads `cols` and `rows` (one 32-bit read: le16 cols, le16 rows; virtio 1.2, 5.3.4)
    /// consistently with ConfigGeneration, and publishes them. Returns whether the size
    /// differs from the one published before.
    pub(super) fn read_size(&mut self) -> bool {
        if !self.has_size {
            return false;
        }
        let (generation, raw) = loop {
            let before = self.transport.read_config_generation();
            let raw = transport::config_u32(&self.transport, 0);
            if self.transport.read_config_generation() == before {
                break (before, raw);
            }
        };
        self.size_generation = generation;
        let (cols, rows) = (raw & 0xffff, raw >> 16);
        let old = SIZE.swap(rows << 16 | cols, Ordering::Relaxed);
        GSI.store(self.gsi, Ordering::Relaxed);
        HAS_SIZE.store(true, Ordering::Release);
        old != rows << 16 | cols
    }

    /// Re-reads the size if ConfigGeneration moved; `Some((rows, cols))` if it changed.
    pub(super) fn check_size(&mut self) -> Option<(u16, u16)> {
        if !self.has_size || self.transport.read_config_generation() == self.size_generation {
            return None;
        }
        self.read_size().then(|| {
            let size = SIZE.load(Ordering::Relaxed);
            ((size >> 16) as u16, size as u16)
        })
    }
}
