//! Collecting children's state changes into the job table, and the job messages an
//! interactive shell prints before its prompt (XCU 2.11 "Job Control": "When the shell
//! reports ... the status of a background job ... before writing the next prompt").

use std::io::ErrorKind;

use crate::exec::Shell;
use crate::jobs::{JobState, ProcState};
use crate::sys::{self, WCONTINUED, WNOHANG, WUNTRACED};

/// The process state a raw wait status reports.
fn proc_state(raw: i32) -> ProcState {
    if raw == 0xffff {
        ProcState::Running // WIFCONTINUED
    } else if raw & 0xff == 0x7f {
        ProcState::Stopped((raw >> 8) & 0xff)
    } else {
        ProcState::Done(raw)
    }
}

/// A `wait` was ended by SIGINT (the interactive shell catches it).
pub struct Interrupted;

impl Shell {
    /// `wait4` options: with job control, stops and continues are reported too.
    fn wait_options(&self) -> i32 {
        if self.monitor.is_some() { WUNTRACED | WCONTINUED } else { 0 }
    }

    /// Waits until job `id` is no longer running (all its processes ended, or with job
    /// control, stopped). With `interruptible`, a SIGINT caught meanwhile ends the wait.
    pub(crate) fn wait_job(
        &mut self,
        id: usize,
        interruptible: bool,
    ) -> Result<JobState, Interrupted> {
        loop {
            let Some(job) = self.jobs.get(id) else { return Ok(JobState::Done(0)) };
            let state = job.state();
            if state != JobState::Running {
                return Ok(state);
            }
            // With job control, anything of the job's group; without it, the processes in
            // pipeline order (as waitpid on each, the shell's behaviour before job control).
            let target = if self.monitor.is_some() {
                -job.pgid
            } else {
                job.procs.iter().find(|p| p.state == ProcState::Running).map_or(-1, |p| p.pid)
            };
            match sys::wait4(target, self.wait_options()) {
                Ok(Some((pid, raw))) => {
                    self.jobs.update(pid, proc_state(raw));
                }
                Ok(None) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {
                    if sys::take_interrupt() && interruptible {
                        return Err(Interrupted);
                    }
                }
                Err(e) => {
                    // ECHILD: someone else reaped them; count them as ended.
                    if e.raw_os_error() != Some(10) {
                        eprintln!("sh: wait: {e}");
                    }
                    if let Some(job) = self.jobs.get_mut(id) {
                        for p in &mut job.procs {
                            if p.state == ProcState::Running {
                                p.state = ProcState::Done(0);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Collects every state change that is ready, without blocking.
    pub(crate) fn reap_ready(&mut self) {
        while let Ok(Some((pid, raw))) = sys::wait4(-1, self.wait_options() | WNOHANG) {
            self.jobs.update(pid, proc_state(raw));
        }
    }

    /// Before a prompt: says which jobs ended or stopped since the last prompt (bash's
    /// format, on stderr: `[1]+  Done                    sleep 1`) and forgets ended ones.
    pub(crate) fn notify(&mut self) {
        self.reap_ready();
        for id in self.jobs.ids() {
            let Some(job) = self.jobs.get(id) else { continue };
            if job.notified {
                continue;
            }
            let state = job.state();
            if state != JobState::Running {
                eprintln!("{}", self.jobs.format(id, false));
            }
            if let JobState::Done(_) = state {
                self.jobs.remove(id);
            } else if let Some(job) = self.jobs.get_mut(id) {
                job.notified = true;
            }
        }
    }

    /// Whether some job is stopped (an interactive shell warns before exiting then).
    pub(crate) fn has_stopped_jobs(&self) -> bool {
        self.jobs.iter().any(|j| matches!(j.state(), JobState::Stopped(_)))
    }
}
