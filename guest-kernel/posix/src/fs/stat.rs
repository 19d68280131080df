//! File status (`struct stat`, `struct statx`): what `stat(2)`, `fstat(2)`, `newfstatat(2)`
//! and `statx(2)` report, kept once per file system object and converted to the Linux
//! x86_64 layouts at the system-call boundary.

use linux_raw_sys::general::{self as g, statx_timestamp};

/// A point in time: seconds and nanoseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timespec {
    /// Whole seconds.
    pub sec: i64,
    /// Nanoseconds, `0..1_000_000_000`.
    pub nsec: u32,
}

/// The status of one file, in Linux's terms (stat(2) "The stat structure").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stat {
    /// Device holding the file (`st_dev`, `makedev(major, minor)` encoding).
    pub dev: u64,
    /// Inode number, unique within `dev`.
    pub ino: u64,
    /// File type and permission bits (`S_IF*` | mode).
    pub mode: u32,
    /// Number of hard links.
    pub nlink: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device number of a character or block special file (`st_rdev`), else 0.
    pub rdev: u64,
    /// Size in bytes (a symbolic link: the length of its target).
    pub size: u64,
    /// Preferred I/O size.
    pub blksize: u32,
    /// Allocated space in 512-byte units.
    pub blocks: u64,
    /// Last access.
    pub atime: Timespec,
    /// Last modification of the contents.
    pub mtime: Timespec,
    /// Last status change.
    pub ctime: Timespec,
}

/// `makedev(3)` as glibc and musl encode it (the layout user space decodes `st_dev` and
/// `st_rdev` with).
pub const fn makedev(major: u32, minor: u32) -> u64 {
    let (ma, mi) = (major as u64, minor as u64);
    ((ma & 0xffff_f000) << 32) | ((ma & 0xfff) << 8) | ((mi & 0xffff_ff00) << 12) | (mi & 0xff)
}

/// The major number of a `makedev` value.
pub const fn major(dev: u64) -> u32 {
    (((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0xfff)) as u32
}

/// The minor number of a `makedev` value.
pub const fn minor(dev: u64) -> u32 {
    (((dev >> 12) & 0xffff_ff00) | (dev & 0xff)) as u32
}

fn stx_time(t: Timespec) -> statx_timestamp {
    statx_timestamp { tv_sec: t.sec, tv_nsec: t.nsec, __reserved: 0 }
}

impl Stat {
    /// The Linux x86_64 `struct stat` (what `fstat` copies out).
    pub fn to_linux(&self) -> g::stat {
        g::stat {
            st_dev: self.dev,
            st_ino: self.ino,
            st_nlink: u64::from(self.nlink),
            st_mode: self.mode,
            st_uid: self.uid,
            st_gid: self.gid,
            __pad0: 0,
            st_rdev: self.rdev,
            st_size: self.size as i64,
            st_blksize: i64::from(self.blksize),
            st_blocks: self.blocks as i64,
            st_atime: self.atime.sec as u64,
            st_atime_nsec: u64::from(self.atime.nsec),
            st_mtime: self.mtime.sec as u64,
            st_mtime_nsec: u64::from(self.mtime.nsec),
            st_ctime: self.ctime.sec as u64,
            st_ctime_nsec: u64::from(self.ctime.nsec),
            __unused: [0; 3],
        }
    }

    /// The Linux `struct statx`. Every basic field is always known here, so `stx_mask` is
    /// `STATX_BASIC_STATS` whatever was asked (statx(2): "the kernel may return fields
    /// that weren't requested"); no birth time.
    pub fn to_statx(&self) -> g::statx {
        let zero = statx_timestamp { tv_sec: 0, tv_nsec: 0, __reserved: 0 };
        g::statx {
            stx_mask: g::STATX_BASIC_STATS,
            stx_blksize: self.blksize,
            stx_attributes: 0,
            stx_nlink: self.nlink,
            stx_uid: self.uid,
            stx_gid: self.gid,
            stx_mode: self.mode as u16,
            __spare0: [0],
            stx_ino: self.ino,
            stx_size: self.size,
            stx_blocks: self.blocks,
            stx_attributes_mask: 0,
            stx_atime: stx_time(self.atime),
            stx_btime: zero,
            stx_ctime: stx_time(self.ctime),
            stx_mtime: stx_time(self.mtime),
            stx_rdev_major: major(self.rdev),
            stx_rdev_minor: minor(self.rdev),
            stx_dev_major: major(self.dev),
            stx_dev_minor: minor(self.dev),
            stx_mnt_id: 0,
            stx_dio_mem_align: 0,
            stx_dio_offset_align: 0,
            stx_subvol: 0,
            stx_atomic_write_unit_min: 0,
            stx_atomic_write_unit_max: 0,
            stx_atomic_write_segments_max: 0,
            stx_dio_read_offset_align: 0,
            stx_atomic_write_unit_max_opt: 0,
            __spare2: [0],
            __spare3: [0; 8],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makedev_round_trips_like_glibc() {
        // glibc: makedev(8, 1) == 0x801; makedev(0x1234, 0x56789) spreads both.
        assert_eq!(makedev(8, 1), 0x801);
        assert_eq!(makedev(1, 3), 0x103);
        for (ma, mi) in [(0, 0), (254, 16), (0x1234, 0x56789), (0xffff_ffff, 0xffff_ffff)] {
            let d = makedev(ma, mi);
            assert_eq!((major(d), minor(d)), (ma, mi));
        }
    }

    #[test]
    fn linux_layouts() {
        let s = Stat {
            dev: makedev(254, 0),
            ino: 12,
            mode: 0o100755,
            nlink: 1,
            uid: 1,
            gid: 2,
            size: 4097,
            blksize: 4096,
            blocks: 16,
            mtime: Timespec { sec: 5, nsec: 6 },
            ..Stat::default()
        };
        let l = s.to_linux();
        assert_eq!((l.st_ino, l.st_mode, l.st_size, l.st_blocks), (12, 0o100755, 4097, 16));
        assert_eq!((l.st_mtime, l.st_mtime_nsec), (5, 6));
        let x = s.to_statx();
        assert_eq!((x.stx_mode, x.stx_dev_major, x.stx_dev_minor), (0o100755, 254, 0));
        assert_eq!(x.stx_mask, g::STATX_BASIC_STATS);
    }
}
