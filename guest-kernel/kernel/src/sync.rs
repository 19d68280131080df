//! [`BootCell`]: statics written once by the boot CPU and afterwards read by the hardware.

use core::cell::UnsafeCell;

/// A static the boot CPU fills in during early boot, before any other CPU or interrupt can
/// observe it, and that afterwards only the hardware or the hypervisor uses (the page-table
/// pool, the kvm-clock structure KVM writes into).
///
/// It hands out raw pointers only: whoever writes through them states in a `SAFETY:`
/// comment why nothing else accesses the value at that time.
#[repr(transparent)]
pub struct BootCell<T>(UnsafeCell<T>);

// SAFETY: `BootCell` only gives out raw pointers; every dereference is an `unsafe` block
// that must justify exclusive access (single boot CPU, interrupts off, before the value is
// published to the hardware).
unsafe impl<T> Sync for BootCell<T> {}

impl<T> BootCell<T> {
    /// A cell holding `value`.
    pub const fn new(value: T) -> Self {
        Self(UnsafeCell::new(value))
    }

    /// A raw pointer to the value.
    pub const fn get(&self) -> *mut T {
        self.0.get()
    }
}
