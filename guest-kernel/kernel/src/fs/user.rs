//! [`UserAccess`]: how an `ioctl` reaches its argument in user memory. Core implements it
//! with its checked user copies; the fs only ever moves small structures this way.

use posix::Errno;

/// Copies between the kernel and the calling process's memory (`EFAULT` on a bad address).
pub trait UserAccess {
    /// Reads `dst.len()` bytes at user address `addr`.
    fn copy_in(&mut self, addr: usize, dst: &mut [u8]) -> Result<(), Errno>;
    /// Writes `src` to user address `addr`.
    fn copy_out(&mut self, addr: usize, src: &[u8]) -> Result<(), Errno>;
}
