//! The superblock (1024 bytes at byte 1024 of the disk) and the geometry derived from it.

use super::{Corrupt, le16, le32};

/// Where the superblock starts on the disk.
pub const OFFSET: u64 = 1024;
/// Its size.
pub const SIZE: usize = 1024;
/// `s_magic`.
pub const MAGIC: u16 = 0xef53;

/// Incompatible features (`s_feature_incompat`) this reader understands.
pub mod incompat {
    /// Directory entries carry the file type.
    pub const FILETYPE: u32 = 0x2;
    /// The journal needs replaying (mounted anyway, read-only: see `Superblock::needs_recovery`).
    pub const RECOVER: u32 = 0x4;
    /// Files use extent trees.
    pub const EXTENTS: u32 = 0x40;
    /// Block numbers above 2^32, 64-byte group descriptors.
    pub const BIT64: u32 = 0x80;
    /// Multiple-mount protection (meaningless read-only).
    pub const MMP: u32 = 0x100;
    /// Flexible block groups (only placement differs).
    pub const FLEX_BG: u32 = 0x200;
    /// Extended attributes in inodes (attributes are not read).
    pub const EA_INODE: u32 = 0x400;
    /// Checksum seed in the superblock (checksums are not verified).
    pub const CSUM_SEED: u32 = 0x2000;
    /// Directories larger than 2 GiB or 3-level hash trees (read linearly).
    pub const LARGEDIR: u32 = 0x4000;
    /// Encrypted files may exist (their contents read as stored).
    pub const ENCRYPT: u32 = 0x10000;
    /// Case-insensitive directories may exist (looked up exactly).
    pub const CASEFOLD: u32 = 0x20000;
    /// Everything above.
    pub const SUPPORTED: u32 = FILETYPE
        | RECOVER
        | EXTENTS
        | BIT64
        | MMP
        | FLEX_BG
        | EA_INODE
        | CSUM_SEED
        | LARGEDIR
        | ENCRYPT
        | CASEFOLD;
}

/// The facts the reader needs from the superblock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Superblock {
    /// Inodes in the file system.
    pub inodes_count: u32,
    /// Blocks in the file system.
    pub blocks_count: u64,
    /// Block size in bytes (1 KiB to 64 KiB).
    pub block_size: u32,
    /// The block holding the superblock (1 with 1 KiB blocks, else 0).
    pub first_data_block: u32,
    /// Inodes per block group.
    pub inodes_per_group: u32,
    /// Blocks per block group.
    pub blocks_per_group: u32,
    /// On-disk inode size.
    pub inode_size: u16,
    /// Group descriptor size (32 without the 64-bit feature).
    pub desc_size: u16,
    /// `s_feature_incompat`.
    pub incompat: u32,
    /// `s_feature_ro_compat`.
    pub ro_compat: u32,
}

/// Why a disk cannot be mounted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuperblockError {
    /// No ext2/3/4 magic number: some other format, or no file system.
    NotExt,
    /// A feature this reader does not implement (the unknown `s_feature_incompat` bits).
    Unsupported(u32),
    /// Inconsistent values.
    Corrupt(Corrupt),
}

impl core::fmt::Display for SuperblockError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SuperblockError::NotExt => {
                f.write_str("not an ext2/3/4 file system (bad magic number)")
            }
            SuperblockError::Unsupported(bits) => {
                write!(f, "unsupported ext4 features (incompat bits {bits:#x})")
            }
            SuperblockError::Corrupt(c) => write!(f, "corrupt superblock: {}", c.0),
        }
    }
}

const RO_COMPAT_HUGE_FILE: u32 = 0x8;

impl Superblock {
    /// Decodes and checks the 1024 superblock bytes.
    pub fn parse(b: &[u8]) -> Result<Self, SuperblockError> {
        let bad = |why| Err(SuperblockError::Corrupt(Corrupt(why)));
        if b.len() < SIZE {
            return bad("short read");
        }
        if le16(b, 56) != MAGIC {
            return Err(SuperblockError::NotExt);
        }
        let incompat = le32(b, 96);
        if incompat & !incompat::SUPPORTED != 0 {
            return Err(SuperblockError::Unsupported(incompat & !incompat::SUPPORTED));
        }
        let log = le32(b, 24);
        if log > 6 {
            return bad("block size above 64 KiB");
        }
        let block_size = 1024u32 << log;
        let rev = le32(b, 76);
        let inode_size = if rev == 0 { 128 } else { le16(b, 88) };
        if inode_size < 128 || !inode_size.is_power_of_two() || u32::from(inode_size) > block_size {
            return bad("inode size");
        }
        let desc_size = if incompat & incompat::BIT64 != 0 { le16(b, 254) } else { 32 };
        if desc_size < 32 || !desc_size.is_power_of_two() || u32::from(desc_size) > block_size {
            return bad("group descriptor size");
        }
        let hi = if incompat & incompat::BIT64 != 0 { u64::from(le32(b, 336)) } else { 0 };
        let sb = Superblock {
            inodes_count: le32(b, 0),
            blocks_count: u64::from(le32(b, 4)) | hi << 32,
            block_size,
            first_data_block: le32(b, 20),
            inodes_per_group: le32(b, 40),
            blocks_per_group: le32(b, 32),
            inode_size,
            desc_size,
            incompat,
            ro_compat: le32(b, 100),
        };
        if sb.inodes_per_group == 0 || sb.blocks_per_group == 0 || sb.inodes_count == 0 {
            return bad("zero inodes or blocks per group");
        }
        if u64::from(sb.first_data_block) >= sb.blocks_count {
            return bad("first data block past the end");
        }
        if sb.inodes_count.div_ceil(sb.inodes_per_group) as u64 > sb.groups() {
            return bad("more inode groups than block groups");
        }
        Ok(sb)
    }

    /// Number of block groups.
    pub fn groups(&self) -> u64 {
        (self.blocks_count - u64::from(self.first_data_block))
            .div_ceil(u64::from(self.blocks_per_group))
    }

    /// Block holding the first group descriptor (right after the superblock's block).
    pub fn descriptors_block(&self) -> u64 {
        u64::from(self.first_data_block) + 1
    }

    /// Whether the journal needs replaying: the reader mounts anyway (read-only, without
    /// replay), so recently committed changes may be missing.
    pub fn needs_recovery(&self) -> bool {
        self.incompat & incompat::RECOVER != 0
    }

    /// Whether directory entries carry file types.
    pub fn has_filetype(&self) -> bool {
        self.incompat & incompat::FILETYPE != 0
    }

    /// Whether `i_blocks` may count file-system blocks (`HUGE_FILE`).
    pub fn huge_file(&self) -> bool {
        self.ro_compat & RO_COMPAT_HUGE_FILE != 0
    }

    /// Group and byte offset within its group's inode table of inode `ino`; `None` if
    /// `ino` is not a valid inode number.
    pub fn inode_location(&self, ino: u32) -> Option<(u64, u64)> {
        if ino == 0 || ino > self.inodes_count {
            return None;
        }
        let index = ino - 1;
        let group = u64::from(index / self.inodes_per_group);
        let offset = u64::from(index % self.inodes_per_group) * u64::from(self.inode_size);
        Some((group, offset))
    }
}

/// The inode table's first block from a group descriptor (`desc` is `desc_size` bytes).
pub fn inode_table_block(desc: &[u8], desc_size: u16) -> u64 {
    let lo = u64::from(le32(desc, 8));
    let hi = if desc_size >= 64 { u64::from(le32(desc, 0x28)) } else { 0 };
    lo | hi << 32
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn sb_bytes() -> alloc::vec::Vec<u8> {
        let mut b = vec![0u8; SIZE];
        b[0..4].copy_from_slice(&1792u32.to_le_bytes());
        b[4..8].copy_from_slice(&1792u32.to_le_bytes());
        b[24..28].copy_from_slice(&2u32.to_le_bytes()); // 4 KiB
        b[32..36].copy_from_slice(&32768u32.to_le_bytes());
        b[40..44].copy_from_slice(&1792u32.to_le_bytes());
        b[56..58].copy_from_slice(&MAGIC.to_le_bytes());
        b[76..80].copy_from_slice(&1u32.to_le_bytes());
        b[88..90].copy_from_slice(&256u16.to_le_bytes());
        b[96..100].copy_from_slice(&incompat::FILETYPE.to_le_bytes());
        b
    }

    #[test]
    fn parses_a_mke2fs_superblock() {
        let sb = Superblock::parse(&sb_bytes()).unwrap();
        assert_eq!((sb.block_size, sb.inode_size, sb.desc_size, sb.groups()), (4096, 256, 32, 1));
        assert_eq!(sb.descriptors_block(), 1);
        assert_eq!(sb.inode_location(2), Some((0, 256)));
        assert_eq!(sb.inode_location(0), None);
        assert_eq!(sb.inode_location(1793), None);
        assert!(sb.has_filetype() && !sb.needs_recovery());
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        assert_eq!(Superblock::parse(&[0; SIZE]), Err(SuperblockError::NotExt));
        let mut b = sb_bytes();
        b[96..100].copy_from_slice(&0x8000u32.to_le_bytes()); // inline data
        assert_eq!(Superblock::parse(&b), Err(SuperblockError::Unsupported(0x8000)));
        let mut b = sb_bytes();
        b[24..28].copy_from_slice(&9u32.to_le_bytes());
        assert!(matches!(Superblock::parse(&b), Err(SuperblockError::Corrupt(_))));
        let mut b = sb_bytes();
        b[40..44].copy_from_slice(&0u32.to_le_bytes());
        assert!(matches!(Superblock::parse(&b), Err(SuperblockError::Corrupt(_))));
        assert!(matches!(Superblock::parse(&b[..100]), Err(SuperblockError::Corrupt(_))));
    }

    #[test]
    fn descriptor_tables() {
        let mut d = vec![0u8; 64];
        d[8..12].copy_from_slice(&5u32.to_le_bytes());
        d[0x28..0x2c].copy_from_slice(&1u32.to_le_bytes());
        assert_eq!(inode_table_block(&d, 32), 5);
        assert_eq!(inode_table_block(&d, 64), (1 << 32) | 5);
    }
}
