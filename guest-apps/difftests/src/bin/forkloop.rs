//! `forkloop N TRUE`: N sequential fork + exec(TRUE) + wait cycles, then reports whether
//! the kernel's free-memory count (sysinfo(2) `freeram`) came back to where it was after a
//! warm-up (which fills caches such as the page cache of TRUE). A kernel that leaks a page
//! per process shows it here.

use difftests::sys::*;
use difftests::{errno_name, execve};

/// `sysinfo(2)`'s free memory in bytes.
fn free_ram() -> u64 {
    let mut info = [0u64; 16];
    // SAFETY: `info` (128 bytes) holds a `struct sysinfo` (112 bytes on x86-64).
    let ret = unsafe { difftests::syscall6(99, [info.as_mut_ptr() as usize, 0, 0, 0, 0, 0]) };
    assert_eq!(ret, 0, "sysinfo failed: {}", errno_name((-ret) as i32));
    let mem_unit = (info[13] & 0xffff_ffff).max(1);
    info[5] * mem_unit
}

fn cycle(program: &str) {
    let pid = fork();
    assert!(pid >= 0, "fork: {}", errno_name((-pid) as i32));
    if pid == 0 {
        let ret = execve(program, &[program.as_bytes()], &[]);
        eprintln!("exec {program}: {}", errno_name((-ret) as i32));
        exit(127);
    }
    let (ret, status) = wait4(pid as i32, 0);
    assert!(ret == pid && status == 0, "cycle failed: ret {ret} status {status:#x}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args[1].parse().expect("N");
    let program = &args[2];
    for _ in 0..20 {
        cycle(program);
    }
    let before = free_ram();
    for _ in 0..n {
        cycle(program);
    }
    let after = free_ram();
    println!("cycles: {n}");
    println!("free memory back to where it was: {}", before == after);
    if before != after {
        println!("difference: {} KiB", (before as i64 - after as i64) / 1024);
    }
}
