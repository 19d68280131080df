//! The guest kernel's library, like Linux's `lib/`: how the kernel's mechanism computes,
//! without hardware. Data structures, allocators' bookkeeping, arithmetic and on-disk or
//! device formats, each module named after the structure or format it is. What a user
//! program can observe (errnos, limits, layouts, the order of checks) is a rule and lives
//! in `posix` instead; what touches memory, devices or the CPU is the kernel's. The rule is
//! written in `guest-kernel/README.md`.
//!
//! This crate is `#![no_std]`, has no `unsafe`, no assembly and no architecture code, so its
//! tests run on the host (`cargo test` at the repository root, where it is a workspace
//! member).
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
