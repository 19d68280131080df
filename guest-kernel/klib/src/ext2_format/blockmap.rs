//! ext2/3 block maps: `i_block[0..12]` point at the first 12 data blocks, `i_block[12]` at
//! a block of pointers (single indirect), `[13]` at a block of pointers to such blocks
//! (double), `[14]` triple. A zero pointer is a hole.

/// How to reach logical block `block` with `per_block` pointers per block: the `i_block`
/// slot, how many indirect levels follow, and the index at each level (outermost first).
/// `None` beyond the triple-indirect range.
pub fn path(block: u64, per_block: u64) -> Option<(usize, usize, [u64; 3])> {
    let p = per_block;
    if block < 12 {
        return Some((block as usize, 0, [0; 3]));
    }
    let b = block - 12;
    if b < p {
        return Some((12, 1, [b, 0, 0]));
    }
    let b = b - p;
    if b < p * p {
        return Some((13, 2, [b / p, b % p, 0]));
    }
    let b = b - p * p;
    if b < p * p * p {
        return Some((14, 3, [b / (p * p), (b / p) % p, b % p]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert_eq!(path(0, 1024), Some((0, 0, [0; 3])));
        assert_eq!(path(11, 1024), Some((11, 0, [0; 3])));
        assert_eq!(path(12, 1024), Some((12, 1, [0, 0, 0])));
        assert_eq!(path(12 + 1023, 1024), Some((12, 1, [1023, 0, 0])));
        assert_eq!(path(12 + 1024, 1024), Some((13, 2, [0, 0, 0])));
        assert_eq!(path(12 + 1024 + 1025, 1024), Some((13, 2, [1, 1, 0])));
        let triple = 12 + 1024 + 1024 * 1024;
        assert_eq!(path(triple, 1024), Some((14, 3, [0, 0, 0])));
        assert_eq!(path(triple + 1024 * 1024 + 3, 1024), Some((14, 3, [1, 0, 3])));
        assert_eq!(path(triple + 1024 * 1024 * 1024, 1024), None);
    }
}
