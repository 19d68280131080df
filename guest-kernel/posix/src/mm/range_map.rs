//! A map from disjoint address ranges to values: the bookkeeping under an address space's
//! mappings (Linux's VMA tree, `mm/mmap.c`; the same operations `mmap`, `munmap` and
//! `mprotect` perform on it).
//!
//! Ranges are half-open `[start, end)`. Inserting over existing ranges replaces the
//! overlapped parts (mmap with `MAP_FIXED`), removing a range trims or splits the entries it
//! overlaps (munmap), and updating a range splits entries at its ends so only the covered
//! parts change (mprotect). Splitting a value is the value's business ([`Piece::advance`]:
//! a file mapping's offset moves along with its start). Neighbours that [`Piece::continues`]
//! are merged back, so repeated mprotects do not leave the map fragmented.
//!
//! Stored as a vector sorted by start: address spaces hold tens of entries, and on the
//! kernel's hosts every instruction is emulated, so a binary search over a flat array beats
//! a tree's pointer chasing for lookups, which are the hot operation (every page fault).
//!
//! Every change can fail with ENOMEM, before anything changes: it reserves room for the
//! two entries a change can add (a split at each end) and for the parts it returns. A
//! program decides how many mappings it makes (up to Linux's `max_map_count`), so their
//! memory is the program's request, not something the kernel may assume it has.

use crate::Errno;
use alloc::vec::Vec;

/// What a value stored for a range must support.
pub trait Piece: Clone {
    /// The value for the part of the range that starts `by` bytes after this one's start.
    fn advance(&self, by: u64) -> Self;

    /// Whether this value, for a range of `len` bytes, followed directly by `next` may be
    /// stored as one range. The default never merges.
    fn continues(&self, _len: u64, _next: &Self) -> bool {
        false
    }
}

/// One stored range and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry<V> {
    /// First address.
    pub start: u64,
    /// First address past the range.
    pub end: u64,
    /// The value.
    pub value: V,
}

/// Disjoint ranges with values, sorted by address.
#[derive(Debug, Default)]
pub struct RangeMap<V> {
    entries: Vec<Entry<V>>,
}

impl<V: Piece> RangeMap<V> {
    /// An empty map.
    pub const fn new() -> Self {
        Self { entries: Vec::new() }
    }

    /// A copy (fork); ENOMEM without memory for it.
    pub fn try_clone(&self) -> Result<Self, Errno> {
        let mut entries = Vec::new();
        entries.try_reserve_exact(self.entries.len()).map_err(|_| Errno::ENOMEM)?;
        entries.extend(self.entries.iter().cloned());
        Ok(Self { entries })
    }

    /// Room for `n` more entries (a change adds at most two: a split at each end).
    fn reserve(&mut self, n: usize) -> Result<(), Errno> {
        self.entries.try_reserve(n).map_err(|_| Errno::ENOMEM)
    }

    /// An empty map with room for `n` entries (ENOMEM without memory for them): an
    /// address space starts with about ten mappings, and every growth step of the vector
    /// is a reallocation and a copy.
    pub fn with_capacity(n: usize) -> Result<Self, Errno> {
        let mut map = Self::new();
        map.entries.try_reserve_exact(n).map_err(|_| Errno::ENOMEM)?;
        Ok(map)
    }

    /// Whether `at` is strictly inside an entry (changing a range that starts or ends
    /// there splits it).
    pub fn splits_at(&self, at: u64) -> bool {
        self.get(at).is_some_and(|e| e.start < at)
    }

    /// Every entry, in address order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry<V>> {
        self.entries.iter()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Index of the first entry whose end is above `addr` (the entry containing `addr`, or
    /// the next one).
    fn first_ending_after(&self, addr: u64) -> usize {
        self.entries.partition_point(|e| e.end <= addr)
    }

    /// The entry containing `addr`.
    pub fn get(&self, addr: u64) -> Option<&Entry<V>> {
        self.entries.get(self.first_ending_after(addr)).filter(|e| e.start <= addr)
    }

    /// The entry containing `addr`, mutably (the range itself cannot change).
    pub fn get_mut(&mut self, addr: u64) -> Option<&mut V> {
        let i = self.first_ending_after(addr);
        self.entries.get_mut(i).filter(|e| e.start <= addr).map(|e| &mut e.value)
    }

    /// The entries overlapping `[start, end)`, unclipped.
    pub fn overlapping(&self, start: u64, end: u64) -> &[Entry<V>] {
        let first = self.first_ending_after(start);
        let last = first + self.entries[first..].partition_point(|e| e.start < end);
        &self.entries[first..last]
    }

    /// Whether nothing is stored in `[start, end)`.
    pub fn is_free(&self, start: u64, end: u64) -> bool {
        self.overlapping(start, end).is_empty()
    }

    /// Whether every address of `[start, end)` is in some entry.
    pub fn covers(&self, start: u64, end: u64) -> bool {
        let mut at = start;
        for e in self.overlapping(start, end) {
            if e.start > at {
                return false;
            }
            at = e.end;
        }
        at >= end
    }

    /// Makes `at` a boundary: an entry strictly containing it is split in two.
    fn split_at(&mut self, at: u64) {
        let i = self.first_ending_after(at);
        if let Some(e) = self.entries.get_mut(i)
            && e.start < at
        {
            let tail = Entry { start: at, end: e.end, value: e.value.advance(at - e.start) };
            e.end = at;
            self.entries.insert(i + 1, tail);
        }
    }

    /// Removes `[start, end)` from the map, trimming or splitting the entries it overlaps;
    /// returns the removed parts (clipped to the range), in address order.
    pub fn remove(&mut self, start: u64, end: u64) -> Result<Vec<Entry<V>>, Errno> {
        if start >= end {
            return Ok(Vec::new());
        }
        let mut removed = Vec::new();
        let first = self.first_ending_after(start);
        // The common case, removing exactly one whole entry (munmap of a mapping).
        if let Some(e) = self.entries.get(first)
            && e.start == start
            && e.end == end
        {
            removed.try_reserve_exact(1).map_err(|_| Errno::ENOMEM)?;
            removed.push(self.entries.remove(first));
            return Ok(removed);
        }
        let overlapped = self.overlapping(start, end).len();
        removed.try_reserve_exact(overlapped).map_err(|_| Errno::ENOMEM)?;
        self.reserve(2)?;
        self.split_at(start);
        self.split_at(end);
        let first = self.first_ending_after(start);
        let count = self.entries[first..].partition_point(|e| e.end <= end);
        removed.extend(self.entries.drain(first..first + count));
        Ok(removed)
    }

    /// Stores `value` for `[start, end)`, replacing whatever overlapped it; returns the
    /// replaced parts (clipped), in address order.
    pub fn insert(&mut self, start: u64, end: u64, value: V) -> Result<Vec<Entry<V>>, Errno> {
        let i = self.first_ending_after(start);
        // The common case, a free range (a new mapping): no entry to cut, one search, and
        // one entry more; replacing may split an entry at each end first.
        let free = self.entries.get(i).is_none_or(|e| e.start >= end);
        self.reserve(if free { 1 } else { 2 })?;
        let (removed, i) = if free {
            (Vec::new(), i)
        } else {
            let removed = self.remove(start, end)?;
            (removed, self.first_ending_after(start))
        };
        // Room was reserved: `remove` takes out at least as many entries as it splits off.
        self.entries.insert(i, Entry { start, end, value });
        self.merge_around(i);
        Ok(removed)
    }

    /// Applies `f` to the parts of entries inside `[start, end)` (entries are split at the
    /// ends first), then merges neighbours that became compatible.
    pub fn update(&mut self, start: u64, end: u64, mut f: impl FnMut(&mut V)) -> Result<(), Errno> {
        if start >= end {
            return Ok(());
        }
        self.reserve(2)?;
        self.split_at(start);
        self.split_at(end);
        let first = self.first_ending_after(start);
        let count = self.entries[first..].partition_point(|e| e.end <= end);
        for e in &mut self.entries[first..first + count] {
            f(&mut e.value);
        }
        // Merge from the right so indices stay valid.
        for i in (first..=(first + count).min(self.entries.len().saturating_sub(1))).rev() {
            self.merge_around(i);
        }
        Ok(())
    }

    /// Merges entry `i` with its neighbours where they are adjacent and continue each
    /// other.
    fn merge_around(&mut self, i: usize) {
        if i + 1 < self.entries.len() {
            let (a, b) = (&self.entries[i], &self.entries[i + 1]);
            if a.end == b.start && a.value.continues(a.end - a.start, &b.value) {
                let end = b.end;
                self.entries[i].end = end;
                self.entries.remove(i + 1);
            }
        }
        if i > 0 && i < self.entries.len() {
            let (a, b) = (&self.entries[i - 1], &self.entries[i]);
            if a.end == b.start && a.value.continues(a.end - a.start, &b.value) {
                let end = b.end;
                self.entries[i - 1].end = end;
                self.entries.remove(i);
            }
        }
    }

    /// The highest start address `s` with `[s, s + len)` free, `lowest <= s` and
    /// `s + len <= highest` (`s` a multiple of `align`, a power of two): where a top-down
    /// `mmap` without a hint places a mapping (Linux `vm_unmapped_area` top-down).
    pub fn find_free_top_down(
        &self,
        len: u64,
        lowest: u64,
        highest: u64,
        align: u64,
    ) -> Option<u64> {
        if len == 0 || highest < lowest || highest - lowest < len {
            return None;
        }
        let mut gap_end = highest;
        let first_below = self.entries.partition_point(|e| e.start < highest);
        for e in self.entries[..first_below].iter().rev() {
            if let Some(s) = fit(e.end.max(lowest), gap_end, len, align) {
                return Some(s);
            }
            gap_end = gap_end.min(e.start);
            if gap_end <= lowest {
                return None;
            }
        }
        fit(lowest, gap_end, len, align)
    }
}

/// The highest aligned `s` with `[s, s + len)` inside `[lo, hi)`.
fn fit(lo: u64, hi: u64, len: u64, align: u64) -> Option<u64> {
    let s = hi.checked_sub(len)? & !(align - 1);
    (s >= lo).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value that records its offset, merging when offsets continue.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct V(char, u64);

    impl Piece for V {
        fn advance(&self, by: u64) -> Self {
            V(self.0, self.1 + by)
        }
        fn continues(&self, len: u64, next: &Self) -> bool {
            self.0 == next.0 && self.1 + len == next.1
        }
    }

    fn dump(m: &RangeMap<V>) -> Vec<(u64, u64, char, u64)> {
        m.iter().map(|e| (e.start, e.end, e.value.0, e.value.1)).collect()
    }

    #[test]
    fn insert_replaces_and_splits() {
        let mut m = RangeMap::new();
        m.insert(0x1000, 0x5000, V('a', 0)).unwrap();
        let removed = m.insert(0x2000, 0x3000, V('b', 0)).unwrap();
        assert_eq!(removed, [Entry { start: 0x2000, end: 0x3000, value: V('a', 0x1000) }]);
        assert_eq!(
            dump(&m),
            [(0x1000, 0x2000, 'a', 0), (0x2000, 0x3000, 'b', 0), (0x3000, 0x5000, 'a', 0x2000)]
        );
        assert_eq!(m.get(0x2fff).unwrap().value, V('b', 0));
        assert!(m.get(0x5000).is_none());
        assert!(m.get(0xfff).is_none());
    }

    #[test]
    fn clone_and_split_points() {
        let mut m = RangeMap::new();
        m.insert(0x1000, 0x3000, V('a', 0)).unwrap();
        assert!(m.splits_at(0x2000));
        assert!(!m.splits_at(0x1000) && !m.splits_at(0x3000) && !m.splits_at(0x8000));
        let copy = m.try_clone().unwrap();
        assert_eq!(dump(&copy), dump(&m));
    }

    #[test]
    fn remove_trims_and_reports() {
        let mut m = RangeMap::new();
        m.insert(0x1000, 0x3000, V('a', 0)).unwrap();
        m.insert(0x4000, 0x6000, V('b', 0)).unwrap();
        let removed = m.remove(0x2000, 0x5000).unwrap();
        assert_eq!(removed.len(), 2);
        assert_eq!((removed[0].start, removed[0].end), (0x2000, 0x3000));
        assert_eq!((removed[1].start, removed[1].end), (0x4000, 0x5000));
        assert_eq!(dump(&m), [(0x1000, 0x2000, 'a', 0), (0x5000, 0x6000, 'b', 0x1000)]);
        assert!(m.remove(0x8000, 0x9000).unwrap().is_empty());
    }

    #[test]
    fn update_splits_then_merges_back() {
        let mut m = RangeMap::new();
        m.insert(0x1000, 0x4000, V('a', 0)).unwrap();
        m.update(0x2000, 0x3000, |v| v.0 = 'r').unwrap();
        assert_eq!(
            dump(&m),
            [
                (0x1000, 0x2000, 'a', 0),
                (0x2000, 0x3000, 'r', 0x1000),
                (0x3000, 0x4000, 'a', 0x2000)
            ]
        );
        m.update(0x2000, 0x3000, |v| v.0 = 'a').unwrap();
        assert_eq!(dump(&m), [(0x1000, 0x4000, 'a', 0)]);
    }

    #[test]
    fn adjacent_inserts_merge() {
        let mut m = RangeMap::new();
        m.insert(0x1000, 0x2000, V('a', 0)).unwrap();
        m.insert(0x2000, 0x3000, V('a', 0x1000)).unwrap();
        m.insert(0x3000, 0x4000, V('a', 0x5000)).unwrap();
        assert_eq!(dump(&m), [(0x1000, 0x3000, 'a', 0), (0x3000, 0x4000, 'a', 0x5000)]);
    }

    #[test]
    fn coverage_queries() {
        let mut m = RangeMap::new();
        m.insert(0x1000, 0x2000, V('a', 0)).unwrap();
        m.insert(0x2000, 0x3000, V('b', 0)).unwrap();
        m.insert(0x4000, 0x5000, V('c', 0)).unwrap();
        assert!(m.covers(0x1000, 0x3000));
        assert!(!m.covers(0x1000, 0x4001));
        assert!(m.is_free(0x3000, 0x4000));
        assert!(!m.is_free(0x2fff, 0x4000));
        assert_eq!(m.overlapping(0x1800, 0x4001).len(), 3);
    }

    #[test]
    fn top_down_search() {
        let mut m = RangeMap::new();
        assert_eq!(m.find_free_top_down(0x1000, 0x1000, 0x10000, 0x1000), Some(0xf000));
        m.insert(0xe000, 0x10000, V('a', 0)).unwrap();
        assert_eq!(m.find_free_top_down(0x1000, 0x1000, 0x10000, 0x1000), Some(0xd000));
        m.insert(0x2000, 0xd000, V('b', 0)).unwrap();
        assert_eq!(m.find_free_top_down(0x2000, 0x1000, 0x10000, 0x1000), None);
        assert_eq!(m.find_free_top_down(0x1000, 0x1000, 0x10000, 0x1000), Some(0xd000));
        m.insert(0xd000, 0xe000, V('c', 0)).unwrap();
        assert_eq!(m.find_free_top_down(0x1000, 0x1000, 0x10000, 0x1000), Some(0x1000));
        assert_eq!(m.find_free_top_down(0x1000, 0x0, 0x10000, 0x1000), Some(0x1000));
        assert_eq!(m.find_free_top_down(0x2000, 0x0, 0x10000, 0x1000), Some(0x0));
        // `highest` below some entries: those are ignored.
        assert_eq!(m.find_free_top_down(0x1000, 0x0, 0x2000, 0x1000), Some(0x1000));
    }

    /// Random inserts, removals and updates against a page-by-page model: every page maps
    /// to what the model says, entries stay sorted and disjoint, and no two neighbours
    /// that could be one entry are left apart.
    #[test]
    fn random_changes_match_a_page_model() {
        const PAGES: u64 = 48;
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut m = RangeMap::new();
        let mut model: Vec<Option<V>> = alloc::vec![None; PAGES as usize];
        for round in 0..4000 {
            let a = next(PAGES);
            let b = a + 1 + next(PAGES - a);
            let (start, end) = (a * 0x1000, b * 0x1000);
            match next(3) {
                0 => {
                    let v = V(['a', 'b', 'c'][next(3) as usize], next(4) * 0x1000);
                    let removed = m.insert(start, end, v).unwrap();
                    let mut was = 0;
                    for p in a..b {
                        was += u64::from(model[p as usize].is_some());
                        model[p as usize] = Some(V(v.0, v.1 + (p - a) * 0x1000));
                    }
                    let len: u64 = removed.iter().map(|e| (e.end - e.start) / 0x1000).sum();
                    assert_eq!(len, was, "round {round}: replaced pages");
                }
                1 => {
                    let removed = m.remove(start, end).unwrap();
                    assert!(removed.windows(2).all(|w| w[0].end <= w[1].start), "in order");
                    for p in a..b {
                        model[p as usize] = None;
                    }
                }
                _ => {
                    let c = ['x', 'y'][next(2) as usize];
                    if m.covers(start, end) {
                        m.update(start, end, |v| v.0 = c).unwrap();
                        for p in a..b {
                            model[p as usize].as_mut().unwrap().0 = c;
                        }
                    } else {
                        assert!((a..b).any(|p| model[p as usize].is_none()), "round {round}");
                    }
                }
            }
            for p in 0..PAGES {
                let got =
                    m.get(p * 0x1000).map(|e| V(e.value.0, e.value.1 + (p * 0x1000 - e.start)));
                assert_eq!(got, model[p as usize], "round {round}, page {p}");
            }
            let all: Vec<_> = m.iter().collect();
            for w in all.windows(2) {
                assert!(w[0].end <= w[1].start, "round {round}: order");
                let mergeable = w[0].end == w[1].start
                    && w[0].value.continues(w[0].end - w[0].start, &w[1].value);
                assert!(!mergeable, "round {round}: {:?} and {:?} left apart", w[0], w[1]);
            }
        }
    }

    /// Top-down placement, one page at a time, as a program making many mappings does.
    #[test]
    fn many_top_down_mappings() {
        let mut m = RangeMap::new();
        let top = 0x1000_0000;
        for k in 0..1000u64 {
            let s = m.find_free_top_down(0x1000, 0x1_0000, top, 0x1000).unwrap();
            assert_eq!(s, top - (k + 1) * 0x1000);
            // Alternate values so that neighbours cannot merge.
            m.insert(s, s + 0x1000, V(if k % 2 == 0 { 'a' } else { 'b' }, 0)).unwrap();
        }
        assert_eq!(m.len(), 1000);
        assert_eq!(m.iter().next().unwrap().start, top - 1000 * 0x1000);
        assert_eq!(
            m.overlapping(top - 0x3000, top).iter().map(|e| e.start).collect::<Vec<_>>(),
            [top - 0x3000, top - 0x2000, top - 0x1000]
        );
    }
}
