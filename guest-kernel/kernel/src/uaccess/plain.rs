//! [`Plain`]: types that are copied to and from user memory as raw bytes.

/// A type whose every bit pattern is a valid value and that has no padding the kernel
/// could leak: integers and the `#[repr(C)]` Linux ABI structs from `linux-raw-sys`.
///
/// # Safety
/// Implementors must be valid for any bytes (zeroes included) and must not contain
/// uninitialized padding when created with [`Plain::zeroed`] and filled field by field.
pub unsafe trait Plain: Sized {
    /// The all-zero value.
    fn zeroed() -> Self {
        // SAFETY: `Plain` types are valid for any bytes, zeroes included.
        unsafe { core::mem::zeroed() }
    }
}

macro_rules! plain {
    ($($t:ty),* $(,)?) => {
        $(
            // SAFETY: an integer or a `#[repr(C)]` struct of integers from the Linux ABI,
            // valid for any bytes; padding is zero when built from `zeroed()`.
            unsafe impl Plain for $t {}
        )*
    };
}

plain!(
    u8,
    u16,
    u32,
    u64,
    i32,
    i64,
    usize,
    [u8; 16],
    [u64; 2],
    [i32; 2],
    [i64; 2],
    [i64; 4],
    linux_raw_sys::general::timespec,
    linux_raw_sys::general::stat,
    linux_raw_sys::general::statx,
    linux_raw_sys::general::rlimit,
    linux_raw_sys::general::rlimit64,
    linux_raw_sys::general::pollfd,
    linux_raw_sys::general::iovec,
    linux_raw_sys::general::rusage,
    linux_raw_sys::system::new_utsname,
    linux_raw_sys::system::sysinfo,
);

/// The bytes of `value`.
pub fn as_bytes<T: Plain>(value: &T) -> &[u8] {
    // SAFETY: `T: Plain` has no uninitialized bytes (see the trait); the slice covers
    // exactly the value and borrows it.
    unsafe { core::slice::from_raw_parts((value as *const T).cast(), size_of::<T>()) }
}
