//! Entropy for the guest: a seed the vmm hands over at boot.
//!
//! The guest's CPUID on this project's hosts has no RDRAND/RDSEED, and a fresh VM has no
//! other source of unpredictability, so the vmm fills one page of guest RAM with
//! [`SEED_LEN`] bytes from the host's `getrandom(2)` and announces it in the PVH memory map
//! as a region of type [`E820_TYPE_ENTROPY`] (as Linux's `setup_data` RNG seed and
//! Firecracker's do). The kernel seeds its random generator from it (`getrandom(2)`,
//! `AT_RANDOM`) and overwrites the page. A kernel booted elsewhere (QEMU) finds no such
//! region and must use what it has (RDRAND when CPUID offers it).

/// Memory-map type of the entropy page (an OEM-defined E820 type).
pub const E820_TYPE_ENTROPY: u32 = 0xf000_0002;

/// Bytes of seed at the start of the entropy page.
pub const SEED_LEN: usize = 64;
