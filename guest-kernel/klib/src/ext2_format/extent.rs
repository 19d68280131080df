//! Extent trees (ext4): a node is a 12-byte header (`eh_magic` 0xf30a, `eh_entries`,
//! `eh_max`, `eh_depth`) and 12-byte entries: index entries (`ei_block`, child node
//! block) above the leaves, leaf entries (`ee_block`, `ee_len`, start block) at depth 0.

use super::{Corrupt, le16, le32};

/// `eh_magic`.
pub const MAGIC: u16 = 0xf30a;
/// Deepest tree Linux builds (`EXT4_MAX_EXTENT_DEPTH`).
pub const MAX_DEPTH: u16 = 5;
/// Longest initialized extent; longer `ee_len` values mark unwritten extents.
const INIT_MAX_LEN: u16 = 32768;

/// A node's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Entries in use.
    pub entries: u16,
    /// 0 for a leaf.
    pub depth: u16,
}

/// A leaf entry: logical blocks `first..first + len` are at `start..`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leaf {
    /// First logical block.
    pub first: u32,
    /// Number of blocks.
    pub len: u32,
    /// First physical block.
    pub start: u64,
    /// Unwritten (preallocated): reads as zeros.
    pub unwritten: bool,
}

/// Checks a node (`node` is its bytes: the inode's 60 or a whole block).
pub fn header(node: &[u8]) -> Result<Header, Corrupt> {
    if le16(node, 0) != MAGIC {
        return Err(Corrupt("extent node magic"));
    }
    let entries = le16(node, 2);
    let max = le16(node, 4);
    let depth = le16(node, 6);
    if entries > max || 12 + 12 * usize::from(entries) > node.len() || depth > MAX_DEPTH {
        return Err(Corrupt("extent node header"));
    }
    Ok(Header { entries, depth })
}

/// Leaf entry `i` of a checked leaf node.
pub fn leaf(node: &[u8], i: usize) -> Leaf {
    let at = 12 + 12 * i;
    let raw_len = le16(node, at + 4);
    let (len, unwritten) =
        if raw_len > INIT_MAX_LEN { (raw_len - INIT_MAX_LEN, true) } else { (raw_len, false) };
    Leaf {
        first: le32(node, at),
        len: u32::from(len),
        start: u64::from(le16(node, at + 6)) << 32 | u64::from(le32(node, at + 8)),
        unwritten,
    }
}

/// Index entry `i` of a checked index node: (first logical block, child node's block).
pub fn index(node: &[u8], i: usize) -> (u32, u64) {
    let at = 12 + 12 * i;
    (le32(node, at), u64::from(le16(node, at + 8)) << 32 | u64::from(le32(node, at + 4)))
}

/// The entry covering logical block `block`: the last one starting at or before it
/// (entries are sorted); `None` if `block` lies before the first.
pub fn find(node: &[u8], h: Header, block: u32) -> Option<usize> {
    let mut found = None;
    for i in 0..usize::from(h.entries) {
        if le32(node, 12 + 12 * i) > block {
            break;
        }
        found = Some(i);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn node(depth: u16, entries: &[[u32; 3]]) -> Vec<u8> {
        let mut n = Vec::new();
        n.extend_from_slice(&MAGIC.to_le_bytes());
        n.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        n.extend_from_slice(&4u16.to_le_bytes());
        n.extend_from_slice(&depth.to_le_bytes());
        n.extend_from_slice(&0u32.to_le_bytes());
        for e in entries {
            n.extend_from_slice(&e[0].to_le_bytes());
            if depth == 0 {
                n.extend_from_slice(&(e[1] as u16).to_le_bytes());
                n.extend_from_slice(&0u16.to_le_bytes());
                n.extend_from_slice(&e[2].to_le_bytes());
            } else {
                n.extend_from_slice(&e[2].to_le_bytes());
                n.extend_from_slice(&[0; 4]);
            }
        }
        n.resize(60, 0);
        n
    }

    #[test]
    fn leaves() {
        let n = node(0, &[[0, 10, 100], [10, 32770, 500]]);
        let h = header(&n).unwrap();
        assert_eq!(h, Header { entries: 2, depth: 0 });
        assert_eq!(leaf(&n, 0), Leaf { first: 0, len: 10, start: 100, unwritten: false });
        assert_eq!(leaf(&n, 1), Leaf { first: 10, len: 2, start: 500, unwritten: true });
        assert_eq!(find(&n, h, 9), Some(0));
        assert_eq!(find(&n, h, 10), Some(1));
    }

    #[test]
    fn index_nodes() {
        let n = node(1, &[[5, 0, 900], [50, 0, 901]]);
        let h = header(&n).unwrap();
        assert_eq!(h.depth, 1);
        assert_eq!(index(&n, 1), (50, 901));
        assert_eq!(find(&n, h, 4), None);
        assert_eq!(find(&n, h, 60), Some(1));
    }

    #[test]
    fn bad_headers() {
        assert!(header(&[0; 60]).is_err());
        let mut n = node(0, &[[0, 1, 1]]);
        n[2] = 9; // more entries than max
        assert!(header(&n).is_err());
        let mut n = node(0, &[]);
        n[6] = 9; // too deep
        assert!(header(&n).is_err());
    }
}
