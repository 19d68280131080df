//! The arguments of `wait4(2)` and `waitid(2)` decoded into what [`super::Table::wait_select`]
//! takes (Linux kernel/exit.c `kernel_wait4` and `kernel_waitid`, whose checks and their
//! order are reproduced here).

use linux_raw_sys::general::{
    __WALL, __WCLONE, __WNOTHREAD, P_ALL, P_PGID, P_PID, WCONTINUED, WEXITED, WNOHANG, WNOWAIT,
    WSTOPPED, WUNTRACED,
};

use super::Pid;
use super::table::{WaitFlags, WaitSpec};
use crate::Errno;

/// Who a wait is for (`spec`), what it reports (`flags`), and whether it may block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitRequest {
    /// Which children.
    pub spec: WaitSpec,
    /// Which events.
    pub flags: WaitFlags,
    /// WNOHANG: return at once when nothing is ready.
    pub nohang: bool,
}

/// Flags that only select among threads and clone children; accepted and ignored (every
/// child here is a process whose exit signal is SIGCHLD or nothing).
const THREAD_FLAGS: u32 = __WNOTHREAD | __WCLONE | __WALL;

/// `wait4(upid, status, options, rusage)` (the caller's process group is `own_pgid`):
/// EINVAL for unknown option bits; ESRCH for `upid == INT_MIN` (its negation is undefined);
/// -1 any child, 0 the caller's group, < -1 group `-upid`, > 0 that child. Exits are always
/// reported; WUNTRACED adds stops, WCONTINUED continues.
pub fn wait4_request(upid: i32, options: u32, own_pgid: Pid) -> Result<WaitRequest, Errno> {
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | THREAD_FLAGS) != 0 {
        return Err(Errno::EINVAL);
    }
    let spec = match upid {
        i32::MIN => return Err(Errno::ESRCH),
        -1 => WaitSpec::Any,
        0 => WaitSpec::Group(own_pgid),
        p if p < 0 => WaitSpec::Group(p.unsigned_abs()),
        p => WaitSpec::Pid(p as Pid),
    };
    let flags = WaitFlags {
        exited: true,
        stopped: options & WUNTRACED != 0,
        continued: options & WCONTINUED != 0,
        nowait: false,
    };
    Ok(WaitRequest { spec, flags, nohang: options & WNOHANG != 0 })
}

/// `waitid(idtype, id, infop, options, rusage)`: EINVAL for unknown option bits, for
/// none of WEXITED/WSTOPPED/WCONTINUED, for an unknown id type (P_PIDFD included: pid file
/// descriptors do not exist here), for P_PID with `id <= 0` and P_PGID with `id < 0`;
/// P_PGID 0 is the caller's group (Linux 5.4 and later).
pub fn waitid_request(
    idtype: u32,
    id: i32,
    options: u32,
    own_pgid: Pid,
) -> Result<WaitRequest, Errno> {
    let events = WEXITED | WSTOPPED | WCONTINUED;
    if options & !(WNOHANG | WNOWAIT | events | THREAD_FLAGS) != 0 || options & events == 0 {
        return Err(Errno::EINVAL);
    }
    let spec = match idtype {
        P_ALL => WaitSpec::Any,
        P_PID if id > 0 => WaitSpec::Pid(id as Pid),
        P_PGID if id > 0 => WaitSpec::Group(id as Pid),
        P_PGID if id == 0 => WaitSpec::Group(own_pgid),
        _ => return Err(Errno::EINVAL),
    };
    let flags = WaitFlags {
        exited: options & WEXITED != 0,
        stopped: options & WSTOPPED != 0,
        continued: options & WCONTINUED != 0,
        nowait: options & WNOWAIT != 0,
    };
    Ok(WaitRequest { spec, flags, nohang: options & WNOHANG != 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait4_decodes_pids_like_linux() {
        let r = wait4_request(-1, 0, 7).unwrap();
        assert_eq!((r.spec, r.flags, r.nohang), (WaitSpec::Any, WaitFlags::EXITED, false));
        assert_eq!(wait4_request(0, 0, 7).unwrap().spec, WaitSpec::Group(7));
        assert_eq!(wait4_request(-9, 0, 7).unwrap().spec, WaitSpec::Group(9));
        assert_eq!(wait4_request(12, WNOHANG, 7).unwrap().spec, WaitSpec::Pid(12));
        assert!(wait4_request(12, WNOHANG, 7).unwrap().nohang);
        assert_eq!(wait4_request(i32::MIN, 0, 7), Err(Errno::ESRCH));
        assert_eq!(wait4_request(1, 0x100, 7), Err(Errno::EINVAL));
        assert_eq!(wait4_request(1, WNOWAIT, 7), Err(Errno::EINVAL), "waitid only");
        let f = wait4_request(1, WUNTRACED | WCONTINUED | __WALL, 7).unwrap().flags;
        assert!(f.exited && f.stopped && f.continued && !f.nowait);
    }

    #[test]
    fn waitid_decodes_like_linux() {
        let r = waitid_request(P_PID, 5, WEXITED | WNOWAIT, 7).unwrap();
        assert_eq!(r.spec, WaitSpec::Pid(5));
        assert!(r.flags.exited && r.flags.nowait && !r.flags.stopped);
        assert_eq!(waitid_request(P_ALL, 99, WEXITED, 7).unwrap().spec, WaitSpec::Any);
        assert_eq!(waitid_request(P_PGID, 0, WEXITED, 7).unwrap().spec, WaitSpec::Group(7));
        assert_eq!(waitid_request(P_PGID, 3, WSTOPPED, 7).unwrap().spec, WaitSpec::Group(3));
        assert_eq!(waitid_request(P_PID, 0, WEXITED, 7), Err(Errno::EINVAL));
        assert_eq!(waitid_request(P_PGID, -1, WEXITED, 7), Err(Errno::EINVAL));
        assert_eq!(waitid_request(3, 0, WEXITED, 7), Err(Errno::EINVAL), "P_PIDFD");
        assert_eq!(waitid_request(P_ALL, 0, WNOHANG, 7), Err(Errno::EINVAL), "no event");
        assert_eq!(waitid_request(P_ALL, 0, WEXITED | 0x40, 7), Err(Errno::EINVAL));
    }
}
