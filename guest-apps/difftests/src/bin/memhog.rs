//! `memhog MIB [CHUNK_MIB]`: maps MIB MiB of anonymous memory, in mappings of at most
//! CHUNK_MIB MiB each (default 64), writes to every page, then says it survived. In a
//! guest with less memory than that, the page fault that finds no free frame must kill
//! this process (SIGKILL, as Linux's OOM killer does), not the kernel; the test runs it
//! under a shell that reports the status and keeps going. Mapping in chunks keeps each
//! request below the machine's RAM: Linux's default overcommit heuristic refuses a single
//! mapping larger than RAM (then this prints `mmap: ENOMEM`).

use difftests::errno_name;

const PAGE: usize = 4096;

fn main() {
    let mut args = std::env::args().skip(1);
    let mib: usize = args.next().and_then(|a| a.parse().ok()).expect("MIB");
    let chunk_mib: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    let mut left = mib;
    while left > 0 {
        let len = left.min(chunk_mib) << 20;
        left -= left.min(chunk_mib);
        // mmap(NULL, len, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)
        // SAFETY: a fresh anonymous mapping, touched only within its length below.
        let addr = unsafe { difftests::syscall6(9, [0, len, 3, 0x22, usize::MAX, 0]) };
        if addr < 0 {
            println!("mmap: {}", errno_name((-addr) as i32));
            return;
        }
        let base = addr as usize as *mut u8;
        for offset in (0..len).step_by(PAGE) {
            // SAFETY: `offset` < `len`, inside the mapping made above.
            unsafe { base.add(offset).write_volatile(1) };
        }
    }
    println!("survived");
}
