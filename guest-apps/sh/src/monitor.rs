//! Monitor mode (`set -m`): job control on the shell's terminal, on by default when the
//! shell is interactive (POSIX XCU 2.11 "Job Control", XCU `sh` "-m", XBD 11.1.2
//! "Process Groups" and 11.1.4 "Terminal Access Control").
//!
//! At start the shell waits until it is in the terminal's foreground (stopping itself with
//! SIGTTIN while it is not, as ash and bash do), stays unaffected by SIGTSTP, SIGTTIN,
//! SIGTTOU, SIGQUIT and SIGTERM, catches SIGINT (XCU `sh` "ASYNCHRONOUS EVENTS": an
//! interactive shell catches SIGINT, which ends the line being typed or a `wait`), puts
//! itself in its own process group and makes it the terminal's foreground group. Each job
//! then runs in its own group; a foreground job's group gets the terminal (`tcsetpgrp`)
//! until it stops or ends, when the shell takes it back, together with its own terminal
//! settings if the job stopped or was killed.
//!
//! The five signals are caught by a handler that does nothing, not set to SIG_IGN: `exec`
//! resets caught signals to their defaults, so the programs the shell starts get them at
//! SIG_DFL without code between fork and exec. The shell starts them with std's
//! `posix_spawn` path (std's fork path needs `socketpair`, which the guest kernel lacks),
//! so it cannot have the child take the terminal itself, as ash does: the parent gives the
//! terminal to the job's group right after starting its first process, then sends the
//! group SIGCONT, which resumes a process that touched the terminal in the meantime and
//! was stopped by SIGTTIN or SIGTTOU (the interrupted call is restarted), and does nothing
//! to one that did not. The shell's own `tcsetpgrp` and `tcsetattr` run with SIGTTOU
//! blocked, as a caller in a background group needs.

use std::io;

use crate::signals::{SIGCONT, SIGINT, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU};
use crate::sys::{self, Termios};

/// Signals that do nothing to the interactive shell (and are at their defaults in the
/// programs it runs).
const HELD_OFF: [i32; 5] = [SIGTSTP, SIGTTIN, SIGTTOU, SIGQUIT, SIGTERM];

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
            for sig in HELD_OFF {
                sys::hold_off(sig)?;
            }
            sys::catch(SIGINT)?;
            let original = sys::getpgrp();
            let pid = sys::getpid();
            if original != pid {
                sys::setpgid(0, pid)?;
            }
            quietly(|| sys::tcsetpgrp(tty, pid))?;
            Ok(Monitor { tty, pgid: pid, original, modes: sys::tcgetattr(tty).ok() })
        })();
        if started.is_err() {
            close(tty);
        }
        started
    }

    /// Gives the terminal to process group `pgid`, with the settings `modes` if the job
    /// had its own when it stopped, and continues the group (see the module's comment).
    pub fn give_terminal(&self, pgid: i32, modes: Option<&Termios>) {
        quietly(|| {
            if let Some(modes) = modes {
                let _ = sys::tcsetattr(self.tty, modes);
            }
            let _ = sys::tcsetpgrp(self.tty, pgid);
        });
        let _ = sys::kill(-pgid, SIGCONT);
    }

    /// Takes the terminal back after a foreground job stopped or ended. Returns the job's
    /// terminal settings. With `restore` (the job stopped or was killed by a signal) the
    /// shell's own settings are put back; otherwise the shell adopts the job's (so `stty`
    /// has a lasting effect), as bash does.
    pub fn take_terminal(&mut self, restore: bool) -> Option<Termios> {
        let _ = quietly(|| sys::tcsetpgrp(self.tty, self.pgid));
        let job_modes = sys::tcgetattr(self.tty).ok();
        if restore {
            if let Some(modes) = &self.modes {
                let _ = quietly(|| sys::tcsetattr(self.tty, modes));
            }
        } else if job_modes.is_some() {
            self.modes = job_modes;
        }
        job_modes
    }

    /// Gives the terminal back to the group the shell started in (at exit).
    pub fn stop(&self) {
        if self.original != self.pgid {
            let _ = quietly(|| sys::tcsetpgrp(self.tty, self.original));
            let _ = sys::setpgid(0, self.original);
        }
    }
}

/// Runs a terminal call with SIGTTOU blocked: from a background group (the shell while a
/// job has the terminal, or giving it away) `tcsetpgrp` and `tcsetattr` would otherwise
/// raise SIGTTOU, which the shell catches, and fail with EINTR (XBD 11.1.4).
fn quietly<T>(f: impl FnOnce() -> T) -> T {
    sys::with_blocked(SIGTTOU, f)
}

fn close(fd: i32) {
    use std::os::fd::FromRawFd;
    // SAFETY: `fd` came from `dup_cloexec` and nothing else owns it.
    drop(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) });
}
