//! A terminal size a console device reported (virtio-console's VIRTIO_CONSOLE_F_SIZE
//! configuration or its control queue's resize message), waiting for the terminal layer
//! above (`tty::winsize`, which takes it after each device interrupt and sends SIGWINCH).
//! A driver cannot call up a floor; it calls [`report`], which only notes the size.

use core::sync::atomic::{AtomicU32, Ordering};

/// The last size reported and not yet taken: rows in the high half, columns in the low
/// one; 0 when there is nothing new.
static REPORTED: AtomicU32 = AtomicU32::new(0);

/// Notes that the device's terminal is `rows` x `cols` (a size of 0 x 0 is ignored).
pub fn report(rows: u16, cols: u16) {
    let word = (u32::from(rows) << 16) | u32::from(cols);
    if word != 0 {
        REPORTED.store(word, Ordering::Release);
    }
}

/// The size reported since the last call, if any.
pub fn take() -> Option<(u16, u16)> {
    let word = REPORTED.swap(0, Ordering::Acquire);
    (word != 0).then_some(((word >> 16) as u16, word as u16))
}
