//! Caught-signal round trip: `kill(getpid(), SIGUSR1)` with a handler installed. The
//! signal is delivered on the way back from `kill`, so one sample is the system call, the
//! signal frame, the handler, and `rt_sigreturn`.
//!
//! Signals arrived in the guest later than processes did, so this benchmark alone reports
//! "unsupported" (instead of failing) when `rt_sigaction` or the first `kill` is refused: a
//! plain answer about a kernel without handlers, which the harness now counts as a failure
//! (the guest kernel implements them). A kernel that accepts both but never runs the
//! handler is a failure here already.

use std::sync::atomic::{AtomicU64, Ordering};

use super::{Outcome, Settings};
use crate::sys::{self, KernelSigaction, SA_RESTORER};

/// SIGUSR1 on Linux.
const SIGUSR1: i32 = 10;

/// Handler runs so far.
static CAUGHT: AtomicU64 = AtomicU64::new(0);

extern "C" fn on_signal(_sig: i32) {
    CAUGHT.fetch_add(1, Ordering::Relaxed);
}

/// Installs `handler` (an address, or 0 for SIG_DFL) for SIGUSR1.
fn install(handler: usize) -> Result<(), sys::Errno> {
    let act =
        KernelSigaction { handler, flags: SA_RESTORER, restorer: sys::restorer_addr(), mask: 0 };
    // SAFETY: the handler is SIG_DFL or `on_signal`, which only bumps an atomic counter;
    // the restorer is the module's rt_sigreturn stub.
    unsafe { sys::rt_sigaction(SIGUSR1, &act) }
}

/// One `kill` to ourselves, checked: the handler must have run exactly once.
fn once(pid: usize) -> Result<(), String> {
    let before = CAUGHT.load(Ordering::Relaxed);
    sys::kill(pid, SIGUSR1).map_err(|e| format!("kill: {e}"))?;
    let after = CAUGHT.load(Ordering::Relaxed);
    if after == before + 1 {
        Ok(())
    } else {
        Err(format!("kill returned but the handler ran {} times", after - before))
    }
}

/// Measures the round trip, or reports why signals are unsupported.
pub fn round_trip(s: &Settings) -> Result<Outcome, String> {
    if let Err(e) = install(on_signal as extern "C" fn(i32) as usize) {
        return Ok(Outcome::Unsupported(format!("rt_sigaction(SIGUSR1) failed: {e}")));
    }
    let pid = sys::getpid();
    if let Err(e) = sys::kill(pid, SIGUSR1) {
        let _ = install(0);
        return Ok(Outcome::Unsupported(format!("kill(self, SIGUSR1) failed: {e}")));
    }
    if CAUGHT.load(Ordering::Relaxed) != 1 {
        return Err("kill(self, SIGUSR1) succeeded but the handler did not run".into());
    }
    let samples = s.time_cheap(1, || once(pid))?;
    install(0).map_err(|e| format!("restoring SIG_DFL: {e}"))?;
    Ok(Outcome::Measured(samples))
}
