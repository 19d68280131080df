//! The 16550 UART on COM1, write-only.
//!
//! The kernel does not program the UART (baud rate, line control) and does not poll the
//! line status register between bytes: both would cost a VM exit per register access, and
//! the emulated UARTs of the vmm (vm-superio) and QEMU accept bytes written to the transmit
//! register at any time and never drop them. On a real 16550, unpolled writes could overrun
//! the FIFO; this kernel only runs in VMs.
//!
//! A line goes out with one `rep outsb`: the fewest kernel instructions, and one exit on a
//! hypervisor that batches string I/O. KVM's instruction emulator does not batch `outs`:
//! on the project's machines each byte is still one exit to the device model (about 20 µs
//! per byte measured under QEMU), so console output is the most expensive thing the kernel
//! does per byte.

use crate::arch::x86_64::port;
use core::fmt::{self, Write};
use core::mem::MaybeUninit;
use spin::mutex::SpinMutex;
use vmm_abi::COM1_PORT;

/// Bytes formatted before they are sent; a longer line goes out in several writes.
const LINE_CAPACITY: usize = 512;

/// Serializes whole lines.
static LOCK: SpinMutex<()> = SpinMutex::new(());

/// A line being formatted. The buffer is left uninitialized: clearing 512 bytes on every
/// print would cost more than the formatting on these machines (see "Cost model" in the crate
/// docs).
struct LineBuffer {
    /// `bytes[..len]` are initialized.
    bytes: [MaybeUninit<u8>; LINE_CAPACITY],
    len: usize,
}

impl LineBuffer {
    fn new() -> Self {
        Self { bytes: [const { MaybeUninit::uninit() }; LINE_CAPACITY], len: 0 }
    }

    /// Sends what is buffered to the UART.
    fn flush(&mut self) {
        if self.len > 0 {
            // SAFETY: `bytes[..len]` were initialized by `write_str`.
            let line =
                unsafe { core::slice::from_raw_parts(self.bytes.as_ptr().cast::<u8>(), self.len) };
            // SAFETY: COM1 is the UART; writing bytes to its transmit register only prints them.
            unsafe { port::rep_outsb(COM1_PORT, line) };
            self.len = 0;
        }
    }
}

impl Write for LineBuffer {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut rest = s.as_bytes();
        while !rest.is_empty() {
            if self.len == LINE_CAPACITY {
                self.flush();
            }
            let n = rest.len().min(LINE_CAPACITY - self.len);
            // SAFETY: `len + n <= LINE_CAPACITY`, so the copy stays inside `bytes`; source and
            // destination are distinct buffers.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    rest.as_ptr(),
                    self.bytes.as_mut_ptr().add(self.len).cast::<u8>(),
                    n,
                );
            }
            self.len += n;
            rest = &rest[n..];
        }
        Ok(())
    }
}

/// Formats `args` (plus a newline if `newline`) and sends it.
fn emit(args: fmt::Arguments<'_>, newline: bool) {
    let mut line = LineBuffer::new();
    // Formatting into the buffer cannot fail; a `Display` impl that errors just ends the line.
    let _ = line.write_fmt(args);
    if newline {
        let _ = line.write_str("\n");
    }
    line.flush();
}

/// Prints `args` (use the `print!` macro).
#[allow(dead_code, reason = "print! has no user yet")]
pub fn print_args(args: fmt::Arguments<'_>) {
    let _guard = LOCK.lock();
    emit(args, false);
}

/// Prints `args` and a newline (use the `println!` macro).
pub fn println_args(args: fmt::Arguments<'_>) {
    let _guard = LOCK.lock();
    emit(args, true);
}

/// Prints `args` and a newline without taking the console lock: for the panic and fault
/// paths, which may interrupt a holder of the lock and stop the machine right after.
pub fn emergency_println(args: fmt::Arguments<'_>) {
    emit(args, true);
}
