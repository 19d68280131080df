//! x86_64: CPU control, descriptor tables, trap and system-call entry, interrupts (local
//! APIC, I/O APIC), paging, port I/O, the per-CPU area and SMEP/SMAP.

pub mod apic;
pub mod context;
pub mod cpu;
pub mod exceptions;
pub mod fpu;
pub mod frame;
pub mod gdt;
pub mod idt;
pub mod ioapic;
pub mod irq;
pub mod paging;
pub mod percpu;
pub mod port;
pub mod protection;
pub mod signal_frame;
pub mod switch;
pub mod syscall_entry;
pub mod trap_entry;
pub mod usercopy;
