//! The descriptors every worker holds, one of every kind, at fixed numbers (so the
//! generator can name them without knowing what calls returned): a pipe, the console, a
//! tmpfs file, the block device read-only, directories, /dev/null, /dev/zero, a file of
//! the root file system, a socket pair. Fuzzed calls close and replace them; the worker
//! puts them back every few thousand calls.

use crate::hk::Hk;
use crate::text::Text;

/// `AT_FDCWD`.
pub const AT_FDCWD: u64 = -100i64 as u64;

/// What a fixed descriptor number holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// /dev/null (stdin, stdout and stderr of a worker).
    Null,
    /// Both ends of a non-blocking pipe (read end first).
    Pipe,
    /// The console (/dev/console in the guest; /dev/null natively, to leave the user's
    /// terminal alone).
    Console,
    /// A file on tmpfs (in the worker's scratch directory), read-write.
    TmpFile,
    /// Another scratch file, read-only.
    TmpFileRo,
    /// The block device /dev/vda, read-only.
    BlockDev,
    /// The worker's scratch directory.
    ScratchDir,
    /// The root directory.
    RootDir,
    /// /dev/zero, read-write.
    Zero,
    /// A regular file of the root file system (/bin/sh), read-only.
    RootFile,
    /// Both ends of a non-blocking AF_UNIX socket pair.
    Sockets,
}

/// The layout: (first number, kind); pairs take two numbers.
pub const BASE: [(i32, Kind); 14] = [
    (0, Kind::Null),
    (1, Kind::Null),
    (2, Kind::Null),
    (3, Kind::Pipe),
    (5, Kind::Console),
    (6, Kind::TmpFile),
    (7, Kind::BlockDev),
    (8, Kind::ScratchDir),
    (9, Kind::RootDir),
    (10, Kind::Null),
    (11, Kind::Zero),
    (12, Kind::TmpFileRo),
    (13, Kind::RootFile),
    (14, Kind::Sockets),
];
/// One more: an O_PATH descriptor of the scratch directory, after the socket pair.
const PATH_FD: i32 = 16;

/// The first number the generator treats as "one of every kind".
pub const FIRST_BASE: i32 = 3;
/// The last.
pub const LAST_BASE: i32 = PATH_FD;
/// The scratch directory's number.
pub const SCRATCH_DIR: i32 = 8;
/// The root directory's number.
pub const ROOT_DIR: i32 = 9;
/// Numbers that hold something other than a directory (for `*at` calls that change
/// names: they must fail with ENOTDIR).
pub const NON_DIRS: [i32; 6] = [3, 4, 6, 10, 11, 12];
/// Descriptors closed and reopened by a refresh.
pub const SWEEP: i32 = 64;

/// `O_RDONLY`, `O_RDWR`, `O_CREAT`, `O_NOCTTY`, `O_NONBLOCK`, `O_DIRECTORY`, `O_PATH`.
const RDONLY: u32 = 0;
const RDWR: u32 = 2;
const CREAT: u32 = 0o100;
const NOCTTY: u32 = 0o400;
const NONBLOCK: u32 = 0o4000;
const DIRECTORY: u32 = 0o200000;
const PATH: u32 = 0o10000000;

/// Moves descriptor `got` (a fresh one, or an error) to number `want`.
fn place(hk: &Hk, got: i64, want: i32) {
    if got < 0 || got == i64::from(want) {
        return;
    }
    hk.dup2(got as i32, want);
    hk.close(got as i32);
}

/// Opens `path` (NUL-terminated), or /dev/null if that fails.
fn open_or_null(hk: &Hk, path: &[u8], flags: u32) -> i64 {
    let fd = hk.open(path, flags, 0o666);
    if fd >= 0 { fd } else { hk.open(b"/dev/null\0", RDWR | NONBLOCK, 0) }
}

/// Closes every descriptor below [`SWEEP`], then opens one of every kind at its number.
/// `wdir` is the scratch directory (absolute, no NUL).
pub fn refresh(hk: &Hk, wdir: &[u8], in_guest: bool) {
    for fd in 0..SWEEP {
        hk.close(fd);
    }
    let mut file0 = Text::<160>::new();
    file0.push(wdir).push(b"/file0");
    let mut file1 = Text::<160>::new();
    file1.push(wdir).push(b"/file1");
    let mut dir = Text::<160>::new();
    dir.push(wdir);
    for (fd, kind) in BASE {
        let got = match kind {
            Kind::Null => open_or_null(hk, b"/dev/null\0", RDWR),
            Kind::Pipe | Kind::Sockets => {
                let pair = if kind == Kind::Pipe {
                    hk.pair(crate::sys::nr::PIPE2, [0, u64::from(NONBLOCK), 0, 0, 0, 0], 0)
                } else {
                    // AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK.
                    hk.pair(crate::sys::nr::SOCKETPAIR, [1, 1 | 0x800, 0, 0, 0, 0], 3)
                };
                match pair {
                    Some((a, b)) => {
                        place(hk, i64::from(a), fd);
                        place(hk, i64::from(b), fd + 1);
                    }
                    None => {
                        let a = open_or_null(hk, b"/dev/null\0", RDWR);
                        place(hk, a, fd);
                        let b = open_or_null(hk, b"/dev/null\0", RDWR);
                        place(hk, b, fd + 1);
                    }
                }
                continue;
            }
            Kind::Console if in_guest => {
                open_or_null(hk, b"/dev/console\0", RDWR | NONBLOCK | NOCTTY)
            }
            Kind::Console => open_or_null(hk, b"/dev/null\0", RDWR),
            Kind::TmpFile => open_or_null(hk, file0.c_str(), RDWR | CREAT | NONBLOCK),
            Kind::TmpFileRo => {
                let fd = hk.open(file1.c_str(), RDWR | CREAT, 0o644);
                if fd >= 0 {
                    hk.close(fd as i32);
                }
                open_or_null(hk, file1.c_str(), RDONLY | NONBLOCK)
            }
            Kind::BlockDev => {
                let fd = hk.open(b"/dev/vda\0", RDONLY | NONBLOCK, 0);
                if fd >= 0 { fd } else { open_or_null(hk, b"/dev/zero\0", RDONLY) }
            }
            Kind::ScratchDir => open_or_null(hk, dir.c_str(), RDONLY | DIRECTORY),
            Kind::RootDir => open_or_null(hk, b"/\0", RDONLY | DIRECTORY),
            Kind::Zero => open_or_null(hk, b"/dev/zero\0", RDWR),
            Kind::RootFile => open_or_null(hk, b"/bin/sh\0", RDONLY),
        };
        place(hk, got, fd);
    }
    let got = open_or_null(hk, dir.c_str(), PATH | DIRECTORY);
    place(hk, got, PATH_FD);
}
