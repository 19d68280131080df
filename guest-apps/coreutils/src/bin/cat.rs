//! `cat [FILE...]`: copies files (or stdin, also for `-`) to stdout. Exit status 1 if any
//! file could not be read, after copying the others (POSIX `cat`).

use std::io::{Read, Write};

fn copy(input: &mut dyn Read, out: &mut impl Write) -> std::io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match input.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => coreutils::write_stdout(out, &buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn main() {
    let files: Vec<_> = std::env::args_os().skip(1).collect();
    let mut out = std::io::stdout().lock();
    let mut status = 0;
    if files.is_empty()
        && let Err(e) = copy(&mut std::io::stdin().lock(), &mut out)
    {
        coreutils::die("cat", format!("stdin: {e}"), 1);
    }
    for name in &files {
        let result = if name == "-" {
            copy(&mut std::io::stdin().lock(), &mut out)
        } else {
            std::fs::File::open(name).and_then(|mut f| copy(&mut f, &mut out))
        };
        if let Err(e) = result {
            let _ = writeln!(
                std::io::stderr(),
                "cat: {}: {}",
                name.to_string_lossy(),
                coreutils::io_message(&e)
            );
            status = 1;
        }
    }
    let _ = out.flush();
    std::process::exit(status);
}
