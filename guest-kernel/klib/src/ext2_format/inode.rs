//! Inodes: mode, owner, size, times, link count and where the data is (`i_block`).

use super::{le16, le32};

/// `i_flags`: the file uses an extent tree.
pub const EXTENTS_FL: u32 = 0x8_0000;
/// `i_flags`: the data lives in the inode (unsupported: refused at mount by the feature).
pub const INLINE_DATA_FL: u32 = 0x1000_0000;
/// `i_flags`: `i_blocks` counts file-system blocks, not 512-byte sectors.
pub const HUGE_FILE_FL: u32 = 0x4_0000;

/// Where an inode's data is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Data {
    /// ext2/3 block map: 12 direct, then single, double and triple indirect blocks.
    BlockMap([u32; 15]),
    /// ext4 extent tree (the root node's 60 bytes).
    Extents([u8; 60]),
    /// A short symbolic link's target, stored in place of the block map.
    Inline([u8; 60]),
}

/// A time stamp (seconds, nanoseconds).
pub type Time = (i64, u32);

/// The decoded inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inode {
    /// `i_mode`: type and permission bits.
    pub mode: u16,
    /// Owner (with the high 16 bits).
    pub uid: u32,
    /// Group (with the high 16 bits).
    pub gid: u32,
    /// Size in bytes.
    pub size: u64,
    /// Hard links.
    pub links: u16,
    /// Allocated space in 512-byte units.
    pub blocks_512: u64,
    /// Access, modification, status change.
    pub atime: Time,
    /// See `atime`.
    pub mtime: Time,
    /// See `atime`.
    pub ctime: Time,
    /// `i_flags`.
    pub flags: u32,
    /// The data location.
    pub data: Data,
}

/// `S_IFLNK`.
const S_IFLNK: u16 = 0o120000;
/// `S_IFREG`.
const S_IFREG: u16 = 0o100000;
/// `S_IFMT`.
const S_IFMT: u16 = 0o170000;

/// Seconds and nanoseconds from a 32-bit time and its `_extra` word (ext4: two epoch bits
/// extend the signed seconds, 30 bits of nanoseconds).
fn time(seconds: u32, extra: Option<u32>) -> Time {
    let base = i64::from(seconds as i32);
    match extra {
        Some(x) => (base + (i64::from(x & 3) << 32), (x >> 2).min(999_999_999)),
        None => (base, 0),
    }
}

impl Inode {
    /// Decodes an on-disk inode (`b` is the inode's `inode_size` bytes); `block_size` for
    /// `i_blocks` in file-system blocks (huge files).
    pub fn parse(b: &[u8], block_size: u32) -> Self {
        let mode = le16(b, 0);
        let flags = le32(b, 32);
        let file_type = mode & S_IFMT;
        let size_hi = if file_type == S_IFREG { u64::from(le32(b, 108)) } else { 0 };
        let size = u64::from(le32(b, 4)) | size_hi << 32;
        let mut raw = [0u8; 60];
        if let Some(s) = b.get(40..100) {
            raw.copy_from_slice(s);
        }
        let blocks = u64::from(le32(b, 28)) | u64::from(le16(b, 116)) << 32;
        let blocks_512 =
            if flags & HUGE_FILE_FL != 0 { blocks * u64::from(block_size / 512) } else { blocks };
        let extra_isize = if b.len() > 128 { usize::from(le16(b, 128)) } else { 0 };
        let extra = |at: usize| (b.len() > 128 && 128 + extra_isize >= at + 4).then(|| le32(b, at));
        let file_acl = le32(b, 104);
        let ea_512 = if file_acl != 0 { u64::from(block_size / 512) } else { 0 };
        let data = if flags & EXTENTS_FL != 0 {
            Data::Extents(raw)
        } else if file_type == S_IFLNK && size < 60 && blocks_512.saturating_sub(ea_512) == 0 {
            Data::Inline(raw)
        } else {
            let mut map = [0u32; 15];
            for (i, m) in map.iter_mut().enumerate() {
                *m = le32(&raw, i * 4);
            }
            Data::BlockMap(map)
        };
        Inode {
            mode,
            uid: u32::from(le16(b, 2)) | u32::from(le16(b, 120)) << 16,
            gid: u32::from(le16(b, 24)) | u32::from(le16(b, 122)) << 16,
            size,
            links: le16(b, 26),
            blocks_512,
            atime: time(le32(b, 8), extra(140)),
            ctime: time(le32(b, 12), extra(132)),
            mtime: time(le32(b, 16), extra(136)),
            flags,
            data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn raw(mode: u16, size: u32) -> alloc::vec::Vec<u8> {
        let mut b = vec![0u8; 256];
        b[0..2].copy_from_slice(&mode.to_le_bytes());
        b[2..4].copy_from_slice(&1000u16.to_le_bytes());
        b[4..8].copy_from_slice(&size.to_le_bytes());
        b[16..20].copy_from_slice(&1_700_000_000u32.to_le_bytes());
        b[26..28].copy_from_slice(&1u16.to_le_bytes());
        b[120..122].copy_from_slice(&1u16.to_le_bytes());
        b[128..130].copy_from_slice(&32u16.to_le_bytes());
        b[136..140].copy_from_slice(&(500u32 << 2).to_le_bytes());
        b
    }

    #[test]
    fn regular_file() {
        let mut b = raw(0o100755, 4097);
        b[40..44].copy_from_slice(&77u32.to_le_bytes());
        b[108..112].copy_from_slice(&1u32.to_le_bytes());
        let i = Inode::parse(&b, 4096);
        assert_eq!(i.mode, 0o100755);
        assert_eq!(i.uid, 0x1_03e8, "uid high bits");
        assert_eq!(i.size, (1 << 32) | 4097, "size high bits for regular files");
        assert_eq!(i.mtime, (1_700_000_000, 500));
        assert!(matches!(i.data, Data::BlockMap(m) if m[0] == 77));
    }

    #[test]
    fn symlinks_fast_and_slow() {
        let mut b = raw(0o120777, 7);
        b[40..47].copy_from_slice(b"/bin/sh");
        assert!(matches!(Inode::parse(&b, 4096).data, Data::Inline(d) if &d[..7] == b"/bin/sh"));
        b[28..32].copy_from_slice(&8u32.to_le_bytes()); // a data block
        assert!(matches!(Inode::parse(&b, 4096).data, Data::BlockMap(_)));
    }

    #[test]
    fn extents_and_small_inodes() {
        let mut b = raw(0o40755, 4096);
        b[32..36].copy_from_slice(&EXTENTS_FL.to_le_bytes());
        assert!(matches!(Inode::parse(&b, 4096).data, Data::Extents(_)));
        let i = Inode::parse(&b[..128], 1024);
        assert_eq!(i.mtime.1, 0, "no extra fields in 128-byte inodes");
        assert_eq!(i.size, 4096);
    }
}
