//! Pointers of every kind, byte counts and offsets, and the addresses and lengths of
//! memory calls.

use super::*;

impl Gen<'_> {
    /// A pointer that starts a string running into the guard page (no NUL before it).
    pub fn unterminated(&mut self) -> u64 {
        let tail = self.ctx.region.scratch() + SCRATCH_LEN - TAIL;
        self.write(tail, &[b'A'; TAIL as usize]);
        tail + self.rng.below(TAIL)
    }

    /// A pointer that is invalid or read-only (never somewhere the kernel could write).
    pub fn bad_ptr(&mut self) -> u64 {
        let r = self.ctx.region;
        match self.rng.below(10) {
            0 => 0,
            1 => self.rng.pick(&KERNEL),
            2 => self.rng.pick(&NONCANONICAL),
            3 => self.rng.pick(&USER_TOP),
            4 => self.rng.pick(&LOW),
            5 => {
                pick!(self.rng, [r.base, r.scratch_guard(), r.base + crate::layout::STACK_OFF - 8])
            }
            6 => pick!(self.rng, [self.ctx.text, self.ctx.rodata]),
            7 => {
                r.arena()
                    + ARENA_LEN
                    + self.rng.below((REGION_SPAN - ARENA_OFF - ARENA_LEN) / PAGE) * PAGE
            }
            8 => self.rng.next(),
            _ => self.rng.next() & 0x0000_7fff_ffff_f000,
        }
    }

    /// An invalid pointer the kernel cannot even read: never the program text (a
    /// structure read from there would be whatever the code bytes say) nor the region
    /// after the arena (fuzzed mappings may have put zeros there, which read as
    /// SIG_DFL, or as a zero timeout...).
    pub fn unreadable_ptr(&mut self) -> u64 {
        let r = self.ctx.region;
        match self.rng.below(6) {
            0 => self.rng.pick(&KERNEL),
            1 => self.rng.pick(&NONCANONICAL),
            2 => self.rng.pick(&USER_TOP),
            3 => self.rng.pick(&LOW),
            4 => {
                pick!(self.rng, [r.base, r.scratch_guard(), r.base + crate::layout::STACK_OFF - 8])
            }
            _ => r.scratch_guard() + self.rng.below(PAGE - 64),
        }
    }

    /// An invalid pointer other than NULL that cannot be read either (a timeout read
    /// from the program text could be days long).
    pub(super) fn bad_ptr_nonnull(&mut self) -> u64 {
        match self.unreadable_ptr() {
            0 => KERNEL[0],
            p => p,
        }
    }

    /// A pointer for the kernel to read or write `size` bytes (0: unknown): mostly valid
    /// scratch, else every kind of boundary.
    pub fn ptr(&mut self, size: u64) -> u64 {
        let size = if size == 0 { 256 } else { size.min(BUF_AREA) };
        let scratch = self.ctx.region.scratch();
        match self.rng.below(100) {
            0..=64 => scratch + (self.rng.below(BUF_AREA - size + 1) & !7),
            65..=70 => scratch + self.rng.below(BUF_AREA - size) + 1 + self.rng.below(7),
            71..=73 => scratch + SCRATCH_LEN - 1 - self.rng.below(size.max(2) - 1),
            74..=77 => 0,
            78..=82 => self.ctx.region.arena() + self.rng.below(ARENA_LEN / 8) * 8,
            _ => self.bad_ptr(),
        }
    }

    /// A byte count suited to the pointer `prev`.
    pub fn len(&mut self, prev: u64) -> u64 {
        let scratch = self.ctx.region.scratch();
        let fits = if (scratch..scratch + SCRATCH_LEN).contains(&prev) {
            scratch + SCRATCH_LEN - prev
        } else {
            PAGE
        };
        match self.rng.below(100) {
            0..=39 => self.rng.below(fits.min(4096) + 1),
            40..=54 => self.rng.below(fits + 1),
            55..=59 => 0,
            60..=64 => fits + self.rng.below(2),
            65..=74 => {
                pick!(self.rng, [1, 2, 7, 8, 15, 16, 63, 64, 255, 256, 4095, 4096, 4097, 65536])
            }
            75..=89 => self.rng.pick(&HUGE),
            _ => self.rng.below(1 << 20),
        }
    }

    /// A byte count of at most 1 MiB.
    pub fn blen(&mut self) -> u64 {
        match self.rng.below(10) {
            0 => 0,
            1 => 1,
            2 => PAGE,
            3 => 1 << 20,
            4..=6 => self.rng.below(PAGE * 4),
            _ => self.rng.below(1 << 20),
        }
    }

    /// A file offset.
    pub fn off(&mut self) -> u64 {
        match self.rng.below(16) {
            0..=3 => 0,
            4..=6 => self.rng.below(8192),
            7 => self.rng.below(1 << 20),
            8 => PAGE,
            9 => 1 << 31,
            10 => 1 << 32,
            11 => 1 << 40,
            12 => i64::MAX as u64,
            13 => i64::MAX as u64 - 4095,
            14 => u64::MAX,
            _ => i64::MIN as u64,
        }
    }

    /// An address for memory calls: the arena, or addresses that must be refused.
    pub fn mem_addr(&mut self) -> u64 {
        let r = self.ctx.region;
        match self.rng.below(100) {
            0..=59 => r.arena() + self.rng.below(ARENA_LEN / PAGE) * PAGE,
            60..=64 => r.arena() + self.rng.below(ARENA_LEN),
            65..=69 => {
                r.arena()
                    + ARENA_LEN
                    + self.rng.below((REGION_SPAN - ARENA_OFF - ARENA_LEN) / PAGE) * PAGE
            }
            70..=74 => 0,
            75..=79 => self.rng.pick(&LOW),
            80..=89 => self.rng.pick(&KERNEL),
            90..=94 => self.rng.pick(&NONCANONICAL),
            _ => self.rng.pick(&USER_TOP),
        }
    }

    /// A length for memory calls at `addr`. Inside the worker's region it never
    /// reaches past the region's end; at the other user addresses [`Gen::mem_addr`]
    /// makes (low ones, below everything that is mapped) it stays under 1 GiB. The exceptions are lengths the kernel must refuse: ones that
    /// wrap around the address space (every call refuses those), and, when `strict`
    /// (munmap, mmap, mremap: Linux refuses a range past the end of user space), ones
    /// that merely go past the end. Other calls (madvise above all) act on every mapping
    /// in a range that ends past user space, holes or not: such a length would reach the
    /// supervisor's memory.
    pub fn mem_len(&mut self, addr: u64, strict: bool) -> u64 {
        let r = self.ctx.region;
        if (r.base..r.end()).contains(&addr) {
            let room = r.end() - addr;
            match self.rng.below(100) {
                0..=49 => (self.rng.range(1, 16) * PAGE).min(room),
                50..=59 => self.rng.below(room.min(ARENA_LEN)),
                60..=64 => 0,
                65..=69 => self.rng.range(1, PAGE - 1),
                70..=79 => room - if self.rng.chance(1, 2) { 0 } else { PAGE.min(room) },
                _ => self.huge_len(addr, strict),
            }
        } else if addr < USER_TOP[0] {
            match self.rng.below(6) {
                0 => 0,
                1 => PAGE,
                2 => 1 << 20,
                3 => self.rng.below(1 << 30),
                _ => self.huge_len(addr, strict),
            }
        } else {
            // The last user page (never mapped), kernel-half or non-canonical: nothing
            // mapped lies above, whatever the length.
            match self.rng.below(6) {
                0 => 0,
                1 => PAGE,
                2 => 1 << 20,
                3 => self.rng.pick(&HUGE),
                _ => self.rng.next(),
            }
        }
    }

    /// A length the kernel must refuse at `addr` (see [`Gen::mem_len`]): one whose
    /// rounding up to a page overflows, one that wraps `addr + len` around (only possible
    /// from the second page on), or, when `strict`, one past the end of user space.
    pub(super) fn huge_len(&mut self, addr: u64, strict: bool) -> u64 {
        if strict && self.rng.chance(1, 2) {
            return pick!(self.rng, [1 << 63, 1 << 47, (1 << 47) + PAGE]);
        }
        if addr >= PAGE && self.rng.chance(1, 2) {
            return addr.wrapping_neg() + self.rng.below(2) * PAGE;
        }
        u64::MAX - self.rng.below(PAGE - 1)
    }

    /// An address for brk that cannot move the break: the break is shared with the
    /// supervisor's allocator (which keeps its own idea of where the break is), so a
    /// worker may only ask (0) or ask for what must be refused (below the heap, past
    /// the end of user space, kernel-half, non-canonical).
    pub fn brk_addr(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=2 => 0,
            3 => self.rng.pick(&KERNEL),
            4 => self.rng.pick(&NONCANONICAL),
            5 => self.rng.pick(&USER_TOP),
            _ => pick!(
                self.rng,
                [1, 0x1000, 0x1_0000, u64::MAX, 1 << 47, self.rng.below(1 << 30) & !7]
            ),
        }
    }

    /// A pointer the kernel may write through, or an integer.
    pub fn ptr_or_int(&mut self) -> u64 {
        if self.rng.chance(3, 5) { self.ptr(64) } else { self.int() }
    }
}
