//! The vmm's top-level error: every module's error, and the exit status each maps to.

use vmm_abi::exit::{STATUS_BAD_INPUT, STATUS_VM_CRASH};

use crate::devices::bus::BusError;
use crate::devices::virtio::AttachError;
use crate::devices::virtio::block::DiskError;
use crate::event_loop::EventLoopError;
use crate::loader::{BootError, ImageError, LoadError};
use crate::terminal::TerminalError;
use crate::vstate::{kvm::KvmError, memory::MemoryError, vcpu::VcpuError, vm::VmError};

/// Anything that stops a run before the guest powers off normally.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `/dev/kvm` unusable.
    #[error(transparent)]
    Kvm(#[from] KvmError),
    /// The kernel file is missing or not bootable.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// Guest memory sizing or mapping.
    #[error(transparent)]
    Memory(#[from] MemoryError),
    /// VM creation.
    #[error(transparent)]
    Vm(#[from] VmError),
    /// vCPU setup or run.
    #[error(transparent)]
    Vcpu(#[from] VcpuError),
    /// Loading the kernel into memory.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Boot structures / command line.
    #[error(transparent)]
    Boot(#[from] BootError),
    /// Device placement.
    #[error(transparent)]
    Bus(#[from] BusError),
    /// A `--disk` that cannot be served.
    #[error(transparent)]
    Disk(#[from] DiskError),
    /// Registering a virtio device with KVM.
    #[error(transparent)]
    Attach(#[from] AttachError),
    /// The device event loop.
    #[error(transparent)]
    EventLoop(#[from] EventLoopError),
    /// Terminal raw mode.
    #[error(transparent)]
    Terminal(#[from] TerminalError),
    /// The `--profile` sampler could not start.
    #[error("starting the profiler: {0}")]
    Profile(std::io::Error),
    /// A device's host resources.
    #[error("setting up {what}: {source}")]
    Device {
        /// Which resource.
        what: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
}

impl Error {
    /// The vmm's exit status for this error: 2 for input the user can fix, otherwise
    /// `STATUS_VM_CRASH`.
    pub fn exit_status(&self) -> u8 {
        let bad_input = match self {
            Error::Kvm(e) => e.is_bad_input(),
            Error::Image(_) => true,
            Error::Memory(e) => e.is_bad_input(),
            Error::Boot(e) => e.is_bad_input(),
            Error::Disk(e) => e.is_bad_input(),
            // The image passed our checks but linux-loader still refused it: still the image.
            Error::Load(_) => true,
            _ => false,
        };
        if bad_input { STATUS_BAD_INPUT } else { STATUS_VM_CRASH }
    }
}
