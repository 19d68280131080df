//! The job table: each job is one pipeline's processes in one process group, with a
//! number, a state and the text `jobs` shows (POSIX XCU 2.11 "Job Control", XCU `jobs`).
//!
//! Pure bookkeeping: who waits, signals and hands over the terminal is
//! [`crate::monitor`] and [`crate::job_builtins`].

use crate::signals;
use crate::sys::Termios;

/// What a process is doing, as `wait4` last reported it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcState {
    /// Running (or not yet reported).
    Running,
    /// Stopped by this signal.
    Stopped(i32),
    /// Ended with this raw wait status.
    Done(i32),
}

/// One process of a job.
#[derive(Clone, Debug)]
pub struct Proc {
    /// Its pid.
    pub pid: i32,
    /// Its last reported state.
    pub state: ProcState,
}

/// A job's state as a whole (XCU `jobs`: Running, Stopped, Done).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Some process is running.
    Running,
    /// None runs and some are stopped: by this signal (the last stopped one's).
    Stopped(i32),
    /// All have ended; the raw wait status of the last process (the pipeline's status,
    /// XCU 2.9.2).
    Done(i32),
}

/// One job.
#[derive(Clone)]
pub struct Job {
    /// Its number (`%N`).
    pub id: usize,
    /// Its process group (the first process's pid).
    pub pgid: i32,
    /// Its processes, in pipeline order.
    pub procs: Vec<Proc>,
    /// The command as `jobs` shows it.
    pub text: String,
    /// Started with `&` or resumed with `bg` (shown with a trailing `&` while running).
    pub background: bool,
    /// Whether the user has been told about its current state.
    pub notified: bool,
    /// The terminal settings it had when it stopped, restored by `fg`.
    pub termios: Option<Termios>,
}

impl Job {
    /// The job's state from its processes' states.
    pub fn state(&self) -> JobState {
        if self.procs.iter().any(|p| p.state == ProcState::Running) {
            return JobState::Running;
        }
        if let Some(sig) = self.procs.iter().rev().find_map(|p| match p.state {
            ProcState::Stopped(sig) => Some(sig),
            _ => None,
        }) {
            return JobState::Stopped(sig);
        }
        match self.procs.last().map(|p| p.state) {
            Some(ProcState::Done(status)) => JobState::Done(status),
            _ => JobState::Done(0),
        }
    }

    /// Marks every stopped process running (after SIGCONT).
    pub fn continued(&mut self) {
        for p in &mut self.procs {
            if let ProcState::Stopped(_) = p.state {
                p.state = ProcState::Running;
            }
        }
        self.notified = false;
    }

    /// The pid of the last process (`$!` for a background job).
    pub fn last_pid(&self) -> i32 {
        self.procs.last().map_or(self.pgid, |p| p.pid)
    }
}

/// The status a shell reports for a raw wait status: the exit code, 128 + the signal that
/// killed or stopped it (XCU 2.8.2 "Exit Status for Commands").
pub fn status_code(raw: i32) -> i32 {
    if raw & 0x7f == 0 {
        (raw >> 8) & 0xff
    } else if raw & 0xff == 0x7f {
        128 + ((raw >> 8) & 0xff)
    } else {
        128 + (raw & 0x7f)
    }
}

/// The shell status of a job state (stopped: 128 + the stop signal, as bash and ash).
pub fn state_code(state: JobState) -> i32 {
    match state {
        JobState::Running => 0,
        JobState::Stopped(sig) => 128 + sig,
        JobState::Done(raw) => status_code(raw),
    }
}

/// The state column of `jobs` and of job messages, as bash prints it: `Running`,
/// `Stopped`, `Done`, `Exit 3`, `Terminated`, `Segmentation fault (core dumped)`.
pub fn describe(state: JobState) -> String {
    match state {
        JobState::Running => "Running".into(),
        JobState::Stopped(sig) => signals::describe(sig),
        JobState::Done(raw) if raw & 0x7f == 0 => match (raw >> 8) & 0xff {
            0 => "Done".into(),
            code => format!("Exit {code}"),
        },
        JobState::Done(raw) => {
            let core = if raw & 0x80 != 0 { " (core dumped)" } else { "" };
            format!("{}{core}", signals::describe(raw & 0x7f))
        }
    }
}

/// The job table, with the order that decides the current (`%+`) and previous (`%-`)
/// jobs: the most recently started, stopped or resumed job is current.
#[derive(Default)]
pub struct Jobs {
    jobs: Vec<Job>,
    /// Job numbers, most recent first.
    recent: Vec<usize>,
}

impl Jobs {
    /// Adds a job for `procs` (pids in pipeline order); returns its number, one more than
    /// the highest in use (as bash and ash number them).
    pub fn add(&mut self, pids: &[i32], text: String, background: bool) -> usize {
        let id = self.jobs.iter().map(|j| j.id).max().unwrap_or(0) + 1;
        let procs = pids.iter().map(|&pid| Proc { pid, state: ProcState::Running }).collect();
        let pgid = pids.first().copied().unwrap_or(0);
        self.jobs.push(Job { id, pgid, procs, text, background, notified: false, termios: None });
        self.touch(id);
        id
    }

    /// Makes job `id` the current job.
    pub fn touch(&mut self, id: usize) {
        self.recent.retain(|&j| j != id);
        self.recent.insert(0, id);
    }

    /// Job `id`.
    pub fn get(&self, id: usize) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id == id)
    }

    /// Job `id`, to change.
    pub fn get_mut(&mut self, id: usize) -> Option<&mut Job> {
        self.jobs.iter_mut().find(|j| j.id == id)
    }

    /// Removes job `id`.
    pub fn remove(&mut self, id: usize) -> Option<Job> {
        self.recent.retain(|&j| j != id);
        let i = self.jobs.iter().position(|j| j.id == id)?;
        Some(self.jobs.remove(i))
    }

    /// Every job, in number order.
    pub fn iter(&self) -> impl Iterator<Item = &Job> {
        self.jobs.iter()
    }

    /// The job numbers, in number order.
    pub fn ids(&self) -> Vec<usize> {
        self.jobs.iter().map(|j| j.id).collect()
    }

    /// Records that process `pid` changed to `state`; returns its job's number, or `None`
    /// if no job has that process.
    pub fn update(&mut self, pid: i32, state: ProcState) -> Option<usize> {
        for job in &mut self.jobs {
            if let Some(p) = job.procs.iter_mut().find(|p| p.pid == pid) {
                p.state = state;
                job.notified = false;
                return Some(job.id);
            }
        }
        None
    }

    /// The job with process `pid`.
    pub fn with_pid(&self, pid: i32) -> Option<usize> {
        self.jobs.iter().find(|j| j.procs.iter().any(|p| p.pid == pid)).map(|j| j.id)
    }

    /// The current job (`%+`, `%%`): the most recent stopped one if any is stopped (as
    /// bash chooses), else the most recent.
    pub fn current(&self) -> Option<usize> {
        let stopped =
            |id: &&usize| self.get(**id).is_some_and(|j| matches!(j.state(), JobState::Stopped(_)));
        self.recent.iter().find(stopped).or(self.recent.first()).copied()
    }

    /// The previous job (`%-`): the most recent other than the current one.
    pub fn previous(&self) -> Option<usize> {
        let current = self.current();
        self.recent.iter().copied().find(|&id| Some(id) != current)
    }

    /// The `+`/`-`/space marker `jobs` shows for job `id`.
    pub fn marker(&self, id: usize) -> char {
        if self.current() == Some(id) {
            '+'
        } else if self.previous() == Some(id) {
            '-'
        } else {
            ' '
        }
    }

    /// Resolves a job ID (XCU 3.204 "Job ID"): `%%`, `%+`, `%-`, `%N`, `%STRING` (a job
    /// whose command begins with STRING) or `%?STRING` (contains STRING). `Err` says why
    /// not, for the builtin to print.
    pub fn resolve(&self, spec: &str) -> Result<usize, String> {
        let no_such = || format!("{spec}: no such job");
        let body = spec.strip_prefix('%').ok_or_else(no_such)?;
        match body {
            "" | "%" | "+" => self.current().ok_or_else(|| "no current job".to_owned()),
            "-" => self.previous().ok_or_else(no_such),
            n if n.chars().all(|c| c.is_ascii_digit()) => {
                let id: usize = n.parse().map_err(|_| no_such())?;
                self.get(id).map(|j| j.id).ok_or_else(no_such)
            }
            text => {
                let matches: Vec<usize> = match text.strip_prefix('?') {
                    Some(part) => {
                        self.jobs.iter().filter(|j| j.text.contains(part)).map(|j| j.id).collect()
                    }
                    None => self
                        .jobs
                        .iter()
                        .filter(|j| j.text.starts_with(text))
                        .map(|j| j.id)
                        .collect(),
                };
                match matches.as_slice() {
                    [id] => Ok(*id),
                    [] => Err(no_such()),
                    _ => Err(format!("{spec}: ambiguous job spec")),
                }
            }
        }
    }

    /// A job's line as `jobs` and the job messages print it, in bash's format:
    /// `[1]+  Stopped                 sleep 100` (with `long`, the pgid after the marker).
    pub fn format(&self, id: usize, long: bool) -> String {
        let Some(job) = self.get(id) else { return String::new() };
        let state = job.state();
        let amp = if job.background && state == JobState::Running { " &" } else { "" };
        let pid = if long { format!("{} ", job.pgid) } else { String::new() };
        format!("[{}]{}  {pid}{:<24}{}{amp}", job.id, self.marker(id), describe(state), job.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STOPPED_TSTP: i32 = (20 << 8) | 0x7f;

    #[test]
    fn states_and_messages() {
        let mut jobs = Jobs::default();
        let a = jobs.add(&[100, 101], "sleep 100 | cat".into(), false);
        assert_eq!(a, 1);
        assert_eq!(jobs.get(a).unwrap().state(), JobState::Running);
        jobs.update(100, ProcState::Stopped(20));
        assert_eq!(jobs.get(a).unwrap().state(), JobState::Running);
        jobs.update(101, ProcState::Stopped(20));
        assert_eq!(jobs.get(a).unwrap().state(), JobState::Stopped(20));
        assert_eq!(jobs.format(a, false), "[1]+  Stopped                 sleep 100 | cat");
        assert_eq!(state_code(jobs.get(a).unwrap().state()), 148);
        let b = jobs.add(&[200], "sleep 1".into(), true);
        assert_eq!(b, 2);
        // The stopped job stays current.
        assert_eq!(jobs.current(), Some(a));
        assert_eq!(jobs.previous(), Some(b));
        assert_eq!(jobs.format(b, false), "[2]-  Running                 sleep 1 &");
        jobs.update(200, ProcState::Done(0));
        assert_eq!(jobs.format(b, false), "[2]-  Done                    sleep 1");
        jobs.update(200, ProcState::Done(3 << 8));
        assert_eq!(describe(jobs.get(b).unwrap().state()), "Exit 3");
        jobs.update(200, ProcState::Done(15));
        assert_eq!(describe(jobs.get(b).unwrap().state()), "Terminated");
        jobs.update(200, ProcState::Done(11 | 0x80));
        assert_eq!(describe(jobs.get(b).unwrap().state()), "Segmentation fault (core dumped)");
        assert_eq!(status_code(STOPPED_TSTP), 148);
        assert_eq!(status_code(9), 137);
        assert_eq!(status_code(7 << 8), 7);
    }

    #[test]
    fn job_ids() {
        let mut jobs = Jobs::default();
        assert!(jobs.resolve("%%").is_err());
        let a = jobs.add(&[10], "sleep 100".into(), true);
        let b = jobs.add(&[20], "cat file".into(), true);
        assert_eq!(jobs.resolve("%1"), Ok(a));
        assert_eq!(jobs.resolve("%2"), Ok(b));
        assert_eq!(jobs.resolve("%%"), Ok(b));
        assert_eq!(jobs.resolve("%+"), Ok(b));
        assert_eq!(jobs.resolve("%"), Ok(b));
        assert_eq!(jobs.resolve("%-"), Ok(a));
        assert_eq!(jobs.resolve("%sl"), Ok(a));
        assert_eq!(jobs.resolve("%?file"), Ok(b));
        assert!(jobs.resolve("%3").is_err());
        assert!(jobs.resolve("%x").is_err());
        assert!(jobs.resolve("1").is_err());
        jobs.remove(a);
        // Numbers are not reused while higher ones live.
        assert_eq!(jobs.add(&[30], "x".into(), true), 3);
        jobs.remove(b);
        jobs.remove(3);
        assert!(jobs.ids().is_empty());
        assert_eq!(jobs.add(&[40], "y".into(), true), 1);
        assert_eq!(jobs.with_pid(40), Some(1));
    }
}
