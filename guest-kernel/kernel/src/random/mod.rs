//! The kernel's random generator (`getrandom(2)`, exec's `AT_RANDOM`): ChaCha20 with fast
//! key erasure (`klib::chacha`), seeded once at boot.
//!
//! The seed: the vmm's entropy page (`vmm_abi::entropy`: 64 bytes from the host's
//! `getrandom`, announced in the memory map; the guest CPUID has no RDRAND here), which is
//! wiped after reading. Without it (QEMU), RDRAND when CPUID offers it; failing that, TSC
//! readings, which are guessable, and a warning says so.

use crate::arch::x86_64::cpu;
use crate::mm::layout;
use klib::chacha::Generator;
use klib::memmap::Region;
use spin::mutex::SpinMutex;
use vmm_abi::entropy::{E820_TYPE_ENTROPY, SEED_LEN};

/// The generator, once seeded.
static RNG: SpinMutex<Option<Generator>> = SpinMutex::new(None);

/// CPUID.01H:ECX bit 30: RDRAND.
const CPUID_RDRAND: u32 = 1 << 30;

/// Where the seed came from, for the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeedSource {
    /// The vmm's entropy page.
    EntropyPage,
    /// The CPU's RDRAND.
    Rdrand,
    /// Only the TSC: predictable.
    Tsc,
}

/// Seeds the generator from the memory map's entropy page (wiping it), else RDRAND, else
/// the TSC. Once, at boot, after the direct map exists.
pub fn init(regions: &[Region]) -> SeedSource {
    let mut seed = [0u8; SEED_LEN];
    let page = regions.iter().find(|r| r.kind == E820_TYPE_ENTROPY && r.size >= SEED_LEN as u64);
    let source = match page.and_then(|r| layout::phys_to_virt(r.addr, SEED_LEN as u64)) {
        Some(ptr) => {
            // SAFETY: the vmm wrote SEED_LEN bytes at the start of the region, which the
            // frame allocator never hands out (it is not RAM); the kernel only reads it here
            // and wipes it, so the seed does not stay in guest memory.
            unsafe {
                core::ptr::copy_nonoverlapping(ptr, seed.as_mut_ptr(), SEED_LEN);
                ptr.write_bytes(0, SEED_LEN);
            }
            SeedSource::EntropyPage
        }
        None if cpu::cpuid(1).ecx & CPUID_RDRAND != 0 => {
            for chunk in seed.as_chunks_mut::<8>().0 {
                *chunk = rdrand().to_le_bytes();
            }
            SeedSource::Rdrand
        }
        None => {
            for chunk in seed.as_chunks_mut::<8>().0 {
                *chunk = cpu::rdtsc().to_le_bytes();
            }
            crate::console::println!("random: no entropy source; the generator is predictable");
            SeedSource::Tsc
        }
    };
    *RNG.lock() = Some(Generator::new(&seed));
    seed.fill(0);
    source
}

/// A 64-bit value from RDRAND (retried while the CPU reports no value ready).
fn rdrand() -> u64 {
    loop {
        let (value, ok): (u64, u8);
        // SAFETY: RDRAND exists (CPUID checked by the caller); it only writes the output
        // register and CF.
        unsafe {
            core::arch::asm!("rdrand {v}", "setc {ok}", v = out(reg) value, ok = out(reg_byte) ok,
                options(nomem, nostack))
        };
        if ok != 0 {
            return value;
        }
    }
}

/// Fills `out` with random bytes (before [`init`]: from a TSC-seeded generator).
pub fn fill(out: &mut [u8]) {
    let mut rng = RNG.lock();
    let generator = rng.get_or_insert_with(|| Generator::new(&cpu::rdtsc().to_le_bytes()));
    generator.fill(out);
}
