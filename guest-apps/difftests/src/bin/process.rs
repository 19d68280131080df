//! `process FILE TRUE`: fork, vfork, posix_spawn, exit, wait and their POSIX rules, printed
//! as facts only the kernel's behaviour determines (no pids). FILE is a readable file of at
//! least 2 bytes; TRUE is the path of a `true` program. Only the parent prints; children
//! answer through exit statuses and pipes, so the output is deterministic.

use std::sync::atomic::{AtomicU32, Ordering};

use difftests::errno_name;
use difftests::sys::*;

const WNOHANG: i32 = 1;
const SIGKILL: i32 = 9;
const SIGTERM: i32 = 15;

fn errno(ret: isize) -> String {
    if ret < 0 { errno_name((-ret) as i32) } else { format!("ok {ret}") }
}

fn reap(pid: i32) -> i32 {
    reap_status(pid)
}

static VFORK_FLAG: AtomicU32 = AtomicU32::new(0);

/// vfork in one asm block: the child stores 1 into `VFORK_FLAG` and `_exit`s without ever
/// returning through the parent's stack (which it borrows). Returns the child's pid.
fn vfork_child_sets_flag() -> isize {
    let ret: isize;
    // SAFETY: the child branch touches only a static and exits; the parent continues
    // normally once the child is gone (vfork(2)).
    unsafe {
        std::arch::asm!(
            "mov eax, 58",
            "syscall",
            "test rax, rax",
            "jnz 2f",
            "mov dword ptr [{flag}], 1",
            "mov eax, 231",
            "xor edi, edi",
            "syscall",
            "2:",
            flag = in(reg) VFORK_FLAG.as_ptr(),
            out("rax") ret,
            out("rcx") _, out("r11") _, out("rdi") _,
        );
    }
    ret
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (file, true_bin) = (&args[1], &args[2]);

    // fork returns the child's pid to the parent and 0 to the child; the child sees the
    // parent as its parent.
    let parent = getpid();
    let pid = spawn(|| if getppid() == parent { 0 } else { 1 });
    println!("fork: parent gets a positive pid: {}", pid > 0);
    println!("fork: child sees its parent: {}", describe_status(reap(pid)));

    // Inheritance: umask, cwd, open descriptors (shared offsets).
    let old = umask(0o027);
    let cwd = std::env::current_dir().unwrap();
    let (r, w) = pipe(0);
    let pid = spawn(|| {
        let mask = umask(0);
        let same_cwd = std::env::current_dir().ok().as_ref() == Some(&cwd);
        let wrote = write(w, b"p") == 1;
        i32::from(mask == 0o027) | (i32::from(same_cwd) << 1) | (i32::from(wrote) << 2)
    });
    let bits = (reap(pid) >> 8) & 0xff;
    let mut b = [0u8; 1];
    println!(
        "inherit: umask {}, cwd {}, pipe {}, byte through the pipe {}",
        bits & 1 != 0,
        bits & 2 != 0,
        bits & 4 != 0,
        read(r, &mut b) == 1 && b == *b"p"
    );
    umask(old);
    close(r);
    close(w);
    let f = std::fs::File::open(file).unwrap();
    let fd = std::os::fd::AsRawFd::as_raw_fd(&f);
    let mut first = [0u8; 1];
    let pid = spawn(|| if read(fd, &mut [0u8; 1]) == 1 { 0 } else { 1 });
    reap(pid);
    let mut second = [0u8; 1];
    read(fd, &mut second);
    let mut all = [0u8; 2];
    std::os::unix::fs::FileExt::read_exact_at(&f, &mut all, 0).unwrap();
    first[0] = all[0];
    println!(
        "inherit: the child's read moved the shared offset: {}",
        second[0] == all[1] && first[0] == all[0]
    );

    // Copy-on-write: parent and child write the same page; each sees its own value.
    let mut page = vec![0u8; 8192];
    page[100] = 1;
    let pid = spawn(|| {
        page[100] = 2;
        page[5000] = 7;
        i32::from(page[100])
    });
    let child_saw = (reap(pid) >> 8) & 0xff;
    println!(
        "cow: child saw its own write {}, parent still sees {} and {}",
        child_saw, page[100], page[5000]
    );

    // vfork: the parent sleeps until the child exits, and they share memory meanwhile.
    VFORK_FLAG.store(0, Ordering::SeqCst);
    let pid = vfork_child_sets_flag();
    println!(
        "vfork: parent resumed after the child wrote shared memory: {}",
        pid > 0 && VFORK_FLAG.load(Ordering::SeqCst) == 1
    );
    reap(pid as i32);

    // posix_spawn (Rust's Command uses it where it can: clone(CLONE_VM|CLONE_VFORK)).
    let status = std::process::Command::new(true_bin).status().unwrap();
    println!(
        "posix_spawn true: {}",
        describe_status(std::os::unix::process::ExitStatusExt::into_raw(status))
    );
    let missing = std::process::Command::new("/nonexistent/program").status();
    println!(
        "posix_spawn missing program: {}",
        missing.map_or_else(|e| e.raw_os_error().map_or("?".into(), errno_name), |_| "ran".into())
    );

    // Status encodings.
    for code in [0, 1, 42, 255] {
        let pid = spawn(move || code);
        println!("exit {code}: {}", describe_status(reap(pid)));
    }
    for sig in [SIGKILL, SIGTERM] {
        let pid = spawn(move || {
            kill(getpid(), sig);
            99
        });
        println!("kill self with {sig}: {}", describe_status(reap(pid)));
    }

    // WNOHANG on a running child, then a blocking wait after it ends.
    let (r, w) = pipe(0);
    let pid = spawn(|| {
        close(w);
        let n = read(r, &mut [0u8; 1]);
        if n == 0 { 3 } else { 4 }
    });
    close(r);
    let (ret, _) = wait4(pid, WNOHANG);
    println!("wnohang on a running child: {}", errno(ret));
    close(w);
    println!("the child saw EOF when the last writer closed: {}", describe_status(reap(pid)));

    // A CPU-bound child cannot starve its parent (a preemptive scheduler): the parent
    // sleeps, so the child holds the CPU, and only a timer interrupt gives it back.
    let pid = spawn(|| {
        loop {
            std::hint::spin_loop();
        }
    });
    std::thread::sleep(std::time::Duration::from_millis(30));
    println!("the parent runs while a child spins: {}", errno(kill(pid, SIGKILL)));
    println!("the spinning child: {}", describe_status(reap(pid)));

    // EPIPE once every read end is closed (Rust's runtime ignores SIGPIPE, as the host's
    // would otherwise kill the process; pipe(7)).
    let (r, w) = pipe(0);
    close(r);
    println!("write with no reader left: {}", errno(write(w, b"x")));
    close(w);

    // ECHILD with no children at all.
    println!("wait with no children: {}", errno(wait4(-1, 0).0));

    // A zombie exists until reaped.
    let pid = spawn(|| 0);
    let mut info = [0u8; 128];
    // waitid(P_PID, pid, &info, WEXITED|WNOWAIT) waits without reaping.
    // SAFETY: `info` is large enough for a siginfo_t.
    let ret = unsafe {
        difftests::syscall6(
            247,
            [1, pid as usize, info.as_mut_ptr() as usize, 4 | 0x0100_0000, 0, 0],
        )
    };
    let si_code = i32::from_le_bytes(info[8..12].try_into().unwrap());
    let si_status = i32::from_le_bytes(info[24..28].try_into().unwrap());
    println!("waitid WNOWAIT: {} code {} status {}", errno(ret), si_code, si_status);
    println!("kill 0 on the zombie: {}", errno(kill(pid, 0)));
    reap(pid);
    println!("kill 0 after reaping: {}", errno(kill(pid, 0)));

    // Orphans are reparented (to init, or to a subreaper on hosts that have one).
    let (r, w) = pipe(0);
    let pid = spawn(|| {
        let middle = getpid();
        let grandchild = fork();
        if grandchild == 0 {
            // Wait until the middle process is gone, then report the new parent.
            while getppid() == middle {
                yield_now();
            }
            let new_parent_is_init = getppid() == 1;
            write(w, &[u8::from(new_parent_is_init) + b'0']);
            exit(0);
        }
        0
    });
    reap(pid);
    close(w);
    let mut answer = [0u8; 1];
    let n = read(r, &mut answer);
    println!("orphan reparented away from its dead parent: {}", n == 1);
    if std::env::var_os("DIFFTEST_EXPECT_INIT_REAPER").is_some() {
        println!("orphan's new parent is init: {}", answer == *b"1");
    }
    println!("done");
}
