//! Monitor mode (`set -m`): job control on the shell's terminal, on by default when the
//! shell is interactive (POSIX XCU 2.11 "Job Control", XCU `sh` "-m", XBD 11.1.2
//! "Process Groups" and 11.1.4 "Terminal Access Control").
//!
//! At start the shell waits until it is in the terminal's foreground (stopping itself with
//! SIGTTIN while it is not, as ash and bash do), ignores SIGTSTP, SIGTTIN and SIGTTOU (so
//! it can hand the terminal over and take it back), ignores SIGQUIT and SIGTERM and catches
//! SIGINT (XCU `sh` "ASYNCHRONOUS EVENTS": an interactive shell catches SIGINT, which ends
//! the line being typed or a `wait`), puts itself in its own process group and makes it
//! the terminal's foreground group. Each job then runs in its own group; a foreground job's
//! group gets the terminal (`tcsetpgrp`) until it stops or ends, when the shell takes it
//! back, together with its own terminal settings if the job stopped or was killed.

use std::io;

use crate::signals::{SIGINT, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU};
use crate::sys::{self, Termios};

/// Signals the interactive shell ignores and its children get back at their default.
const IGNORED: [i32; 5] = [SIGTSTP, SIGTTIN, SIGTTOU, SIGQUIT, SIGTERM];

/// The terminal the shell controls jobs on.
pub struct Monitor {
    /// A close-on-exec copy of the terminal descriptor (fd 10 or above, out of the way of
    /// redirections, as ash keeps it).
    tty: i32,
    /// The shell's own process group.
    pgid: i32,
    /// The process group the shell started in, given the terminal back at exit.
    original: i32,
    /// The shell's terminal settings, restored after a job stops or is killed.
    modes: Option<Termios>,
}

impl Monitor {
    /// Turns job control on for the terminal on fd 0. Fails (and the shell runs without
    /// job control) when fd 0 is not the shell's controlling terminal.
    pub fn start() -> io::Result<Monitor> {
        let tty = sys::dup_cloexec(0, 10)?;
        let started = (|| {
            // Wait to be in the foreground: a background shell is stopped by SIGTTIN
            // until someone runs `fg` on it.
            // A terminal with no foreground group (or one whose group is gone) is simply
            // taken.
            sys::default(SIGTTIN)?;
            loop {
                let pgrp = sys::getpgrp();
                let foreground = sys::tcgetpgrp(tty)?;
                if foreground == pgrp || foreground <= 0 || sys::kill(-foreground, 0).is_err() {
                    break;
                }
                sys::kill(-pgrp, SIGTTIN)?;
            }
            for sig in IGNORED {
                sys::ignore(sig)?;
            }
            sys::catch(SIGINT)?;
            let original = sys::getpgrp();
            let pid = sys::getpid();
            if original != pid {
                sys::setpgid(0, pid)?;
            }
            sys::tcsetpgrp(tty, pid)?;
            Ok(Monitor { tty, pgid: pid, original, modes: sys::tcgetattr(tty).ok() })
        })();
        if started.is_err() {
            close(tty);
        }
        started
    }

    /// The terminal descriptor (close-on-exec).
    pub fn tty(&self) -> i32 {
        self.tty
    }

    /// Gives the terminal to process group `pgid`, with the settings `modes` if the job
    /// had its own when it stopped.
    pub fn give_terminal(&self, pgid: i32, modes: Option<&Termios>) {
        if let Some(modes) = modes {
            let _ = sys::tcsetattr(self.tty, modes);
        }
        let _ = sys::tcsetpgrp(self.tty, pgid);
    }

    /// Takes the terminal back after a foreground job stopped or ended. Returns the job's
    /// terminal settings. With `restore` (the job stopped or was killed by a signal) the
    /// shell's own settings are put back; otherwise the shell adopts the job's (so `stty`
    /// has a lasting effect), as bash does.
    pub fn take_terminal(&mut self, restore: bool) -> Option<Termios> {
        let _ = sys::tcsetpgrp(self.tty, self.pgid);
        let job_modes = sys::tcgetattr(self.tty).ok();
        if restore {
            if let Some(modes) = &self.modes {
                let _ = sys::tcsetattr(self.tty, modes);
            }
        } else if job_modes.is_some() {
            self.modes = job_modes;
        }
        job_modes
    }

    /// Gives the terminal back to the group the shell started in (at exit).
    pub fn stop(&self) {
        if self.original != self.pgid {
            let _ = sys::tcsetpgrp(self.tty, self.original);
            let _ = sys::setpgid(0, self.original);
        }
    }
}

/// What a child of an interactive shell does between `fork` and `exec` (after std put it
/// in its process group): a foreground job's process takes the terminal (so it never
/// reads or writes it from the background, whatever the parent's timing), with SIGTTOU
/// still ignored as `tcsetpgrp` from a background group needs. The signals the shell
/// ignores are then caught with a handler that does nothing, not reset to SIG_DFL: `exec`
/// resets caught signals to their defaults (XCU `exec`, XSH `execve`), and until then a
/// ^Z or ^C typed at the new job neither stops it before `exec` (which would leave the
/// shell blocked in `spawn`, waiting for an `exec` that never comes) nor kills it.
/// Async-signal-safe: raw system calls only.
pub fn child_setup(tty: i32, foreground: bool) -> impl FnMut() -> io::Result<()> + Send + Sync {
    move || {
        for sig in IGNORED.into_iter().filter(|&s| s != SIGTTOU) {
            sys::catch(sig)?;
        }
        if foreground {
            let _ = sys::tcsetpgrp(tty, sys::getpgrp());
        }
        sys::catch(SIGTTOU)?;
        Ok(())
    }
}

fn close(fd: i32) {
    use std::os::fd::FromRawFd;
    // SAFETY: `fd` came from `dup_cloexec` and nothing else owns it.
    drop(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) });
}
