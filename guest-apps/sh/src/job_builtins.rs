//! The job builtins: `jobs`, `fg`, `bg`, `kill` and `wait` (POSIX XCU `jobs`, `fg`, `bg`,
//! `kill`, `wait`; XCU 2.11 "Job Control"). Operands name jobs by job ID (`%1`, `%%`,
//! `%-`, `%sleep`, XCU 3.204) or processes by pid.

use crate::exec::Shell;
use crate::jobs::{self, JobState, ProcState};
use crate::signals::{self, SIGCONT, SIGHUP, SIGTERM};
use crate::sys;

impl Shell {
    /// Resolves a job ID operand, printing why not for builtin `name`.
    fn job_operand(&self, name: &str, spec: Option<&String>) -> Option<usize> {
        let spec = spec.map_or("%+", |s| s.as_str());
        match self.jobs.resolve(spec) {
            Ok(id) => Some(id),
            Err(why) => {
                eprintln!("sh: {name}: {why}");
                None
            }
        }
    }

    /// `jobs [-l|-p] [job_id...]`: the jobs and their states, in bash's format; `-l` adds
    /// the process group, `-p` prints only it. Ended jobs are forgotten once reported.
    pub(crate) fn jobs_builtin(&mut self, args: &[String]) -> i32 {
        let (mut long, mut pids) = (false, false);
        let mut operands = args;
        while let Some(opt) = operands.first().filter(|a| a.starts_with('-') && a.len() > 1) {
            match opt.as_str() {
                "--" => {
                    operands = &operands[1..];
                    break;
                }
                "-l" => long = true,
                "-p" => pids = true,
                _ => {
                    eprintln!("sh: jobs: {opt}: invalid option");
                    eprintln!("jobs: usage: jobs [-l|-p] [job_id...]");
                    return 2;
                }
            }
            operands = &operands[1..];
        }
        self.reap_ready();
        let mut status = 0;
        let ids = if operands.is_empty() {
            self.jobs.ids()
        } else {
            let mut ids = Vec::new();
            for spec in operands {
                match self.job_operand("jobs", Some(spec)) {
                    Some(id) => ids.push(id),
                    None => status = 1,
                }
            }
            ids
        };
        for id in ids {
            let Some(job) = self.jobs.get(id) else { continue };
            if pids {
                println!("{}", job.pgid);
            } else {
                println!("{}", self.jobs.format(id, long));
            }
            if let JobState::Done(_) = job.state() {
                self.jobs.remove(id);
            } else if let Some(job) = self.jobs.get_mut(id) {
                job.notified = true;
            }
        }
        status
    }

    /// `fg [job_id]`: continues a job (the current one by default) in the foreground,
    /// giving it the terminal, and waits for it; its status is `fg`'s.
    pub(crate) fn fg(&mut self, args: &[String]) -> i32 {
        if self.monitor.is_none() {
            eprintln!("sh: fg: no job control");
            return 1;
        }
        let Some(id) = self.job_operand("fg", args.first()) else { return 1 };
        let Some(job) = self.jobs.get_mut(id) else { return 1 };
        println!("{}", job.text);
        crate::exec::flush();
        job.continued();
        self.jobs.touch(id);
        // `foreground` gives the terminal first, then sends SIGCONT: the job never runs
        // in the background.
        self.foreground(id)
    }

    /// `bg [job_id...]`: continues stopped jobs (the current one by default) in the
    /// background, saying `[1]+ sleep 100 &` for each as bash does.
    pub(crate) fn bg(&mut self, args: &[String]) -> i32 {
        if self.monitor.is_none() {
            eprintln!("sh: bg: no job control");
            return 1;
        }
        let specs: Vec<Option<&String>> =
            if args.is_empty() { vec![None] } else { args.iter().map(Some).collect() };
        let mut status = 0;
        for spec in specs {
            let Some(id) = self.job_operand("bg", spec) else {
                status = 1;
                continue;
            };
            let Some(job) = self.jobs.get_mut(id) else { continue };
            if job.state() == JobState::Running {
                eprintln!("sh: bg: job {id} already in background");
                continue;
            }
            job.background = true;
            job.continued();
            job.notified = true;
            let pgid = job.pgid;
            self.jobs.touch(id);
            let text = self.jobs.get(id).map(|j| j.text.clone()).unwrap_or_default();
            println!("[{id}]{} {text} &", self.jobs.marker(id));
            if let Err(e) = sys::kill(-pgid, SIGCONT) {
                eprintln!("sh: bg: {e}");
                status = 1;
            }
        }
        status
    }

    /// `kill [-s NAME | -NAME | -N | -n N] pid|job_id...` and `kill -l [status]`: sends a
    /// signal (SIGTERM by default) to processes or to jobs' process groups. A stopped job
    /// sent SIGTERM or SIGHUP is continued too, so it can act on it (as bash does).
    pub(crate) fn kill_builtin(&mut self, args: &[String]) -> i32 {
        let usage = || {
            eprintln!("kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ...");
            eprintln!("       kill -l [exit_status]");
            2
        };
        let Some(first) = args.first() else { return usage() };
        let (sig, operands) = match first.as_str() {
            "-l" | "-L" => return list_signals(&args[1..]),
            "-s" | "-n" => {
                let Some(spec) = args.get(1) else { return usage() };
                match signals::parse(spec) {
                    Some(sig) => (sig, &args[2..]),
                    None => {
                        eprintln!("sh: kill: {spec}: invalid signal specification");
                        return 1;
                    }
                }
            }
            "--" => (SIGTERM, &args[1..]),
            opt if opt.starts_with('-') && opt.len() > 1 => match signals::parse(&opt[1..]) {
                Some(sig) => (sig, &args[1..]),
                None => {
                    eprintln!("sh: kill: {}: invalid signal specification", &opt[1..]);
                    return 1;
                }
            },
            _ => (SIGTERM, args),
        };
        let operands = match operands.first() {
            Some(dashes) if dashes == "--" => &operands[1..],
            _ => operands,
        };
        if operands.is_empty() {
            return usage();
        }
        let mut status = 0;
        for operand in operands {
            let result = if operand.starts_with('%') {
                let Some(id) = self.job_operand("kill", Some(operand)) else {
                    status = 1;
                    continue;
                };
                let job = self.jobs.get_mut(id).expect("resolved job");
                let stopped = matches!(job.state(), JobState::Stopped(_));
                let result = sys::kill(-job.pgid, sig);
                if result.is_ok() && stopped && (sig == SIGTERM || sig == SIGHUP) {
                    let _ = sys::kill(-job.pgid, SIGCONT);
                }
                if result.is_ok() && stopped && matches!(sig, SIGTERM | SIGHUP | SIGCONT) {
                    // Running again (so `wait %N` waits for it to act on the signal).
                    job.continued();
                }
                result
            } else {
                match operand.parse::<i32>() {
                    Ok(pid) => sys::kill(pid, sig),
                    Err(_) => {
                        eprintln!("sh: kill: {operand}: arguments must be process or job IDs");
                        status = 1;
                        continue;
                    }
                }
            };
            if let Err(e) = result {
                eprintln!("sh: kill: ({operand}) - {}", crate::exec::io_message(&e));
                status = 1;
            }
        }
        status
    }

    /// `wait [pid|job_id...]` (XCU `wait`): with no operands, waits for every job and
    /// returns 0; otherwise waits for each operand and returns the last one's status (a
    /// job's: its last process's; 127 for a pid that is no child of this shell). An
    /// interactive shell's `wait` ends on SIGINT with status 130. A stopped job ends the
    /// wait for it with 128 + the stop signal, as in bash.
    pub(crate) fn wait_builtin(&mut self, operands: &[String]) -> i32 {
        if operands.is_empty() {
            for id in self.jobs.ids() {
                if self.wait_job(id, true).is_err() {
                    return 130;
                }
                self.forget_if_done(id);
            }
            return 0;
        }
        let mut status = 0;
        for operand in operands {
            let (id, pid) = if operand.starts_with('%') {
                match self.job_operand("wait", Some(operand)) {
                    Some(id) => (id, None),
                    None => {
                        status = 127;
                        continue;
                    }
                }
            } else {
                let pid = operand.parse::<i32>().ok();
                match pid.and_then(|pid| self.jobs.with_pid(pid)) {
                    Some(id) => (id, pid),
                    None => {
                        status = 127;
                        continue;
                    }
                }
            };
            let state = match self.wait_job(id, true) {
                Ok(state) => state,
                Err(_) => return 130,
            };
            status = match pid {
                None => jobs::state_code(state),
                Some(pid) => {
                    let job = self.jobs.get(id);
                    match job.and_then(|j| j.procs.iter().find(|p| p.pid == pid)).map(|p| p.state) {
                        Some(ProcState::Done(raw)) => jobs::status_code(raw),
                        Some(ProcState::Stopped(sig)) => 128 + sig,
                        _ => jobs::state_code(state),
                    }
                }
            };
            self.forget_if_done(id);
        }
        status
    }

    /// After `wait`: a non-interactive shell forgets an ended job at once; an interactive
    /// one keeps it until the `Done` message before the next prompt.
    fn forget_if_done(&mut self, id: usize) {
        let done = self.jobs.get(id).is_some_and(|j| matches!(j.state(), JobState::Done(_)));
        if done && !self.interactive {
            self.jobs.remove(id);
        }
    }
}

/// `kill -l`: every signal name; `kill -l N`: the name of signal N, or of the signal
/// behind exit status N (128 + N), as XCU `kill` specifies.
fn list_signals(args: &[String]) -> i32 {
    if args.is_empty() {
        println!("{}", signals::names().collect::<Vec<_>>().join(" "));
        return 0;
    }
    let mut status = 0;
    for arg in args {
        let name = match arg.parse::<i32>() {
            Ok(n) => signals::name(if n > 128 { n - 128 } else { n }).map(str::to_owned),
            Err(_) => signals::parse(arg).map(|n| n.to_string()),
        };
        match name {
            Some(name) => println!("{name}"),
            None => {
                eprintln!("sh: kill: {arg}: invalid signal specification");
                status = 1;
            }
        }
    }
    status
}
