//! What `build.rs` built into the binary, so `vmm run` needs no paths: the guest kernel
//! and the default root disk image. The image is served read-only straight from these bytes
//! (`DiskFile::from_static`); nothing ever writes into the binary.

/// The guest kernel ELF (used when no `--kernel` is given).
pub static EMBEDDED_KERNEL: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/kernel.elf"));

/// The default root disk: ext2 with `/sbin/init` and the guest programs (used as `vda` when
/// no `--disk` is given).
pub static EMBEDDED_ROOTFS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/rootfs.img"));

/// Name of the embedded disk in messages.
pub const EMBEDDED_ROOTFS_NAME: &str = "embedded root image";
