//! Memory management: the address-space layout, physical frames, the kernel heap, memory
//! shared with devices, the memops client, and user address spaces (`vm`).

pub mod dma;
pub mod frame;
pub mod heap;
pub mod kstack;
pub mod layout;
pub mod memops;
pub mod reserve;
pub mod share;
pub mod vm;
