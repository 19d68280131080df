//! `shm DIR`: shared memory across fork, printed as facts. A `MAP_SHARED | MAP_ANONYMOUS`
//! mapping is one object for the parent and the child (each sees the other's writes, after
//! the fork and before it); a `MAP_PRIVATE` one is copied. A `MAP_SHARED` mapping of a
//! file in DIR (tmpfs in the guest) writes the file itself: `read` sees what was stored
//! through the mapping, the mapping sees what `write` stored, and so does a child's mapping.
//! mmap(2): "Updates to the mapping are visible to other processes mapping the same region,
//! and (in the case of file-backed mappings) are carried through to the underlying file."

use difftests::{errno_name, sys, syscall6};

const LEN: usize = 3 * 4096;

fn mmap(len: usize, prot: usize, flags: usize, fd: i32) -> *mut u8 {
    // SAFETY: a new mapping chosen by the kernel; nothing is overwritten.
    let ret = unsafe { syscall6(9, [0, len, prot, flags, fd as isize as usize, 0]) };
    assert!(ret >= 0, "mmap: {}", errno_name((-ret) as i32));
    ret as usize as *mut u8
}

/// Byte `i` of the mapping at `p` (volatile: another process writes it).
fn get(p: *mut u8, i: usize) -> u8 {
    // SAFETY: `i < LEN`, inside a live mapping.
    unsafe { p.add(i).read_volatile() }
}

fn set(p: *mut u8, i: usize, v: u8) {
    // SAFETY: as in `get`, and the mapping is writable.
    unsafe { p.add(i).write_volatile(v) }
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: shm DIR");
    const RW: usize = 3;
    let shared = mmap(LEN, RW, 0x21, -1); // MAP_SHARED | MAP_ANONYMOUS
    let private = mmap(LEN, RW, 0x22, -1); // MAP_PRIVATE | MAP_ANONYMOUS
    set(shared, 0, 1); // touched before the fork
    set(private, 0, 1);
    let pid = sys::spawn(|| {
        let ok = get(shared, 0) == 1 && get(private, 0) == 1;
        set(shared, 0, 2);
        set(shared, 4096 + 7, 3); // a page nobody touched before
        set(private, 0, 9);
        i32::from(!ok)
    });
    let status = sys::reap_status(pid);
    println!("child saw the values from before the fork: {}", status == 0);
    println!("shared page written by the child: {}", get(shared, 0));
    println!("shared page first touched by the child: {}", get(shared, 4096 + 7));
    println!("private page after the child wrote its copy: {}", get(private, 0));
    println!("untouched shared page reads zero: {}", get(shared, 2 * 4096) == 0);

    // A shared file mapping.
    let path = format!("{dir}/shm-file");
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .expect("creating the file");
    use std::io::Write;
    (&file).write_all(&[0u8; LEN]).expect("filling the file");
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::FileExt;
    let map = mmap(LEN, RW, 0x01, file.as_raw_fd()); // MAP_SHARED
    set(map, 10, b'm');
    let mut byte = [0u8; 1];
    file.read_at(&mut byte, 10).expect("pread");
    println!("read() sees a store through the mapping: {}", byte[0] == b'm');
    file.write_at(b"w", 4096 + 1).expect("pwrite");
    println!("the mapping sees a write(): {}", get(map, 4096 + 1) == b'w');
    let pid = sys::spawn(|| {
        set(map, 2 * 4096, b'c');
        0
    });
    sys::reap_status(pid);
    file.read_at(&mut byte, 2 * 4096).expect("pread");
    println!("a child's store reaches the file: {}", byte[0] == b'c');
    // A private mapping of the same file is a copy once written.
    let copy = mmap(LEN, RW, 0x02, file.as_raw_fd()); // MAP_PRIVATE
    set(copy, 10, b'p');
    file.read_at(&mut byte, 10).expect("pread");
    println!("a private store stays private: {}", byte[0] == b'm' && get(map, 10) == b'm');
    drop(file);
    std::fs::remove_file(&path).expect("unlink");
    println!("the shared mapping outlives the name: {}", get(map, 10) == b'm');
}
