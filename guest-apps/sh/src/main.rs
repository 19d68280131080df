//! `sh`: a small shell for the guest. `sh -c STRING [NAME [ARG...]]` runs a string,
//! `sh FILE [ARG...]` a script, and with no arguments it reads commands from stdin (with a
//! `$ ` prompt when stdin is a terminal).
//!
//! Supported: words with `'...'`, `"..."` and `\` quoting; `$NAME`, `${NAME}`, `$?`, `$$`,
//! `$!`, `$#`, `$0`-`$9`; `|` pipelines (each pipeline in its own process group); `;`,
//! newlines, `&&`, `||`, `&`; redirections `<`, `>`, `>>`, `N>&M` for descriptors 0-2;
//! builtins `cd`, `pwd`, `exit`, `wait`, `export`, `:` and `NAME=value` assignments; comments.
//! Not supported: field splitting of unquoted expansions, globbing, control structures
//! (`if`, `for`, ...), functions, here-documents, job control on a terminal.

mod exec;
mod lexer;
mod parser;

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

/// Reads and runs commands line by line from stdin until EOF or `exit`.
fn interactive() -> i32 {
    let mut shell = Shell::new("sh".into(), Vec::new());
    let prompt = std::io::stdin().is_terminal();
    let stdin = std::io::stdin();
    let mut line = String::new();
    loop {
        if prompt {
            eprint!("$ ");
            let _ = std::io::stderr().flush();
        }
        line.clear();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => return shell.last_status,
            Ok(_) => {}
        }
        if let Err(Exit(code)) = run_source(&mut shell, &line) {
            return code;
        }
    }
}
