//! `fstest=basic` on the kernel command line: exercises the file-system layer on the real
//! root image before user space exists, prints what it did and how long the interesting
//! operations took (one `fstest:` line each on the kernel console), and powers off with
//! 0 (all passed) or 1. Kept as a smoke test of the layer on a real disk and as the
//! place the costs in DESIGN.md are measured.

use super::*;
use crate::console::println;
use crate::mm::dma::DmaRegion;
use crate::mm::layout;
use crate::power;
use crate::time;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use posix::cred::Credentials;
use posix::fs::flags::*;
use posix::fs::seek::SEEK_SET;

/// Runs the self-test if the command line asks for it (`fstest=basic`, or `fstest=cat`:
/// copy console input to console output through init's descriptors until end of input,
/// with small reads); powers off.
pub fn run_if_asked(test: Option<klib::options::FsTest>) {
    let Some(test) = test else { return };
    let result = if test == klib::options::FsTest::Cat { cat() } else { run() };
    match result {
        Ok(()) => {
            println!("fstest: PASS");
            power::power_off(0)
        }
        Err(e) => {
            println!("fstest: FAIL {e}");
            power::power_off(1)
        }
    }
}

/// Microseconds since TSC value `start`.
fn us_since(start: u64) -> u64 {
    time::ticks_to_ns(time::now().wrapping_sub(start)) / 1000
}

/// Times `f`, printing `fstest: <what>: <us> us`.
fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = time::now();
    let r = f();
    println!("fstest: {what}: {} us", us_since(start));
    r
}

fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok { Ok(()) } else { Err(String::from(what)) }
}

fn expect_err<T>(r: Result<T, posix::Errno>, want: posix::Errno, what: &str) -> Result<(), String> {
    match r {
        Err(e) if e == want => Ok(()),
        Err(e) => Err(format!("{what}: got {e}, expected {want}")),
        Ok(_) => Err(format!("{what}: succeeded, expected {want}")),
    }
}

/// The names in a getdents64 buffer.
fn names(buf: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 19 <= buf.len() {
        let reclen = usize::from(u16::from_le_bytes([buf[at + 16], buf[at + 17]]));
        if reclen == 0 {
            break;
        }
        let name = &buf[at + 19..at + reclen];
        let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        out.push(String::from_utf8_lossy(&name[..end]).into_owned());
        at += reclen;
    }
    out
}

/// A kernel buffer of `pages` fresh (zero, free) pages, for reading whole files.
fn big_buffer(pages: usize) -> Result<&'static mut [u8], String> {
    let region = DmaRegion::new(pages).ok_or("no memory for a buffer")?;
    // SAFETY: the region is fresh memory nobody else uses, kept for good (a test buffer).
    Ok(unsafe { core::slice::from_raw_parts_mut(region.virt, region.len) })
}

/// `fstest=cat`: fd 0 to fd 1 in reads of at most 7 bytes (so input buffers are split
/// across reads), then a count on the log.
fn cat() -> Result<(), String> {
    init().map_err(|err| format!("{err}"))?;
    let fds = FdTable::for_init().map_err(e("for_init"))?;
    let (input, output) = (fds.get(0).map_err(e("fd 0"))?, fds.get(1).map_err(e("fd 1"))?);
    let mut total = 0;
    let mut buf = [0u8; 7];
    loop {
        let n = input.read(&mut ReadBuf::from_mut(&mut buf)).map_err(e("read fd 0"))?;
        if n == 0 {
            break;
        }
        output.write(&WriteBuf::from_slice(&buf[..n])).map_err(e("write fd 1"))?;
        total += n;
    }
    println!("fstest: cat: {total} bytes");
    Ok(())
}

/// An error mapper naming the operation.
fn e(what: &'static str) -> impl Fn(posix::Errno) -> String {
    move |err| format!("{what}: {err}")
}

fn run() -> Result<(), String> {
    timed("disk bring-up (virtio)", || crate::block::disk(0)).ok_or("no vda")?;
    timed("mount", init).map_err(|err| format!("{err}"))?;
    let ctx = FsContext::new();
    let root = Credentials::root();

    // The root directory.
    let dir = timed("open /", || open(&ctx, &root, At::Cwd, b"/", O_RDONLY | O_DIRECTORY, 0))
        .map_err(e("open /"))?;
    let mut buf = [0u8; 2048];
    let n = timed("getdents64 / (first)", || dir.getdents64(&mut ReadBuf::from_mut(&mut buf)))
        .map_err(e("getdents64"))?;
    let listed = names(&buf[..n]);
    println!("fstest: ls /: {}", listed.join(" "));
    check(listed.iter().any(|n| n == "bin"), "no bin in /")?;
    let again = dir.getdents64(&mut ReadBuf::from_mut(&mut buf)).map_err(e("getdents64 at end"))?;
    check(again == 0, "getdents64 did not end")?;
    dir.lseek(0, SEEK_SET).map_err(e("rewind"))?;
    let n2 = timed("getdents64 / (cached)", || dir.getdents64(&mut ReadBuf::from_mut(&mut buf)))
        .map_err(e("getdents64"))?;
    check(n2 == n, "second listing differs")?;

    // stat and read a program.
    let st = timed("stat /bin/true (first)", || stat(&ctx, &root, At::Cwd, b"/bin/true", 0))
        .map_err(e("stat /bin/true"))?;
    timed("stat /bin/true (cached)", || stat(&ctx, &root, At::Cwd, b"/bin/true", 0))
        .map_err(e("stat"))?;
    timed("10x stat /bin/true (cached)", || {
        (0..10).try_for_each(|_| stat(&ctx, &root, At::Cwd, b"/bin/true", 0).map(drop))
    })
    .map_err(e("stat"))?;
    timed("10x stat / (cached)", || {
        (0..10).try_for_each(|_| stat(&ctx, &root, At::Cwd, b"/", 0).map(drop))
    })
    .map_err(e("stat"))?;
    println!(
        "fstest: /bin/true: ino {} mode {:o} size {} nlink {} blocks {}",
        st.ino, st.mode, st.size, st.nlink, st.blocks
    );
    let f = timed("open /bin/true", || open(&ctx, &root, At::Cwd, b"/bin/true", O_RDONLY, 0))
        .map_err(e("open /bin/true"))?;
    let pages = (st.size as usize).div_ceil(4096) + 1;
    let data = big_buffer(pages)?;
    let got = timed("read /bin/true (from disk)", || f.read(&mut ReadBuf::from_mut(data)))
        .map_err(e("read"))?;
    check(got as u64 == st.size && data.starts_with(b"\x7fELF"), "short read or not ELF")?;
    check(f.read(&mut ReadBuf::from_mut(data)).map_err(e("read at end"))? == 0, "no EOF")?;
    let got2 = timed("pread /bin/true (page cache)", || f.pread(&mut ReadBuf::from_mut(data), 0))
        .map_err(e("pread"))?;
    check(got2 == got, "pread size")?;
    timed("pread /bin/true again (page cache, buffer touched)", || {
        f.pread(&mut ReadBuf::from_mut(data), 0)
    })
    .map_err(e("pread"))?;
    timed("open+fstat+close /bin/true (cached)", || {
        open(&ctx, &root, At::Cwd, b"/bin/true", O_RDONLY, 0).and_then(|f| f.stat())
    })
    .map_err(e("reopen"))?;

    // Exec view: page 0 is the ELF header, shared from the page cache.
    let exe = timed("open_exec /bin/true", || open_exec(&ctx, &root, At::Cwd, b"/bin/true"))
        .map_err(e("open_exec"))?;
    let p0 = exe.page(0).map_err(e("page 0"))?;
    let magic = layout::phys_to_virt(p0, 4).ok_or("page not mapped")?;
    // SAFETY: the page-cache frame is mapped by the direct map and only read here.
    check(unsafe { core::slice::from_raw_parts(magic, 4) } == b"\x7fELF", "page 0 is not ELF")?;
    check(exe.page(0) == Ok(p0), "page cache returned another frame")?;
    expect_err(
        open_exec(&ctx, &root, At::Cwd, b"/etc/passwd"),
        posix::Errno::EACCES,
        "exec of a non-executable",
    )?;
    expect_err(
        open_exec(&ctx, &root, At::Cwd, b"/bin"),
        posix::Errno::EACCES,
        "exec of a directory",
    )?;

    // Errors on the read-only root.
    use posix::Errno as E;
    expect_err(
        open(&ctx, &root, At::Cwd, b"/nonexistent", O_RDONLY, 0),
        E::ENOENT,
        "missing file",
    )?;
    expect_err(
        open(&ctx, &root, At::Cwd, b"/bin/true/x", O_RDONLY, 0),
        E::ENOTDIR,
        "file as directory",
    )?;
    expect_err(
        open(&ctx, &root, At::Cwd, b"/bin", O_WRONLY, 0),
        E::EISDIR,
        "directory for writing",
    )?;
    expect_err(
        open(&ctx, &root, At::Cwd, b"/bin/true", O_WRONLY, 0),
        E::EROFS,
        "write on the root",
    )?;
    expect_err(
        open(&ctx, &root, At::Cwd, b"/newfile", O_CREAT | O_WRONLY, 0o644),
        E::EROFS,
        "create on the root",
    )?;
    expect_err(
        open(&ctx, &root, At::Cwd, b"/bin/true", O_RDONLY | O_DIRECTORY, 0),
        E::ENOTDIR,
        "O_DIRECTORY",
    )?;
    let long = [b'a'; 300];
    expect_err(stat(&ctx, &root, At::Cwd, &long, 0), E::ENAMETOOLONG, "long name")?;
    let user = Credentials::new(1000, 1000);
    expect_err(
        access(&ctx, &user, Target::Path(At::Cwd, b"/bin/true", true), W_OK, 0),
        E::EROFS,
        "access W_OK on the root",
    )?;
    access(&ctx, &user, Target::Path(At::Cwd, b"/bin/true", true), R_OK | X_OK, 0)
        .map_err(e("access R_OK|X_OK"))?;

    // tmpfs.
    let t = open(&ctx, &root, At::Cwd, b"/tmp/hello", O_CREAT | O_RDWR | O_EXCL, 0o666)
        .map_err(e("create /tmp/hello"))?;
    check(t.stat().map_err(e("fstat"))?.mode == 0o100644, "umask not applied")?;
    let text = b"hello, tmpfs\n";
    check(t.write(&WriteBuf::from_slice(text)).map_err(e("write"))? == text.len(), "short write")?;
    let mut back = [0u8; 64];
    let n = t.pread(&mut ReadBuf::from_mut(&mut back), 0).map_err(e("pread /tmp/hello"))?;
    check(&back[..n] == text, "tmpfs read-back differs")?;
    t.pwrite(&WriteBuf::from_slice(b"J"), 100_000).map_err(e("pwrite past the end"))?;
    let n = t.pread(&mut ReadBuf::from_mut(&mut back), 99_990).map_err(e("pread hole"))?;
    check(n == 11 && back[..10].iter().all(|&b| b == 0) && back[10] == b'J', "hole not zero")?;
    expect_err(
        open(&ctx, &root, At::Cwd, b"/tmp/hello", O_CREAT | O_EXCL | O_RDWR, 0),
        E::EEXIST,
        "O_EXCL",
    )?;
    mkdir(&ctx, &root, At::Cwd, b"/tmp/d", 0o755).map_err(e("mkdir"))?;
    rename(&ctx, &root, At::Cwd, b"/tmp/hello", At::Cwd, b"/tmp/d/moved").map_err(e("rename"))?;
    symlink(&ctx, &root, b"d/moved", At::Cwd, b"/tmp/link").map_err(e("symlink"))?;
    let via = stat(&ctx, &root, At::Cwd, b"/tmp/link", 0).map_err(e("stat via link"))?;
    check(via.size == 100_001, "link target size")?;
    check(
        readlink(&ctx, &root, At::Cwd, b"/tmp/link").map_err(e("readlink"))? == b"d/moved",
        "readlink",
    )?;
    symlink(&ctx, &root, b"loop2", At::Cwd, b"/tmp/loop1").map_err(e("symlink"))?;
    symlink(&ctx, &root, b"loop1", At::Cwd, b"/tmp/loop2").map_err(e("symlink"))?;
    expect_err(stat(&ctx, &root, At::Cwd, b"/tmp/loop1", 0), E::ELOOP, "symlink loop")?;
    expect_err(
        unlink(&ctx, &root, At::Cwd, b"/tmp/d", AT_REMOVEDIR),
        E::ENOTEMPTY,
        "rmdir non-empty",
    )?;
    unlink(&ctx, &root, At::Cwd, b"/tmp/d/moved", 0).map_err(e("unlink"))?;
    unlink(&ctx, &root, At::Cwd, b"/tmp/d", AT_REMOVEDIR).map_err(e("rmdir"))?;
    let tmp =
        open(&ctx, &root, At::Cwd, b"/tmp", O_RDONLY | O_DIRECTORY, 0).map_err(e("open /tmp"))?;
    let n = tmp.getdents64(&mut ReadBuf::from_mut(&mut buf)).map_err(e("getdents64 /tmp"))?;
    println!("fstest: ls /tmp: {}", names(&buf[..n]).join(" "));

    // Working directory.
    let mut ctx2 = ctx.clone();
    chdir(&mut ctx2, &root, b"/tmp").map_err(e("chdir"))?;
    check(getcwd(&ctx2).map_err(e("getcwd"))? == b"/tmp", "getcwd /tmp")?;
    chdir(&mut ctx2, &root, b"../bin/..//dev").map_err(e("chdir .."))?;
    check(getcwd(&ctx2).map_err(e("getcwd"))? == b"/dev", "getcwd /dev")?;
    stat(&ctx2, &root, At::Cwd, b"null", 0).map_err(e("relative stat"))?;

    // Pipes.
    let (r, w) = pipe(0, true).map_err(e("pipe"))?;
    w.write(&WriteBuf::from_slice(b"through a pipe")).map_err(e("pipe write"))?;
    let n = r.read(&mut ReadBuf::from_mut(&mut back)).map_err(e("pipe read"))?;
    check(&back[..n] == b"through a pipe", "pipe data")?;
    drop(w);
    check(r.read(&mut ReadBuf::from_mut(&mut back)).map_err(e("pipe EOF"))? == 0, "pipe EOF")?;
    let (r, w) = pipe(O_NONBLOCK, true).map_err(e("pipe2"))?;
    expect_err(r.read(&mut ReadBuf::from_mut(&mut back)), E::EAGAIN, "empty non-blocking pipe")?;
    drop(r);
    expect_err(w.write(&WriteBuf::from_slice(b"x")), E::EPIPE, "write without readers")?;

    // Devices.
    let z = open(&ctx, &root, At::Cwd, b"/dev/zero", O_RDONLY, 0).map_err(e("open /dev/zero"))?;
    back.fill(7);
    z.read(&mut ReadBuf::from_mut(&mut back)).map_err(e("read /dev/zero"))?;
    check(back.iter().all(|&b| b == 0), "/dev/zero")?;
    let null = open(&ctx, &root, At::Cwd, b"/dev/null", O_RDWR, 0).map_err(e("open /dev/null"))?;
    check(null.read(&mut ReadBuf::from_mut(&mut back)) == Ok(0), "/dev/null read")?;
    let vda = open(&ctx, &root, At::Cwd, b"/dev/vda", O_RDONLY, 0).map_err(e("open /dev/vda"))?;
    let mut sb = [0u8; 2];
    vda.pread(&mut ReadBuf::from_mut(&mut sb), 1080).map_err(e("pread /dev/vda"))?;
    check(sb == [0x53, 0xef], "ext2 magic at byte 1080 of /dev/vda")?;
    let vst = vda.stat().map_err(e("fstat /dev/vda"))?;
    println!("fstest: /dev/vda: mode {:o} size {}", vst.mode, vst.size);

    // vda is read-only here (the vmm serves the root image read-only by default).
    if vda.stat().is_ok_and(|_| crate::block::disk(0).is_some_and(|d| d.read_only())) {
        expect_err(
            open(&ctx, &root, At::Cwd, b"/dev/vda", O_RDWR, 0),
            E::EROFS,
            "vda for writing",
        )?;
    }
    // A second, writable disk: unaligned writes keep their neighbours, reads see them.
    if let Ok(vdb) = open(&ctx, &root, At::Cwd, b"/dev/vdb", O_RDWR, 0) {
        let pattern: Vec<u8> = (0..10_000u32).map(|i| (i * 7 + 3) as u8).collect();
        let mut before = [0u8; 2];
        vdb.pread(&mut ReadBuf::from_mut(&mut before), 4999).map_err(e("vdb pread"))?;
        let n = timed("pwrite 10000 bytes at 5000 on vdb", || {
            vdb.pwrite(&WriteBuf::from_slice(&pattern), 5000)
        })
        .map_err(e("vdb pwrite"))?;
        check(n == pattern.len(), "vdb short write")?;
        let mut back = alloc::vec![0u8; 10_002];
        vdb.pread(&mut ReadBuf::from_mut(&mut back), 4999).map_err(e("vdb pread"))?;
        check(back[0] == before[0] && back[1..10_001] == pattern[..], "vdb read-back")?;
        let end = vdb.lseek(0, posix::fs::seek::SEEK_END).map_err(e("vdb seek end"))?;
        println!("fstest: vdb: {end} bytes, pattern written at 5000 and read back");
    }

    // The console, as init's descriptors.
    let fds = FdTable::for_init().map_err(e("for_init"))?;
    let out = fds.get(1).map_err(e("fd 1"))?;
    let line = b"fstest: hello from the console, port 0\n";
    timed("write 40 bytes to the console", || out.write(&WriteBuf::from_slice(line)))
        .map_err(e("console write"))?;
    Ok(())
}
