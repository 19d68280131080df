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

/// One `--disk`: a host file served as a virtio-blk device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskConfig {
    /// The backing file.
    pub path: PathBuf,
    /// Serve it read-only (VIRTIO_BLK_F_RO; writes fail with an I/O error).
    pub read_only: bool,
}

impl std::str::FromStr for DiskConfig {
    type Err = String;

    /// Parses `PATH` or `PATH,ro` (the `--disk` syntax).
    fn from_str(spec: &str) -> Result<Self, String> {
        let (path, read_only) = match spec.rsplit_once(',') {
            Some((path, "ro")) => (path, true),
            Some((path, "rw")) => (path, false),
            Some((_, option)) => {
                return Err(format!("unknown disk option '{option}' (expected 'ro')"));
            }
            None => (spec, false),
        };
        if path.is_empty() {
            return Err("empty disk path".into());
        }
        Ok(DiskConfig { path: path.into(), read_only })
    }
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
    /// Whether to sample the vCPU and print a kernel profile (`crate::profile`).
    pub profile: bool,
    /// The KVM device node to open.
    pub kvm_device: PathBuf,
    /// Block devices, in order: the first is `vda`, the root disk.
    pub disks: Vec<DiskConfig>,
    /// The program to run in the guest and its arguments (empty: the kernel's default,
    /// an interactive shell).
    pub command: Vec<std::ffi::OsString>,
    /// Extra `KEY=VALUE` environment variables for the program.
    pub env: Vec<std::ffi::OsString>,
    /// `--user USER[:GROUP]`, syntax checked (`vmm_abi::user`); `None`: root.
    pub user: Option<String>,
    /// Ask the kernel to log to the console (quiet otherwise).
    pub verbose: bool,
}

impl Default for VmConfig {
    fn default() -> Self {
        VmConfig {
            kernel: KernelSource::Embedded,
            mem_mib: DEFAULT_MEM_MIB,
            cmdline: String::new(),
            timings: false,
            profile: false,
            kvm_device: PathBuf::from(DEFAULT_KVM_DEVICE),
            disks: Vec::new(),
            command: Vec::new(),
            env: Vec::new(),
            user: None,
            verbose: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_syntax() {
        assert_eq!("a.img".parse(), Ok(DiskConfig { path: "a.img".into(), read_only: false }));
        assert_eq!(
            "/x,y.img,ro".parse(),
            Ok(DiskConfig { path: "/x,y.img".into(), read_only: true })
        );
        assert_eq!("b.img,rw".parse(), Ok(DiskConfig { path: "b.img".into(), read_only: false }));
        assert!("c.img,readonly".parse::<DiskConfig>().is_err());
        assert!(",ro".parse::<DiskConfig>().is_err());
    }
}
