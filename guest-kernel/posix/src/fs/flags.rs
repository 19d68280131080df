//! Open flags and file status flags: what `open(2)` asks for, what `fcntl(F_GETFL)`
//! reports and what `F_SETFL` may change, and the `access(2)` mode.

use crate::Errno;
use crate::cred::{MAY_EXEC, MAY_READ, MAY_WRITE};
use linux_raw_sys::general as g;

/// `*at` flags (openat(2), fstatat(2), faccessat(2), unlinkat(2)).
pub use g::{
    AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_NO_AUTOMOUNT, AT_REMOVEDIR, AT_SYMLINK_FOLLOW,
    AT_SYMLINK_NOFOLLOW,
};
pub use g::{
    O_ACCMODE, O_APPEND, O_CLOEXEC, O_CREAT, O_DIRECT, O_DIRECTORY, O_DSYNC, O_EXCL, O_LARGEFILE,
    O_NOATIME, O_NOCTTY, O_NOFOLLOW, O_NONBLOCK, O_PATH, O_RDONLY, O_RDWR, O_SYNC, O_TMPFILE,
    O_TRUNC, O_WRONLY,
};
/// `O_ASYNC` (`FASYNC`): signal-driven I/O; accepted by `F_SETFL`, not acted on.
pub const O_ASYNC: u32 = g::FASYNC;

/// Status flags `F_SETFL` may change (Linux fs/fcntl.c `SETFL_MASK`); the access mode and
/// the creation flags are fixed at open.
pub const SETFL_MASK: u32 = O_APPEND | O_ASYNC | O_DIRECT | O_NOATIME | O_NONBLOCK;

/// Status flags an open file description keeps (reported by `F_GETFL`).
const KEPT: u32 = O_ACCMODE
    | O_APPEND
    | O_ASYNC
    | O_DIRECT
    | O_NOATIME
    | O_NONBLOCK
    | O_DSYNC
    | O_SYNC
    | O_PATH
    | O_LARGEFILE;

/// A decoded `open(2)` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenRequest {
    /// Reads allowed on the new file description.
    pub read: bool,
    /// Writes allowed.
    pub write: bool,
    /// The permission the file must grant (`MAY_*`): read and/or write per the access
    /// mode, plus write for `O_TRUNC` (Linux `build_open_flags`: O_TRUNC implies MAY_WRITE).
    pub want: u32,
    /// `O_CREAT`.
    pub create: bool,
    /// `O_EXCL` with `O_CREAT`: the name must not exist (symlinks are not followed).
    pub exclusive: bool,
    /// `O_TRUNC`.
    pub truncate: bool,
    /// `O_DIRECTORY`: fail with ENOTDIR unless a directory.
    pub directory: bool,
    /// `O_NOFOLLOW`: fail with ELOOP if the last component is a symlink.
    pub nofollow: bool,
    /// `O_CLOEXEC` (kept by the descriptor table, not the file description).
    pub cloexec: bool,
    /// `O_PATH`: a descriptor that only names the file (no read, write or permission
    /// check on the file itself).
    pub path_only: bool,
    /// The status flags the file description starts with (`F_GETFL`).
    pub status: u32,
}

/// Decodes `open(2)` flags. `EINVAL` for `O_CREAT | O_DIRECTORY` (Linux 6.4+,
/// `build_open_flags`) and for `O_TMPFILE` (unsupported here; Linux gives EOPNOTSUPP on
/// file systems without it, EINVAL without O_WRONLY/O_RDWR).
pub fn decode_open(flags: u32) -> Result<OpenRequest, Errno> {
    if flags & O_TMPFILE == O_TMPFILE {
        return Err(Errno::EINVAL);
    }
    if flags & O_PATH != 0 {
        // open(2) O_PATH: "flag bits other than O_CLOEXEC, O_DIRECTORY and O_NOFOLLOW are
        // ignored".
        return Ok(OpenRequest {
            read: false,
            write: false,
            want: 0,
            create: false,
            exclusive: false,
            truncate: false,
            directory: flags & O_DIRECTORY != 0,
            nofollow: flags & O_NOFOLLOW != 0,
            cloexec: flags & O_CLOEXEC != 0,
            path_only: true,
            status: O_PATH | O_LARGEFILE,
        });
    }
    let create = flags & O_CREAT != 0;
    if create && flags & O_DIRECTORY != 0 {
        return Err(Errno::EINVAL);
    }
    let (read, write, mut want) = match flags & O_ACCMODE {
        O_RDONLY => (true, false, MAY_READ),
        O_WRONLY => (false, true, MAY_WRITE),
        O_RDWR => (true, true, MAY_READ | MAY_WRITE),
        // 3: Linux's "no read, no write, but check both" mode (ioctl-only descriptors).
        _ => (false, false, MAY_READ | MAY_WRITE),
    };
    let truncate = flags & O_TRUNC != 0;
    if truncate {
        want |= MAY_WRITE;
    }
    Ok(OpenRequest {
        read,
        write,
        want,
        create,
        exclusive: create && flags & O_EXCL != 0,
        truncate,
        directory: flags & O_DIRECTORY != 0,
        nofollow: flags & O_NOFOLLOW != 0,
        cloexec: flags & O_CLOEXEC != 0,
        path_only: false,
        // x86_64 Linux forces O_LARGEFILE (`force_o_largefile`), so F_GETFL shows it.
        status: (flags & KEPT) | O_LARGEFILE,
    })
}

/// The status flags after `fcntl(F_SETFL, new)`: only [`SETFL_MASK`] bits change.
pub fn set_status(old: u32, new: u32) -> u32 {
    (old & !SETFL_MASK) | (new & SETFL_MASK)
}

/// `access(2)` modes.
pub use g::{F_OK, R_OK, W_OK, X_OK};

/// The `MAY_*` mask for an `access(2)` mode; `EINVAL` for unknown bits.
pub fn access_want(mode: u32) -> Result<u32, Errno> {
    if mode & !(R_OK | W_OK | X_OK) != 0 {
        return Err(Errno::EINVAL);
    }
    let mut want = 0;
    if mode & R_OK != 0 {
        want |= MAY_READ;
    }
    if mode & W_OK != 0 {
        want |= MAY_WRITE;
    }
    if mode & X_OK != 0 {
        want |= MAY_EXEC;
    }
    Ok(want)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_modes() {
        let r = decode_open(O_RDONLY).unwrap();
        assert!(r.read && !r.write && r.want == MAY_READ);
        let w = decode_open(O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC).unwrap();
        assert!(w.write && w.create && w.exclusive && w.cloexec);
        assert_eq!(w.status & O_ACCMODE, O_WRONLY);
        assert_eq!(w.status & O_CLOEXEC, 0, "close-on-exec is not a status flag");
        let t = decode_open(O_RDONLY | O_TRUNC).unwrap();
        assert_eq!(t.want, MAY_READ | MAY_WRITE, "O_TRUNC needs write permission");
        assert!(!decode_open(O_EXCL).unwrap().exclusive, "O_EXCL alone means nothing");
    }

    #[test]
    fn invalid_combinations() {
        assert_eq!(decode_open(O_CREAT | O_DIRECTORY), Err(Errno::EINVAL));
        assert_eq!(decode_open(O_TMPFILE | O_RDWR), Err(Errno::EINVAL));
    }

    #[test]
    fn path_descriptors() {
        let p = decode_open(O_PATH | O_RDWR | O_TRUNC | O_DIRECTORY).unwrap();
        assert!(p.path_only && !p.read && !p.write && !p.truncate && p.directory);
    }

    #[test]
    fn getfl_setfl() {
        let r = decode_open(O_RDWR | O_APPEND).unwrap();
        assert_eq!(r.status, O_RDWR | O_APPEND | O_LARGEFILE);
        let s = set_status(r.status, O_NONBLOCK | O_WRONLY | O_TRUNC);
        assert_eq!(s, O_RDWR | O_NONBLOCK | O_LARGEFILE, "access mode and O_TRUNC ignored");
    }

    #[test]
    fn access_masks() {
        assert_eq!(access_want(F_OK), Ok(0));
        assert_eq!(access_want(R_OK | X_OK), Ok(MAY_READ | MAY_EXEC));
        assert_eq!(access_want(8), Err(Errno::EINVAL));
    }
}
