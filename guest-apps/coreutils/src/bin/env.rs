//! `env [NAME=VALUE...] [COMMAND [ARG...]]`: prints the environment, or runs a command with
//! the given additions (POSIX `env`; 127 if the command is not found, 126 if it cannot run).

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;

fn main() {
    let mut args = std::env::args_os().skip(1).peekable();
    let mut additions = Vec::new();
    while let Some(arg) = args.peek() {
        let bytes = arg.as_bytes();
        match bytes.iter().position(|&b| b == b'=') {
            Some(eq) if eq > 0 => {
                let key = std::ffi::OsStr::from_bytes(&bytes[..eq]).to_owned();
                let value = std::ffi::OsStr::from_bytes(&bytes[eq + 1..]).to_owned();
                additions.push((key, value));
                args.next();
            }
            _ => break,
        }
    }
    match args.next() {
        None => {
            // The environment as the command would see it: current variables, additions last.
            let mut vars: Vec<(std::ffi::OsString, std::ffi::OsString)> = std::env::vars_os()
                .filter(|(k, _)| !additions.iter().any(|(a, _)| a == k))
                .collect();
            vars.extend(additions);
            let mut out = std::io::stdout().lock();
            for (k, v) in vars {
                let mut line = k.as_bytes().to_vec();
                line.push(b'=');
                line.extend_from_slice(v.as_bytes());
                line.push(b'\n');
                coreutils::write_stdout(&mut out, &line);
            }
            let _ = out.flush();
        }
        Some(program) => {
            let error = std::process::Command::new(&program).args(args).envs(additions).exec();
            let status = if error.kind() == std::io::ErrorKind::NotFound { 127 } else { 126 };
            coreutils::die("env", format!("{}: {error}", program.to_string_lossy()), status);
        }
    }
}
