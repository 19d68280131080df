//! Architecture support. Only x86_64 exists; the module boundary keeps CPU details (asm,
//! descriptor tables, page-table formats) out of the rest of the kernel.

pub mod x86_64;

pub use x86_64::context::{Exception, ReturnReason, UserContext, enter_user, page_fault};
