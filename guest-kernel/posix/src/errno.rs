//! Linux error numbers, as returned (negated) by system calls.

use linux_raw_sys::errno;

/// A Linux errno value (positive; a system call returns its negation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Errno(pub u16);

macro_rules! errnos {
    ($($name:ident),* $(,)?) => {
        impl Errno {
            $(
                #[doc = concat!("`", stringify!($name), "` (see errno(3)).")]
                pub const $name: Errno = Errno(errno::$name as u16);
            )*

            /// The symbolic name, for logs.
            pub fn name(self) -> &'static str {
                match self {
                    $(Errno::$name => stringify!($name),)*
                    _ => "E?",
                }
            }
        }
    };
}

errnos!(
    EPERM,
    ENOENT,
    ESRCH,
    EINTR,
    EIO,
    ENXIO,
    E2BIG,
    ENOEXEC,
    EBADF,
    ECHILD,
    EAGAIN,
    ENOMEM,
    EACCES,
    EFAULT,
    EBUSY,
    EEXIST,
    EXDEV,
    ENODEV,
    ENOTDIR,
    EISDIR,
    EINVAL,
    ENFILE,
    EMFILE,
    ENOTTY,
    ETXTBSY,
    EFBIG,
    ENOSPC,
    ESPIPE,
    EROFS,
    EMLINK,
    EPIPE,
    ERANGE,
    ENAMETOOLONG,
    ENOSYS,
    ENOTEMPTY,
    ELOOP,
    EOVERFLOW,
    ETIMEDOUT,
    EOPNOTSUPP,
);

impl Errno {
    /// The value a system call returns for this error.
    pub fn as_return(self) -> isize {
        -(self.0 as isize)
    }
}

impl core::fmt::Display for Errno {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_linux() {
        assert_eq!(Errno::ENOEXEC.0, 8);
        assert_eq!(Errno::E2BIG.as_return(), -7);
        assert_eq!(Errno::ELOOP.name(), "ELOOP");
        assert_eq!(Errno(9999).name(), "E?");
    }
}
