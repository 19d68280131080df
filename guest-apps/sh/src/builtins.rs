//! The builtins that change or report the shell's own state (XCU 2.14 "Special Built-In
//! Utilities" and the regular builtins every shell has): `NAME=value`, `exit`, `cd`,
//! `pwd`, `export`, `:`, and the dispatch to the job builtins of [`crate::job_builtins`].
//! Builtins run only as a single foreground command; their redirections are not applied.

use crate::exec::{Exit, Shell, assignment, io_message};
use crate::parser::Command;

impl Shell {
    /// Runs `cmd` as a builtin if it is one; `Ok(None)` if it is not.
    pub(crate) fn builtin(&mut self, cmd: &Command) -> Result<Option<i32>, Exit> {
        let words: Vec<String> = cmd.words.iter().map(|w| self.expand(w)).collect();
        let Some(first) = words.first() else { return Ok(None) };
        // NAME=value alone: a shell variable.
        if words.iter().all(|w| assignment(w).is_some()) {
            for w in &words {
                if let Some((name, value)) = assignment(w) {
                    self.vars.insert(name.into(), value.into());
                }
            }
            return Ok(Some(0));
        }
        let status = match first.as_str() {
            "exit" => {
                let code = words.get(1).map_or(Ok(self.last_status), |s| s.parse::<i32>());
                return match code {
                    Ok(code) => Err(Exit(code & 0xff)),
                    Err(_) => {
                        eprintln!("sh: exit: {}: numeric argument required", words[1]);
                        Err(Exit(2))
                    }
                };
            }
            "cd" => {
                let dir = words
                    .get(1)
                    .cloned()
                    .or_else(|| std::env::var("HOME").ok())
                    .unwrap_or_else(|| "/".into());
                match std::env::set_current_dir(&dir) {
                    Ok(()) => 0,
                    Err(e) => {
                        eprintln!("sh: cd: {dir}: {}", io_message(&e));
                        1
                    }
                }
            }
            "wait" => self.wait_builtin(&words[1..]),
            "jobs" => self.jobs_builtin(&words[1..]),
            "fg" => self.fg(&words[1..]),
            "bg" => self.bg(&words[1..]),
            "kill" => self.kill_builtin(&words[1..]),
            "pwd" => match std::env::current_dir() {
                Ok(dir) => {
                    println!("{}", dir.display());
                    0
                }
                Err(e) => {
                    eprintln!("sh: pwd: {}", io_message(&e));
                    1
                }
            },
            "export" => {
                for w in &words[1..] {
                    match assignment(w) {
                        Some((name, value)) => {
                            self.vars.insert(name.into(), value.into());
                            // SAFETY: the shell is single-threaded; nothing reads the
                            // environment concurrently.
                            unsafe { std::env::set_var(name, value) };
                        }
                        None => {
                            if let Some(value) = self.vars.get(w).cloned() {
                                // SAFETY: as above.
                                unsafe { std::env::set_var(w, value) };
                            }
                        }
                    }
                }
                0
            }
            ":" | "true" if cmd.redirects.is_empty() => 0,
            _ => return Ok(None),
        };
        Ok(Some(status))
    }
}
