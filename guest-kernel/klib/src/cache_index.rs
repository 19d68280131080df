//! The index under the block cache: which disk block sits in which cache slot, and which
//! slot to reuse when the cache is full (the least recently used one). The cache itself
//! (frames, I/O, write-through policy) is the kernel's `block::cache`.
//!
//! The kernel keeps the data: slot `i` is one 4 KiB frame, allocated the first time the
//! slot is used. This index only maps block numbers to slot numbers, in O(1) per operation:
//! a hash table of chains plus a doubly linked recency list, all as `u32` slot indices.
//!
//! Built for the kernel's cost model (every instruction about 1 µs, zeroing memory about
//! 1 µs per 8 bytes): nothing is initialized per slot up front. Entries are pushed onto a
//! vector as slots come into use, and the bucket array is handed in already zero (the
//! kernel gives it a fresh frame, which is zero without being cleared).

use alloc::vec::Vec;

/// "No slot" in links.
const NONE: u32 = u32::MAX;

/// One slot's bookkeeping.
#[derive(Clone, Copy, Debug)]
struct Entry {
    /// The block cached in the slot (meaningless while the slot is on the free list).
    key: u64,
    /// Next more recently used slot (towards the head), or the next free slot.
    prev: u32,
    /// Next less recently used slot (towards the tail).
    next: u32,
    /// Next slot in the same hash bucket.
    chain: u32,
}

/// What [`CacheIndex::lookup_or_insert`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The block is cached in this slot (now the most recently used).
    Hit(usize),
    /// The block was not cached; it now owns this slot, whose contents are stale. If the
    /// slot held another block, that block is no longer cached.
    Miss {
        /// The slot the block now owns.
        slot: usize,
        /// The block evicted from the slot, if any.
        evicted: Option<u64>,
    },
}

/// Maps block numbers to at most `capacity` slots, evicting the least recently used.
#[derive(Debug)]
pub struct CacheIndex<B> {
    /// Hash buckets: `slot + 1` of the chain's first slot, 0 for an empty bucket.
    buckets: B,
    /// `log2(buckets.len())`.
    bucket_bits: u32,
    /// One entry per slot ever used; `entries.len()` only grows, up to `capacity`.
    entries: Vec<Entry>,
    capacity: usize,
    /// Most and least recently used slots.
    head: u32,
    tail: u32,
    /// Slots given back by [`CacheIndex::remove`], linked through `prev`.
    free: u32,
    /// Slots holding a block.
    live: usize,
}

impl<B: AsRef<[u32]> + AsMut<[u32]>> CacheIndex<B> {
    /// An empty index of `capacity` slots over `buckets`, which must be all zero and a power
    /// of two long (a length near `capacity` keeps the chains short).
    ///
    /// # Panics
    /// If `buckets` is not a non-empty power of two long, or `capacity` does not fit a `u32`.
    pub fn new(buckets: B, capacity: usize) -> Self {
        let len = buckets.as_ref().len();
        assert!(len.is_power_of_two(), "bucket count must be a power of two");
        assert!(capacity < NONE as usize, "too many slots");
        debug_assert!(buckets.as_ref().iter().all(|&b| b == 0), "buckets must start empty");
        Self {
            buckets,
            bucket_bits: len.trailing_zeros(),
            entries: Vec::new(),
            capacity,
            head: NONE,
            tail: NONE,
            free: NONE,
            live: 0,
        }
    }

    /// How many blocks the index can hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many blocks are cached.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no block is cached.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The highest slot number ever handed out, plus one: the slots that have data frames.
    pub fn slots_in_use(&self) -> usize {
        self.entries.len()
    }

    fn bucket(&self, key: u64) -> usize {
        if self.bucket_bits == 0 {
            return 0;
        }
        // Fibonacci hashing: consecutive block numbers spread over the buckets.
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - self.bucket_bits)) as usize
    }

    /// The slot caching `key`, without changing recency.
    pub fn peek(&self, key: u64) -> Option<usize> {
        let mut slot = self.buckets.as_ref()[self.bucket(key)].wrapping_sub(1);
        while slot != NONE {
            let e = &self.entries[slot as usize];
            if e.key == key {
                return Some(slot as usize);
            }
            slot = e.chain;
        }
        None
    }

    /// The slot caching `key`, which becomes the most recently used.
    pub fn get(&mut self, key: u64) -> Option<usize> {
        let slot = self.peek(key)?;
        self.unlink(slot as u32);
        self.push_front(slot as u32);
        Some(slot)
    }

    /// The slot caching `key` (a hit), or a slot for it (a miss, see [`Lookup::Miss`]).
    pub fn lookup_or_insert(&mut self, key: u64) -> Lookup {
        if let Some(slot) = self.get(key) {
            return Lookup::Hit(slot);
        }
        let (slot, evicted) = self.take_slot();
        let b = self.bucket(key);
        let e = &mut self.entries[slot as usize];
        e.key = key;
        e.chain = self.buckets.as_ref()[b].wrapping_sub(1);
        self.buckets.as_mut()[b] = slot + 1;
        self.push_front(slot);
        self.live += 1;
        Lookup::Miss { slot: slot as usize, evicted }
    }

    /// Forgets `key` (its slot's data no longer matches the disk); returns its slot.
    pub fn remove(&mut self, key: u64) -> Option<usize> {
        let slot = self.peek(key)? as u32;
        self.unhash(slot);
        self.unlink(slot);
        self.entries[slot as usize].prev = self.free;
        self.free = slot;
        self.live -= 1;
        Some(slot as usize)
    }

    /// A slot for a new block: a freed one, a new one, or the least recently used one.
    fn take_slot(&mut self) -> (u32, Option<u64>) {
        if self.free != NONE {
            let slot = self.free;
            self.free = self.entries[slot as usize].prev;
            return (slot, None);
        }
        if self.entries.len() < self.capacity {
            self.entries.push(Entry { key: 0, prev: NONE, next: NONE, chain: NONE });
            return ((self.entries.len() - 1) as u32, None);
        }
        let slot = self.tail;
        assert!(slot != NONE, "a cache of zero slots holds nothing");
        let key = self.entries[slot as usize].key;
        self.unhash(slot);
        self.unlink(slot);
        self.live -= 1;
        (slot, Some(key))
    }

    /// Removes `slot` from its hash chain.
    fn unhash(&mut self, slot: u32) {
        let key = self.entries[slot as usize].key;
        let b = self.bucket(key);
        let next = self.entries[slot as usize].chain;
        let first = self.buckets.as_ref()[b].wrapping_sub(1);
        if first == slot {
            self.buckets.as_mut()[b] = next.wrapping_add(1);
            return;
        }
        let mut at = first;
        while at != NONE {
            let chain = self.entries[at as usize].chain;
            if chain == slot {
                self.entries[at as usize].chain = next;
                return;
            }
            at = chain;
        }
    }

    /// Removes `slot` from the recency list.
    fn unlink(&mut self, slot: u32) {
        let Entry { prev, next, .. } = self.entries[slot as usize];
        if prev == NONE {
            self.head = next;
        } else {
            self.entries[prev as usize].next = next;
        }
        if next == NONE {
            self.tail = prev;
        } else {
            self.entries[next as usize].prev = prev;
        }
    }

    /// Makes `slot` the most recently used.
    fn push_front(&mut self, slot: u32) {
        let old = self.head;
        let e = &mut self.entries[slot as usize];
        e.prev = NONE;
        e.next = old;
        if old == NONE {
            self.tail = slot;
        } else {
            self.entries[old as usize].prev = slot;
        }
        self.head = slot;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::collections::HashMap;
    use std::vec;

    fn index(capacity: usize, buckets: usize) -> CacheIndex<Vec<u32>> {
        CacheIndex::new(vec![0; buckets], capacity)
    }

    #[test]
    fn hits_misses_and_lru_eviction() {
        let mut c = index(3, 4);
        assert!(c.is_empty());
        assert_eq!(c.lookup_or_insert(10), Lookup::Miss { slot: 0, evicted: None });
        assert_eq!(c.lookup_or_insert(11), Lookup::Miss { slot: 1, evicted: None });
        assert_eq!(c.lookup_or_insert(12), Lookup::Miss { slot: 2, evicted: None });
        assert_eq!(c.lookup_or_insert(10), Lookup::Hit(0)); // 11 is now least recent
        assert_eq!(c.lookup_or_insert(13), Lookup::Miss { slot: 1, evicted: Some(11) });
        assert_eq!(c.peek(11), None);
        assert_eq!(c.get(12), Some(2)); // order (LRU first): 10, 13, 12
        assert_eq!(c.lookup_or_insert(14), Lookup::Miss { slot: 0, evicted: Some(10) });
        assert_eq!(c.len(), 3);
        assert_eq!(c.slots_in_use(), 3);
        assert_eq!(c.capacity(), 3);
    }

    #[test]
    fn removed_slots_are_reused_first() {
        let mut c = index(3, 1); // one bucket: every key shares a chain
        for k in 0..3 {
            c.lookup_or_insert(k);
        }
        assert_eq!(c.remove(1), Some(1));
        assert_eq!(c.remove(1), None);
        assert_eq!(c.len(), 2);
        assert_eq!(c.peek(0), Some(0));
        assert_eq!(c.peek(2), Some(2));
        assert_eq!(c.lookup_or_insert(7), Lookup::Miss { slot: 1, evicted: None });
        // Removing the head and the tail of the recency list keeps it consistent.
        assert_eq!(c.remove(7), Some(1));
        assert_eq!(c.remove(0), Some(0));
        assert_eq!(c.lookup_or_insert(8), Lookup::Miss { slot: 0, evicted: None });
        assert_eq!(c.lookup_or_insert(9), Lookup::Miss { slot: 1, evicted: None });
        assert_eq!(c.lookup_or_insert(5), Lookup::Miss { slot: 2, evicted: Some(2) });
    }

    #[test]
    fn matches_a_reference_model() {
        // A naive LRU over a HashMap and a Vec as the oracle; pseudo-random operations.
        let capacity = 16;
        let mut c = index(capacity, 8);
        let mut model: Vec<u64> = Vec::new(); // most recent last
        let mut slots: HashMap<u64, usize> = HashMap::new();
        let mut x = 12345u64;
        for step in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = x % 40;
            if x.is_multiple_of(7) {
                let expected = model.iter().position(|&k| k == key);
                let got = c.remove(key);
                assert_eq!(got.is_some(), expected.is_some(), "step {step}");
                if let Some(p) = expected {
                    model.remove(p);
                    assert_eq!(slots.remove(&key), got);
                }
                continue;
            }
            match c.lookup_or_insert(key) {
                Lookup::Hit(slot) => {
                    let p = model.iter().position(|&k| k == key).expect("hit must be cached");
                    model.remove(p);
                    assert_eq!(slots[&key], slot);
                }
                Lookup::Miss { slot, evicted } => {
                    assert!(!model.contains(&key), "step {step}: miss on a cached key");
                    if model.len() == capacity {
                        let lru = model.remove(0);
                        assert_eq!(evicted, Some(lru), "step {step}");
                        assert_eq!(slots.remove(&lru), Some(slot));
                    } else {
                        assert_eq!(evicted, None);
                    }
                    assert!(!slots.values().any(|&s| s == slot), "slot {slot} given twice");
                    slots.insert(key, slot);
                }
            }
            model.push(key);
            assert_eq!(c.len(), model.len());
            assert!(c.slots_in_use() <= capacity);
        }
    }

    #[test]
    #[should_panic(expected = "power of two")]
    fn bucket_count_must_be_a_power_of_two() {
        index(4, 3);
    }
}
