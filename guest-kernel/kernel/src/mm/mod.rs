//! Memory management: the address-space layout, physical frames, the kernel heap and memory
//! shared with devices.

pub mod dma;
pub mod frame;
pub mod heap;
pub mod layout;
