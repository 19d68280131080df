//! Running parsed commands: expansion, builtins, pipelines in their own process groups,
//! redirections, background jobs (POSIX XCU 2.9.1 "Simple Commands", 2.9.2 "Pipelines",
//! 2.9.3 "Lists", 2.7 "Redirection"); every pipeline started is a job of the job table,
//! run in the foreground with the terminal when the shell is interactive (XCU 2.11).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command as Process, Stdio};

use crate::jobs::{self, JobState, Jobs};
use crate::lexer::Part;
use crate::monitor::Monitor;
use crate::parser::{AndOr, Command, Connector, Item, Pipeline, Redirect, pipeline_text};
use crate::signals::{SIGINT, SIGPIPE};
use crate::sys;

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
    pub(crate) vars: HashMap<String, String>,
    /// `$0`, `$1`, ...
    positional: Vec<String>,
    /// `$?`.
    pub last_status: i32,
    /// `$!`.
    last_background: Option<i32>,
    /// Jobs: background ones not yet waited for or reported, and stopped ones.
    pub(crate) jobs: Jobs,
    /// Interactive (stdin is a terminal): prompts, `[1] PID` for background jobs and job
    /// state messages.
    pub(crate) interactive: bool,
    /// Job control on the terminal (monitor mode), when interactive and it could start.
    pub(crate) monitor: Option<Monitor>,
}

/// Why the shell stops: `exit N`.
pub struct Exit(pub i32);

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
            jobs: Jobs::default(),
            interactive: false,
            monitor: None,
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
    pub(crate) fn expand(&self, word: &[Part]) -> String {
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
        self.last_status = self.pipeline(&and_or.first)?.unwrap_or(self.last_status);
        for (connector, pipeline) in &and_or.rest {
            let run = match connector {
                Connector::And => self.last_status == 0,
                Connector::Or => self.last_status != 0,
            };
            if run {
                self.last_status = self.pipeline(pipeline)?.unwrap_or(self.last_status);
            }
        }
        Ok(())
    }

    /// Runs an and-or list in the background (XCU 2.9.3.1 "Asynchronous Lists"): a job;
    /// an interactive shell says `[N] PID` (the job number and the last process's pid).
    /// Only single pipelines are supported there; `&&`/`||` chains in the background run
    /// their first pipeline only (a warning says so).
    fn background(&mut self, and_or: &AndOr) {
        if !and_or.rest.is_empty() {
            eprintln!("sh: only the first pipeline of a background && / || list is run");
        }
        match self.spawn_pipeline(&and_or.first, false) {
            Ok(pids) if !pids.is_empty() => {
                let id = self.jobs.add(&pids, pipeline_text(&and_or.first), true);
                let job = self.jobs.get_mut(id).expect("job just added");
                job.notified = true;
                let pid = job.last_pid();
                self.last_background = Some(pid);
                if self.interactive {
                    eprintln!("[{id}] {pid}");
                }
                self.last_status = 0;
            }
            Ok(_) => {}
            Err(status) => self.last_status = status,
        }
    }

    /// Runs a pipeline in the foreground; `Ok(None)` if it changed no status.
    fn pipeline(&mut self, pipeline: &Pipeline) -> Result<Option<i32>, Exit> {
        if let [single] = pipeline.as_slice()
            && let Some(status) = self.builtin(single)?
        {
            return Ok(Some(status));
        }
        let pids = match self.spawn_pipeline(pipeline, true) {
            Ok(pids) => pids,
            Err(status) => return Ok(Some(status)),
        };
        if pids.is_empty() {
            return Ok(Some(0));
        }
        let id = self.jobs.add(&pids, pipeline_text(pipeline), false);
        Ok(Some(self.foreground(id)))
    }

    /// Runs job `id` in the foreground until it stops or ends (XCU 2.11): with job control
    /// its process group has the terminal meanwhile. Returns its status.
    pub(crate) fn foreground(&mut self, id: usize) -> i32 {
        let Some(job) = self.jobs.get_mut(id) else { return 127 };
        job.background = false;
        job.notified = true;
        let (pgid, modes) = (job.pgid, job.termios.take());
        if let Some(monitor) = &self.monitor {
            monitor.give_terminal(pgid, modes.as_ref());
        }
        let state = self.wait_job(id, false).unwrap_or(JobState::Done(0));
        if let Some(monitor) = &mut self.monitor {
            let signalled = matches!(state, JobState::Done(raw) if raw & 0x7f != 0);
            let stopped = matches!(state, JobState::Stopped(_));
            let modes = monitor.take_terminal(signalled || stopped);
            if let Some(job) = self.jobs.get_mut(id) {
                job.termios = modes;
            }
        }
        match state {
            JobState::Stopped(_) => {
                self.jobs.touch(id);
                if self.interactive {
                    eprintln!("\n{}", self.jobs.format(id, false));
                }
                if let Some(job) = self.jobs.get_mut(id) {
                    job.notified = true;
                }
            }
            JobState::Done(raw) => {
                self.jobs.remove(id);
                let sig = raw & 0x7f;
                if self.interactive && sig != 0 && sig != 0x7f {
                    // The terminal echoed ^C; the next prompt goes on a line of its own.
                    // Other deaths are said, as bash and ash do.
                    match sig {
                        SIGINT => eprintln!(),
                        SIGPIPE => {}
                        _ => eprintln!("{}", jobs::describe(state)),
                    }
                }
            }
            JobState::Running => {}
        }
        jobs::state_code(state)
    }

    /// Starts every command of a pipeline, connected by pipes, all in one new process
    /// group led by the first (XCU 2.9.2; job control's unit). A foreground pipeline of an
    /// interactive shell takes the terminal. Returns the pids, or the status to report if
    /// a command could not be started.
    fn spawn_pipeline(&mut self, pipeline: &Pipeline, foreground: bool) -> Result<Vec<i32>, i32> {
        let mut pids: Vec<i32> = Vec::new();
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
            let pgid = pids.first().copied().unwrap_or(0);
            match self.spawn(cmd, fds, pgid) {
                Ok(Some(pid)) => {
                    if pids.is_empty()
                        && foreground
                        && let Some(monitor) = &self.monitor
                    {
                        // As early as possible: the rest of the pipeline starts in the
                        // foreground.
                        monitor.give_terminal(pid, None);
                    }
                    pids.push(pid)
                }
                Ok(None) => {}
                Err(status) => failed = Some(status),
            }
        }
        drop(next_stdin);
        match failed {
            Some(status) if pids.is_empty() => Err(status),
            Some(status) => {
                for pid in pids {
                    let _ = sys::wait4(pid, 0);
                }
                if let Some(monitor) = &mut self.monitor {
                    monitor.take_terminal(false);
                }
                Err(status)
            }
            None => Ok(pids),
        }
    }

    /// Starts one command with its redirections applied on top of `fds`, in process group
    /// `pgid` (0: a new group led by this child); returns its pid.
    fn spawn(
        &mut self,
        cmd: &Command,
        mut fds: [Target; 3],
        pgid: i32,
    ) -> Result<Option<i32>, i32> {
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
            Ok(child) => Ok(Some(child.id() as i32)),
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
pub(crate) fn assignment(word: &str) -> Option<(&str, &str)> {
    let (name, value) = word.split_once('=')?;
    let valid = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then_some((name, value))
}

/// An I/O error's message without Rust's "(os error N)" suffix, as shells print it.
pub(crate) fn io_message(e: &std::io::Error) -> String {
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
