//! Signal sets: a 64-bit mask where bit `n - 1` stands for signal `n` (the layout of the
//! kernel's `sigset_t` for x86-64, which `rt_sigprocmask` copies 8 bytes of).

use super::num::{SIGKILL, SIGSTOP};

/// A set of signals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SigSet(pub u64);

impl SigSet {
    /// No signals.
    pub const EMPTY: SigSet = SigSet(0);

    /// The set holding only `sig`.
    #[inline]
    pub const fn of(sig: u8) -> SigSet {
        SigSet(1 << (sig - 1))
    }

    /// Whether `sig` is in the set.
    #[inline]
    pub fn contains(self, sig: u8) -> bool {
        (1..=64).contains(&sig) && self.0 & (1 << (sig - 1)) != 0
    }

    /// Adds `sig`.
    pub fn add(&mut self, sig: u8) {
        if (1..=64).contains(&sig) {
            self.0 |= 1 << (sig - 1);
        }
    }

    /// Removes `sig`.
    pub fn remove(&mut self, sig: u8) {
        if (1..=64).contains(&sig) {
            self.0 &= !(1 << (sig - 1));
        }
    }

    /// The lowest-numbered signal in the set (standard signals are delivered in order).
    #[inline]
    pub fn first(self) -> Option<u8> {
        (self.0 != 0).then(|| self.0.trailing_zeros() as u8 + 1)
    }

    /// The set with SIGKILL and SIGSTOP removed: they can never be blocked or ignored
    /// (sigprocmask(2): "attempts to do so are silently ignored").
    #[inline]
    pub fn blockable(self) -> SigSet {
        SigSet(self.0 & !(SigSet::of(SIGKILL).0 | SigSet::of(SIGSTOP).0))
    }

    /// Signals in `self` not in `mask`.
    pub fn unblocked_by(self, mask: SigSet) -> SigSet {
        SigSet(self.0 & !mask.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let mut s = SigSet::EMPTY;
        s.add(2);
        s.add(64);
        assert!(s.contains(2) && s.contains(64) && !s.contains(3));
        assert_eq!(s.first(), Some(2));
        s.remove(2);
        assert_eq!(s.first(), Some(64));
        s.add(0);
        s.add(65);
        assert_eq!(s, SigSet::of(64), "out-of-range numbers are ignored");
    }

    #[test]
    fn kill_and_stop_cannot_be_blocked() {
        let all = SigSet(u64::MAX).blockable();
        assert!(!all.contains(SIGKILL) && !all.contains(SIGSTOP) && all.contains(1));
        assert_eq!(SigSet::of(10).unblocked_by(SigSet::of(10)), SigSet::EMPTY);
    }
}
