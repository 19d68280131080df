//! Validated configuration of one VM run, independent of how it was given (CLI or tests).

use std::path::PathBuf;

/// Guest RAM when `--mem` is not given.
pub const DEFAULT_MEM_MIB: u64 = 128;

/// The KVM device node.
pub const DEFAULT_KVM_DEVICE: &str = "/dev/kvm";

/// Environment variable that overrides the KVM device path. It exists so tests can check the
/// "no KVM" and "not a KVM device" errors on a machine that has KVM.
pub const KVM_DEVICE_ENV: &str = "VMM_KVM_DEVICE";

/// Where the kernel comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelSource {
    /// The kernel built into the vmm binary.
    Embedded,
    /// A kernel ELF on the host.
    File(PathBuf),
}

/// Everything needed to run one VM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmConfig {
    /// The kernel to boot.
    pub kernel: KernelSource,
    /// Guest RAM in MiB (checked against the kernel and the host when the VM is built).
    pub mem_mib: u64,
    /// Extra kernel command-line text, appended after what the vmm itself passes.
    pub cmdline: String,
    /// Whether to report where the time went.
    pub timings: bool,
    /// The KVM device node to open.
    pub kvm_device: PathBuf,
}

impl Default for VmConfig {
    fn default() -> Self {
        VmConfig {
            kernel: KernelSource::Embedded,
            mem_mib: DEFAULT_MEM_MIB,
            cmdline: String::new(),
            timings: false,
            kvm_device: PathBuf::from(DEFAULT_KVM_DEVICE),
        }
    }
}
