//! Running parsed commands: expansion, builtins, pipelines in their own process groups,
//! redirections, background jobs (POSIX XCU 2.9.1 "Simple Commands", 2.9.2 "Pipelines",
//! 2.9.3 "Lists", 2.7 "Redirection").

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command as Process, ExitStatus, Stdio};

use crate::lexer::Part;
use crate::parser::{AndOr, Command, Connector, Item, Pipeline, Redirect};

/// What fd 0, 1 or 2 of a command is connected to.
enum Target {
    /// The shell's own descriptor with this number (stdin/stdout/stderr as inherited).
    Shell(u32),
    /// A file or pipe end the command gets its own copy of.
    Owned(OwnedFd),
}

impl Target {
    fn duplicate(&self) -> std::io::Result<Target> {
        match self {
            Target::Shell(n) => Ok(Target::Shell(*n)),
            Target::Owned(fd) => Ok(Target::Owned(fd.try_clone()?)),
        }
    }

    /// The `Stdio` for child fd `fd`.
    fn stdio(self, fd: u32) -> std::io::Result<Stdio> {
        Ok(match self {
            Target::Shell(n) if n == fd => Stdio::inherit(),
            Target::Shell(0) => Stdio::from(std::io::stdin().as_fd().try_clone_to_owned()?),
            Target::Shell(1) => Stdio::from(std::io::stdout().as_fd().try_clone_to_owned()?),
            Target::Shell(_) => Stdio::from(std::io::stderr().as_fd().try_clone_to_owned()?),
            Target::Owned(owned) => Stdio::from(owned),
        })
    }
}

/// The shell's state across commands.
pub struct Shell {
    /// Shell variables (not exported unless `export`ed).
    vars: HashMap<String, String>,
    /// `$0`, `$1`, ...
    positional: Vec<String>,
    /// `$?`.
    pub last_status: i32,
    /// `$!`.
    last_background: Option<u32>,
    /// Background jobs not yet waited for.
    jobs: Vec<Vec<Child>>,
}

/// Why the shell stops: `exit N`.
pub struct Exit(pub i32);

/// The status a shell reports for a finished process: its exit code, or 128 + the signal
/// that killed it.
pub fn status_code(status: ExitStatus) -> i32 {
    status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

impl Shell {
    /// A shell whose `$0` is `name` and `$1...` are `args`.
    pub fn new(name: String, args: Vec<String>) -> Self {
        let mut positional = vec![name];
        positional.extend(args);
        Shell {
            vars: HashMap::new(),
            positional,
            last_status: 0,
            last_background: None,
            jobs: Vec::new(),
        }
    }

    fn param(&self, name: &str) -> String {
        match name {
            "?" => self.last_status.to_string(),
            "$" => std::process::id().to_string(),
            "!" => self.last_background.map(|p| p.to_string()).unwrap_or_default(),
            "#" => (self.positional.len() - 1).to_string(),
            n if n.chars().all(|c| c.is_ascii_digit()) => n
                .parse::<usize>()
                .ok()
                .and_then(|i| self.positional.get(i))
                .cloned()
                .unwrap_or_default(),
            n => self.vars.get(n).cloned().or_else(|| std::env::var(n).ok()).unwrap_or_default(),
        }
    }

    /// Expands a word's parameters. (Fields are not split on IFS: `$X` with spaces stays one
    /// word, like `"$X"`.)
    fn expand(&self, word: &[Part]) -> String {
        word.iter()
            .map(|p| match p {
                Part::Lit(s) => s.clone(),
                Part::Param(n) => self.param(n),
            })
            .collect()
    }

    /// Runs a program's items in order.
    pub fn run(&mut self, items: &[Item]) -> Result<(), Exit> {
        for item in items {
            if item.background {
                self.background(&item.and_or);
            } else {
                self.and_or(&item.and_or)?;
            }
        }
        Ok(())
    }

    fn and_or(&mut self, and_or: &AndOr) -> Result<(), Exit> {
        self.last_status = self.pipeline(&and_or.first, true)?.unwrap_or(self.last_status);
        for (connector, pipeline) in &and_or.rest {
            let run = match connector {
                Connector::And => self.last_status == 0,
                Connector::Or => self.last_status != 0,
            };
            if run {
                self.last_status = self.pipeline(pipeline, true)?.unwrap_or(self.last_status);
            }
        }
        Ok(())
    }

    /// Runs an and-or list in the background. Only single pipelines are supported there;
    /// `&&`/`||` chains in the background run their first pipeline only (a warning says so).
    fn background(&mut self, and_or: &AndOr) {
        if !and_or.rest.is_empty() {
            eprintln!("sh: only the first pipeline of a background && / || list is run");
        }
        match self.spawn_pipeline(&and_or.first) {
            Ok(children) if !children.is_empty() => {
                self.last_background = children.last().map(|c| c.id());
                self.jobs.push(children);
                self.last_status = 0;
            }
            Ok(_) => {}
            Err(status) => self.last_status = status,
        }
    }

    /// Runs a pipeline in the foreground; `Ok(None)` if it changed no status.
    fn pipeline(&mut self, pipeline: &Pipeline, _foreground: bool) -> Result<Option<i32>, Exit> {
        if let [single] = pipeline.as_slice()
            && let Some(status) = self.builtin(single)?
        {
            return Ok(Some(status));
        }
        let children = match self.spawn_pipeline(pipeline) {
            Ok(children) => children,
            Err(status) => return Ok(Some(status)),
        };
        let mut status = 0;
        for mut child in children {
            status = match child.wait() {
                Ok(s) => status_code(s),
                Err(e) => {
                    eprintln!("sh: wait: {e}");
                    1
                }
            };
        }
        Ok(Some(status))
    }

    /// Runs `cmd` as a builtin if it is one; `Ok(None)` if it is not.
    fn builtin(&mut self, cmd: &Command) -> Result<Option<i32>, Exit> {
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
            "wait" => self.wait(&words[1..]),
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

    /// `wait [PID...]`: waits for background jobs. With no operands waits for all and
    /// returns 0; otherwise returns the status of the last PID named (127 if it is not a
    /// job of this shell), as POSIX `wait` specifies.
    fn wait(&mut self, pids: &[String]) -> i32 {
        let jobs = std::mem::take(&mut self.jobs);
        let mut status = 0;
        let wanted: Vec<u32> = pids.iter().filter_map(|p| p.parse().ok()).collect();
        let mut found = wanted.is_empty();
        for job in jobs {
            let in_job = wanted.is_empty() || job.iter().any(|c| wanted.contains(&c.id()));
            if !in_job {
                self.jobs.push(job);
                continue;
            }
            for mut child in job {
                let s = child.wait().map(status_code).unwrap_or(127);
                if wanted.contains(&child.id()) {
                    status = s;
                    found = true;
                }
            }
        }
        if found { status } else { 127 }
    }

    /// Starts every command of a pipeline, connected by pipes, all in one new process
    /// group led by the first (XCU 2.9.2; job control's unit). Returns the children, or the
    /// status to report if a command could not be started.
    fn spawn_pipeline(&mut self, pipeline: &Pipeline) -> Result<Vec<Child>, i32> {
        let mut children: Vec<Child> = Vec::new();
        let mut next_stdin: Option<OwnedFd> = None;
        let mut failed = None;
        for (i, cmd) in pipeline.iter().enumerate() {
            let last = i + 1 == pipeline.len();
            let mut fds = [Target::Shell(0), Target::Shell(1), Target::Shell(2)];
            if let Some(reader) = next_stdin.take() {
                fds[0] = Target::Owned(reader);
            }
            if !last {
                match std::io::pipe() {
                    Ok((reader, writer)) => {
                        fds[1] = Target::Owned(writer.into());
                        next_stdin = Some(reader.into());
                    }
                    Err(e) => {
                        eprintln!("sh: pipe: {e}");
                        failed = Some(1);
                        break;
                    }
                }
            }
            let pgid = children.first().map(|c| c.id() as i32).unwrap_or(0);
            match self.spawn(cmd, fds, pgid) {
                Ok(Some(child)) => children.push(child),
                Ok(None) => {}
                Err(status) => failed = Some(status),
            }
        }
        drop(next_stdin);
        match failed {
            Some(status) if children.is_empty() => Err(status),
            Some(status) => {
                for mut c in children {
                    let _ = c.wait();
                }
                Err(status)
            }
            None => Ok(children),
        }
    }

    /// Starts one command with its redirections applied on top of `fds`, in process group
    /// `pgid` (0: a new group led by this child).
    fn spawn(
        &mut self,
        cmd: &Command,
        mut fds: [Target; 3],
        pgid: i32,
    ) -> Result<Option<Child>, i32> {
        for redirect in &cmd.redirects {
            if let Err(message) = self.redirect(redirect, &mut fds) {
                eprintln!("sh: {message}");
                return Err(1);
            }
        }
        let words: Vec<String> = cmd.words.iter().map(|w| self.expand(w)).collect();
        let split = words.iter().take_while(|w| assignment(w).is_some()).count();
        let (assigns, words) = words.split_at(split);
        let Some(program) = words.first() else { return Ok(None) };
        let mut process = Process::new(program);
        process.args(&words[1..]).process_group(pgid);
        for a in assigns {
            if let Some((name, value)) = assignment(a) {
                process.env(name, value);
            }
        }
        let [stdin, stdout, stderr] = fds;
        let io = (stdin.stdio(0), stdout.stdio(1), stderr.stdio(2));
        let (Ok(i), Ok(o), Ok(e)) = io else {
            eprintln!("sh: cannot set up file descriptors");
            return Err(1);
        };
        process.stdin(i).stdout(o).stderr(e);
        match process.spawn() {
            Ok(child) => Ok(Some(child)),
            Err(e) => {
                let (status, what) = match e.kind() {
                    std::io::ErrorKind::NotFound => (127, "not found".to_owned()),
                    _ => (126, io_message(&e)),
                };
                eprintln!("sh: {program}: {what}");
                Err(status)
            }
        }
    }

    /// Applies one redirection to the command's fds 0-2.
    fn redirect(&self, r: &Redirect, fds: &mut [Target; 3]) -> Result<(), String> {
        let fd = r.fd as usize;
        if fd > 2 {
            return Err(format!("{}: only descriptors 0, 1 and 2 can be redirected", r.fd));
        }
        let target = self.expand(&r.target);
        let open = |opts: &mut OpenOptions| {
            opts.open(&target).map_err(|e| format!("{target}: {}", io_message(&e)))
        };
        fds[fd] = match r.op {
            "<" => Target::Owned(
                File::open(&target).map_err(|e| format!("{target}: {}", io_message(&e)))?.into(),
            ),
            ">" => Target::Owned(
                open(OpenOptions::new().write(true).create(true).truncate(true))?.into(),
            ),
            ">>" => Target::Owned(open(OpenOptions::new().append(true).create(true))?.into()),
            _ => {
                let from: usize = target
                    .parse()
                    .ok()
                    .filter(|&n| n <= 2)
                    .ok_or_else(|| format!("{target}: bad file descriptor"))?;
                fds[from].duplicate().map_err(|e| format!("{target}: {e}"))?
            }
        };
        Ok(())
    }
}

/// `NAME=value` with a valid name.
fn assignment(word: &str) -> Option<(&str, &str)> {
    let (name, value) = word.split_once('=')?;
    let valid = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then_some((name, value))
}

/// An I/O error's message without Rust's "(os error N)" suffix, as shells print it.
fn io_message(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// Flushes stdout before the shell exits (so nothing buffered is lost).
pub fn flush() {
    let _ = std::io::stdout().flush();
}
