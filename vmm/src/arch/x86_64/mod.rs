//! x86_64 setup: the guest-physical memory layout, the memory map the guest is given, and the
//! CPU state (CPUID, MSRs, registers) the vCPU starts with.

pub mod cpuid;
pub mod gdt;
pub mod layout;
pub mod memmap;
pub mod msr;
pub mod regs;
