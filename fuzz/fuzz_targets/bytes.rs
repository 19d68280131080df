//! Little-endian readers over fuzz input that read zeros past its end (shared by the fuzz
//! targets through `#[path]`: each target is its own binary).

/// Byte `i` of `data`, 0 past the end.
pub fn byte(data: &[u8], i: usize) -> u8 {
    data.get(i).copied().unwrap_or(0)
}

/// The little-endian `u16` at `i`.
pub fn le16(data: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([byte(data, i), byte(data, i + 1)])
}

/// The little-endian `u32` at `i`.
pub fn le32(data: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([0, 1, 2, 3].map(|k| byte(data, i + k)))
}

/// The little-endian `u64` at `i`.
pub fn le64(data: &[u8], i: usize) -> u64 {
    u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7].map(|k| byte(data, i + k)))
}
