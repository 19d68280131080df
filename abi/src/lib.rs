//! The contract between the `vmm` and the guest kernel it boots.
//!
//! Everything the two sides must agree on lives here, and nothing else: I/O port numbers,
//! the meaning of the value written to the power-off port, and the layout of the boot
//! report the kernel fills in for `--timings`. Both sides depend on this crate (the guest
//! kernel builds it for `x86_64-unknown-none`), so a change to the contract is a change to
//! one file. The kernel otherwise speaks standards (PVH boot, 16550 UART, virtio-mmio), so
//! it also boots under QEMU, where none of the vmm-only parts below are present.
#![no_std]

pub mod args;
pub mod console;
pub mod entropy;
pub mod exit;
pub mod memops;
pub mod report;
pub mod user;

/// I/O port of the 16550 UART used as the early and panic console (COM1).
///
/// The kernel writes whole lines with one `rep outsb` and does not poll the line status
/// register between bytes: the vmm's UART (and QEMU's) never drops bytes. On hardware
/// virtualization KVM delivers such a string in one exit; this project's hosts (KVM on
/// `kvm_pvm`) deliver one byte per exit, so the vmm registers the data port for coalesced
/// writes and replays them in order at the next exit (see docs/DESIGN.md, "Platform").
pub const COM1_PORT: u16 = 0x3f8;

/// I/O port of the power-off device.
///
/// Compatible with QEMU's `-device isa-debug-exit,iobase=0xf4,iosize=0x04`: the guest writes
/// one 32-bit value (see [`exit`] for its meaning) and the VM stops. The vmm exits with the
/// value's low byte; QEMU exits with `(value << 1) | 1`, so a harness running the same kernel
/// under QEMU recovers the status as `qemu_status >> 1` (exact for statuses below 128).
pub const EXIT_PORT: u16 = 0xf4;

/// Width in bytes of the write to [`EXIT_PORT`] (QEMU's `iosize=0x04`).
pub const EXIT_PORT_SIZE: usize = 4;
