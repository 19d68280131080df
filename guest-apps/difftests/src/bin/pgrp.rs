//! `pgrp BLOCKER`: process groups and sessions: every `setpgid`/`setsid` error case POSIX
//! and Linux define, printed as errno names (no pids). BLOCKER is a program that blocks
//! reading its stdin until EOF (e.g. `cat`), used as a child that has exec'd.

use difftests::errno_name;
use difftests::sys::*;

const O_CLOEXEC: i32 = 0o2000000;

fn errno(ret: isize) -> String {
    if ret < 0 { errno_name((-ret) as i32) } else { "ok".into() }
}

/// The exit code of child `pid`.
fn reap(pid: i32) -> i32 {
    (reap_status(pid) >> 8) & 0xff
}

/// A child that reports `f()`'s errno as its exit status (0 for success).
fn child_errno(f: impl FnOnce() -> isize) -> String {
    let pid = spawn(|| {
        let r = f();
        if r < 0 { (-r) as i32 } else { 0 }
    });
    match reap(pid) {
        0 => "ok".into(),
        e => errno_name(e),
    }
}

fn main() {
    let blocker = std::env::args().nth(1).expect("usage: pgrp BLOCKER");

    println!("setpgid negative pgid: {}", errno(setpgid(0, -1)));
    println!("setpgid on the parent (not a child): {}", child_errno(|| setpgid(getppid(), 0)));
    println!("setpgid on a nonexistent process: {}", {
        let gone = spawn(|| 0);
        reap(gone);
        errno(setpgid(gone, gone))
    });
    println!("setpgid into a group that does not exist: {}", child_errno(|| setpgid(0, 32000)));

    // A child becomes a group leader, then a session leader.
    println!("child setpgid(0, 0): {}", child_errno(|| setpgid(0, 0)));
    println!(
        "group leader calls setsid: {}",
        child_errno(|| {
            let r = setpgid(0, 0);
            if r < 0 { r } else { setsid() }
        })
    );
    println!(
        "setsid in a fresh child: {}",
        child_errno(|| {
            let sid = setsid();
            if sid == getpid() as isize && getpgid(0) == getpid() as isize && getsid(0) == sid {
                0
            } else {
                -1
            }
        })
    );
    println!(
        "session leader calls setpgid: {}",
        child_errno(|| {
            let r = setsid();
            if r < 0 { r } else { setpgid(0, 0) }
        })
    );

    // The parent moves a child: into a new group, then back into the parent's group.
    let (r, w) = pipe(0);
    let pid = spawn(|| {
        close(w);
        read(r, &mut [0u8; 1]);
        0
    });
    close(r);
    println!("parent setpgid(child, child): {}", errno(setpgid(pid, pid)));
    println!("child's pgid is its pid: {}", getpgid(pid) == pid as isize);
    println!("parent setpgid(child, own group): {}", errno(setpgid(pid, getpgid(0) as i32)));
    close(w);
    reap(pid);

    // A child in another session cannot be moved.
    let (r, w) = pipe(0);
    let (r2, w2) = pipe(0);
    let pid = spawn(|| {
        close(w);
        close(r2);
        setsid();
        write(w2, b"s");
        read(r, &mut [0u8; 1]);
        0
    });
    close(r);
    close(w2);
    read(r2, &mut [0u8; 1]);
    println!("setpgid on a child in another session: {}", errno(setpgid(pid, pid)));
    println!("getsid of that child differs from ours: {}", getsid(pid) != getsid(0));
    close(w);
    reap(pid);

    // A child that has exec'd cannot be moved (EACCES). The CLOEXEC pipe closes when the
    // exec succeeds, which tells the parent it happened.
    let (stdin_r, stdin_w) = pipe(0);
    let (sync_r, sync_w) = pipe(O_CLOEXEC);
    let pid = spawn(|| {
        close(stdin_w);
        close(sync_r);
        dup2(stdin_r, 0);
        let err =
            std::os::unix::process::CommandExt::exec(&mut std::process::Command::new(&blocker));
        eprintln!("exec {blocker}: {err}");
        1
    });
    close(stdin_r);
    close(sync_w);
    read(sync_r, &mut [0u8; 1]);
    println!("setpgid on a child that has exec'd: {}", errno(setpgid(pid, pid)));
    close(stdin_w);
    println!("the exec'd child ended: exited {}", reap(pid));

    println!("getpgid of a nonexistent process: {}", {
        let gone = spawn(|| 0);
        reap(gone);
        errno(getpgid(gone))
    });
    println!("getsid of a nonexistent process: {}", {
        let gone = spawn(|| 0);
        reap(gone);
        errno(getsid(gone))
    });
    println!("done");
}
