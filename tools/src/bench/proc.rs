//! Running one child process: its wall time (from just before `spawn` to the moment `wait`
//! returns, with a thread blocked in `wait` so no polling interval is added), its output,
//! and a time limit after which it is killed.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::error::BenchError;

/// How a child process ended.
#[derive(Debug)]
pub struct Finished {
    /// Its exit status.
    pub status: ExitStatus,
    /// Everything it wrote to stdout (lossy UTF-8).
    pub stdout: String,
    /// Everything it wrote to stderr (lossy UTF-8).
    pub stderr: String,
    /// Spawn to reaped.
    pub wall: Duration,
}

impl Finished {
    /// `what exited N` / `was killed by signal N`, plus the last lines of stderr, for
    /// error messages.
    pub fn describe(&self) -> String {
        let status =
            match (self.status.code(), std::os::unix::process::ExitStatusExt::signal(&self.status))
            {
                (Some(code), _) => format!("exit status {code}"),
                (None, Some(sig)) => format!("killed by signal {sig}"),
                (None, None) => "unknown status".to_owned(),
            };
        let tail: Vec<String> = self.stderr.lines().rev().take(6).map(shorten).collect();
        if tail.is_empty() {
            format!("{status}, nothing on stderr")
        } else {
            let tail: Vec<String> = tail.into_iter().rev().collect();
            format!("{status}; stderr ends: {}", tail.join(" | "))
        }
    }
}

/// A line cut to 200 characters (kernel lines can carry the whole command line).
fn shorten(line: &str) -> String {
    match line.char_indices().nth(200) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None => line.to_owned(),
    }
}

unsafe extern "C" {
    /// kill(2) from the C library the standard library already links.
    fn kill(pid: i32, sig: i32) -> i32;
}

const SIGKILL: i32 = 9;

/// Runs `cmd` (stdin closed) to completion, calling `on_line` for each stdout line as it
/// arrives; kills it after `timeout`. `what` names the run in errors.
pub fn run(
    cmd: &mut Command,
    what: &str,
    timeout: Duration,
    on_line: &mut (dyn FnMut(&str) + Send),
) -> Result<Finished, BenchError> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let program = cmd.get_program().to_string_lossy().into_owned();
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|source| BenchError::Spawn { program, source })?;
    let pid = child.id() as i32;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    std::thread::scope(|scope| {
        let (done_tx, done_rx) = mpsc::channel();
        scope.spawn(move || {
            let status = child.wait();
            let _ = done_tx.send((status, Instant::now()));
        });
        let out = scope.spawn(move || {
            let mut text = String::new();
            let mut reader = BufReader::new(stdout);
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).is_ok_and(|n| n > 0) {
                let s = String::from_utf8_lossy(&line);
                on_line(s.trim_end_matches('\n'));
                text.push_str(&s);
                line.clear();
            }
            text
        });
        let err = scope.spawn(move || {
            let mut bytes = Vec::new();
            let _ = stderr.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        });
        let (status, end) = match done_rx.recv_timeout(timeout) {
            Ok(done) => done,
            Err(_) => {
                // SAFETY: `pid` is our child and has not been reaped (the waiting thread has
                // not returned), so the id cannot belong to another process.
                unsafe { kill(pid, SIGKILL) };
                let _ = done_rx.recv();
                return Err(BenchError::Timeout { what: what.into(), secs: timeout.as_secs() });
            }
        };
        let status = status.map_err(|source| BenchError::Spawn { program: what.into(), source })?;
        Ok(Finished {
            status,
            stdout: out.join().unwrap_or_default(),
            stderr: err.join().unwrap_or_default(),
            wall: end - start,
        })
    })
}

/// [`run`] without a line callback.
pub fn run_quiet(cmd: &mut Command, what: &str, timeout: Duration) -> Result<Finished, BenchError> {
    run(cmd, what, timeout, &mut |_| {})
}

/// `program args...` as one string, for reports and messages.
pub fn command_line(cmd: &Command) -> Vec<String> {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|s| s.to_string_lossy().into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_output_status_and_lines() {
        let mut lines = Vec::new();
        let done = run(
            Command::new("sh").args(["-c", "echo a; echo b; echo err >&2; exit 3"]),
            "sh",
            Duration::from_secs(20),
            &mut |l| lines.push(l.to_owned()),
        )
        .unwrap();
        assert_eq!(done.status.code(), Some(3));
        assert_eq!(done.stdout, "a\nb\n");
        assert_eq!(lines, ["a", "b"]);
        assert!(done.describe().contains("exit status 3") && done.describe().contains("err"));
    }

    #[test]
    fn kills_after_the_timeout() {
        let started = Instant::now();
        let err = run_quiet(Command::new("sleep").arg("30"), "sleep", Duration::from_millis(200))
            .unwrap_err();
        assert!(matches!(err, BenchError::Timeout { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
