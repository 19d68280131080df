//! What happens to a signal between `kill` and the target: whether it is discarded when
//! sent, what sending it does at once (SIGKILL, SIGCONT and the stop signals act on
//! generation), and what taking it from the pending set does (POSIX XSH 2.4.1 "Signal
//! Generation and Delivery", 2.4.3 "Signal Actions"; Linux kernel/signal.c
//! `prepare_signal`, `sig_ignored`, `get_signal`).

use super::action::{DefaultAction, default_action};
use super::num::{SIGCONT, SIGKILL, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU};
use super::set::SigSet;
use super::state::{SIG_DFL, SIG_IGN};

/// The stop signals: a SIGCONT discards those pending, and they discard a pending SIGCONT.
pub const STOP_SIGNALS: SigSet = SigSet(
    SigSet::of(SIGSTOP).0 | SigSet::of(SIGTSTP).0 | SigSet::of(SIGTTIN).0 | SigSet::of(SIGTTOU).0,
);

/// How a process has arranged to receive a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// `SIG_DFL`: the default action.
    Default,
    /// `SIG_IGN`.
    Ignore,
    /// A handler.
    Catch,
}

impl Disposition {
    /// The disposition a `sa_handler` value stands for. SIGKILL and SIGSTOP always have
    /// their default action, whatever is stored.
    #[inline]
    pub fn of(sig: u8, handler: u64) -> Disposition {
        if sig == SIGKILL || sig == SIGSTOP {
            return Disposition::Default;
        }
        match handler {
            SIG_DFL => Disposition::Default,
            SIG_IGN => Disposition::Ignore,
            _ => Disposition::Catch,
        }
    }
}

/// Whether `sig` is discarded as soon as it is sent (Linux `sig_ignored`): it is ignored
/// (explicitly, or by a default action of "ignore") and not blocked. A blocked signal is
/// kept pending even if ignored, because the disposition may change before it is
/// unblocked (POSIX XSH 2.4.1).
#[inline]
pub fn discarded_when_sent(sig: u8, disposition: Disposition, blocked: bool) -> bool {
    if blocked {
        return false;
    }
    match disposition {
        Disposition::Ignore => true,
        Disposition::Default => default_action(sig) == DefaultAction::Ignore,
        Disposition::Catch => false,
    }
}

/// What taking `sig` from the pending set does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Nothing (ignored; or SIGCONT, whose effect happened when it was sent).
    Nothing,
    /// The process ends, killed by the signal (`core`: its default action dumps core).
    Terminate {
        /// Whether the default action is "core".
        core: bool,
    },
    /// The process stops.
    Stop,
    /// A handler must run.
    Handler,
}

/// What delivering `sig` with `disposition` does. A stop signal other than SIGSTOP is
/// discarded when the process's group is orphaned (POSIX XSH 2.4.3: "processes in an
/// orphaned process group shall not be allowed to stop in response to SIGTSTP, SIGTTIN or
/// SIGTTOU").
#[inline]
pub fn delivery(sig: u8, disposition: Disposition, orphaned_group: bool) -> Delivery {
    match disposition {
        Disposition::Ignore => Delivery::Nothing,
        Disposition::Catch => Delivery::Handler,
        Disposition::Default => match default_action(sig) {
            DefaultAction::Terminate => Delivery::Terminate { core: false },
            DefaultAction::Core => Delivery::Terminate { core: true },
            DefaultAction::Stop if sig != SIGSTOP && orphaned_group => Delivery::Nothing,
            DefaultAction::Stop => Delivery::Stop,
            DefaultAction::Ignore | DefaultAction::Continue => Delivery::Nothing,
        },
    }
}

/// Whether a pending, unblocked `sig` must cut a blocking system call short so that it
/// can be acted on (it terminates, stops or needs a handler); an ignored one does not.
#[inline]
pub fn interrupts(sig: u8, disposition: Disposition) -> bool {
    delivery(sig, disposition, false) != Delivery::Nothing
}

/// What sending `sig` does to the pending set at once: (signals to remove, whether the
/// process must be continued). SIGCONT continues a stopped process and discards pending
/// stop signals; a stop signal discards a pending SIGCONT (POSIX XSH 2.4.1).
#[inline]
pub fn on_generation(sig: u8) -> (SigSet, bool) {
    if sig == SIGCONT {
        (STOP_SIGNALS, true)
    } else if STOP_SIGNALS.contains(sig) {
        (SigSet::of(SIGCONT), false)
    } else {
        (SigSet::EMPTY, false)
    }
}

#[cfg(test)]
mod tests {
    use super::super::num::{SIGCHLD, SIGHUP, SIGPIPE, SIGSEGV, SIGTERM, SIGUSR1};
    use super::*;

    #[test]
    fn discarding_follows_sig_ignored() {
        assert!(discarded_when_sent(SIGCHLD, Disposition::Default, false));
        assert!(!discarded_when_sent(SIGCHLD, Disposition::Default, true), "blocked: kept");
        assert!(discarded_when_sent(SIGTERM, Disposition::Ignore, false));
        assert!(!discarded_when_sent(SIGTERM, Disposition::Default, false));
        assert!(!discarded_when_sent(SIGUSR1, Disposition::Catch, false));
        assert_eq!(Disposition::of(SIGKILL, SIG_IGN), Disposition::Default);
        assert_eq!(Disposition::of(SIGPIPE, SIG_IGN), Disposition::Ignore);
        assert_eq!(Disposition::of(SIGPIPE, 0x401000), Disposition::Catch);
    }

    #[test]
    fn delivery_of_default_actions() {
        assert_eq!(
            delivery(SIGHUP, Disposition::Default, false),
            Delivery::Terminate { core: false }
        );
        assert_eq!(
            delivery(SIGSEGV, Disposition::Default, false),
            Delivery::Terminate { core: true }
        );
        assert_eq!(delivery(SIGSTOP, Disposition::Default, true), Delivery::Stop);
        assert_eq!(delivery(SIGTSTP, Disposition::Default, false), Delivery::Stop);
        assert_eq!(delivery(SIGTSTP, Disposition::Default, true), Delivery::Nothing, "orphaned");
        assert_eq!(delivery(SIGCONT, Disposition::Default, false), Delivery::Nothing);
        assert_eq!(delivery(SIGUSR1, Disposition::Catch, false), Delivery::Handler);
        assert!(interrupts(SIGTERM, Disposition::Default));
        assert!(!interrupts(SIGCHLD, Disposition::Default));
    }

    #[test]
    fn continue_and_stop_cancel_each_other() {
        let (drop, resume) = on_generation(SIGCONT);
        assert!(resume && drop.contains(SIGSTOP) && drop.contains(SIGTTOU));
        let (drop, resume) = on_generation(SIGTSTP);
        assert!(!resume && drop == SigSet::of(SIGCONT));
        assert_eq!(on_generation(SIGTERM), (SigSet::EMPTY, false));
    }
}
