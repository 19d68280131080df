//! Opening `/dev/kvm` and checking it offers what the vmm relies on.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use kvm_ioctls::Cap;

/// The KVM API version every Linux since 2.6.22 reports (Documentation/virt/kvm/api.rst).
const KVM_API_VERSION: i32 = 12;

/// Capabilities the vmm cannot run without.
const REQUIRED_CAPS: [(Cap, &str); 5] = [
    (Cap::Irqchip, "KVM_CAP_IRQCHIP"),
    (Cap::UserMemory, "KVM_CAP_USER_MEMORY"),
    (Cap::Ioeventfd, "KVM_CAP_IOEVENTFD"),
    (Cap::Irqfd, "KVM_CAP_IRQFD"),
    (Cap::ExtCpuid, "KVM_CAP_EXT_CPUID"),
];

/// Why `/dev/kvm` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KvmError {
    /// The device node does not exist.
    #[error("cannot open {}: no such device; this vmm needs KVM (is the kvm module loaded?)", .0.display())]
    Missing(PathBuf),
    /// The device node exists but this user may not open it.
    #[error("cannot open {}: permission denied; add your user to the group owning it (often 'kvm')", .0.display())]
    PermissionDenied(PathBuf),
    /// Any other failure to open it.
    #[error("cannot open {}: {source}", path.display())]
    Open {
        /// The path that was opened.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The file opened but does not answer KVM ioctls.
    #[error("{} is not a KVM device ({source})", path.display())]
    NotKvm {
        /// The path that was opened.
        path: PathBuf,
        /// The failed KVM_GET_API_VERSION.
        source: kvm_ioctls::Error,
    },
    /// KVM speaks a different API version.
    #[error("KVM API version {0} is not supported (need {KVM_API_VERSION})")]
    ApiVersion(i32),
    /// A capability the vmm needs is absent.
    #[error("KVM lacks the required capability {0}")]
    MissingCapability(&'static str),
    /// `KVM_GET_SUPPORTED_CPUID` failed.
    #[error("reading KVM's supported CPUID: {0}")]
    SupportedCpuid(kvm_ioctls::Error),
}

impl KvmError {
    /// Whether this is a problem with the host setup the user can fix (exit status 2),
    /// rather than a fault of the vmm.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, KvmError::SupportedCpuid(_))
    }
}

/// An open, checked `/dev/kvm`.
pub struct Kvm {
    /// The underlying handle.
    pub fd: kvm_ioctls::Kvm,
}

impl Kvm {
    /// Opens the KVM device at `path` and checks its API version and capabilities.
    pub fn open(path: &Path) -> Result<Self, KvmError> {
        let c_path = CString::new(path.as_os_str().as_bytes()).map_err(|_| KvmError::Open {
            path: path.to_owned(),
            source: io::Error::from(io::ErrorKind::InvalidInput),
        })?;
        let fd = kvm_ioctls::Kvm::new_with_path(c_path).map_err(|e| match e.errno() {
            libc::ENOENT => KvmError::Missing(path.to_owned()),
            libc::EACCES | libc::EPERM => KvmError::PermissionDenied(path.to_owned()),
            errno => KvmError::Open {
                path: path.to_owned(),
                source: io::Error::from_raw_os_error(errno),
            },
        })?;
        let version = fd.get_api_version();
        if version < 0 {
            let source = kvm_ioctls::Error::last();
            return Err(KvmError::NotKvm { path: path.to_owned(), source });
        }
        if version != KVM_API_VERSION {
            return Err(KvmError::ApiVersion(version));
        }
        if let Some((_, name)) = REQUIRED_CAPS.iter().find(|(cap, _)| !fd.check_extension(*cap)) {
            return Err(KvmError::MissingCapability(name));
        }
        Ok(Kvm { fd })
    }
}
