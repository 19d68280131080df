//! `lseek(2)`: the new file offset from the current one, the file's size and the request.

use crate::Errno;
use linux_raw_sys::general as g;

pub use g::{SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET};

/// The offset after `lseek(fd, offset, whence)` on a file of `size` bytes at `current`.
/// lseek(2): EINVAL for an unknown `whence` or a negative result; EOVERFLOW (reported as
/// EINVAL here, it has no `Errno` constant) past `i64::MAX`; SEEK_DATA/SEEK_HOLE treat the
/// whole file as data (ENXIO at or past the end).
pub fn seek(current: u64, size: u64, offset: i64, whence: u32) -> Result<u64, Errno> {
    let base = match whence {
        SEEK_SET => 0,
        SEEK_CUR => current as i128,
        SEEK_END => size as i128,
        SEEK_DATA | SEEK_HOLE => {
            if offset < 0 || offset as u64 >= size {
                return Err(Errno::ENXIO);
            }
            return Ok(if whence == SEEK_DATA { offset as u64 } else { size });
        }
        _ => return Err(Errno::EINVAL),
    };
    let target = base + i128::from(offset);
    if target < 0 || target > i128::from(i64::MAX) {
        return Err(Errno::EINVAL);
    }
    Ok(target as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whences() {
        assert_eq!(seek(10, 100, 5, SEEK_SET), Ok(5));
        assert_eq!(seek(10, 100, -5, SEEK_CUR), Ok(5));
        assert_eq!(seek(10, 100, 7, SEEK_END), Ok(107), "past the end is allowed");
        assert_eq!(seek(10, 100, -101, SEEK_END), Err(Errno::EINVAL));
        assert_eq!(seek(10, 100, -1, SEEK_SET), Err(Errno::EINVAL));
        assert_eq!(seek(0, 0, 0, 9), Err(Errno::EINVAL));
        assert_eq!(seek(u64::MAX / 2, 0, i64::MAX, SEEK_CUR), Err(Errno::EINVAL));
    }

    #[test]
    fn data_and_holes() {
        assert_eq!(seek(0, 100, 10, SEEK_DATA), Ok(10));
        assert_eq!(seek(0, 100, 10, SEEK_HOLE), Ok(100));
        assert_eq!(seek(0, 100, 100, SEEK_DATA), Err(Errno::ENXIO));
    }
}
