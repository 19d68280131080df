//! The value the guest writes to [`crate::EXIT_PORT`], and the vmm exit statuses.
//!
//! Bits 0..=7 are the exit status the `vmm` process ends with. Bit 8 says the kernel itself
//! failed (rather than a program or the `exit=N` command-line option choosing the status),
//! so the vmm can say so in its own words; the low byte of such a value is one of the
//! `STATUS_KERNEL_*` codes below.

/// Set in the written value when the kernel stops because it failed.
pub const KERNEL_FAILURE_FLAG: u32 = 0x100;

/// Exit status of the vmm when the guest kernel panicked (a Rust `panic!`).
pub const STATUS_KERNEL_PANIC: u8 = 253;

/// Exit status of the vmm when the guest kernel took an unexpected CPU exception.
pub const STATUS_KERNEL_FAULT: u8 = 252;

/// Exit status of the vmm when the guest kernel found no usable `/sbin/init` (missing, not
/// executable, or failed to start).
pub const STATUS_NO_INIT: u8 = 250;

/// Exit status of the vmm when the guest kernel could not mount its root disk (no disk, not
/// ext2/3/4, or a corrupt superblock).
pub const STATUS_BAD_ROOTFS: u8 = 251;

/// Exit status of the vmm when the VM could not run on: a triple fault
/// (`KVM_EXIT_SHUTDOWN`), an internal KVM error or an exit the vmm does not handle.
pub const STATUS_VM_CRASH: u8 = 254;

/// Exit status of the vmm when its input is bad (command line, kernel file, memory size,
/// `/dev/kvm`); nothing was run.
pub const STATUS_BAD_INPUT: u8 = 2;

/// The value a kernel writes to the exit port to stop with a failure `status`.
pub const fn kernel_failure(status: u8) -> u32 {
    KERNEL_FAILURE_FLAG | status as u32
}

/// What a value written to the exit port means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitRequest {
    /// A normal power-off with this status.
    Status(u8),
    /// The kernel failed; the vmm should exit with this status.
    KernelFailure(u8),
}

impl ExitRequest {
    /// Decodes a value written to the exit port. Bits above 8 are reserved and ignored, so
    /// an older vmm still stops a newer kernel with the right status.
    pub const fn decode(value: u32) -> Self {
        let status = (value & 0xff) as u8;
        if value & KERNEL_FAILURE_FLAG != 0 {
            ExitRequest::KernelFailure(status)
        } else {
            ExitRequest::Status(status)
        }
    }

    /// The exit status the vmm process should end with.
    pub const fn status(self) -> u8 {
        match self {
            ExitRequest::Status(s) | ExitRequest::KernelFailure(s) => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_plain_status() {
        assert_eq!(ExitRequest::decode(7), ExitRequest::Status(7));
        assert_eq!(ExitRequest::decode(0), ExitRequest::Status(0));
        assert_eq!(ExitRequest::decode(255).status(), 255);
    }

    #[test]
    fn decode_kernel_failure() {
        let v = kernel_failure(STATUS_KERNEL_PANIC);
        assert_eq!(ExitRequest::decode(v), ExitRequest::KernelFailure(STATUS_KERNEL_PANIC));
        assert_eq!(ExitRequest::decode(v).status(), STATUS_KERNEL_PANIC);
    }

    #[test]
    fn reserved_high_bits_are_ignored() {
        assert_eq!(ExitRequest::decode(0xdead_0003), ExitRequest::Status(3));
    }
}
