//! The guest kernel's pure logic: everything worth unit-testing that needs no hardware.
//!
//! This crate is `#![no_std]`, has no `unsafe`, no assembly and no architecture code, so its
//! tests run on the host (`cargo test` at the repository root, where it is a workspace
//! member). The kernel crate wraps it with the parts that touch memory and devices.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod banner;
pub mod bump_frames;
pub mod cache_index;
pub mod chacha;
pub mod chunk_pool;
pub mod cmdline;
pub mod ext2_format;
pub mod fixed_vec;
pub mod memmap;
pub mod options;
pub mod range;
pub mod selftest_spec;
pub mod tsc_scale;
pub mod virtio_console;
pub mod virtio_mmio;
