//! execve(2) and execveat(2): decode the arguments, then `exec::execve`.

use super::args::Args;
use super::{SysResult, files};
use crate::arch::UserContext as TrapFrame;
use crate::exec;
use crate::fs::ExecFile;
use crate::process::current;
use linux_raw_sys::general::{AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW};
use posix::Errno;

/// Runs the exec; on success `frame` is the new program's context (the return value in
/// RAX is then 0 and overwritten by nothing: the new program starts with RAX = 0).
fn run(frame: &mut TrapFrame, file: ExecFile, path: &[u8], argv: u64, envp: u64) -> SysResult {
    let args = exec::args::read_from_user(argv, envp, path.len(), exec::stack_limit())?;
    exec::execve(file, path, args, frame)?;
    Ok(0)
}

/// execve(path, argv, envp).
pub fn sys_execve(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let path = files::path(a.u64(0))?;
    let file = exec::open(crate::fs::At::Cwd, &path)?;
    run(frame, file, &path, a.u64(1), a.u64(2))
}

/// execveat(dirfd, path, argv, envp, flags): AT_EMPTY_PATH with an empty path executes
/// `dirfd` itself (fexecve); EINVAL for other flags. AT_SYMLINK_NOFOLLOW is accepted but
/// not enforced (a symbolic link is followed).
pub fn sys_execveat(frame: &mut TrapFrame) -> SysResult {
    let a = Args::of(frame);
    let (dirfd, flags) = (a.i32(0), a.u32(4));
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = files::path(a.u64(1))?;
    let file = if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        let open = files::get(dirfd)?;
        let creds = current::process().creds.lock().clone();
        ExecFile::from_file(&open, &creds)?
    } else {
        let dir = files::dir_of(dirfd, &path)?;
        exec::open(files::at(&dir), &path)?
    };
    run(frame, file, &path, a.u64(2), a.u64(3))
}
