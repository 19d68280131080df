//! Futex keys and wait queues (futex(2): "the kernel maintains a wait queue per futex";
//! Linux `get_futex_key`, `futex_wake`, `futex_requeue`).
//!
//! A futex is known by its key, not by the address a caller passed: a private futex
//! (`FUTEX_PRIVATE_FLAG`, or a word in private memory) by the address space and the
//! virtual address, so only tasks sharing the address space (`CLONE_VM`) meet there; a
//! shared one, in a `MAP_SHARED` mapping, by the physical address of the word, so two
//! processes that map the same page at different addresses agree on it. Waiters queue
//! in arrival order, one queue per key in an ordered map: a wake costs a lookup plus one
//! step per waiter it wakes, whatever waits elsewhere.

use alloc::collections::{BTreeMap, VecDeque};

/// What a futex word is known by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    /// A word in private memory: its address space (an identity the kernel picks, e.g.
    /// the address of its descriptor) and virtual address.
    Private {
        /// The address space.
        space: usize,
        /// The word's virtual address.
        addr: u64,
    },
    /// A word in shared memory: its physical address (page and offset).
    Shared {
        /// The word's physical address.
        phys: u64,
    },
}

/// Which kind of key a word has: shared (physical) only when the caller did not say
/// `FUTEX_PRIVATE_FLAG` and the word lies in a `MAP_SHARED` mapping. Linux keys a word of
/// private anonymous memory by (mm, address) even without the flag, so a parent and its
/// forked child, whose copy-on-write pages are the same frames for a while, never meet.
pub fn key_kind(private_flag: bool, shared_mapping: bool) -> KindOfKey {
    if !private_flag && shared_mapping { KindOfKey::Shared } else { KindOfKey::Private }
}

/// The result of [`key_kind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KindOfKey {
    /// [`Key::Private`].
    Private,
    /// [`Key::Shared`].
    Shared,
}

/// The wait queues of every futex that has waiters, by key; `W` is whatever the kernel
/// wakes a waiter with.
pub struct Queues<W> {
    map: BTreeMap<Key, VecDeque<W>>,
}

impl<W> Default for Queues<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<W> Queues<W> {
    /// No waiters.
    pub const fn new() -> Self {
        Queues { map: BTreeMap::new() }
    }

    /// Queues `w` last on `key`.
    pub fn push(&mut self, key: Key, w: W) {
        self.map.entry(key).or_default().push_back(w);
    }

    /// How many wait on `key`.
    pub fn waiters(&self, key: Key) -> usize {
        self.map.get(&key).map_or(0, VecDeque::len)
    }

    /// Takes the first waiter on `key` that `is` picks out (a waiter leaving on its own:
    /// timed out or interrupted); whether it was there.
    pub fn remove(&mut self, key: Key, is: impl Fn(&W) -> bool) -> bool {
        let Some(q) = self.map.get_mut(&key) else { return false };
        let Some(i) = q.iter().position(is) else { return false };
        q.remove(i);
        if q.is_empty() {
            self.map.remove(&key);
        }
        true
    }

    /// Wakes up to `n` waiters on `key` that `matches` (a bitset test), first come first;
    /// each goes to `wake`. Returns how many.
    pub fn wake(
        &mut self,
        key: Key,
        n: usize,
        matches: impl Fn(&W) -> bool,
        mut wake: impl FnMut(W),
    ) -> usize {
        let Some(q) = self.map.get_mut(&key) else { return 0 };
        let mut woken = 0;
        let mut i = 0;
        while woken < n && i < q.len() {
            if matches(&q[i]) {
                if let Some(w) = q.remove(i) {
                    wake(w);
                }
                woken += 1;
            } else {
                i += 1;
            }
        }
        if q.is_empty() {
            self.map.remove(&key);
        }
        woken
    }

    /// `FUTEX_REQUEUE`: wakes up to `nr_wake` waiters on `from` and moves up to
    /// `nr_requeue` of the next ones to the end of `to`'s queue (`moved` sees each, to
    /// note its new key). Returns the number woken plus moved (Linux `futex_requeue`; a
    /// requeue onto the same key leaves the waiters where they are).
    pub fn requeue(
        &mut self,
        from: Key,
        to: Key,
        nr_wake: usize,
        nr_requeue: usize,
        wake: impl FnMut(W),
        mut moved: impl FnMut(&W),
    ) -> usize {
        let woken = self.wake(from, nr_wake, |_| true, wake);
        let Some(q) = self.map.get_mut(&from) else { return woken };
        let n = nr_requeue.min(q.len());
        if from == to {
            q.iter().take(n).for_each(&mut moved);
            return woken + n;
        }
        let taken: VecDeque<W> = q.drain(..n).collect();
        if q.is_empty() {
            self.map.remove(&from);
        }
        if n > 0 {
            let dst = self.map.entry(to).or_default();
            for w in taken {
                moved(&w);
                dst.push_back(w);
            }
        }
        woken + n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    const A: Key = Key::Private { space: 1, addr: 0x1000 };
    const B: Key = Key::Private { space: 1, addr: 0x1004 };
    const OTHER_SPACE: Key = Key::Private { space: 2, addr: 0x1000 };

    fn queues(key: Key, ids: &[u32]) -> Queues<u32> {
        let mut q = Queues::new();
        ids.iter().for_each(|&i| q.push(key, i));
        q
    }

    #[test]
    fn keys() {
        assert_eq!(key_kind(true, true), KindOfKey::Private);
        assert_eq!(key_kind(false, false), KindOfKey::Private);
        assert_eq!(key_kind(false, true), KindOfKey::Shared);
        assert_ne!(A, OTHER_SPACE);
    }

    #[test]
    fn wake_is_first_come_first_woken_and_per_key() {
        let mut q = queues(A, &[1, 2, 3]);
        q.push(OTHER_SPACE, 9);
        let mut woken = Vec::new();
        assert_eq!(q.wake(A, 2, |_| true, |w| woken.push(w)), 2);
        assert_eq!(woken, [1, 2]);
        assert_eq!(q.wake(A, 5, |_| true, |w| woken.push(w)), 1);
        assert_eq!(q.wake(A, 5, |_| true, |_| ()), 0);
        assert_eq!(q.waiters(OTHER_SPACE), 1);
        assert!(!q.map.contains_key(&A), "empty queues go");
    }

    #[test]
    fn wake_skips_what_does_not_match() {
        let mut q = queues(A, &[1, 2, 3, 4]);
        let mut woken = Vec::new();
        assert_eq!(q.wake(A, 5, |w| w % 2 == 0, |w| woken.push(w)), 2);
        assert_eq!(woken, [2, 4]);
        assert_eq!(q.waiters(A), 2);
    }

    #[test]
    fn remove_takes_one_waiter() {
        let mut q = queues(A, &[1, 2]);
        assert!(q.remove(A, |&w| w == 2));
        assert!(!q.remove(A, |&w| w == 2));
        assert!(q.remove(A, |&w| w == 1));
        assert!(q.map.is_empty());
    }

    #[test]
    fn requeue_wakes_then_moves() {
        let mut q = queues(A, &[1, 2, 3, 4, 5]);
        q.push(B, 7);
        let (mut woken, mut moved) = (Vec::new(), Vec::new());
        let n = q.requeue(A, B, 1, 2, |w| woken.push(w), |&w| moved.push(w));
        assert_eq!((n, woken, moved), (3, alloc::vec![1], alloc::vec![2, 3]));
        assert_eq!((q.waiters(A), q.waiters(B)), (2, 3));
        let mut order = Vec::new();
        q.wake(B, 9, |_| true, |w| order.push(w));
        assert_eq!(order, [7, 2, 3]);
    }

    #[test]
    fn requeue_of_nobody_and_onto_itself() {
        let mut q: Queues<u32> = Queues::new();
        assert_eq!(q.requeue(A, B, 1, 1, |_| (), |_| ()), 0);
        let mut q = queues(A, &[1, 2, 3]);
        assert_eq!(q.requeue(A, A, 1, 5, |_| (), |_| ()), 3);
        assert_eq!(q.waiters(A), 2);
        let mut q = queues(A, &[1, 2, 3]);
        assert_eq!(q.requeue(A, B, 0, 0, |_| (), |_| ()), 0);
    }
}
