//! Half-open ranges of physical addresses and the alignment arithmetic on them.

/// A half-open range `[start, end)` of physical addresses.
///
/// Every memory-map computation works on these rather than on (address, size) pairs, so an
/// end at the top of the address space never overflows: [`PhysRange::from_base_size`]
/// saturates instead.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct PhysRange {
    /// First address in the range.
    pub start: u64,
    /// First address past the range.
    pub end: u64,
}

impl PhysRange {
    /// The range `[start, end)`; an `end` below `start` gives an empty range at `start`.
    pub const fn new(start: u64, end: u64) -> Self {
        let end = if end < start { start } else { end };
        Self { start, end }
    }

    /// The range of `size` bytes at `base`, cut at the top of the address space.
    pub const fn from_base_size(base: u64, size: u64) -> Self {
        Self::new(base, base.saturating_add(size))
    }

    /// Number of bytes in the range.
    pub const fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Whether the range holds no byte.
    pub const fn is_empty(&self) -> bool {
        self.start >= self.end
    }

    /// Whether `addr` lies in the range.
    pub const fn contains(&self, addr: u64) -> bool {
        self.start <= addr && addr < self.end
    }

    /// Whether the two ranges share at least one byte.
    pub const fn overlaps(&self, other: &PhysRange) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// Whether the two ranges overlap or touch, so their union is one range.
    pub const fn touches(&self, other: &PhysRange) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    /// The largest `align`-aligned range inside this one (possibly empty). Used for RAM:
    /// only whole pages of a region can be handed out.
    pub const fn align_inward(&self, align: u64) -> Self {
        Self::new(align_up(self.start, align), align_down(self.end, align))
    }

    /// The smallest `align`-aligned range covering this one (cut at the top of the address
    /// space). Used for reservations and mappings: a partly used page is a used page.
    pub const fn align_outward(&self, align: u64) -> Self {
        if self.is_empty() {
            return *self;
        }
        let end = align_up(self.end, align);
        // `align_up` saturates to the last aligned address; an end that wrapped stays at the top.
        let end = if end < self.end { u64::MAX } else { end };
        Self::new(align_down(self.start, align), end)
    }
}

/// `value` rounded down to a multiple of `align` (a power of two).
pub const fn align_down(value: u64, align: u64) -> u64 {
    debug_assert!(align.is_power_of_two());
    value & !(align - 1)
}

/// `value` rounded up to a multiple of `align` (a power of two); saturates to the highest
/// multiple of `align` instead of wrapping.
pub const fn align_up(value: u64, align: u64) -> u64 {
    debug_assert!(align.is_power_of_two());
    match value.checked_add(align - 1) {
        Some(v) => v & !(align - 1),
        None => !(align - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inward_and_outward_alignment() {
        let r = PhysRange::new(0x1234, 0x5678);
        assert_eq!(r.align_inward(0x1000), PhysRange::new(0x2000, 0x5000));
        assert_eq!(r.align_outward(0x1000), PhysRange::new(0x1000, 0x6000));
        let tiny = PhysRange::new(0x1001, 0x1fff);
        assert!(tiny.align_inward(0x1000).is_empty());
        assert_eq!(tiny.align_outward(0x1000), PhysRange::new(0x1000, 0x2000));
    }

    #[test]
    fn saturates_at_the_top_of_the_address_space() {
        let r = PhysRange::from_base_size(u64::MAX - 10, 100);
        assert_eq!(r.end, u64::MAX);
        assert_eq!(r.align_outward(0x1000).end, u64::MAX);
        assert_eq!(align_up(u64::MAX - 1, 0x1000), !0xfff);
    }

    #[test]
    fn overlap_and_touch() {
        let a = PhysRange::new(0, 10);
        let b = PhysRange::new(10, 20);
        assert!(!a.overlaps(&b));
        assert!(a.touches(&b));
        assert!(a.overlaps(&PhysRange::new(9, 11)));
        assert!(a.contains(9) && !a.contains(10));
        assert_eq!(PhysRange::new(5, 3).len(), 0);
    }
}
