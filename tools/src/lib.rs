//! Host-side tools for the project: building the guest workspaces (`guest_build`) and ext2
//! disk images (`image`). The `mkimage` binary and `vmm/build.rs` (which embeds the kernel
//! and the default image) both use them.

pub mod guest_build;
pub mod image;
