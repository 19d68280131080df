//! Per-process and per-thread signal state as the system calls store it: the dispositions
//! (rt_sigaction(2), Linux kernel/signal.c `do_sigaction`), their reset at exec (execve(2),
//! POSIX XSH `exec`) and the alternate signal stack (sigaltstack(2), `do_sigaltstack`).
//! The layouts are the x86-64 kernel ABI's, checked against `linux-raw-sys`.

use linux_raw_sys::general::{MINSIGSTKSZ, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK};

use super::SigSet;
use super::num::{SIGKILL, SIGSTOP};
use crate::Errno;

/// `SIG_DFL`.
pub const SIG_DFL: u64 = 0;
/// `SIG_IGN`.
pub const SIG_IGN: u64 = 1;

/// `struct kernel_sigaction` (x86-64): handler, flags, restorer, mask; the layout
/// `rt_sigaction` copies (checked against linux-raw-sys below).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigAction {
    /// `SIG_DFL`, `SIG_IGN` or the handler's address.
    pub handler: u64,
    /// `SA_*` flags.
    pub flags: u64,
    /// `sa_restorer` (the return trampoline libc registers with `SA_RESTORER`).
    pub restorer: u64,
    /// Signals blocked while the handler runs.
    pub mask: u64,
}

const _: () =
    assert!(size_of::<SigAction>() == size_of::<linux_raw_sys::general::kernel_sigaction>());

/// The dispositions of signals 1..=64.
#[derive(Clone)]
pub struct SigActions {
    actions: [SigAction; 64],
    /// Signals with a handler (bit `n - 1` for signal `n`): what exec resets, without
    /// looking at all 64 entries.
    caught: SigSet,
}

impl SigActions {
    /// Every signal at its default action.
    pub fn new() -> Self {
        SigActions { actions: [SigAction::default(); 64], caught: SigSet::EMPTY }
    }

    /// The action of `sig` (1..=64; the default action for anything else).
    pub fn get(&self, sig: u8) -> SigAction {
        self.actions.get(usize::from(sig).wrapping_sub(1)).copied().unwrap_or_default()
    }

    /// rt_sigaction(2): the old action of `sig`, replaced by `new` if given. EINVAL for a
    /// signal outside 1..=64, and for changing SIGKILL or SIGSTOP; the new mask never
    /// holds SIGKILL or SIGSTOP (Linux `do_sigaction`).
    pub fn exchange(&mut self, sig: i32, new: Option<SigAction>) -> Result<SigAction, Errno> {
        if !super::valid(sig) {
            return Err(Errno::EINVAL);
        }
        let sig = sig as u8;
        if new.is_some() && (sig == SIGKILL || sig == SIGSTOP) {
            return Err(Errno::EINVAL);
        }
        let slot = &mut self.actions[usize::from(sig - 1)];
        let old = *slot;
        if let Some(mut action) = new {
            action.mask = SigSet(action.mask).blockable().0;
            *slot = action;
            if action.handler == SIG_DFL || action.handler == SIG_IGN {
                self.caught.remove(sig);
            } else {
                self.caught.add(sig);
            }
        }
        Ok(old)
    }

    /// `SA_RESETHAND`: once its handler is entered, `sig` goes back to the default action
    /// (sigaction(2); Linux also clears `SA_SIGINFO`).
    pub fn reset_to_default(&mut self, sig: u8) {
        if let Some(action) = self.actions.get_mut(usize::from(sig).wrapping_sub(1)) {
            action.handler = SIG_DFL;
            action.flags &= !u64::from(linux_raw_sys::general::SA_SIGINFO);
            self.caught.remove(sig);
        }
    }

    /// Resets caught signals to their default action at exec; ignored ones stay ignored
    /// (execve(2), POSIX XSH `exec`: "Signals set to be caught ... shall be set to the
    /// default action").
    pub fn reset_for_exec(&mut self) {
        while let Some(sig) = self.caught.first() {
            self.actions[usize::from(sig - 1)] = SigAction::default();
            self.caught.remove(sig);
        }
    }
}

impl Default for SigActions {
    fn default() -> Self {
        Self::new()
    }
}

/// `stack_t` as `sigaltstack` copies it.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RawStack {
    /// Base of the stack.
    pub sp: u64,
    /// `SS_*` flags.
    pub flags: i32,
    /// The C layout's padding, kept zero.
    pub pad: u32,
    /// Size in bytes.
    pub size: u64,
}

const _: () = assert!(size_of::<RawStack>() == size_of::<linux_raw_sys::general::stack_t>());

/// A task's alternate signal stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AltStack {
    /// Base (0 when disabled).
    pub sp: u64,
    /// Size (0 when disabled).
    pub size: u64,
    /// `SS_AUTODISARM` was asked for.
    pub autodisarm: bool,
}

impl AltStack {
    /// No alternate stack (the initial state, and after exec).
    pub fn disabled() -> Self {
        AltStack { sp: 0, size: 0, autodisarm: false }
    }

    /// Whether `rsp` is on this stack.
    fn contains(&self, rsp: u64) -> bool {
        self.size != 0 && rsp > self.sp && rsp - self.sp <= self.size
    }

    /// The `stack_t` `sigaltstack` reports, for a thread whose stack pointer is `rsp`.
    pub fn report(&self, rsp: u64) -> RawStack {
        let mut flags = if self.size == 0 { SS_DISABLE } else { 0 };
        if self.contains(rsp) {
            flags = SS_ONSTACK;
        }
        if self.autodisarm {
            flags |= SS_AUTODISARM;
        }
        RawStack { sp: self.sp, flags: flags as i32, pad: 0, size: self.size }
    }

    /// sigaltstack(2)'s rules for a new stack (Linux `do_sigaltstack`): EPERM while
    /// running on the current one, EINVAL for unknown flags, ENOMEM below `MINSIGSTKSZ`.
    pub fn set(&mut self, new: RawStack, rsp: u64) -> Result<(), Errno> {
        if self.contains(rsp) {
            return Err(Errno::EPERM);
        }
        let flags = new.flags as u32;
        let mode = flags & !SS_AUTODISARM;
        if mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK {
            return Err(Errno::EINVAL);
        }
        if mode == SS_DISABLE {
            *self = AltStack::disabled();
            return Ok(());
        }
        if new.size < u64::from(MINSIGSTKSZ) {
            return Err(Errno::ENOMEM);
        }
        *self = AltStack { sp: new.sp, size: new.size, autodisarm: flags & SS_AUTODISARM != 0 };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handler(h: u64) -> SigAction {
        SigAction { handler: h, flags: 0, restorer: 0, mask: u64::MAX }
    }

    #[test]
    fn sigaction_rules() {
        let mut a = SigActions::new();
        assert_eq!(a.exchange(0, None), Err(Errno::EINVAL));
        assert_eq!(a.exchange(65, None), Err(Errno::EINVAL));
        assert_eq!(a.exchange(9, Some(handler(0x1000))), Err(Errno::EINVAL), "SIGKILL");
        assert_eq!(a.exchange(19, Some(handler(SIG_IGN))), Err(Errno::EINVAL), "SIGSTOP");
        assert_eq!(a.exchange(9, None), Ok(SigAction::default()), "SIGKILL can be read");
        assert_eq!(a.exchange(11, Some(handler(0x1000))), Ok(SigAction::default()));
        let stored = a.exchange(11, None).unwrap();
        assert_eq!(stored.handler, 0x1000);
        assert!(!SigSet(stored.mask).contains(SIGKILL) && !SigSet(stored.mask).contains(SIGSTOP));
    }

    #[test]
    fn exec_resets_caught_but_keeps_ignored() {
        let mut a = SigActions::new();
        a.exchange(11, Some(handler(0x1000))).unwrap();
        a.exchange(13, Some(handler(SIG_IGN))).unwrap();
        a.exchange(40, Some(handler(0x2000))).unwrap();
        a.reset_for_exec();
        assert_eq!(a.exchange(11, None).unwrap(), SigAction::default());
        assert_eq!(a.exchange(40, None).unwrap(), SigAction::default());
        assert_eq!(a.exchange(13, None).unwrap().handler, SIG_IGN);
    }

    #[test]
    fn altstack_rules() {
        let mut s = AltStack::disabled();
        assert_eq!(s.report(0x1000).flags as u32, SS_DISABLE);
        let small = RawStack { sp: 0x10000, flags: 0, pad: 0, size: 1024 };
        assert_eq!(s.set(small, 0), Err(Errno::ENOMEM));
        let bad = RawStack { sp: 0x10000, flags: 0x40, pad: 0, size: 8192 };
        assert_eq!(s.set(bad, 0), Err(Errno::EINVAL));
        let good = RawStack { sp: 0x10000, flags: 0, pad: 0, size: 8192 };
        assert_eq!(s.set(good, 0x9000), Ok(()));
        assert_eq!(s.report(0x9000), RawStack { sp: 0x10000, flags: 0, pad: 0, size: 8192 });
        assert_eq!(s.report(0x11000).flags as u32, SS_ONSTACK, "running on it");
        assert_eq!(s.set(good, 0x11000), Err(Errno::EPERM), "no change while on it");
        let off = RawStack { sp: 0, flags: SS_DISABLE as i32, pad: 0, size: 0 };
        assert_eq!(s.set(off, 0), Ok(()));
        assert_eq!(s, AltStack::disabled());
    }
}
