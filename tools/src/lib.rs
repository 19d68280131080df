//! Host-side tools for the project: building the guest workspaces (`guest_build`) and ext2
//! disk images (`image`). The `mkimage` binary and `vmm/build.rs` (which embeds the kernel
//! and the default image) both use them. `bench` is the exec-latency benchmark harness
//! behind the `exec-bench` binary. `syscall_names` generates the guest kernel's table of
//! system-call names (the `gen-syscall-names` binary).

#[cfg(feature = "bench")]
pub mod bench;
pub mod guest_build;
pub mod image;
#[cfg(feature = "gen")]
pub mod syscall_names;
