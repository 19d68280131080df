//! Memory management: the address-space layout, physical frames and the kernel heap.

pub mod frame;
pub mod heap;
pub mod layout;
