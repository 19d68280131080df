//! Port I/O. Every `in`/`out` is a VM exit to the device model, so callers write as little
//! as they can: a whole console line is one `rep outsb`, the power-off one `out`.

use core::arch::asm;

/// Writes `value` to the 32-bit port `port`.
///
/// # Safety
/// Writing to a port can have any effect on the machine (e.g. powering it off); the caller
/// must know what the device on `port` does with the value.
pub unsafe fn outl(port: u16, value: u32) {
    // SAFETY: the caller vouches for the device's reaction; `out` touches no memory.
    unsafe {
        asm!("out dx, eax", in("dx") port, in("eax") value, options(nomem, nostack, preserves_flags))
    };
}

/// Writes all of `bytes` to the 8-bit port `port` with one `rep outsb` (one instruction;
/// how many exits it costs is the hypervisor's business: KVM's emulator takes one per byte).
///
/// # Safety
/// As for [`outl`]: the caller must know what the device on `port` does with the bytes.
pub unsafe fn rep_outsb(port: u16, bytes: &[u8]) {
    // SAFETY: `rep outsb` reads exactly `bytes.len()` bytes from `bytes` (the Rust ABI
    // guarantees DF = 0, so it reads upwards); the caller vouches for the device.
    unsafe {
        asm!(
            "rep outsb",
            in("dx") port,
            inout("rsi") bytes.as_ptr() => _,
            inout("rcx") bytes.len() => _,
            options(nostack, preserves_flags, readonly)
        )
    };
}

/// Reads the 32-bit port `port`.
///
/// # Safety
/// Reading a port can have side effects on the device; the caller must know what the
/// device on `port` does on a read.
pub unsafe fn inl(port: u16) -> u32 {
    let value: u32;
    // SAFETY: the caller vouches for the device's reaction; `in` touches no memory.
    unsafe {
        asm!("in eax, dx", in("dx") port, out("eax") value, options(nomem, nostack, preserves_flags))
    };
    value
}
