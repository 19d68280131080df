//! `linux_dirent64` records, as `getdents64(2)` returns them: `d_ino` (8 bytes), `d_off`
//! (8, the position of the *next* entry, what `lseek` takes to resume there),
//! `d_reclen` (2), `d_type` (1), the name and a NUL, padded to 8 bytes.

/// Bytes before the name.
const HEADER: usize = 19;

/// The record length for a name of `name_len` bytes (Linux `ALIGN(offsetof(struct
/// linux_dirent64, d_name) + namlen + 1, sizeof(u64))`).
pub const fn record_len(name_len: usize) -> usize {
    (HEADER + name_len + 1 + 7) & !7
}

/// Encodes one record into `out`; returns its length, or `None` if `out` is too short.
/// Padding bytes are zero.
pub fn encode(out: &mut [u8], ino: u64, next: u64, dtype: u8, name: &[u8]) -> Option<usize> {
    let len = record_len(name.len());
    let rec = out.get_mut(..len)?;
    rec[0..8].copy_from_slice(&ino.to_le_bytes());
    rec[8..16].copy_from_slice(&next.to_le_bytes());
    rec[16..18].copy_from_slice(&(len as u16).to_le_bytes());
    rec[18] = dtype;
    rec[HEADER..HEADER + name.len()].copy_from_slice(name);
    rec[HEADER + name.len()..].fill(0);
    Some(len)
}

/// The bookkeeping of one `getdents64(2)` call: how much of the caller's buffer is used
/// and where the next call resumes (the `d_off` of the last record stored). A record that
/// does not fit ends the call; if it is the first one, the call fails with EINVAL
/// (getdents(2): "Result buffer is too small").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fill {
    limit: usize,
    used: usize,
    next: u64,
    too_small: bool,
}

impl Fill {
    /// A call with a buffer of `limit` bytes, resuming at directory position `pos`.
    pub fn new(limit: usize, pos: u64) -> Self {
        Self { limit, used: 0, next: pos, too_small: false }
    }

    /// Bytes used so far.
    pub fn used(&self) -> usize {
        self.used
    }

    /// Whether a record for a name of `name_len` bytes fits; when it does not, the call
    /// is over.
    pub fn admit(&mut self, name_len: usize) -> bool {
        if self.used + record_len(name_len) > self.limit {
            self.too_small = self.used == 0;
            return false;
        }
        true
    }

    /// Records a stored record of `len` bytes after which the directory continues at
    /// position `next`.
    pub fn stored(&mut self, len: usize, next: u64) {
        self.used += len;
        self.next = next;
    }

    /// The call's result: bytes stored and the position to resume at; EINVAL if not even
    /// one record fit.
    pub fn finish(self) -> Result<(usize, u64), crate::Errno> {
        if self.too_small { Err(crate::Errno::EINVAL) } else { Ok((self.used, self.next)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_resumes_after_the_last_stored_record() {
        // Entries at positions 0, 1, 2 named ".", "..", "file" (24 bytes each).
        let names: [&[u8]; 3] = [b".", b"..", b"file"];
        let mut pos = 0u64;
        let mut seen = alloc::vec::Vec::new();
        loop {
            let mut fill = Fill::new(50, pos); // room for two records
            for (i, name) in names.iter().enumerate().skip(pos as usize) {
                if !fill.admit(name.len()) {
                    break;
                }
                fill.stored(record_len(name.len()), i as u64 + 1);
                seen.push(*name);
            }
            let (used, next) = fill.finish().unwrap();
            if used == 0 {
                break;
            }
            pos = next;
        }
        assert_eq!(seen, names, "nothing repeated or skipped across calls");
    }

    #[test]
    fn fill_too_small() {
        let mut fill = Fill::new(10, 0);
        assert!(!fill.admit(1));
        assert_eq!(fill.finish(), Err(crate::Errno::EINVAL));
        let mut fill = Fill::new(30, 7);
        assert!(fill.admit(1));
        fill.stored(24, 8);
        assert!(!fill.admit(1));
        assert_eq!(fill.finish(), Ok((24, 8)), "a later record not fitting is no error");
        assert_eq!(Fill::new(0, 3).finish(), Ok((0, 3)), "end of directory");
    }

    #[test]
    fn lengths_are_aligned() {
        assert_eq!(record_len(1), 24, "`.`");
        assert_eq!(record_len(4), 24);
        assert_eq!(record_len(5), 32, "19 + 5 + NUL = 25 -> 32");
        assert_eq!(record_len(255), 280);
    }

    #[test]
    fn encodes_like_linux() {
        let mut buf = [0xffu8; 40];
        let n = encode(&mut buf, 12, 3, 8, b"true").unwrap();
        assert_eq!(n, 24);
        assert_eq!(u64::from_le_bytes(buf[0..8].try_into().unwrap()), 12);
        assert_eq!(u64::from_le_bytes(buf[8..16].try_into().unwrap()), 3);
        assert_eq!(u16::from_le_bytes([buf[16], buf[17]]), 24);
        assert_eq!(buf[18], 8);
        assert_eq!(&buf[19..24], b"true\0");
        assert_eq!(buf[24], 0xff, "nothing written past the record");
        assert_eq!(encode(&mut buf[..23], 1, 1, 1, b"true"), None);
    }
}
