//! Access to user memory from system calls: every user pointer is checked against the user
//! half and accessed with fault-tolerant routines (`copy`), so a bad pointer is `EFAULT`,
//! never a kernel fault.
//!
//! - small values and strings: [`read`], [`write`], [`read_bytes`], [`write_bytes`],
//!   [`strnlen`], [`read_cstring`] (inline copies; ~1 µs per 8 bytes);
//! - file data: [`segments`] turns a user buffer into guest-physical segments (pages made
//!   present, copy-on-write broken for buffers the kernel writes) that the file system
//!   moves with the memops device or by DMA;
//! - [`copy`]: `arch`'s fault-tolerant copy routines with demand paging of user pages;
//! - [`assist`]: long strings are measured by code the kernel runs in user mode, natively
//!   (the emulated kernel would take ~1 µs per 8 bytes).
//!
//! SMEP/SMAP: see `arch::x86_64::protection`.

pub mod assist;
pub mod copy;
pub mod plain;
pub mod segments;

use alloc::vec::Vec;
use plain::Plain;
use posix::Errno;
use posix::exec::elf::USER_END;
use posix::signal::info::{SigInfo, USER_SIZE};

pub use segments::segments;

/// Bytes of a string the kernel scans itself before handing the rest to the user-mode
/// assist.
const ASSIST_THRESHOLD: usize = 512;

/// Longest path a system call accepts, NUL included (Linux `PATH_MAX`).
pub const PATH_MAX: usize = 4096;

/// Checks that `[addr, addr + len)` lies in the user half (EFAULT otherwise).
pub fn check(addr: u64, len: usize) -> Result<(), Errno> {
    match addr.checked_add(len as u64) {
        Some(end) if end <= USER_END => Ok(()),
        _ => Err(Errno::EFAULT),
    }
}

/// Copies `dst.len()` bytes from user address `addr`.
pub fn read_bytes(addr: u64, dst: &mut [u8]) -> Result<(), Errno> {
    check(addr, dst.len())?;
    // SAFETY: `dst` is a kernel buffer of that length; the user range was checked.
    if unsafe { copy::copy(dst.as_mut_ptr(), addr as *const u8, dst.len()) } {
        Ok(())
    } else {
        Err(Errno::EFAULT)
    }
}

/// Copies `src` to user address `addr`.
pub fn write_bytes(addr: u64, src: &[u8]) -> Result<(), Errno> {
    check(addr, src.len())?;
    // SAFETY: `src` is a kernel buffer of that length; the user range was checked.
    if unsafe { copy::copy(addr as *mut u8, src.as_ptr(), src.len()) } {
        Ok(())
    } else {
        Err(Errno::EFAULT)
    }
}

/// Reads a `T` from user address `addr`. The value is not zeroed first: the copy
/// writes every byte (a 440-byte signal frame would otherwise cost 55 more stores).
pub fn read<T: Plain>(addr: u64) -> Result<T, Errno> {
    let len = size_of::<T>();
    check(addr, len)?;
    let mut value = core::mem::MaybeUninit::<T>::uninit();
    // SAFETY: `value` is `len` writable bytes; the user range was checked.
    if unsafe { copy::copy(value.as_mut_ptr().cast::<u8>(), addr as *const u8, len) } {
        // SAFETY: the copy wrote all `len` bytes, and any bytes are a valid `T` (`Plain`).
        Ok(unsafe { value.assume_init() })
    } else {
        Err(Errno::EFAULT)
    }
}

/// Size of an `fxsave` image, the FPU/SSE state a signal frame carries.
pub const FX_IMAGE_SIZE: u64 = 512;

/// Stores the user FPU/SSE registers as an `fxsave` image at the 16-byte aligned user
/// address `addr`, with the bytes the CPU leaves to software (464..512) zeroed so no stale
/// value there is mistaken for an extended-state header.
pub fn save_fpu(addr: u64) -> Result<(), Errno> {
    check(addr, FX_IMAGE_SIZE as usize)?;
    debug_assert!(addr.is_multiple_of(16));
    // SAFETY: the range is in the user half and aligned (the caller's frame layout).
    if !unsafe { copy::fxsave(addr as *mut u8) } {
        return Err(Errno::EFAULT);
    }
    zero(addr + 464, 48)
}

/// Stores `len` zero bytes at user address `addr`.
pub fn zero(addr: u64, len: usize) -> Result<(), Errno> {
    check(addr, len)?;
    // SAFETY: the user range was checked.
    if unsafe { copy::zero(addr as *mut u8, len) } { Ok(()) } else { Err(Errno::EFAULT) }
}

/// Writes `info` as the user's 128-byte `siginfo_t` at `addr`: its 48 bytes, and zeros
/// for the rest of the union (Linux `copy_siginfo_to_user`).
pub fn write_siginfo(addr: u64, info: &SigInfo) -> Result<(), Errno> {
    check(addr, USER_SIZE)?;
    write(addr, info)?;
    zero(addr + size_of::<SigInfo>() as u64, USER_SIZE - size_of::<SigInfo>())
}

/// Reads a user's `siginfo_t` (rt_sigqueueinfo): its first 48 bytes, which the kernel
/// keeps; the rest of the union must be zero when its code's layout is not one Linux knows
/// (E2BIG), for the kernel could not pass it on (Linux `copy_siginfo_from_user`).
pub fn read_siginfo(addr: u64) -> Result<SigInfo, Errno> {
    let info: SigInfo = read(addr)?;
    if !info.known_layout() {
        let mut rest = [0u8; USER_SIZE - size_of::<SigInfo>()];
        read_bytes(addr + size_of::<SigInfo>() as u64, &mut rest)?;
        if rest.iter().any(|&b| b != 0) {
            return Err(Errno::E2BIG);
        }
    }
    Ok(info)
}

/// Loads the user FPU/SSE registers from the `fxsave` image at user address `addr` in
/// place, when it can be loaded as it is: `Ok(false)` when it cannot (not 16-byte aligned,
/// or MXCSR bits the CPU lacks, which `fxrstor` would fault on): the caller then copies
/// and cleans it (`fpu::FxImage::make_loadable`). EFAULT if it cannot be read.
pub fn restore_fpu(addr: u64) -> Result<bool, Errno> {
    check(addr, FX_IMAGE_SIZE as usize)?;
    let mxcsr: u32 = read(addr + 24)?;
    if !addr.is_multiple_of(16) || mxcsr & !crate::arch::x86_64::fpu::mxcsr_mask() != 0 {
        return Ok(false);
    }
    // SAFETY: in the user half, aligned, MXCSR checked just now (one CPU, no preemption:
    // nothing changes it before the load).
    if unsafe { copy::fxrstor(addr as *const u8) } { Ok(true) } else { Err(Errno::EFAULT) }
}

/// Writes `value` to user address `addr`.
pub fn write<T: Plain>(addr: u64, value: &T) -> Result<(), Errno> {
    write_bytes(addr, plain::as_bytes(value))
}

/// The length of the NUL-terminated user string at `addr`, looking at most `max` bytes
/// (the NUL included): `Ok(n)` with `n < max` if it ends in time, `Ok(max)` if not,
/// EFAULT if it runs into memory that cannot be read first. The range is clipped at the
/// end of the user half (a string running into it is unreadable, EFAULT).
pub fn strnlen(addr: u64, max: usize) -> Result<usize, Errno> {
    if addr >= USER_END {
        return Err(Errno::EFAULT);
    }
    let room = (USER_END - addr).min(max as u64) as usize;
    if room == 0 {
        return Ok(max);
    }
    // Short strings in the kernel (the emulated scan costs ~1 µs per 8 bytes); what is
    // left of a long one by the user-mode assist (see `assist`), which costs a round
    // trip to user mode of ~100 µs and then scans natively.
    let head = room.min(ASSIST_THRESHOLD);
    // SAFETY: `addr..addr + head` is in the user half; `head > 0`.
    let mut n = unsafe { copy::strnlen(addr as *const u8, head) }.ok_or(Errno::EFAULT)?;
    if n == head && head < room {
        n = head + assist::strnlen(addr + head as u64, room - head).ok_or(Errno::EFAULT)?;
    }
    if n == room && room < max {
        // The string runs to the end of the user half without a NUL.
        return Err(Errno::EFAULT);
    }
    Ok(n)
}

/// Copies the NUL-terminated user string at `addr` (without the NUL); `too_long` if it has
/// no NUL within `max` bytes (NUL included), EFAULT if unreadable.
pub fn read_cstring(addr: u64, max: usize, too_long: Errno) -> Result<Vec<u8>, Errno> {
    let len = strnlen(addr, max)?;
    if len >= max {
        return Err(too_long);
    }
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(len).map_err(|_| Errno::ENOMEM)?;
    bytes.resize(len, 0);
    read_bytes(addr, &mut bytes)?;
    Ok(bytes)
}

/// A path argument (Linux `getname`): at most [`PATH_MAX`] bytes with the NUL
/// (ENAMETOOLONG otherwise), EFAULT if unreadable. Empty paths are the caller's to judge.
pub fn read_path(addr: u64) -> Result<Vec<u8>, Errno> {
    read_cstring(addr, PATH_MAX, Errno::ENAMETOOLONG)
}

/// The user-memory accessor the file system's `ioctl` uses.
pub struct UserMemory;

impl crate::fs::UserAccess for UserMemory {
    fn copy_in(&mut self, addr: usize, dst: &mut [u8]) -> Result<(), Errno> {
        read_bytes(addr as u64, dst)
    }

    fn copy_out(&mut self, addr: usize, src: &[u8]) -> Result<(), Errno> {
        write_bytes(addr as u64, src)
    }
}
