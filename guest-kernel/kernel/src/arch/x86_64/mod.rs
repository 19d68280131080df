//! x86_64: CPU control, descriptor tables, trap entry, paging and port I/O.

pub mod cpu;
pub mod exceptions;
pub mod gdt;
pub mod idt;
pub mod paging;
pub mod port;
pub mod trap_entry;
