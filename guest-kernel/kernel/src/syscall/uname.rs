//! uname(2), getcpu(2): what machine this is.

use super::SysResult;
use crate::uaccess;
use crate::uaccess::plain::Plain;
use linux_raw_sys::system::new_utsname;

/// The release reported: a Linux version new enough for every libc's checks (glibc's
/// minimum is 3.2), with a suffix saying which kernel this is.
pub const RELEASE: &[u8] = b"6.1.0-vmm";

fn set(field: &mut [core::ffi::c_char; 65], value: &[u8]) {
    for (d, &s) in field.iter_mut().zip(value) {
        *d = s as core::ffi::c_char;
    }
}

/// uname(buf): sysname "Linux", nodename "(none)" (no hostname is set), release
/// [`RELEASE`], machine "x86_64".
pub fn sys_uname(buf: u64) -> SysResult {
    let mut u = new_utsname::zeroed();
    set(&mut u.sysname, b"Linux");
    set(&mut u.nodename, b"(none)");
    set(&mut u.release, RELEASE);
    set(&mut u.version, concat!("#1 SMP guest-kernel ", env!("CARGO_PKG_VERSION")).as_bytes());
    set(&mut u.machine, b"x86_64");
    set(&mut u.domainname, b"(none)");
    uaccess::write(buf, &u)?;
    Ok(0)
}

/// getcpu(cpu, node, cache): CPU 0 of NUMA node 0, the only ones (the vDSO's
/// `__vdso_getcpu` answers the same without entering the kernel); either pointer may be
/// NULL; `cache` is unused since Linux 2.6.24.
pub fn sys_getcpu(cpu: u64, node: u64) -> SysResult {
    if cpu != 0 {
        uaccess::write(cpu, &0u32)?;
    }
    if node != 0 {
        uaccess::write(node, &0u32)?;
    }
    Ok(0)
}
