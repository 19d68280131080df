//! The vDSO: clock reads without a system call. A system call costs 250+ µs here (every
//! kernel instruction is emulated, docs/DESIGN.md section 6) while user code runs natively,
//! so `clock_gettime` and friends are answered in user mode by code the kernel maps into
//! every process, as Linux does (`AT_SYSINFO_EHDR`; the C library finds the functions by
//! their ELF symbols, version `LINUX_2.6`).
//!
//! Two pieces, mapped together by exec below the mmap base (where Linux puts them):
//!
//! - the vvar page: [`VvarData`], written by the kernel at boot ([`publish`]) with the
//!   numbers its own clock uses (`time::clock`), read-only for user mode;
//! - the vDSO image (`vdso/vdso.c`, built by `build_vdso.rs` into a relocation-free shared
//!   object linked at 0), read+exec, one page above the vvar page, which its code finds
//!   RIP-relative.
//!
//! Both are pages of the kernel image, shared by every process and never freed (the
//! entries are not `OWNED`); fork copies them with the rest of the page tables.

use crate::mm::layout;
use crate::mm::vm::AddressSpace;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use posix::Errno;
use posix::mm::PAGE;

/// The vDSO as built (a few KiB).
const IMAGE_BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/vdso.so"));
/// Pages the image takes.
pub const IMAGE_PAGES: usize = IMAGE_BYTES.len().div_ceil(PAGE as usize);

/// The image, padded with zeros to whole pages and page-aligned so it can be mapped.
#[repr(C, align(4096))]
struct Image([u8; IMAGE_PAGES * PAGE as usize]);

static IMAGE: Image = Image(padded());

/// `IMAGE_BYTES` followed by zeros up to the page boundary.
const fn padded() -> [u8; IMAGE_PAGES * PAGE as usize] {
    let mut out = [0; IMAGE_PAGES * PAGE as usize];
    let mut i = 0;
    while i < IMAGE_BYTES.len() {
        out[i] = IMAGE_BYTES[i];
        i += 1;
    }
    out
}

/// The clock parameters user mode reads (`struct vvar_data` in `vdso/vdso.h`, field for
/// field). `seq` follows the pvclock version protocol: odd while the kernel rewrites the
/// rest, and readers retry while it is odd or changed across their reads.
#[repr(C)]
pub struct VvarData {
    seq: AtomicU32,
    valid: AtomicU32,
    boot_tsc: AtomicU64,
    boot_wall_ns: AtomicU64,
    tsc_khz: AtomicU64,
}

/// The vvar page: [`VvarData`] alone in a page (the rest zero), so mapping it shows user
/// mode nothing else of the kernel.
#[repr(C, align(4096))]
struct VvarPage(VvarData);

static VVAR: VvarPage = VvarPage(VvarData {
    seq: AtomicU32::new(0),
    valid: AtomicU32::new(0),
    boot_tsc: AtomicU64::new(0),
    boot_wall_ns: AtomicU64::new(0),
    tsc_khz: AtomicU64::new(0),
});

const _: () = assert!(size_of::<VvarPage>() == PAGE as usize);

/// Publishes the clock's origin and rate (from `time::clock::init`): the vDSO computes
/// `(rdtsc - boot_tsc) * 1e6 / tsc_khz` (+ `boot_wall_ns`), the kernel's own formulas.
pub fn publish(boot_tsc: u64, boot_wall_ns: u64, tsc_khz: u64) {
    let d = &VVAR.0;
    let seq = d.seq.load(Ordering::Relaxed);
    d.seq.store(seq.wrapping_add(1), Ordering::Relaxed);
    core::sync::atomic::fence(Ordering::Release);
    d.boot_tsc.store(boot_tsc, Ordering::Relaxed);
    d.boot_wall_ns.store(boot_wall_ns, Ordering::Relaxed);
    d.tsc_khz.store(tsc_khz, Ordering::Relaxed);
    // Without a TSC frequency the vDSO would read 0: it asks the kernel instead.
    d.valid.store(u32::from(tsc_khz != 0), Ordering::Relaxed);
    d.seq.store(seq.wrapping_add(2), Ordering::Release);
}

/// Maps the vvar page and the vDSO into `space` (a new program's, in exec), top-down below
/// the mmap base as Linux places them; returns the vDSO's address (`AT_SYSINFO_EHDR`).
pub fn map(space: &mut AddressSpace) -> Result<u64, Errno> {
    let len = (1 + IMAGE_PAGES as u64) * PAGE;
    let start = space.find_free(len, 0).ok_or(Errno::ENOMEM)?;
    let vvar_phys = layout::image_virt_to_phys(&raw const VVAR as u64);
    let image_phys = layout::image_virt_to_phys(&raw const IMAGE as u64);
    space.map_kernel_pages(start, len, vvar_phys, image_phys)?;
    Ok(start + PAGE)
}
