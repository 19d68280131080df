//! `forkbomb`: forks children that wait on a pipe until `fork` fails, then checks it
//! failed with EAGAIN (RLIMIT_NPROC or the process table or memory ran out, never a
//! kernel crash), releases and reaps every child, and exits 0.

use difftests::errno_name;
use difftests::sys::*;

fn main() {
    let (r, w) = pipe(0);
    let mut children = 0usize;
    let failure = loop {
        let pid = fork();
        if pid == 0 {
            close(w);
            read(r, &mut [0u8; 1]);
            exit(0);
        }
        if pid < 0 {
            break pid;
        }
        children += 1;
        if children > 100_000 {
            break 0;
        }
    };
    println!(
        "fork eventually failed with: {}",
        if failure < 0 { errno_name((-failure) as i32) } else { "nothing".into() }
    );
    println!("children created before that: {}", children > 0);
    close(w);
    close(r);
    let mut reaped = 0;
    while wait4(-1, 0).0 > 0 {
        reaped += 1;
    }
    println!("all children reaped: {}", reaped == children);
}
