//! The host file behind a virtio-blk device: opening it with errors a user can act on, its
//! size and serial, and positioned I/O straight between the file and guest memory.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use super::SECTOR_SIZE;
use crate::devices::virtio::queue::advance_iovecs;

/// The length of a virtio-blk serial (VIRTIO_BLK_ID_BYTES).
pub const SERIAL_LEN: usize = virtio_bindings::virtio_blk::VIRTIO_BLK_ID_BYTES as usize;

/// Why a disk image cannot be used. Every variant names the path; all but `Io` are the
/// user's to fix ([`DiskError::is_bad_input`]).
#[derive(Debug, thiserror::Error)]
pub enum DiskError {
    /// The path does not exist.
    #[error("disk image {}: no such file", .0.display())]
    NotFound(PathBuf),
    /// The path is a directory.
    #[error("disk image {} is a directory", .0.display())]
    IsDirectory(PathBuf),
    /// The file cannot be opened for reading.
    #[error("disk image {} is not readable: {source}", path.display())]
    NotReadable {
        /// The image.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The file cannot be opened for writing and the disk was not asked to be read-only.
    #[error("disk image {} is not writable (attach it read-only?): {source}", path.display())]
    NotWritable {
        /// The image.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The size is not a whole number of 512-byte sectors.
    #[error("disk image {} is {size} bytes, not a multiple of 512", path.display())]
    BadSize {
        /// The image.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
    },
    /// Anything else the host refused (metadata, seek).
    #[error("disk image {}: {source}", path.display())]
    Io {
        /// The image.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

impl DiskError {
    /// True when the user can fix it by naming another file or changing the file.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, DiskError::Io { .. })
    }
}

/// Where a disk's bytes live.
#[derive(Debug)]
enum Backing {
    /// A host file (or block device), accessed with positioned I/O.
    File(File),
    /// Bytes in the vmm's own image (the embedded default disk): always read-only, never
    /// copied to a file, never written.
    Memory(&'static [u8]),
}

/// An open disk image.
#[derive(Debug)]
pub struct DiskFile {
    backing: Backing,
    path: PathBuf,
    size: u64,
    read_only: bool,
    serial: [u8; SERIAL_LEN],
}

impl DiskFile {
    /// Opens `path` for a disk: read-write, or read-only if `read_only`. Regular files and
    /// block devices work; the size must be a multiple of 512.
    pub fn open(path: &Path, read_only: bool) -> Result<Self, DiskError> {
        let owned = || path.to_path_buf();
        let metadata = std::fs::metadata(path).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => DiskError::NotFound(owned()),
            _ => DiskError::NotReadable { path: owned(), source },
        })?;
        if metadata.is_dir() {
            return Err(DiskError::IsDirectory(owned()));
        }
        // Readability is checked on its own first so a read-only file asked for read-write
        // reports the actual problem (not writable) rather than a generic open failure.
        File::open(path).map_err(|source| DiskError::NotReadable { path: owned(), source })?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(!read_only)
            .open(path)
            .map_err(|source| DiskError::NotWritable { path: owned(), source })?;
        // Block devices report 0 in st_size; seeking to the end works for both.
        let size = file
            .seek(SeekFrom::End(0))
            .map_err(|source| DiskError::Io { path: owned(), source })?;
        if !size.is_multiple_of(SECTOR_SIZE) {
            return Err(DiskError::BadSize { path: owned(), size });
        }
        let serial = serial_for(metadata.dev(), metadata.ino());
        Ok(DiskFile { backing: Backing::File(file), path: owned(), size, read_only, serial })
    }

    /// A read-only disk served straight from `bytes` (the image embedded in the vmm
    /// binary), named `name` in messages. Its serial is derived from its length and first
    /// sector, so it is stable for one build of the image.
    pub fn from_static(name: &str, bytes: &'static [u8]) -> Result<Self, DiskError> {
        let size = bytes.len() as u64;
        if !size.is_multiple_of(SECTOR_SIZE) {
            return Err(DiskError::BadSize { path: name.into(), size });
        }
        let first: u64 = bytes.iter().take(512).fold(0, |h, &b| h.rotate_left(5) ^ u64::from(b));
        Ok(DiskFile {
            backing: Backing::Memory(bytes),
            path: name.into(),
            size,
            read_only: true,
            serial: serial_for(size, first),
        })
    }

    /// The image's path, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Size in bytes (a multiple of 512).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Whether writes are refused.
    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// The 20-byte serial GET_ID returns.
    pub fn serial(&self) -> &[u8; SERIAL_LEN] {
        &self.serial
    }

    /// Reads exactly the iovecs' total length from byte `offset` into them (`preadv`,
    /// resumed after short transfers). Reading past the end of the file is an error.
    pub fn read_vectored_at(&self, iovs: &mut Vec<libc::iovec>, offset: u64) -> io::Result<()> {
        if let Backing::Memory(bytes) = self.backing {
            return read_from_memory(bytes, iovs, offset);
        }
        self.transfer(iovs, offset, |fd, iov, count, offset| {
            // SAFETY: every iovec describes a writable range of guest memory (or a test
            // buffer) that outlives this call; preadv writes only within them.
            unsafe { libc::preadv(fd, iov, count, offset) }
        })
    }

    /// Writes the iovecs' contents at byte `offset` (`pwritev`, resumed after short
    /// transfers).
    pub fn write_vectored_at(&self, iovs: &mut Vec<libc::iovec>, offset: u64) -> io::Result<()> {
        if self.read_only {
            return Err(io::Error::from(io::ErrorKind::PermissionDenied));
        }
        self.transfer(iovs, offset, |fd, iov, count, offset| {
            // SAFETY: every iovec describes a readable range of guest memory (or a test
            // buffer) that outlives this call; pwritev only reads them.
            unsafe { libc::pwritev(fd, iov, count, offset) }
        })
    }

    /// `fdatasync`: the guest's writes reach stable storage before FLUSH completes.
    pub fn flush(&self) -> io::Result<()> {
        match &self.backing {
            Backing::File(file) => file.sync_data(),
            Backing::Memory(_) => Ok(()),
        }
    }

    fn transfer(
        &self,
        iovs: &mut Vec<libc::iovec>,
        mut offset: u64,
        op: impl Fn(i32, *const libc::iovec, i32, libc::off_t) -> isize,
    ) -> io::Result<()> {
        const IOV_MAX: usize = 1024;
        let Backing::File(file) = &self.backing else {
            return Err(io::Error::from(io::ErrorKind::PermissionDenied));
        };
        while !iovs.is_empty() {
            let count = iovs.len().min(IOV_MAX);
            let off = libc::off_t::try_from(offset)
                .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
            let done = op(file.as_raw_fd(), iovs.as_ptr(), count as i32, off);
            if done < 0 {
                let err = io::Error::last_os_error();
                if err.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(err);
            }
            if done == 0 {
                // End of file (the image shrank under us) or a zero-length request left.
                if iovs.iter().all(|iov| iov.iov_len == 0) {
                    return Ok(());
                }
                return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
            }
            offset += done as u64;
            advance_iovecs(iovs, done as usize);
        }
        Ok(())
    }
}

/// A stable 20-character serial for the file: the host device number folded to 16 bits, then
/// the inode number, in hex (`4 + 16 = 20` ASCII characters, no NUL). The same file gives
/// the same serial across runs (as long as it is not replaced by a copy), and two files on
/// one host differ unless their devices' 16-bit folds collide on the same inode number.
/// Copies `bytes[offset..]` into the buffers `iovs` describe; short of data is an error,
/// as a read past the end of a file is.
fn read_from_memory(bytes: &[u8], iovs: &mut [libc::iovec], offset: u64) -> io::Result<()> {
    let mut at =
        usize::try_from(offset).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    for iov in iovs.iter() {
        let src = bytes
            .get(at..at.saturating_add(iov.iov_len))
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        // SAFETY: each iovec describes a writable range of guest memory (or a test buffer)
        // of `iov_len` bytes that outlives this call and does not overlap `bytes`, which is
        // the vmm's read-only data.
        unsafe {
            std::ptr::copy_nonoverlapping(src.as_ptr(), iov.iov_base.cast::<u8>(), src.len())
        };
        at += iov.iov_len;
    }
    Ok(())
}

fn serial_for(dev: u64, ino: u64) -> [u8; SERIAL_LEN] {
    let folded = (dev ^ (dev >> 16) ^ (dev >> 32) ^ (dev >> 48)) as u16;
    let text = format!("{folded:04x}{ino:016x}");
    let mut serial = [0u8; SERIAL_LEN];
    serial.copy_from_slice(&text.as_bytes()[..SERIAL_LEN]);
    serial
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    fn temp_image(bytes: &[u8]) -> (vmm_sys_util::tempfile::TempFile, PathBuf) {
        let tmp = vmm_sys_util::tempfile::TempFile::new().unwrap();
        tmp.as_file().write_all(bytes).unwrap();
        let path = tmp.as_path().to_path_buf();
        (tmp, path)
    }

    #[test]
    fn opens_a_good_image() {
        let (_tmp, path) = temp_image(&[7u8; 2048]);
        let disk = DiskFile::open(&path, false).unwrap();
        assert_eq!(disk.size(), 2048);
        assert!(!disk.read_only());
        assert_eq!(disk.path(), path);
        let again = DiskFile::open(&path, true).unwrap();
        assert_eq!(disk.serial(), again.serial(), "serial is stable");
        assert!(disk.serial().iter().all(u8::is_ascii_hexdigit));
    }

    #[test]
    fn errors_name_the_path_and_are_bad_input() {
        let missing = Path::new("/nonexistent/disk.img");
        let err = DiskFile::open(missing, false).unwrap_err();
        assert!(matches!(err, DiskError::NotFound(_)), "{err}");
        assert!(err.is_bad_input());
        assert_eq!(err.to_string(), "disk image /nonexistent/disk.img: no such file");

        let dir = vmm_sys_util::tempdir::TempDir::new().unwrap();
        let err = DiskFile::open(dir.as_path(), true).unwrap_err();
        assert!(matches!(err, DiskError::IsDirectory(_)), "{err}");
        assert!(err.to_string().contains(dir.as_path().to_str().unwrap()));

        let (_tmp, path) = temp_image(&[0u8; 1000]);
        let err = DiskFile::open(&path, false).unwrap_err();
        assert!(matches!(err, DiskError::BadSize { size: 1000, .. }), "{err}");
        assert!(err.is_bad_input());
        assert!(err.to_string().contains("not a multiple of 512"));
    }

    /// Runs `check` with the permissions of `nobody`: in a forked child that drops its ids
    /// when the tests run as root (root ignores file modes), directly otherwise. Returns
    /// whether the check passed.
    fn as_unprivileged(check: impl FnOnce() -> bool) -> bool {
        // SAFETY: geteuid has no arguments and cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            return check();
        }
        // SAFETY: the child only runs `check` (file opens and comparisons) and `_exit`s; it
        // never returns into the test harness.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            // SAFETY: plain id changes in the child; failure is reported through the status.
            let dropped = unsafe { libc::setgid(65534) == 0 && libc::setuid(65534) == 0 };
            let ok = dropped && check();
            // SAFETY: ends the child without running the harness's destructors.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) };
        }
        let mut status = 0;
        // SAFETY: waits for the child we just forked.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
    }

    #[test]
    fn permission_errors() {
        // The temp file lives in the system temp directory, which nobody can traverse.
        let (_tmp, path) = temp_image(&[0u8; 512]);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        assert!(as_unprivileged(|| {
            matches!(DiskFile::open(&path, false), Err(DiskError::NotWritable { .. }))
                && DiskFile::open(&path, true).is_ok()
        }));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
        assert!(as_unprivileged(|| {
            matches!(DiskFile::open(&path, true), Err(DiskError::NotReadable { .. }))
        }));
    }

    #[test]
    fn static_disk_reads_and_refuses_writes() {
        static IMAGE: [u8; 1024] = {
            let mut b = [0u8; 1024];
            let mut i = 0;
            while i < 1024 {
                b[i] = (i % 251) as u8;
                i += 1;
            }
            b
        };
        let disk = DiskFile::from_static("embedded", &IMAGE).unwrap();
        assert!(disk.read_only());
        assert_eq!(disk.size(), 1024);
        let (mut a, mut b) = ([0u8; 100], [0u8; 412]);
        let mut iovs = vec![
            libc::iovec { iov_base: a.as_mut_ptr().cast(), iov_len: 100 },
            libc::iovec { iov_base: b.as_mut_ptr().cast(), iov_len: 412 },
        ];
        disk.read_vectored_at(&mut iovs, 512).unwrap();
        assert_eq!(a[..], IMAGE[512..612]);
        assert_eq!(b[..], IMAGE[612..1024]);
        let mut past = vec![libc::iovec { iov_base: a.as_mut_ptr().cast(), iov_len: 100 }];
        assert!(disk.read_vectored_at(&mut past, 1000).is_err());
        assert!(disk.write_vectored_at(&mut iovs, 0).is_err());
        assert!(disk.flush().is_ok());
        assert!(DiskFile::from_static("odd", &IMAGE[..1000]).is_err());
    }

    #[test]
    fn read_only_disk_refuses_writes() {
        // A file opened read-only refuses vectored writes without touching it.
        let (_tmp, path) = temp_image(&[1u8; 512]);
        let disk = DiskFile::open(&path, true).unwrap();
        let mut buf = [9u8; 512];
        let mut iovs = vec![libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: 512 }];
        assert!(disk.write_vectored_at(&mut iovs, 0).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), vec![1u8; 512]);
    }

    #[test]
    fn vectored_io_round_trips_and_stops_at_eof() {
        let (_tmp, path) = temp_image(&[0u8; 4096]);
        let disk = DiskFile::open(&path, false).unwrap();
        let mut a = [0xaau8; 512];
        let mut b = [0xbbu8; 1024];
        let mut iovs = vec![
            libc::iovec { iov_base: a.as_mut_ptr().cast(), iov_len: a.len() },
            libc::iovec { iov_base: b.as_mut_ptr().cast(), iov_len: b.len() },
        ];
        disk.write_vectored_at(&mut iovs, 1024).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes[1024..1536].iter().all(|&x| x == 0xaa));
        assert!(bytes[1536..2560].iter().all(|&x| x == 0xbb));
        let mut back = [0u8; 1536];
        let mut iovs = vec![libc::iovec { iov_base: back.as_mut_ptr().cast(), iov_len: 1536 }];
        disk.read_vectored_at(&mut iovs, 1024).unwrap();
        assert_eq!(&back[..512], &a[..]);
        let mut iovs = vec![libc::iovec { iov_base: back.as_mut_ptr().cast(), iov_len: 1024 }];
        let err = disk.read_vectored_at(&mut iovs, 3584).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        disk.flush().unwrap();
    }

    #[test]
    fn serial_is_twenty_hex_characters() {
        let serial = serial_for(0x0803, 0x1234);
        assert_eq!(&serial, b"08030000000000001234");
        assert_ne!(serial_for(1, 2), serial_for(2, 2));
    }
}
