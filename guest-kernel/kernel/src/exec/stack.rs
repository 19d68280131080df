//! The new program's stack: the stack region (RLIMIT_STACK below the stack top, demand
//! paged) and its top pages filled with the initial stack (`posix::exec::initial_stack`: argc,
//! argv, envp, auxv and the strings), copied into fresh frames by the memops device.
//!
//! A few pages below the initial stack pointer are mapped at once too: every program
//! touches them right away, and a page fault costs far more here than the entry.

use crate::mm::layout as kernel_layout;
use crate::mm::vm::{AddressSpace, Vma};
use crate::mm::{frame, memops};
use alloc::vec::Vec;
use posix::Errno;
use posix::exec::elf::PAGE;
use posix::exec::initial_stack::{StackSpec, build};
use posix::mm::mmap::Prot;
use posix::mm::user_layout::{STACK_TOP, stack_bottom};

/// Pages mapped below the page holding the initial stack pointer.
const EXTRA_PAGES: u64 = 3;

/// Builds the stack region in `space` for a stack size limit `stack_limit` and writes
/// `spec` at its top; returns the initial stack pointer.
pub fn setup(
    space: &mut AddressSpace,
    spec: &StackSpec<'_>,
    stack_limit: u64,
) -> Result<u64, Errno> {
    let image = build(spec, STACK_TOP);
    let bottom = stack_bottom(stack_limit);
    let low = (image.sp & !(PAGE - 1)).saturating_sub(EXTRA_PAGES * PAGE).max(bottom);
    if image.sp < bottom + PAGE {
        return Err(Errno::E2BIG);
    }
    let rw = Prot { read: true, write: true, exec: false };
    space.map(bottom, STACK_TOP, Vma::anon(rw))?;
    let count = ((STACK_TOP - low) / PAGE) as usize;
    let mut frames = Vec::new();
    frames.try_reserve_exact(count).map_err(|_| Errno::ENOMEM)?;
    for _ in 0..count {
        match frame::alloc_zeroed() {
            Some(f) => frames.push(f),
            None => {
                for &f in &frames {
                    // SAFETY: allocated above, never mapped.
                    unsafe { frame::free(f) };
                }
                return Err(Errno::ENOMEM);
            }
        }
    }
    copy_image(&image.bytes, image.sp - low, &frames);
    space.map_pages(low, &frames, rw, true)?;
    Ok(image.sp)
}

/// Copies `bytes` to offset `at` of the pages `frames` (consecutive virtual pages).
fn copy_image(bytes: &[u8], at: u64, frames: &[u64]) {
    let src_phys = kernel_layout::virt_to_phys(bytes.as_ptr(), bytes.len());
    let mut batch = memops::Batch::new();
    let mut done = 0usize;
    while done < bytes.len() {
        let pos = at + done as u64;
        let (page, off) = ((pos / PAGE) as usize, pos % PAGE);
        let n = ((PAGE - off) as usize).min(bytes.len() - done);
        let dst = frames[page] + off;
        match src_phys {
            Some(src) => batch.copy(dst, src + done as u64, n as u64),
            None => {
                if let Some(p) = kernel_layout::phys_to_virt(dst, n as u64) {
                    // SAFETY: `dst` is a fresh frame of ours, in the direct map; the source
                    // is a live slice.
                    unsafe { core::ptr::copy_nonoverlapping(bytes[done..].as_ptr(), p, n) };
                }
            }
        }
        done += n;
    }
    if batch.finish().is_err() {
        // The vmm refused (a kernel bug): fall back to copying with the CPU.
        drop_to_cpu(bytes, at, frames);
    }
}

fn drop_to_cpu(bytes: &[u8], at: u64, frames: &[u64]) {
    let mut done = 0usize;
    while done < bytes.len() {
        let pos = at + done as u64;
        let (page, off) = ((pos / PAGE) as usize, pos % PAGE);
        let n = ((PAGE - off) as usize).min(bytes.len() - done);
        if let Some(p) = kernel_layout::phys_to_virt(frames[page] + off, n as u64) {
            // SAFETY: as in `copy_image`.
            unsafe { core::ptr::copy_nonoverlapping(bytes[done..].as_ptr(), p, n) };
        }
        done += n;
    }
}
