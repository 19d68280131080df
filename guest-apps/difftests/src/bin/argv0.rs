//! `argv0 SELF`: execs SELF (this program) in a child with an empty argv and reports what
//! the new image received. Linux (since 5.18, fs/exec.c `do_execveat_common`) gives it
//! argc 1 with argv[0] = "", so programs that start at argv[1] never walk into envp.

use difftests::{execve, outcome, sys};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.first().map(String::as_str) {
        Some("") | None => {
            println!("exec'd image: argc {}, argv[0] {:?}", args.len(), args.first());
            sys::exit(0);
        }
        Some(_) => {}
    }
    let me = args.get(1).expect("usage: argv0 SELF");
    let pid = sys::fork();
    if pid == 0 {
        let ret = execve(me, &[], &[]);
        println!("execve with an empty argv failed: {}", outcome(ret));
        sys::exit(1);
    }
    let (_, status) = sys::wait4(pid as i32, 0);
    println!("child exit status {}", status >> 8);
}
