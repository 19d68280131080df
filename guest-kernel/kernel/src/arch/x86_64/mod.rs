//! x86_64: CPU control, descriptor tables, trap entry, interrupts (local APIC, I/O APIC),
//! paging and port I/O.

pub mod apic;
pub mod cpu;
pub mod exceptions;
pub mod gdt;
pub mod idt;
pub mod ioapic;
pub mod irq;
pub mod paging;
pub mod port;
pub mod trap_entry;
