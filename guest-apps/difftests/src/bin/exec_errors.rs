//! `exec_errors FIXTURES`: changes into FIXTURES and tries `execve` on each failing case,
//! printing the errno. Run on the host and in the guest; the outputs must match.
//!
//! Paths are relative (also inside the `#!` lines of the fixture scripts) so the same
//! fixtures work wherever they are. A failed `execve` returns to the caller with its image
//! intact (POSIX `exec`: "If one of the exec functions returns to the calling process
//! image, an error has occurred"), which is itself checked: the program prints every case.

use difftests::{execve, outcome};

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "/fixtures/exec".into());
    std::env::set_current_dir(&dir).unwrap_or_else(|e| panic!("chdir {dir}: {e}"));
    let cases: &[(&str, &str)] = &[
        ("nonexistent file", "./missing"),
        ("missing directory component", "./nodir/prog"),
        ("not a directory component", "./garbage/prog"),
        ("directory", "./adir"),
        ("no execute permission", "./noexec"),
        ("garbage with execute bit", "./garbage"),
        ("empty file", "./empty"),
        ("ELF for another machine", "./wrong-machine"),
        ("ELF truncated in its header", "./truncated-header"),
        ("ELF with a bad program header size", "./bad-phentsize"),
        ("shebang with missing interpreter", "./script-missing-interp"),
        ("shebang chain too deep", "./loop-0"),
        ("shebang pointing at itself", "./self-loop"),
        ("shebang interpreter is a directory", "./script-dir-interp"),
    ];
    for (name, path) in cases {
        let ret = execve(path, &[path.as_bytes()], &[]);
        println!("{name}: {}", outcome(ret));
    }
    // Too much argument data for a program that exists: one string over MAX_ARG_STRLEN
    // (32 pages), and totals over what Linux allows even with an unlimited stack (6 MiB).
    let huge = vec![b'x'; 200 * 1024];
    println!("one argument over 128 KiB: {}", outcome(execve("./true", &[b"true", &huge], &[])));
    let piece = vec![b'y'; 100 * 1024];
    let many: Vec<&[u8]> =
        std::iter::once(&b"true"[..]).chain(std::iter::repeat_n(&piece[..], 72)).collect();
    println!("7 MiB of arguments: {}", outcome(execve("./true", &many, &[])));
    let env_many: Vec<&[u8]> = std::iter::repeat_n(&piece[..], 72).collect();
    println!("7 MiB of environment: {}", outcome(execve("./true", &[b"true"], &env_many)));
    println!("still running after every failure");
}
