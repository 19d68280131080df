//! User virtual memory: address spaces (`space`), their mappings (`vma`) and page tables
//! (`page_table`). The user layout (where the stack, the heap and mappings go) is
//! `posix::mm::layout`; the argument rules of the memory system calls are
//! `posix::mm::mmap`.

pub mod page_table;
pub mod space;
pub mod vma;

pub use space::{Access, AddressSpace, FaultError};
pub use vma::{Backing, FileSource, Vma};
