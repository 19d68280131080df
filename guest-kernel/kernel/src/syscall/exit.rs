//! exit(2) and exit_group(2): with one thread per process both end the process
//! (`process::exit`).

use super::SysResult;
use super::args::Args;
use crate::arch::UserContext as TrapFrame;
use crate::process::exit::exit_process;
use posix::process::status::ChildEvent;

/// exit(status): only the low 8 bits of the status survive (wait(2)).
pub fn sys_exit(frame: &mut TrapFrame) -> SysResult {
    exit_process(ChildEvent::Exited(Args::of(frame).i32(0) as u8))
}

/// exit_group(status).
pub fn sys_exit_group(frame: &mut TrapFrame) -> SysResult {
    exit_process(ChildEvent::Exited(Args::of(frame).i32(0) as u8))
}
