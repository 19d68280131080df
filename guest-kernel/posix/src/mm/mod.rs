//! User address spaces as data: the range map under the mappings (`range_map`), the
//! argument rules of `mmap`/`munmap`/`mprotect`/`brk` (`mmap`), and where things go in a
//! fresh address space (`user_layout`).

pub mod mmap;
pub mod range_map;
pub mod user_layout;

pub use range_map::{Entry, Piece, RangeMap};

/// Page size.
pub const PAGE: u64 = 4096;

/// `x` rounded up to a page boundary, `None` on overflow.
pub fn page_align_up(x: u64) -> Option<u64> {
    Some(x.checked_add(PAGE - 1)? & !(PAGE - 1))
}

/// Whether `x` is page aligned.
pub fn is_page_aligned(x: u64) -> bool {
    x.is_multiple_of(PAGE)
}
