//! `execve`: replacing the calling process's program (POSIX XSH `exec`; execve(2); Linux
//! fs/exec.c, fs/binfmt_elf.c, fs/binfmt_script.c).
//!
//! Order, as Linux: the file is opened first (ENOENT, ENOTDIR, EACCES... from the path
//! walk and the file checks), then the arguments are read and measured (EFAULT, E2BIG),
//! then the file's format decides (`#!` scripts are followed to their interpreter,
//! ENOEXEC, ELOOP), then the new address space is built. All of that happens while the
//! caller's image is intact: any error returns to the caller as the system call's result
//! (POSIX: "If one of the exec functions returns to the calling process image, an error
//! has occurred"). Only [`commit`] changes the caller: it cannot fail.
//!
//! Files: `args.rs` reading argv/envp, `binary.rs` scripts and ELF headers, `load.rs`
//! segments into the new address space, `stack.rs` the initial stack.

pub mod args;
mod binary;
mod load;
mod stack;

pub use args::ExecArgs;

use crate::arch::UserContext;
use crate::arch::x86_64::cpu;
use crate::fs::{At, ExecFile, FsContext};
use crate::mm::vm::AddressSpace;
use crate::process::current;
use crate::random;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use linux_raw_sys::general::RLIMIT_STACK;
use posix::Errno;
use posix::cred::Credentials;
use posix::exec::initial_stack::StackSpec;
use posix::mm::user_layout::mmap_base;

/// Opens the program `path` for the current process (relative to `at`).
pub fn open(at: At<'_>, path: &[u8]) -> Result<ExecFile, Errno> {
    let process = current::process();
    let fs = process.fs.lock();
    let creds = process.creds.lock();
    crate::fs::open_exec(&fs, &creds, at, path)
}

/// The current process's stack size limit (RLIMIT_STACK), which bounds the arguments.
pub fn stack_limit() -> u64 {
    current::process().limits.lock().cur(RLIMIT_STACK)
}

/// Executes `file` (opened from `path`) with `args` in the current process: on success the
/// process runs the new program and `user` (the caller's user context) holds the new
/// program's initial registers; on failure nothing changed.
pub fn execve(
    file: ExecFile,
    path: &[u8],
    mut args: ExecArgs,
    user: &mut UserContext,
) -> Result<(), Errno> {
    // A new address space and image: new kernel objects, so not while the kernel lives on
    // its reserve (ENOMEM, as Linux's exec reports a failed allocation).
    crate::mm::reserve::admit()?;
    let process = current::process();
    let stack_limit = stack_limit();
    let ctx: FsContext = process.fs.lock().clone();
    let creds = process.creds.lock().clone();
    let program = binary::resolve(&ctx, &creds, file, path, &mut args, stack_limit)?;
    drop(ctx);

    // The new credentials: set-user-id and set-group-id bits (credentials(7); not on a
    // nosuid mount), which also make the exec "secure" for the C library (AT_SECURE).
    let (new_creds, secure) = exec_credentials(&creds, &program.file);

    let file = Arc::new(program.file);
    let mut space = AddressSpace::new(mmap_base(stack_limit))?;
    load::map_image(&mut space, &program.plan, &file)?;
    space.init_heap(program.plan.brk);
    space.map_assist(crate::uaccess::assist::ASSIST_VA, crate::uaccess::assist::page_phys())?;
    let vdso = crate::time::vdso::map(&mut space)?;

    let mut random_bytes = [0u8; 16];
    random::fill(&mut random_bytes);
    let auxv = posix::exec::auxv::entries(&program.plan, &new_creds, hwcap(), secure, vdso);
    let argv: Vec<&[u8]> = args.argv.iter().map(Vec::as_slice).collect();
    let envp: Vec<&[u8]> = args.envp.iter().map(Vec::as_slice).collect();
    let spec =
        StackSpec { argv: &argv, envp: &envp, execfn: path, auxv: &auxv, random: random_bytes };
    let sp = stack::setup(&mut space, &spec, stack_limit)?;

    commit(space, new_creds, path);
    if program.plan.entry >= posix::exec::elf::USER_END {
        // Linux fails the exec after its point of no return (`BAD_ADDR(elf_entry)`), and
        // the process dies of SIGSEGV there (fs/exec.c `bprm_execve`).
        crate::process::exit::exit_process(posix::process::status::ChildEvent::killed_by(
            posix::signal::num::SIGSEGV,
        ));
    }
    // The TLS (FS) base starts at zero, as every register but RSP and RIP.
    user.start(program.plan.entry, sp);
    Ok(())
}

/// The point of no return: the new address space replaces the old one (a vfork parent
/// that shared the old one runs again), descriptors marked close-on-exec are closed,
/// caught signals go back to their default action, the alternate signal stack and the
/// thread's futex words are forgotten, the credentials and the name change, the TLS base
/// (with the registers, in `execve`) and the floating-point state are reset, and the registry notes the exec (setpgid on
/// the process now fails with EACCES).
fn commit(space: AddressSpace, creds: Credentials, path: &[u8]) {
    let task = current::task();
    let process = current::process();
    // Linux `exec_mm_release`: the old address space's tid word is cleared and woken.
    crate::process::exit::clear_child_tid(task);
    space.activate();
    let old = process.replace_mm(Arc::new(spin::mutex::SpinMutex::new(space)));
    drop(old);
    crate::process::exit::release_vfork_parent(process);
    crate::process::registry::lock().table.exec(process.pid);
    process.files.lock().close_on_exec();
    process.signals.lock().reset_for_exec();
    *process.creds.lock() = creds;
    *task.altstack.lock() = crate::process::signal::AltStack::disabled();
    task.robust_list.store(0, Ordering::Relaxed);
    crate::arch::x86_64::fpu::reset_user_state();
    process.set_comm_from_path(path);
}

/// Credentials after executing `file` and whether the exec is secure (AT_SECURE): the
/// set-id rules at exec, `posix::cred::setid::after_exec`.
fn exec_credentials(creds: &Credentials, file: &ExecFile) -> (Credentials, bool) {
    let stat = file.stat();
    posix::cred::setid::after_exec(creds, stat.mode, stat.uid, stat.gid, file.nosuid())
}

/// AT_HWCAP: CPUID leaf 1 EDX (x86 `ELF_HWCAP`), read once (a CPUID is an exit).
fn hwcap() -> u64 {
    static HWCAP: AtomicU64 = AtomicU64::new(u64::MAX);
    let cached = HWCAP.load(Ordering::Relaxed);
    if cached != u64::MAX {
        return cached;
    }
    let value = u64::from(cpu::cpuid(1).edx);
    HWCAP.store(value, Ordering::Relaxed);
    value
}
