//! User virtual memory: address spaces (`space`), their mappings (`vma`), page tables
//! (`page_table`) and the copy-on-write copy of an address space at fork (`cow`). The
//! user layout (where the stack, the heap and mappings go) is `posix::mm::user_layout`; the
//! argument rules of the memory system calls are `posix::mm::mmap`.

pub mod cow;
pub mod page_table;
pub mod space;
pub mod vma;

pub use space::{Access, AddressSpace, FaultError};
pub use vma::{Backing, FileSource, PageSource, Vma};

/// An address space as processes hold it: shared (`CLONE_VM`, vfork) and locked for use.
pub type Mm = spin::mutex::SpinMutex<AddressSpace>;
