//! Thin wrappers over the KVM objects: the `/dev/kvm` handle, guest memory, the VM and its
//! vCPU. Each turns raw ioctl failures into errors that say what the vmm was doing.

pub mod kvm;
pub mod memory;
pub mod stats;
pub mod vcpu;
pub mod vm;
