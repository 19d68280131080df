//! `efault FILE`: passes wild pointers to system calls; each must fail with EFAULT and the
//! program must keep running (a bad user pointer is never a kernel crash nor a signal).
//! FILE is any readable file with at least 16 bytes.

use std::os::fd::AsRawFd;

use difftests::{outcome, syscall6};

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "/bin/true".into());
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("open {path}: {e}"));
    let fd = file.as_raw_fd() as usize;
    let wild = 0xdead_0000usize;
    let kernel = 0xffff_ffff_8000_0000usize;
    let cases: [(&str, usize, [usize; 6]); 7] = [
        ("write from an unmapped buffer", 1, [1, wild, 16, 0, 0, 0]),
        ("write from a kernel address", 1, [1, kernel, 16, 0, 0, 0]),
        ("read into an unmapped buffer", 0, [fd, wild, 16, 0, 0, 0]),
        ("pread into a kernel address", 17, [fd, kernel, 16, 0, 0, 0]),
        ("open an unmapped path", 2, [wild, 0, 0, 0, 0, 0]),
        ("uname into an unmapped buffer", 63, [wild, 0, 0, 0, 0, 0]),
        ("clock_gettime into a kernel address", 228, [1, kernel, 0, 0, 0, 0]),
    ];
    for (name, nr, args) in cases {
        // SAFETY: deliberately invalid pointers; the kernel must reject them.
        let ret = unsafe { syscall6(nr, args) };
        println!("{name}: {}", outcome(ret));
    }
    println!("still running");
}
