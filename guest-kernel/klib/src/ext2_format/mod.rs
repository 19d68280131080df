//! The ext2/3/4 on-disk format, read-only: superblock, group descriptors, inodes,
//! directory entries, extent trees and indirect block maps, decoded from byte slices. The
//! file system itself (lookups, caching, I/O) is the kernel's `fs::ext2`.
//!
//! Reference: the Linux kernel's "ext4 Data Structures and Algorithms"
//! (Documentation/filesystems/ext4/), which covers ext2 and ext3 as subsets. Everything
//! here checks what it reads and returns [`Corrupt`] rather than trusting the disk: a bad
//! image must give an error, never a panic or an out-of-range access.
//!
//! The kernel's `fs::ext2` does the I/O (through the block cache and by DMA into the page
//! cache) and keeps what it decoded.

pub mod blockmap;
pub mod dirent;
pub mod extent;
pub mod inode;
pub mod superblock;

use core::fmt;

/// A structure on the disk is inconsistent (what was wrong, for the log).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Corrupt(pub &'static str);

impl fmt::Display for Corrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "corrupt file system: {}", self.0)
    }
}

/// Little-endian u16 at `at` (0 past the end: callers check lengths first).
pub(crate) fn le16(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2).map_or(0, |s| u16::from_le_bytes([s[0], s[1]]))
}

/// Little-endian u32 at `at` (0 past the end: callers check lengths first).
pub(crate) fn le32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}
