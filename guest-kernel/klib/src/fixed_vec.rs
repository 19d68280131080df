//! A vector with a fixed capacity and no heap, for data the kernel needs before its heap.

use core::ops::Deref;

/// The error of pushing into a full [`FixedVec`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapacityError;

impl core::fmt::Display for CapacityError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("fixed capacity exceeded")
    }
}

/// Up to `N` values of a small `Copy` type, stored inline.
///
/// The memory map and the ranges computed from it must exist before the kernel has a heap
/// (the heap is carved out of them), so they live in these.
#[derive(Clone, Copy, Debug)]
pub struct FixedVec<T: Copy + Default, const N: usize> {
    items: [T; N],
    len: usize,
}

impl<T: Copy + Default, const N: usize> FixedVec<T, N> {
    /// An empty vector.
    pub fn new() -> Self {
        Self::filled(T::default())
    }

    /// An empty vector whose unused slots hold `value`; usable in constants.
    pub const fn filled(value: T) -> Self {
        Self { items: [value; N], len: 0 }
    }

    /// Removes every value.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Appends `value`, or fails if the vector is full.
    pub fn push(&mut self, value: T) -> Result<(), CapacityError> {
        let slot = self.items.get_mut(self.len).ok_or(CapacityError)?;
        *slot = value;
        self.len += 1;
        Ok(())
    }

    /// Inserts `value` at `index`, shifting the later values up, or fails if full.
    ///
    /// # Panics
    /// If `index > len`.
    pub fn insert(&mut self, index: usize, value: T) -> Result<(), CapacityError> {
        assert!(index <= self.len, "insert index out of bounds");
        if self.len == N {
            return Err(CapacityError);
        }
        self.items.copy_within(index..self.len, index + 1);
        self.items[index] = value;
        self.len += 1;
        Ok(())
    }

    /// Replaces the values in `range` (possibly empty) with the single `value`, shifting the
    /// later values; fails if that needs more room than is left.
    ///
    /// # Panics
    /// If `range` is not within `0..=len`.
    pub fn replace(
        &mut self,
        range: core::ops::Range<usize>,
        value: T,
    ) -> Result<(), CapacityError> {
        assert!(range.start <= range.end && range.end <= self.len, "replace range out of bounds");
        if range.is_empty() {
            if range.start == self.len {
                return self.push(value);
            }
            return self.insert(range.start, value);
        }
        self.items[range.start] = value;
        let removed = range.end - range.start - 1;
        if removed > 0 {
            self.items.copy_within(range.end..self.len, range.start + 1);
            self.len -= removed;
        }
        Ok(())
    }

    /// Removes and returns the value at `index`, shifting the later values down.
    ///
    /// # Panics
    /// If `index >= len`.
    pub fn remove(&mut self, index: usize) -> T {
        assert!(index < self.len, "remove index out of bounds");
        let value = self.items[index];
        self.items.copy_within(index + 1..self.len, index);
        self.len -= 1;
        value
    }

    /// The stored values, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.items[..self.len]
    }
}

impl<T: Copy + Default, const N: usize> Default for FixedVec<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

/// Equal when the stored values are (unused slots do not count).
impl<T: Copy + Default + PartialEq, const N: usize> PartialEq for FixedVec<T, N> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Copy + Default + Eq, const N: usize> Eq for FixedVec<T, N> {}

impl<T: Copy + Default, const N: usize> Deref for FixedVec<T, N> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.items[..self.len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_insert_remove() {
        let mut v: FixedVec<u32, 3> = FixedVec::new();
        v.push(1).unwrap();
        v.push(3).unwrap();
        v.insert(1, 2).unwrap();
        assert_eq!(&*v, &[1, 2, 3]);
        assert_eq!(v.push(4), Err(CapacityError));
        assert_eq!(v.insert(0, 0), Err(CapacityError));
        assert_eq!(v.remove(0), 1);
        assert_eq!(&*v, &[2, 3]);
        v.as_mut_slice()[0] = 7;
        assert_eq!(v[0], 7);
        v.clear();
        assert!(v.is_empty());

        let mut w: FixedVec<u32, 4> = FixedVec::new();
        w.replace(0..0, 5).unwrap();
        w.replace(0..0, 1).unwrap();
        w.replace(2..2, 9).unwrap();
        assert_eq!(&*w, &[1, 5, 9]);
        w.replace(0..2, 4).unwrap();
        assert_eq!(&*w, &[4, 9]);
        w.replace(1..2, 8).unwrap();
        assert_eq!(&*w, &[4, 8]);
        const EMPTY: FixedVec<u32, 2> = FixedVec::filled(0);
        assert!(EMPTY.is_empty());
    }
}
