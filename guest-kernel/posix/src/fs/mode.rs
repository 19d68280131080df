//! File types and permission bits (inode(7) "The file type and mode"), and the directory
//! entry types `getdents64` reports (`DT_*`, getdents(2)).

use linux_raw_sys::general as g;

/// Mask of the file-type bits of a mode.
pub const S_IFMT: u32 = g::S_IFMT;
/// Socket.
pub const S_IFSOCK: u32 = g::S_IFSOCK;
/// Symbolic link.
pub const S_IFLNK: u32 = g::S_IFLNK;
/// Regular file.
pub const S_IFREG: u32 = g::S_IFREG;
/// Block device.
pub const S_IFBLK: u32 = g::S_IFBLK;
/// Directory.
pub const S_IFDIR: u32 = g::S_IFDIR;
/// Character device.
pub const S_IFCHR: u32 = g::S_IFCHR;
/// FIFO (pipe).
pub const S_IFIFO: u32 = g::S_IFIFO;
/// Set-user-id bit.
pub const S_ISUID: u32 = g::S_ISUID;
/// Set-group-id bit.
pub const S_ISGID: u32 = g::S_ISGID;
/// Sticky bit (restricted deletion in directories).
pub const S_ISVTX: u32 = g::S_ISVTX;
/// The bits `chmod` and `umask` deal in.
pub const PERMISSION_BITS: u32 = 0o7777;

/// `d_type`: unknown.
pub const DT_UNKNOWN: u8 = g::DT_UNKNOWN as u8;
/// `d_type`: FIFO.
pub const DT_FIFO: u8 = g::DT_FIFO as u8;
/// `d_type`: character device.
pub const DT_CHR: u8 = g::DT_CHR as u8;
/// `d_type`: directory.
pub const DT_DIR: u8 = g::DT_DIR as u8;
/// `d_type`: block device.
pub const DT_BLK: u8 = g::DT_BLK as u8;
/// `d_type`: regular file.
pub const DT_REG: u8 = g::DT_REG as u8;
/// `d_type`: symbolic link.
pub const DT_LNK: u8 = g::DT_LNK as u8;
/// `d_type`: socket.
pub const DT_SOCK: u8 = g::DT_SOCK as u8;

/// The `d_type` of a file with `mode` (`S_IFMT` bits >> 12, as Linux's `fs_umode_to_dtype`).
pub const fn dtype_of(mode: u32) -> u8 {
    ((mode & S_IFMT) >> 12) as u8
}

/// The mode bits of a `d_type` (the inverse of [`dtype_of`]).
pub const fn mode_of_dtype(dtype: u8) -> u32 {
    (dtype as u32) << 12
}

/// Whether `mode` is a directory.
pub const fn is_dir(mode: u32) -> bool {
    mode & S_IFMT == S_IFDIR
}

/// Whether `mode` is a regular file.
pub const fn is_reg(mode: u32) -> bool {
    mode & S_IFMT == S_IFREG
}

/// Whether `mode` is a symbolic link.
pub const fn is_symlink(mode: u32) -> bool {
    mode & S_IFMT == S_IFLNK
}

/// The permission bits a new file gets: the requested `mode` without the `umask` bits
/// (umask(2); open(2) "the effective mode is modified by the process's umask").
pub const fn apply_umask(mode: u32, umask: u32) -> u32 {
    mode & PERMISSION_BITS & !(umask & 0o777)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtypes_match_linux() {
        assert_eq!(dtype_of(S_IFDIR | 0o755), DT_DIR);
        assert_eq!(dtype_of(S_IFREG), DT_REG);
        assert_eq!(dtype_of(S_IFLNK), DT_LNK);
        assert_eq!(dtype_of(S_IFBLK), DT_BLK);
        assert_eq!(dtype_of(S_IFCHR), DT_CHR);
        assert_eq!(mode_of_dtype(DT_FIFO), S_IFIFO);
    }

    #[test]
    fn umask_clears_bits() {
        assert_eq!(apply_umask(0o666, 0o022), 0o644);
        assert_eq!(apply_umask(0o4777, 0o077), 0o4700);
        assert!(is_dir(S_IFDIR | 0o700) && !is_dir(S_IFREG));
    }
}
