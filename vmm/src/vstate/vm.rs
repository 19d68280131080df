//! The KVM VM: guest memory registered as memory slots, and the in-kernel interrupt chip.

use kvm_bindings::kvm_userspace_memory_region;
use kvm_ioctls::VmFd;
use vm_memory::{Address, GuestMemoryBackend, GuestMemoryMmap, GuestMemoryRegion};

use super::kvm::Kvm;
use crate::arch::x86_64::layout::KVM_TSS_ADDR;

/// Why the VM could not be created.
#[derive(Debug, thiserror::Error)]
pub enum VmError {
    /// KVM_CREATE_VM failed.
    #[error("creating the KVM VM: {0}")]
    Create(kvm_ioctls::Error),
    /// KVM_SET_TSS_ADDR failed.
    #[error("setting the KVM TSS address: {0}")]
    TssAddress(kvm_ioctls::Error),
    /// KVM_CREATE_IRQCHIP failed.
    #[error("creating the in-kernel interrupt controllers: {0}")]
    IrqChip(kvm_ioctls::Error),
    /// KVM_SET_USER_MEMORY_REGION failed.
    #[error("registering guest memory slot {slot} with KVM: {source}")]
    MemorySlot {
        /// The slot number.
        slot: u32,
        /// The ioctl error.
        source: kvm_ioctls::Error,
    },
}

/// A VM with its memory. Field order matters: the VM fd is closed before the memory it
/// maps is unmapped.
pub struct Vm {
    /// The KVM VM handle.
    pub fd: VmFd,
    /// Guest RAM, owned here so it outlives every KVM reference to it.
    pub memory: GuestMemoryMmap,
}

impl Vm {
    /// Creates the VM, its memory slots and its interrupt controllers (PIC, IOAPIC,
    /// per-vCPU LAPIC).
    ///
    /// Order matters for speed: memory is registered *before* the irqchip exists. Once it
    /// does, every memslot change waits for an SRCU grace period, which on these nested-KVM
    /// hosts costs 4-7 ms per `KVM_SET_USER_MEMORY_REGION` (measured: 0.17 ms before).
    pub fn new(kvm: &Kvm, memory: GuestMemoryMmap) -> Result<Self, VmError> {
        let fd = kvm.fd.create_vm().map_err(VmError::Create)?;
        for (slot, region) in memory.iter().enumerate() {
            let slot = slot as u32;
            let mapping = kvm_userspace_memory_region {
                slot,
                flags: 0,
                guest_phys_addr: region.start_addr().raw_value(),
                memory_size: region.len(),
                userspace_addr: region.as_ptr() as u64,
            };
            // SAFETY: the region is a live mapping of `memory_size` bytes owned by `memory`,
            // which this struct keeps alive for as long as the VM fd exists (fields drop in
            // order: `fd` first).
            unsafe { fd.set_user_memory_region(mapping) }
                .map_err(|source| VmError::MemorySlot { slot, source })?;
        }
        fd.set_tss_address(KVM_TSS_ADDR).map_err(VmError::TssAddress)?;
        fd.create_irq_chip().map_err(VmError::IrqChip)?;
        Ok(Vm { fd, memory })
    }
}
