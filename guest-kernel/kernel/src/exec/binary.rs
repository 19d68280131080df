//! From the opened file to a load plan: `#!` scripts are followed to their interpreter
//! (the argument list rewritten each time), and the final file must be an ELF executable
//! this kernel can load. Everything here can fail, and none of it touches the caller's
//! image.

use super::args::ExecArgs;
use crate::fs::{self, At, ExecFile, FsContext};
use alloc::vec;
use alloc::vec::Vec;
use posix::Errno;
use posix::cred::Credentials;
use posix::exec::elf::{self, LoadPlan};
use posix::exec::{FileKind, MAX_INTERPRETER_DEPTH, PROBE_LEN, shebang};

/// A program ready to be loaded.
pub struct Program {
    /// The ELF file.
    pub file: ExecFile,
    /// Where its segments go.
    pub plan: LoadPlan,
}

/// Follows `#!` lines from `file` (opened from `path`) to an ELF executable, rewriting
/// `args.argv` as each interpreter would receive it (binfmt_script: `interpreter [arg]
/// script args[1..]`, relative interpreter paths from the working directory). ENOEXEC for
/// a file that is neither; ELOOP after [`MAX_INTERPRETER_DEPTH`] rewrites; the
/// interpreter's own open errors (ENOENT, EACCES...) as they come; E2BIG if the rewritten
/// list no longer fits under `stack_limit`.
pub fn resolve(
    ctx: &FsContext,
    creds: &Credentials,
    mut file: ExecFile,
    path: &[u8],
    args: &mut ExecArgs,
    stack_limit: u64,
) -> Result<Program, Errno> {
    let mut script_path: Vec<u8> = path.to_vec();
    let mut rewrites = 0;
    let mut probe = [0u8; PROBE_LEN];
    loop {
        let n = file.read_at(0, &mut probe)?;
        let head = &probe[..n];
        match posix::exec::probe(head) {
            FileKind::Elf => {
                let plan = plan_elf(&file, head)?;
                return Ok(Program { file, plan });
            }
            FileKind::Unknown => return Err(Errno::ENOEXEC),
            FileKind::Script => {
                let line = shebang::parse(head)?;
                let original: Vec<&[u8]> = args.argv.iter().map(Vec::as_slice).collect();
                let rewritten: Vec<Vec<u8>> = shebang::rewrite_argv(&line, &script_path, &original)
                    .into_iter()
                    .map(<[u8]>::to_vec)
                    .collect();
                let interpreter = line.interpreter.to_vec();
                posix::exec::arg_limits::check(
                    rewritten.iter().map(Vec::len),
                    args.envp.iter().map(Vec::len),
                    path.len(),
                    stack_limit as usize,
                )?;
                args.argv = rewritten;
                file = fs::open_exec(ctx, creds, At::Cwd, &interpreter)?;
                rewrites += 1;
                if rewrites > MAX_INTERPRETER_DEPTH {
                    return Err(Errno::ELOOP);
                }
                script_path = interpreter;
            }
        }
    }
}

/// The load plan of the ELF executable `file`, whose first bytes are `head`: header checks
/// (ENOEXEC), the program headers read from the file (EIO if the file ends inside them,
/// as Linux's `elf_read`), the segments checked against the file.
fn plan_elf(file: &ExecFile, head: &[u8]) -> Result<LoadPlan, Errno> {
    let header = elf::parse_header(head)?;
    let (offset, len) = elf::phdr_table_range(&header);
    let mut phdrs = vec![0u8; len];
    if file.read_at(offset, &mut phdrs)? < len {
        return Err(Errno::EIO);
    }
    elf::plan(&header, &phdrs, file.len())
}
