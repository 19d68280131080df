//! execve(2) and execveat(2): decode the arguments, then `exec::execve`.

use super::args::Fd;
use super::{SysResult, files};
use crate::arch::UserContext;
use crate::exec;
use crate::fs::ExecFile;
use crate::process::current;
use linux_raw_sys::general::{AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW};
use posix::Errno;

/// Runs the exec; on success `ctx` is the new program's context (the return value is
/// then 0 and overwritten by nothing: the new program starts with RAX = 0).
fn run(ctx: &mut UserContext, file: ExecFile, path: &[u8], argv: u64, envp: u64) -> SysResult {
    let args = exec::args::read_from_user(argv, envp, path.len(), exec::stack_limit())?;
    exec::execve(file, path, args, ctx)?;
    Ok(0)
}

/// execve(path, argv, envp).
pub fn sys_execve(ctx: &mut UserContext, path: u64, argv: u64, envp: u64) -> SysResult {
    let path = files::path(path)?;
    let file = exec::open(crate::fs::At::Cwd, &path)?;
    run(ctx, file, &path, argv, envp)
}

/// execveat(dirfd, path, argv, envp, flags): AT_EMPTY_PATH with an empty path executes
/// `dirfd` itself (fexecve); EINVAL for other flags. AT_SYMLINK_NOFOLLOW is accepted but
/// not enforced (a symbolic link is followed).
pub fn sys_execveat(
    ctx: &mut UserContext,
    dirfd: Fd,
    path: u64,
    argv: u64,
    envp: u64,
    flags: u32,
) -> SysResult {
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = files::path(path)?;
    let file = if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        let open = files::get(dirfd)?;
        let creds = current::process().creds.lock().clone();
        ExecFile::from_file(&open, &creds)?
    } else {
        let dir = files::dir_of(dirfd, &path)?;
        exec::open(files::at(&dir), &path)?
    };
    run(ctx, file, &path, argv, envp)
}
