//! exit(2) and exit_group(2): with one thread per process both end the process
//! (`process::exit`).

use super::SysResult;
use crate::process::exit::exit_process;
use posix::process::status::ChildEvent;

/// exit(status): only the low 8 bits of the status survive (wait(2)).
pub fn sys_exit(status: i32) -> SysResult {
    exit_process(ChildEvent::Exited(status as u8))
}

/// exit_group(status).
pub fn sys_exit_group(status: i32) -> SysResult {
    exit_process(ChildEvent::Exited(status as u8))
}
