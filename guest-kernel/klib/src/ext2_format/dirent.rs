//! Directory blocks: a chain of variable-length entries (`inode` u32, `rec_len` u16,
//! `name_len` u8, `file_type` u8, name). Linear reading also covers hash-tree directories:
//! their index blocks look like one empty entry spanning the block, and checksum tails
//! like an entry with inode 0.

use super::{Corrupt, le16, le32};

/// One live entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Inode number (never 0: deleted entries are skipped).
    pub ino: u32,
    /// `file_type` (1 regular, 2 directory, 3 char dev, 4 block dev, 5 FIFO, 6 socket,
    /// 7 symlink), 0 when the file system does not record types.
    pub file_type: u8,
    /// The name.
    pub name: &'a [u8],
}

/// The `DT_*` value of an ext2 `file_type` (getdents(2) types; 0 = DT_UNKNOWN).
pub fn dtype(file_type: u8) -> u8 {
    match file_type {
        1 => 8,  // DT_REG
        2 => 4,  // DT_DIR
        3 => 2,  // DT_CHR
        4 => 6,  // DT_BLK
        5 => 1,  // DT_FIFO
        6 => 12, // DT_SOCK
        7 => 10, // DT_LNK
        _ => 0,
    }
}

/// Calls `f` for each live entry of the directory block `block`; `with_types` says
/// whether `file_type` is meaningful (else it reads 0). `Err` on an entry that does not
/// fit the block.
pub fn for_each<'a>(
    block: &'a [u8],
    with_types: bool,
    mut f: impl FnMut(Entry<'a>),
) -> Result<(), Corrupt> {
    let mut at = 0usize;
    while at + 8 <= block.len() {
        let ino = le32(block, at);
        let mut rec_len = usize::from(le16(block, at + 4));
        if (rec_len == 0 || rec_len == 65535) && block.len() >= 65536 {
            rec_len = block.len() - at; // ext4_rec_len_from_disk for 64 KiB blocks
        }
        let name_len = usize::from(block[at + 6]);
        if rec_len < 8 || rec_len % 4 != 0 || at + rec_len > block.len() || 8 + name_len > rec_len {
            return Err(Corrupt("directory entry does not fit its block"));
        }
        if ino != 0 && name_len != 0 {
            let file_type = if with_types { block[at + 7] } else { 0 };
            f(Entry { ino, file_type, name: &block[at + 8..at + 8 + name_len] });
        }
        at += rec_len;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn entry(ino: u32, rec_len: u16, ft: u8, name: &[u8]) -> Vec<u8> {
        let mut e = Vec::new();
        e.extend_from_slice(&ino.to_le_bytes());
        e.extend_from_slice(&rec_len.to_le_bytes());
        e.push(name.len() as u8);
        e.push(ft);
        e.extend_from_slice(name);
        e.resize(usize::from(rec_len), 0);
        e
    }

    #[test]
    fn walks_a_block() {
        let mut b = entry(2, 12, 2, b".");
        b.extend(entry(2, 12, 2, b".."));
        b.extend(entry(0, 16, 0, b"gone")); // deleted
        b.extend(entry(13, 1024 - 40, 1, b"cat"));
        let mut seen = Vec::new();
        for_each(&b, true, |e| seen.push((e.ino, e.file_type, e.name.to_vec()))).unwrap();
        assert_eq!(seen, [(2, 2, b".".to_vec()), (2, 2, b"..".to_vec()), (13, 1, b"cat".to_vec())]);
        let mut types = Vec::new();
        for_each(&b, false, |e| types.push(e.file_type)).unwrap();
        assert_eq!(types, [0, 0, 0]);
        assert_eq!(dtype(1), 8);
        assert_eq!(dtype(7), 10);
    }

    #[test]
    fn rejects_bad_lengths() {
        let mut b = entry(2, 12, 2, b".");
        b.extend(entry(5, 8, 1, b""));
        b[12 + 6] = 20; // name longer than the record
        b.resize(64, 0);
        assert!(for_each(&b, true, |_| {}).is_err());
        let b = entry(2, 12, 2, b".");
        let mut long = b.clone();
        long[4] = 200; // record past the block
        assert!(for_each(&long, true, |_| {}).is_err());
        let mut zero = b;
        zero[4] = 0;
        assert!(for_each(&zero, true, |_| {}).is_err());
    }
}
