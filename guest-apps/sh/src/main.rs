//! `sh`: a small shell for the guest. `sh -c STRING [NAME [ARG...]]` runs a string,
//! `sh FILE [ARG...]` a script, and with no arguments it reads commands from stdin (with a
//! `$ ` prompt when stdin is a terminal).
//!
//! Supported: words with `'...'`, `"..."` and `\` quoting; `$NAME`, `${NAME}`, `$?`, `$$`,
//! `$!`, `$#`, `$0`-`$9`; `|` pipelines (each pipeline in its own process group); `;`,
//! newlines, `&&`, `||`, `&`; redirections `<`, `>`, `>>`, `N>&M` for descriptors 0-2;
//! builtins `cd`, `pwd`, `exit`, `wait`, `export`, `:` and `NAME=value` assignments; comments.
//! Interactive (stdin a terminal): a `$ ` prompt and job control (XCU 2.11, [`monitor`]):
//! `jobs`, `fg`, `bg`, `kill`, `wait` with `%N` job IDs, ^Z stops the foreground job.
//! Not supported: field splitting of unquoted expansions, globbing, control structures
//! (`if`, `for`, ...), functions, here-documents, `set` (so no `set -m`/`set +m`: monitor
//! mode is exactly "interactive").

mod builtins;
mod exec;
mod job_builtins;
mod jobs;
mod lexer;
mod monitor;
mod parser;
mod reap;
mod signals;
mod sys;

use std::io::{BufRead, IsTerminal, Write};

use exec::{Exit, Shell};

/// Parses and runs `source`, reporting syntax errors as status 2 (as POSIX shells do).
fn run_source(shell: &mut Shell, source: &str) -> Result<(), Exit> {
    let tokens = match lexer::tokenize(source) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("sh: {e}");
            shell.last_status = 2;
            return Ok(());
        }
    };
    match parser::parse(tokens) {
        Ok(items) => shell.run(&items),
        Err(e) => {
            eprintln!("sh: {e}");
            shell.last_status = 2;
            Ok(())
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let status = match args.next() {
        Some(flag) if flag == "-c" => {
            let Some(source) = args.next() else {
                eprintln!("sh: -c: option requires an argument");
                std::process::exit(2);
            };
            let name = args.next().unwrap_or_else(|| "sh".into());
            let mut shell = Shell::new(name, args.collect());
            let result = run_source(&mut shell, &source);
            finish(&mut shell, result)
        }
        Some(script) => {
            let source = match std::fs::read_to_string(&script) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("sh: {script}: {e}");
                    std::process::exit(127);
                }
            };
            let mut shell = Shell::new(script, args.collect());
            let result = run_source(&mut shell, &source);
            finish(&mut shell, result)
        }
        None => interactive(),
    };
    exec::flush();
    std::process::exit(status);
}

fn finish(shell: &mut Shell, result: Result<(), Exit>) -> i32 {
    match result {
        Ok(()) => shell.last_status,
        Err(Exit(code)) => code,
    }
}

/// Reads and runs commands line by line from stdin until EOF or `exit`. When stdin is a
/// terminal the shell is interactive (XCU `sh` "-i"): it prompts, turns job control on
/// and, like bash and ash, refuses the first `exit` (or EOF) while jobs are stopped.
fn interactive() -> i32 {
    let mut shell = Shell::new("sh".into(), Vec::new());
    shell.interactive = std::io::stdin().is_terminal();
    if !shell.interactive {
        return read_eval(&mut shell);
    }
    match monitor::Monitor::start() {
        Ok(m) => shell.monitor = Some(m),
        Err(e) => eprintln!("sh: can't access tty; job control turned off ({e})"),
    }
    let mut warned = false;
    let status = loop {
        shell.notify();
        sys::take_interrupt(); // a ^C that came while no line was being read
        eprint!("$ ");
        let _ = std::io::stderr().flush();
        let code = match read_line_interruptible() {
            Line::Text(line) => match run_source(&mut shell, &line) {
                Ok(()) => continue,
                Err(Exit(code)) => code,
            },
            Line::Interrupted => {
                eprintln!();
                continue;
            }
            Line::End => shell.last_status,
        };
        if shell.has_stopped_jobs() && !warned {
            eprintln!("There are stopped jobs.");
            warned = true;
            continue;
        }
        break code;
    };
    if let Some(monitor) = &shell.monitor {
        monitor.stop();
    }
    status
}

/// Reads and runs commands line by line from a non-terminal stdin (a pipe or file).
fn read_eval(shell: &mut Shell) -> i32 {
    let stdin = std::io::stdin();
    let mut line = String::new();
    loop {
        line.clear();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => return shell.last_status,
            Ok(_) => {}
        }
        if let Err(Exit(code)) = run_source(shell, &line) {
            return code;
        }
    }
}

/// A line typed at the terminal.
enum Line {
    /// A whole line (with its newline, unless it ended at EOF).
    Text(String),
    /// ^C: what was typed is dropped.
    Interrupted,
    /// End of input (^D on an empty line, or an error).
    End,
}

/// Reads one line from the terminal on fd 0 with `read` (std's readers retry on EINTR;
/// this one gives up the line when SIGINT arrives, as XCU `sh` asks of an interactive
/// shell). In canonical mode each `read` returns at most one line.
fn read_line_interruptible() -> Line {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        match sys::read(0, &mut byte) {
            Ok(0) if line.is_empty() => return Line::End,
            Ok(0) => break,
            Ok(_) => {
                line.push(byte[0]);
                if byte[0] == b'\n' {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                if sys::take_interrupt() {
                    return Line::Interrupted;
                }
            }
            Err(_) => return Line::End,
        }
    }
    Line::Text(String::from_utf8_lossy(&line).into_owned())
}
