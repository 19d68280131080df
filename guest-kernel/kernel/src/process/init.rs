//! Starting PID 1 (docs/DESIGN.md section 3, `vmm_abi::args`).
//!
//! 1. Mount the root file system (`fs::init`); on failure print why and power off with
//!    `STATUS_BAD_ROOTFS`.
//! 2. Build init's arguments, `/sbin/init` followed by the decoded words after `--` on the
//!    kernel command line, and its environment, the decoded `init.env=` values, plus
//!    `init.user=SPEC` when the vmm ran with `--user` (`vmm_abi::user`: init drops to that
//!    user in the program's process; the kernel only carries the text).
//! 3. Make process 1 (descriptors 0 and 1 on the console's port 0, 2 on port 1; root and
//!    working directory `/`; root credentials), with one task on a kernel stack of its
//!    own, and record it in the registry as the leader of group and session 1.
//! 4. Exec `/sbin/init` as any exec would, and enter user mode. If it cannot be executed,
//!    print why and power off with `STATUS_NO_INIT`.

use super::{Process, Task, current, registry};
use crate::arch::UserContext;
use crate::arch::x86_64::fpu::FxImage;
use crate::console::println;
use crate::exec::{self, ExecArgs};
use crate::fs::{self, At, FdTable, FsContext};
use crate::mm::kstack::KernelStack;
use crate::mm::vm::AddressSpace;
use crate::power;
use crate::sched::Kind;
use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use klib::cmdline;
use posix::Errno;
use vmm_abi::args::{ENV_PARAM, decode};
use vmm_abi::exit::{STATUS_BAD_ROOTFS, STATUS_NO_INIT};
use vmm_abi::user::USER_PARAM;

/// The program run as PID 1.
pub const INIT_PATH: &[u8] = b"/sbin/init";

/// Runs PID 1. Called once at the end of boot, on the boot stack (which is not used
/// again: PID 1 gets a stack of its own).
pub fn start(cmdline: &str) -> ! {
    super::limits::init();
    // Boot: a few KiB for the scheduler's queues; without them nothing could run.
    crate::sched::init(super::limits::max_processes() as usize)
        .unwrap_or_else(|_| panic!("no memory for the scheduler's queues at boot"));
    static HOOKS: FsHooks = FsHooks;
    fs::wait::install(&HOOKS);
    if let Err(e) = fs::init() {
        println!("cannot mount the root file system: {e}");
        power::power_off(STATUS_BAD_ROOTFS);
    }
    let (words, env) = init_args(cmdline);
    let mut argv = Vec::with_capacity(words.len() + 1);
    argv.push(INIT_PATH.to_vec());
    argv.extend(words);
    match launch(ExecArgs { argv, envp: env }) {
        Ok(never) => match never {},
        Err(e) => {
            println!("cannot execute /sbin/init: {} (errno {})", e.name(), e.0);
            power::power_off(STATUS_NO_INIT);
        }
    }
}

/// Creates process 1 and execs init in it; only returns on failure.
fn launch(args: ExecArgs) -> Result<core::convert::Infallible, Errno> {
    Process::empty_mm().ok_or(Errno::ENOMEM)?;
    let stack = KernelStack::new().ok_or(Errno::ENOMEM)?;
    let files = FdTable::for_init()?;
    let mm = AddressSpace::new(posix::mm::user_layout::mmap_base(
        posix::exec::arg_limits::DEFAULT_STACK_LIMIT as u64,
    ))?;
    let mut r = registry::lock();
    let pid = r.table.create_init(crate::time::clock::monotonic_ns())?;
    let mm = Arc::new(spin::mutex::SpinMutex::new(mm));
    let process = Arc::new(Process::new(pid, 0, mm, files, FsContext::new()));
    let task = Arc::new(Task::new(pid, process.clone(), stack, Box::new(FxImage::clean())));
    process.tasks.lock().push(task.clone());
    r.insert(process, 0);
    drop(r);
    crate::sched::current::replace(task);
    let file = exec::open(At::Cwd, INIT_PATH)?;
    let task = current::task();
    // SAFETY: the task has not run: its context and stack are this code's alone.
    unsafe {
        let ctx = task.user_context();
        *ctx = UserContext::new(0, 0);
        exec::execve(file, INIT_PATH, args, ctx)?;
        task.prepare_first_run();
    }
    crate::sched::switch::start_first()
}

/// The scheduler as the file system sees it (`fs::wait`): its blocking hooks, installed
/// here because the file system sits above the scheduler and may not be named by it.
struct FsHooks;

impl fs::wait::Scheduler for FsHooks {
    fn wait_until(&self, chan: usize, cond: &mut dyn FnMut() -> bool) -> Result<(), Errno> {
        crate::sched::wait_until(Kind::Chan(chan), 0, cond).map_err(Errno::from)
    }

    fn wait_device(&self, cond: &mut dyn FnMut() -> bool) -> Result<(), Errno> {
        crate::sched::wait_until(Kind::Device, 0, cond).map_err(Errno::from)
    }

    fn wake(&self, chan: usize) {
        crate::sched::wake(chan);
    }
}

/// The decoded words after `--` and the environment: the decoded `init.env=` values and
/// `init.user=` as itself (words that do not decode are reported and skipped).
fn init_args(cmdline: &str) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let decoded = |word: &str| {
        let mut out = alloc::vec![0u8; word.len()];
        match decode(word.as_bytes(), &mut out) {
            Ok(n) => {
                out.truncate(n);
                Some(out)
            }
            Err(e) => {
                println!("init argument {word:?} is not valid percent-encoding ({e:?}); skipped");
                None
            }
        }
    };
    let mut env = Vec::new();
    let mut words = Vec::new();
    // One pass: `init.env=` values until the bare `--`, whose position in `cmdline` says
    // where init's words start.
    for p in cmdline::params(cmdline) {
        if p.key == "--" && p.value.is_none() {
            let after = p.key.as_ptr() as usize - cmdline.as_ptr() as usize + 2;
            words = cmdline[after..].split_ascii_whitespace().filter_map(decoded).collect();
            break;
        }
        if p.key == ENV_PARAM
            && let Some(v) = p.value.and_then(decoded)
        {
            env.push(v);
        }
        if p.key == USER_PARAM
            && let Some(v) = p.value.and_then(decoded)
        {
            let mut entry = Vec::with_capacity(USER_PARAM.len() + 1 + v.len());
            entry.extend_from_slice(USER_PARAM.as_bytes());
            entry.push(b'=');
            entry.extend_from_slice(&v);
            env.push(entry);
        }
    }
    (words, env)
}
