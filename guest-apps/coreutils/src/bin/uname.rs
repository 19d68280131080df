//! `uname [-a|-s|-n|-r|-v|-m]`: prints system information from `uname(2)`.

use std::ffi::CStr;

fn field(bytes: &[std::ffi::c_char]) -> String {
    // SAFETY: utsname fields are NUL-terminated C strings inside their fixed arrays.
    unsafe { CStr::from_ptr(bytes.as_ptr()) }.to_string_lossy().into_owned()
}

fn main() {
    let mut uts = std::mem::MaybeUninit::<Utsname>::zeroed();
    // SAFETY: `uname` fills the struct we pass, which has the kernel's layout.
    if unsafe { uname(uts.as_mut_ptr()) } != 0 {
        coreutils::die("uname", std::io::Error::last_os_error(), 1);
    }
    // SAFETY: initialized by the successful call (and zeroed before it).
    let uts = unsafe { uts.assume_init() };
    let all = [&uts.sysname, &uts.nodename, &uts.release, &uts.version, &uts.machine];
    let pick: Vec<usize> = match std::env::args().nth(1).as_deref() {
        None | Some("-s") => vec![0],
        Some("-n") => vec![1],
        Some("-r") => vec![2],
        Some("-v") => vec![3],
        Some("-m") => vec![4],
        Some("-a") => vec![0, 1, 2, 3, 4],
        Some(other) => coreutils::die("uname", format!("invalid option '{other}'"), 1),
    };
    let words: Vec<String> = pick.into_iter().map(|i| field(all[i])).collect();
    println!("{}", words.join(" "));
}

/// `struct utsname` on Linux: six fields of 65 bytes.
#[repr(C)]
struct Utsname {
    sysname: [std::ffi::c_char; 65],
    nodename: [std::ffi::c_char; 65],
    release: [std::ffi::c_char; 65],
    version: [std::ffi::c_char; 65],
    machine: [std::ffi::c_char; 65],
    domainname: [std::ffi::c_char; 65],
}

unsafe extern "C" {
    fn uname(buf: *mut Utsname) -> std::ffi::c_int;
}
