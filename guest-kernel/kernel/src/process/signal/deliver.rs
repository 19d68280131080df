//! Acting on pending signals on the way back to user mode (Linux `get_signal` and
//! `handle_signal`): the lowest-numbered unblocked signal first, thread-directed before
//! process-directed; each is taken from its pending set (with its `siginfo`) and acted
//! on: terminate (the process ends, reported as killed by it), stop (the process waits
//! until SIGCONT or SIGKILL, its parent told), nothing, or a handler: a Linux `rt_sigframe`
//! on the user stack (or the alternate one) and the context set to run the handler.
//!
//! A system call a signal cut short ([`Restart`]) ends here: restarted when no handler
//! runs, or when the handler's action has `SA_RESTART` and the call allows it; otherwise
//! it fails with EINTR (signal(7), "Interruption of system calls and library functions by
//! signal handlers").

use super::super::exit::exit_process;
use super::super::task::{NO_SAVED_MASK, work};
use super::super::{current, registry};
use super::send::{Notice, child_info, notify_parent, take_info};
use crate::arch::UserContext;
use crate::arch::x86_64::fpu::{self, FxImage};
use crate::arch::x86_64::signal_frame::{
    FP_STATE_ALIGN, FP_STATE_SIZE, FRAME_SIZE, INFO_OFFSET, RED_ZONE, RtSigFrame, UC_FLAGS,
    UContext,
};
use crate::sched::{self, Kind, Restart, WaitError};
use crate::uaccess;
use core::sync::atomic::Ordering;
use linux_raw_sys::general::{SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SA_RESTART, SA_RESTORER};
use posix::process::status::ChildEvent;
use posix::signal::SigSet;
use posix::signal::disposition::{Delivery, Disposition, delivery};
use posix::signal::info::{SigInfo, USER_SIZE};
use posix::signal::num::{SIGSEGV, SIGTSTP, SIGTTIN, SIGTTOU};
use posix::signal::state::{AltStack, SigAction};

// SAFETY: `RtSigFrame` is `#[repr(C)]` integers whose layout has no padding (its size is
// asserted to be the sum of its fields).
unsafe impl crate::uaccess::plain::Plain for RtSigFrame {}

/// What [`setup_frame`] writes with one copy: the frame up to its `siginfo`, then the 48
/// bytes of the `siginfo` the kernel keeps (the rest of the user's 128 is zeroed apart).
#[repr(C)]
struct FrameHead {
    frame: RtSigFrame,
    info: SigInfo,
}

const _: () = assert!(size_of::<FrameHead>() == INFO_OFFSET as usize + size_of::<SigInfo>());

// SAFETY: `#[repr(C)]`, two `Plain` structs whose sizes are multiples of 8, so no padding
// (asserted above).
unsafe impl crate::uaccess::plain::Plain for FrameHead {}

/// Acts on the current task's pending, unblocked signals with `ctx`, the user context
/// about to resume; `restart` is the system call a signal cut short, if any (its context
/// holds EINTR, and is changed to restart it as the rules say). Does not return if a
/// signal ends the process.
pub fn deliver(ctx: &mut UserContext, restart: &mut Option<Restart>) {
    let task = current::task();
    let process = current::process_of(task);
    loop {
        let mask = task.sigmask().0;
        let own = task.pending.load(Ordering::Relaxed) & !mask;
        let shared = process.pending.load(Ordering::Relaxed) & !mask;
        let Some(sig) = SigSet(own).first().or_else(|| SigSet(shared).first()) else {
            task.work.fetch_and(!(work::SIGNAL | work::INTERRUPT), Ordering::Relaxed);
            restore_saved_mask();
            return;
        };
        let bit = SigSet::of(sig).0;
        let info = dequeue(sig, own & bit != 0);
        let action = process.signals.lock().get(sig);
        let disposition = Disposition::of(sig, action.handler);
        let orphaned = matches!(sig, SIGTSTP | SIGTTIN | SIGTTOU) && {
            let r = registry::lock();
            r.table.get(process.pid).is_some_and(|e| r.table.is_orphaned(e.pgid))
        };
        match delivery(sig, disposition, orphaned) {
            Delivery::Nothing => {}
            // Core-dumping signals end the process without a core file (none is written).
            Delivery::Terminate { .. } => exit_process(ChildEvent::killed_by(sig)),
            Delivery::Stop => stop(sig),
            Delivery::Handler => {
                if let Some(r) = restart.take()
                    && r == Restart::UnlessHandlerRefuses
                    && action.flags & u64::from(SA_RESTART) != 0
                {
                    ctx.restart_syscall();
                }
                if setup_frame(ctx, sig, &action, &info).is_err() {
                    // Linux `force_sigsegv`: a frame that cannot be written kills.
                    exit_process(ChildEvent::killed_by(SIGSEGV));
                }
                let mut blocked = task.sigmask().0 | action.mask;
                if action.flags & u64::from(SA_NODEFER) == 0 {
                    blocked |= bit;
                }
                task.set_sigmask(SigSet(blocked), process.pending.load(Ordering::Relaxed));
                if action.flags & u64::from(SA_RESETHAND) != 0 {
                    process.signals.lock().reset_to_default(sig);
                }
            }
        }
    }
}

/// Puts back the mask `rt_sigsuspend` replaced, if no handler took it over (Linux
/// `restore_saved_sigmask`).
pub fn restore_saved_mask() {
    let task = current::task();
    let saved = task.saved_sigmask.swap(NO_SAVED_MASK, Ordering::Relaxed);
    if saved != NO_SAVED_MASK {
        let process = current::process_of(task);
        task.set_sigmask(SigSet(saved), process.pending.load(Ordering::Relaxed));
    }
}

/// Takes `sig` off the current task's pending set (`own`) or its process's, with its
/// `siginfo`; a real-time signal queued more than once stays pending for the next.
pub fn dequeue(sig: u8, own: bool) -> SigInfo {
    let task = current::task();
    let bit = SigSet::of(sig).0;
    let (pending, infos) = if own {
        (&task.pending, &task.infos)
    } else {
        let process = current::process_of(task);
        (&process.pending, &process.infos)
    };
    let (info, more) = take_info(infos, sig);
    if !more {
        pending.fetch_and(!bit, Ordering::Relaxed);
    }
    info
}

/// Why a handler's frame could not be set up.
struct BadStack;

/// Writes the `rt_sigframe` of `sig` (with `info`) for `action`'s handler on the user
/// stack or the alternate one, and points `ctx` at the handler (Linux `setup_rt_frame`,
/// `get_sigframe`). The frame records the context and the mask to restore.
fn setup_frame(
    ctx: &mut UserContext,
    sig: u8,
    action: &SigAction,
    info: &SigInfo,
) -> Result<(), BadStack> {
    // x86-64 has no default return trampoline: a handler without `sa_restorer` cannot
    // return (Linux fails the delivery the same way).
    if action.flags & u64::from(SA_RESTORER) == 0 {
        return Err(BadStack);
    }
    let task = current::task();
    let rsp = ctx.stack_pointer();
    let alt = *task.altstack.lock();
    let saved_stack = alt.report(rsp);
    let on_alt = saved_stack.flags as u32 & linux_raw_sys::general::SS_ONSTACK != 0;
    let switch = action.flags & u64::from(SA_ONSTACK) != 0 && alt.size != 0 && !on_alt;
    let top = if switch { alt.sp + alt.size } else { rsp.wrapping_sub(RED_ZONE) };
    let fp = top.wrapping_sub(FP_STATE_SIZE) & !(FP_STATE_ALIGN - 1);
    let frame = (fp.wrapping_sub(FRAME_SIZE) & !15).wrapping_sub(8);

    uaccess::save_fpu(fp).map_err(|_| BadStack)?;
    // After rt_sigsuspend the frame restores the mask from before it.
    let oldmask = match task.saved_sigmask.swap(NO_SAVED_MASK, Ordering::Relaxed) {
        NO_SAVED_MASK => task.sigmask().0,
        saved => saved,
    };
    let record = FrameHead {
        frame: RtSigFrame {
            pretcode: action.restorer,
            uc: UContext {
                flags: UC_FLAGS,
                link: 0,
                stack: [saved_stack.sp, u64::from(saved_stack.flags as u32), saved_stack.size],
                mcontext: ctx.sigcontext(fp, oldmask),
                sigmask: oldmask,
            },
        },
        info: *info,
    };
    uaccess::write(frame, &record).map_err(|_| BadStack)?;
    let info_end = frame + INFO_OFFSET + size_of::<SigInfo>() as u64;
    uaccess::zero(info_end, USER_SIZE - size_of::<SigInfo>()).map_err(|_| BadStack)?;
    if switch && alt.autodisarm {
        *task.altstack.lock() = AltStack::disabled();
    }
    let info_addr = frame + INFO_OFFSET;
    let uc_addr = frame + core::mem::offset_of!(RtSigFrame, uc) as u64;
    ctx.enter_handler(action.handler, frame, [u64::from(sig), info_addr, uc_addr]);
    Ok(())
}

/// `rt_sigreturn`: restores the context, mask, alternate stack and FPU state saved by
/// [`setup_frame`] in the frame below the user stack pointer (the handler's `ret` popped
/// the return address). What the frame holds is the program's to forge: the registers
/// are taken, but the segments stay the user ones, the flags only those a program may
/// set, and a RIP outside user space, or a frame that cannot be read, ends the process
/// with SIGSEGV (Linux sends SIGSEGV for a bad frame).
pub fn sigreturn(ctx: &mut UserContext) {
    let task = current::task();
    let process = current::process_of(task);
    // A sleep cut short before the handler is not resumed by a later restart_syscall(2)
    // (Linux `restore_sigcontext`: "any pending restarted system calls return -EINTR").
    task.restart_deadline.store(0, Ordering::Relaxed);
    let frame = ctx.stack_pointer().wrapping_sub(8);
    let Ok(record) = uaccess::read::<RtSigFrame>(frame) else {
        exit_process(ChildEvent::killed_by(SIGSEGV))
    };
    let uc = &record.uc;
    if ctx.restore_sigcontext(&uc.mcontext).is_err() || restore_fpu(uc.mcontext.fpstate).is_err() {
        exit_process(ChildEvent::killed_by(SIGSEGV));
    }
    task.set_sigmask(SigSet(uc.sigmask), process.pending.load(Ordering::Relaxed));
    // Linux `restore_altstack`: errors other than a fault are ignored.
    let stack = posix::signal::state::RawStack {
        sp: uc.stack[0],
        flags: uc.stack[1] as u32 as i32,
        pad: 0,
        size: uc.stack[2],
    };
    let _ = task.altstack.lock().set(stack, ctx.stack_pointer());
}

/// Loads the FPU/SSE state of a frame from user address `fpstate`: in place when it can
/// be loaded as it is, else through a cleaned copy; none in the frame (0) is the reset
/// state, as Linux's `fpu__clear_user_states`. EFAULT if it cannot be read.
fn restore_fpu(fpstate: u64) -> Result<(), posix::Errno> {
    if fpstate == 0 {
        fpu::reset_user_state();
        return Ok(());
    }
    if uaccess::restore_fpu(fpstate)? {
        return Ok(());
    }
    let mut image = FxImage::clean();
    uaccess::read_bytes(fpstate, image.bytes_mut())?;
    image.make_loadable();
    fpu::restore(&image);
    Ok(())
}

/// Stops the current process for `sig` until SIGCONT or SIGKILL (POSIX XSH 2.4.3): the
/// registry records it (for `wait`'s WUNTRACED and the orphaned-group rule) and the parent
/// is told. Other signals stay pending meanwhile.
fn stop(sig: u8) {
    let task = current::task();
    let process = current::process_of(task);
    process.stopped.store(true, Ordering::Relaxed);
    let parent = registry::lock().table.stop(process.pid, sig);
    if let Some(ppid) = parent {
        let info = child_info(process, ChildEvent::Stopped(sig));
        notify_parent(ppid, Notice::StopOrContinue { info });
    }
    let chan = process.self_chan();
    loop {
        match sched::wait_until(Kind::Chan(chan), 0, &mut || {
            !process.stopped.load(Ordering::Relaxed)
        }) {
            Ok(()) | Err(WaitError::TimedOut) => return,
            // Signals other than SIGKILL (which ends the stop itself) wait for SIGCONT.
            Err(WaitError::Interrupted) => {
                task.work.fetch_and(!work::INTERRUPT, Ordering::Relaxed);
            }
        }
    }
}
