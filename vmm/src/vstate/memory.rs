//! Guest RAM: anonymous host memory mapped as `GuestMemoryMmap`, sized and checked.

use vm_memory::{GuestAddress, GuestMemoryMmap};

use crate::arch::x86_64::layout::ram_ranges;

/// Why guest memory cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    /// The request exceeds what this host has.
    #[error("--mem {requested_mib} MiB is more than this host's {host_mib} MiB of RAM")]
    LargerThanHost {
        /// Requested size.
        requested_mib: u64,
        /// Host RAM.
        host_mib: u64,
    },
    /// The kernel image does not fit, with room to run, in the requested size.
    #[error(
        "--mem {requested_mib} MiB is too small for the kernel, which needs at least {needed_mib} MiB"
    )]
    TooSmallForKernel {
        /// Requested size.
        requested_mib: u64,
        /// Smallest size that fits the kernel plus its working room.
        needed_mib: u64,
    },
    /// The host refused to map the memory.
    #[error("cannot map {mib} MiB of guest memory: {source}")]
    Map {
        /// Requested size.
        mib: u64,
        /// What vm-memory reported.
        source: vm_memory::mmap::FromRangesError,
    },
}

impl MemoryError {
    /// Sizes the user chose wrongly are bad input; a failing mmap of a sane size is not.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, MemoryError::Map { .. })
    }
}

/// Free memory the kernel needs beyond its image: page tables, heap, stacks, frames.
pub const KERNEL_WORKING_ROOM: u64 = 4 << 20;

/// The smallest guest (in MiB) that holds a kernel whose image ends at `kernel_end`.
pub fn min_mem_mib(kernel_end: u64) -> u64 {
    (kernel_end + KERNEL_WORKING_ROOM).div_ceil(1 << 20)
}

/// Total RAM of the host in MiB, from `sysinfo(2)`.
pub fn host_mem_mib() -> u64 {
    let mut info = std::mem::MaybeUninit::<libc::sysinfo>::zeroed();
    // SAFETY: `sysinfo` only writes into the struct we pass, which is large enough.
    let rc = unsafe { libc::sysinfo(info.as_mut_ptr()) };
    if rc != 0 {
        return u64::MAX;
    }
    // SAFETY: `sysinfo` succeeded, so it initialized the struct (and it was zeroed anyway).
    let info = unsafe { info.assume_init() };
    info.totalram.saturating_mul(u64::from(info.mem_unit)) >> 20
}

/// Checks `mem_mib` against the kernel's needs and the host, then maps the guest RAM.
pub fn create(mem_mib: u64, kernel_end: u64) -> Result<GuestMemoryMmap, MemoryError> {
    let needed_mib = min_mem_mib(kernel_end);
    if mem_mib < needed_mib {
        return Err(MemoryError::TooSmallForKernel { requested_mib: mem_mib, needed_mib });
    }
    let host_mib = host_mem_mib();
    if mem_mib > host_mib {
        return Err(MemoryError::LargerThanHost { requested_mib: mem_mib, host_mib });
    }
    let ranges: Vec<(GuestAddress, usize)> = ram_ranges(mem_mib << 20)
        .into_iter()
        .map(|(start, size)| (GuestAddress(start), size as usize))
        .collect();
    GuestMemoryMmap::from_ranges(&ranges)
        .map_err(|source| MemoryError::Map { mib: mem_mib, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_mem_rounds_up_to_whole_mib() {
        assert_eq!(min_mem_mib(0x20_0000), 6);
        assert_eq!(min_mem_mib(0x20_0001), 7);
    }

    #[test]
    fn refuses_too_small_and_too_large() {
        assert!(matches!(
            create(2, 0x20_0000),
            Err(MemoryError::TooSmallForKernel { needed_mib: 6, .. })
        ));
        let huge = host_mem_mib() + 1;
        assert!(matches!(create(huge, 0x20_0000), Err(MemoryError::LargerThanHost { .. })));
    }

    #[test]
    fn maps_requested_size() {
        use vm_memory::{GuestMemoryBackend, GuestMemoryRegion};
        let mem = create(16, 0x20_0000).unwrap();
        assert_eq!(mem.iter().map(|r| r.len()).sum::<u64>(), 16 << 20);
    }
}
