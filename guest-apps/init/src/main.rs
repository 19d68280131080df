//! `/sbin/init`, PID 1.
//!
//! The kernel starts it with the command from the vmm's command line as its arguments
//! (`init PROGRAM ARGS...`) and the environment the vmm asked for. init completes the
//! environment with defaults and replaces itself with the program (`execvp`), so the
//! program's exit status is PID 1's, which the kernel turns into the VM's exit status.
//! With no command it runs `/bin/sh`.
//!
//! When `exec` fails, init reports it the way a shell does (POSIX "Command Search and
//! Execution"): exit status 127 if the program was not found, 126 if it was found but could
//! not be executed.

use std::os::unix::process::CommandExt;
use std::process::Command;

/// Defaults for variables the vmm did not set.
const DEFAULT_ENV: [(&str, &str); 3] =
    [("PATH", "/bin:/sbin:/usr/bin:/usr/sbin"), ("HOME", "/"), ("TERM", "linux")];

fn main() {
    let mut args = std::env::args_os().skip(1);
    let program = args.next().unwrap_or_else(|| "/bin/sh".into());
    let mut command = Command::new(&program);
    command.args(args);
    for (key, value) in DEFAULT_ENV {
        if std::env::var_os(key).is_none() {
            command.env(key, value);
        }
    }
    let error = command.exec();
    let status = match error.kind() {
        std::io::ErrorKind::NotFound => 127,
        _ => 126,
    };
    eprintln!("init: cannot execute '{}': {error}", program.to_string_lossy());
    std::process::exit(status);
}
