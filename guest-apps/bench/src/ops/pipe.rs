//! Pipe round trip between two processes: the parent writes one byte into one pipe, the
//! child echoes it back through another, the parent reads it. One sample is one round trip
//! (two writes, two reads, two wake-ups of a blocked reader).

use super::{Outcome, Settings};
use crate::sys::{self, Forked};

/// The echoing child: reads a byte, writes it back, until end of file (exit 0) or an error
/// (exit 1). Only raw system calls: it runs right after a raw fork.
fn echo_child(from_parent: i32, to_parent: i32) -> ! {
    let mut byte = [0u8; 1];
    loop {
        match sys::read(from_parent, &mut byte) {
            Ok(0) => sys::exit_group(0),
            Ok(_) => {}
            Err(_) => sys::exit_group(1),
        }
        if sys::write(to_parent, &byte) != Ok(1) {
            sys::exit_group(1);
        }
    }
}

/// Creates the two pipes and the echoing child, times round trips, then closes the
/// parent's write end and checks the child ended with status 0.
pub fn round_trip(s: &Settings) -> Result<Outcome, String> {
    let (down_r, down_w) = sys::pipe().map_err(|e| format!("pipe2: {e}"))?;
    let (up_r, up_w) = sys::pipe().map_err(|e| format!("pipe2: {e}"))?;
    // SAFETY: the child only runs `echo_child` and its raw system calls.
    let child = match unsafe { sys::fork() } {
        Ok(Forked::Child) => {
            let _ = (sys::close(down_w), sys::close(up_r));
            echo_child(down_r, up_w)
        }
        Ok(Forked::Parent(pid)) => pid,
        Err(e) => return Err(format!("fork: {e}")),
    };
    for fd in [down_r, up_w] {
        sys::close(fd).map_err(|e| format!("close: {e}"))?;
    }
    let mut n: u8 = 0;
    let samples = s.time_cheap(1, || {
        n = n.wrapping_add(1);
        match sys::write(down_w, &[n]) {
            Ok(1) => {}
            other => return Err(format!("write to the child: {other:?}")),
        }
        let mut back = [0u8; 1];
        match sys::read(up_r, &mut back) {
            Ok(1) if back[0] == n => Ok(()),
            Ok(1) => Err(format!("the child echoed {} instead of {n}", back[0])),
            other => Err(format!("read from the child: {other:?}")),
        }
    })?;
    sys::close(down_w).map_err(|e| format!("close: {e}"))?;
    match sys::wait4(child) {
        Ok((pid, 0)) if pid == child => {}
        other => return Err(format!("the echoing child did not end cleanly: {other:?}")),
    }
    sys::close(up_r).map_err(|e| format!("close: {e}"))?;
    Ok(Outcome::Measured(samples))
}
