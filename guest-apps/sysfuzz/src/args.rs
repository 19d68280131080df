//! Argument generators: for each [`A`] shape, a mix of valid values and boundary ones —
//! pointers of every kind (scratch, unaligned, straddling a guard page, NULL, read-only
//! text, the arena, kernel-half, non-canonical, the last user page, low and random ones),
//! lengths from 0 to 2^64-1, descriptors of every kind and invalid ones, flags, pids,
//! timeouts that always end, and structures built in scratch (iovecs, pollfds, strings,
//! socket addresses...).
//!
//! Safety rule: a pointer the kernel may write through is either inside the worker's
//! scratch or arena, or cannot be written at all (unmapped, read-only, not user memory).
//! Generation depends only on the generator's state, never on what earlier calls
//! returned, so a worker seed fixes the whole call sequence.

use crate::fds;
use crate::layout::{ARENA_LEN, ARENA_OFF, PAGE, REGION_SPAN, Region, SCRATCH_LEN};
use crate::paths;
use crate::rng::Rng;
use crate::table::A;

/// Scratch is split in two: random "valid" pointers land in the first half; structures
/// built for the current call are allocated from the second.
const BUF_AREA: u64 = SCRATCH_LEN / 2;
/// The last bytes of scratch are kept non-zero: a string that starts there runs into the
/// guard page.
const TAIL: u64 = 256;

/// Kernel-half addresses (the direct map, the kernel image, the top of memory...).
const KERNEL: [u64; 7] = [
    0xffff_8000_0000_0000,
    0xffff_8000_0010_0000,
    0xffff_ffff_8000_0000,
    0xffff_ffff_8010_0000,
    0xffff_ffff_ff60_0000,
    0xffff_ffff_ffff_f000,
    u64::MAX,
];
/// Non-canonical addresses.
const NONCANONICAL: [u64; 5] = [
    0x0000_8000_0000_0000,
    0x0000_8000_0000_1000,
    0x8000_0000_0000_0000,
    0x1234_5678_9abc_def0,
    0x7fff_0000_0000_0000,
];
/// The last user page and the bytes just below the end of user space (never mapped on
/// Linux: TASK_SIZE is 0x7fff_ffff_f000; not in our guest either).
const USER_TOP: [u64; 4] = [0x7fff_ffff_f000, 0x7fff_ffff_fff8, 0x7fff_ffff_fffc, 0x7fff_ffff_ffff];
/// Low addresses.
const LOW: [u64; 5] = [1, 8, 0xfff, 0x1000, 0x1_0000];
/// Huge lengths.
const HUGE: [u64; 12] = [
    1 << 31,
    (1 << 31) - 1,
    1 << 32,
    (1 << 32) - 1,
    0x7fff_f000,
    i64::MAX as u64,
    u64::MAX,
    1 << 63,
    -4096i64 as u64,
    1 << 40,
    0x7fff_ffff_ffff,
    0x8000_0000_0000,
];

/// What the generator knows about the worker (fixed for its life).
pub struct Ctx {
    /// The worker's memory.
    pub region: Region,
    /// Running in our guest (uname says so), not natively.
    pub in_guest: bool,
    /// The worker's pid (also its tid and, after setsid, its pgid and sid).
    pub pid: i32,
    /// The supervisor's pid.
    pub parent: i32,
    /// The worker's scratch directory (absolute, no NUL).
    pub wdir: [u8; 128],
    /// Its length.
    pub wdir_len: usize,
    /// An address in the program text (read-only, executable).
    pub text: u64,
    /// An address in read-only data.
    pub rodata: u64,
}

impl Ctx {
    /// The scratch directory.
    pub fn wdir(&self) -> &[u8] {
        &self.wdir[..self.wdir_len]
    }
}

/// The generator of one worker.
pub struct Gen<'a> {
    /// Its random source.
    pub rng: Rng,
    /// The worker's fixed facts.
    pub ctx: &'a Ctx,
    /// Next free byte (offset in scratch) of the structure area for the current call.
    bump: u64,
    /// The element count of the array built last (for a following [`A::Count`]).
    pub count: Option<u64>,
}

impl<'a> Gen<'a> {
    /// A generator with `seed`.
    pub fn new(seed: u64, ctx: &'a Ctx) -> Gen<'a> {
        Gen { rng: Rng::new(seed), ctx, bump: BUF_AREA, count: None }
    }

    /// Starts a new call: the structure area is free again.
    pub fn begin(&mut self) {
        self.bump = BUF_AREA;
        self.count = None;
    }

    /// Fills scratch with random bytes (the tail with non-zero ones).
    pub fn fill_scratch(&mut self) {
        let base = self.ctx.region.scratch();
        let mut off = 0;
        while off < SCRATCH_LEN {
            let word =
                if off >= SCRATCH_LEN - TAIL { 0x4141_4141_4141_4141 } else { self.rng.next() };
            self.write(base + off, &word.to_le_bytes());
            off += 8;
        }
    }

    /// Copies `bytes` into scratch at `addr`.
    fn write(&mut self, addr: u64, bytes: &[u8]) {
        let scratch = self.ctx.region.scratch();
        if addr < scratch || addr + bytes.len() as u64 > scratch + SCRATCH_LEN {
            return;
        }
        // SAFETY: the range was just checked to lie inside the worker's scratch buffer,
        // which is mapped read-write for the worker's whole life (no fuzzed call may
        // unmap or protect it) and is plain bytes nobody else uses.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), addr as *mut u8, bytes.len()) };
    }

    /// Reads the 64-bit word at `addr` in scratch (0 outside it).
    pub fn peek(&self, addr: u64) -> u64 {
        let scratch = self.ctx.region.scratch();
        if addr < scratch || addr + 8 > scratch + SCRATCH_LEN {
            return 0;
        }
        // SAFETY: the range was just checked to lie inside the worker's scratch buffer
        // (mapped read-write for the worker's life).
        unsafe { core::ptr::read_unaligned(addr as *const u64) }
    }

    /// Writes the 64-bit word `value` at `addr` in scratch (nothing outside it).
    pub fn poke(&mut self, addr: u64, value: u64) {
        self.write(addr, &value.to_le_bytes());
    }

    /// Reserves `len` bytes (8-aligned) of the structure area; None when it is full.
    fn alloc(&mut self, len: u64) -> Option<u64> {
        let start = (self.bump + 7) & !7;
        let end = start.checked_add(len)?;
        if end > SCRATCH_LEN - TAIL {
            return None;
        }
        self.bump = end;
        Some(self.ctx.region.scratch() + start)
    }

    /// Puts `bytes` in the structure area; returns their address (or a bad pointer when
    /// there is no room).
    pub fn put(&mut self, bytes: &[u8]) -> u64 {
        match self.alloc(bytes.len() as u64) {
            Some(addr) => {
                self.write(addr, bytes);
                addr
            }
            None => self.ctx.region.scratch_guard(),
        }
    }

    /// Puts 64-bit words in the structure area.
    pub fn put_words(&mut self, words: &[u64]) -> u64 {
        let mut bytes = [0u8; 512];
        let n = (words.len() * 8).min(bytes.len());
        for (chunk, w) in bytes[..n].chunks_exact_mut(8).zip(words) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        self.put(&bytes[..n])
    }

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

    /// A boundary integer.
    pub fn int(&mut self) -> u64 {
        match self.rng.below(14) {
            0 => 0,
            1 => 1,
            2 => 2,
            3 => u64::MAX,
            4 | 5 => self.rng.below(65),
            6 => i32::MAX as u64,
            7 => i32::MIN as i64 as u64,
            8 => u64::from(u32::MAX),
            9 => 0x8000_0000,
            10 => self.rng.next() & 0xffff_ffff,
            11 => self.rng.next(),
            12 => 1 << 32,
            _ => self.rng.below(4096),
        }
    }

    /// Random bits or a boundary value.
    pub fn garbage(&mut self) -> u64 {
        if self.rng.chance(1, 2) { self.rng.next() } else { self.int() }
    }

    /// A flag word over `mask`.
    pub fn flags(&mut self, mask: u32) -> u64 {
        let mask = u64::from(mask);
        match self.rng.below(20) {
            0..=4 => 0,
            5..=11 => self.rng.next() & mask,
            12 | 13 => mask,
            14 | 15 => 1 << self.rng.below(32),
            16 => self.rng.next() & 0xffff_ffff,
            17 => (self.rng.next() & mask) | (1 << self.rng.below(32)),
            18 => u64::from(u32::MAX),
            _ => self.rng.next(),
        }
    }

    /// An element count: mostly that of the array just built.
    pub fn count(&mut self) -> u64 {
        if let Some(n) = self.count
            && self.rng.chance(7, 10)
        {
            return n;
        }
        pick!(
            self.rng,
            [0, 1, 2, 3, 64, 1024, 1025, u64::from(u32::MAX), u64::MAX, i32::MAX as u64]
        )
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

    /// A descriptor of any kind.
    pub fn fd(&mut self) -> u64 {
        match self.rng.below(100) {
            0..=54 => {
                u64::from(self.rng.range(fds::FIRST_BASE as u64, fds::LAST_BASE as u64) as u32)
            }
            55..=64 => self.rng.below(3),
            65..=79 => self.rng.below(41),
            _ => pick!(
                self.rng,
                [
                    u64::MAX,
                    -100i64 as u64,
                    i32::MIN as i64 as u64,
                    i32::MAX as u64,
                    1023,
                    1024,
                    4096,
                    65535,
                    1 << 20,
                    0xffff_ffff,
                    (1 << 32) | 3,
                    (1 << 32) | 6,
                    0x8000_0000,
                ]
            ),
        }
    }

    /// A directory descriptor for calls that only look.
    pub fn dirfd(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=2 => fds::AT_FDCWD,
            3 | 4 => fds::SCRATCH_DIR as u64,
            5 => fds::ROOT_DIR as u64,
            _ => self.fd(),
        }
    }

    /// A directory descriptor for calls that change names: never one that could be a
    /// directory outside scratch.
    pub fn dirfd_w(&mut self) -> u64 {
        match self.rng.below(20) {
            0..=7 => fds::AT_FDCWD,
            8..=13 => fds::SCRATCH_DIR as u64,
            14..=16 => self.rng.pick(&fds::NON_DIRS) as u64,
            _ => pick!(self.rng, [u64::MAX, i32::MAX as u64, 4096, 1 << 20]),
        }
    }

    /// The target of dup2/dup3 (below 48, or invalid).
    pub fn newfd(&mut self) -> u64 {
        if self.rng.chance(9, 10) {
            self.rng.below(48)
        } else {
            pick!(self.rng, [u64::MAX, 1 << 20, i32::MAX as u64, 1024, (1 << 32) | 5])
        }
    }

    /// A pid for calls that only look.
    pub fn pid_query(&mut self) -> u64 {
        let c = self.ctx;
        match self.rng.below(10) {
            0 => 0,
            1 | 2 => c.pid as u64,
            3 => c.parent as u64,
            4 => 1,
            5 => u64::MAX,
            6 => self.rng.range(1, 1000),
            _ => self.invalid_pid(),
        }
    }

    /// A pid that cannot exist.
    pub fn invalid_pid(&mut self) -> u64 {
        pick!(
            self.rng,
            [
                i32::MAX as u64,
                0x7fff_fff0,
                i32::MIN as i64 as u64,
                self.rng.range(5_000_000, 1 << 30),
                0xffff_ffff_0000_0000 | 0x7fff_ffff,
            ]
        )
    }

    /// A pid for calls that change a process: 0, the worker, or one that does not exist.
    pub fn pid_modify(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=3 => 0,
            4..=6 => self.ctx.pid as u64,
            _ => self.invalid_pid(),
        }
    }

    /// A pid to send a signal to: the worker itself, or none that exists.
    pub fn pid_kill(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=4 => self.ctx.pid as u64,
            5 => (-0x7fff_fff0i64) as u64,
            6 => (-(self.rng.range(5_000_000, 1 << 30) as i64)) as u64,
            _ => self.invalid_pid(),
        }
    }

    /// A thread id to signal: the worker, or none that exists (0 and -1 are EINVAL).
    pub fn tid_kill(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=4 => self.ctx.pid as u64,
            5 => 0,
            6 => u64::MAX,
            _ => self.invalid_pid(),
        }
    }

    /// A signal number, invalid ones included.
    pub fn sig_any(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=7 => self.rng.range(1, 64),
            8 => pick!(self.rng, [0, 65, 128, u64::MAX, i32::MAX as u64]),
            _ => self.rng.next(),
        }
    }

    /// A signal safe to send to the worker (which ignores everything it can): never
    /// SIGKILL or SIGSTOP.
    pub fn sig_send(&mut self) -> u64 {
        // The kernel reads an int: upper bits do not count.
        match self.sig_any() {
            s if matches!(s as u32, 9 | 19) => 0,
            s => s,
        }
    }

    /// A user or group id.
    pub fn uid(&mut self) -> u64 {
        pick!(
            self.rng,
            [
                0,
                0,
                65534,
                1000,
                u64::from(u32::MAX),
                u64::from(u32::MAX - 1),
                self.rng.next() & 0xffff_ffff,
                self.rng.next(),
            ]
        )
    }

    /// A clock id.
    pub fn clock(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=6 => self.rng.below(12),
            7 => pick!(self.rng, [u64::MAX, -6i64 as u64, -2i64 as u64, -14i64 as u64]),
            8 => pick!(self.rng, [12, 16, 1000]),
            _ => self.rng.next(),
        }
    }

    /// A small selector (how, which, idtype, advice...).
    pub fn which(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=7 => self.rng.below(5),
            8 => pick!(self.rng, [u64::MAX, 5, 16, 100, i32::MAX as u64]),
            _ => self.rng.next(),
        }
    }

    /// A timespec that ends soon (never NULL: for most calls NULL means forever).
    pub fn timeout(&mut self) -> u64 {
        if self.rng.chance(1, 8) {
            return self.bad_ptr_nonnull();
        }
        let (sec, nsec): (i64, i64) = match self.rng.below(100) {
            0..=59 => (0, self.rng.below(2_000_000) as i64),
            60..=69 => (0, 0),
            70..=74 => (0, self.rng.below(20_000_000) as i64),
            75 => (1, 0),
            76..=83 => (self.rng.next() as i64, 1_000_000_000),
            84..=89 => (0, -1),
            90..=94 => (-1, 0),
            _ => (i64::MIN, pick!(self.rng, [i64::MAX, i64::MIN, -1])),
        };
        self.put_words(&[sec as u64, nsec as u64])
    }

    /// An invalid pointer other than NULL that cannot be read either (a timeout read
    /// from the program text could be days long).
    fn bad_ptr_nonnull(&mut self) -> u64 {
        match self.unreadable_ptr() {
            0 => KERNEL[0],
            p => p,
        }
    }

    /// A timeval that ends soon (never NULL).
    pub fn timeval(&mut self) -> u64 {
        if self.rng.chance(1, 8) {
            return self.bad_ptr_nonnull();
        }
        let (sec, usec): (i64, i64) = match self.rng.below(10) {
            0..=6 => (0, self.rng.below(2000) as i64),
            7 => (0, 1_000_000),
            8 => (0, -1),
            _ => (-1, 0),
        };
        self.put_words(&[sec as u64, usec as u64])
    }

    /// A pointer to a signal set (or NULL).
    pub fn sigset_ptr(&mut self) -> u64 {
        match self.rng.below(10) {
            0 | 1 => 0,
            2..=7 => {
                let set = self.rng.next();
                self.put_words(&[set])
            }
            _ => self.bad_ptr(),
        }
    }

    /// The size of a signal set.
    pub fn sigset_size(&mut self) -> u64 {
        if self.rng.chance(4, 5) {
            8
        } else {
            pick!(self.rng, [0, 4, 7, 16, 128, u64::MAX, self.rng.next()])
        }
    }

    /// A `struct sigaction` for signal `sig`: SIG_DFL only for signals whose default
    /// action is to ignore them, SIG_IGN for any; a handler address only for signals
    /// that cannot be given one (EINVAL). So no signal ends or stops the worker, and no
    /// handler ever runs (a handler would run on the stack the worker shares with
    /// nothing but could still clobber, with a restorer and alternate stack at random).
    pub fn sigaction(&mut self, sig: u64) -> u64 {
        match self.rng.below(10) {
            0 | 1 => return 0,
            2 => return self.unreadable_ptr(),
            _ => {}
        }
        // The kernel reads the signal as an int: upper bits do not count.
        let sig = i64::from(sig as u32 as i32);
        let settable = (1..=64).contains(&sig) && sig != 9 && sig != 19;
        // SIGCHLD, SIGCONT, SIGURG, SIGWINCH.
        let ignored_by_default = matches!(sig, 17 | 18 | 23 | 28);
        let handler = if !settable {
            pick!(self.rng, [0, 1, self.ctx.text, self.bad_ptr()])
        } else if ignored_by_default && self.rng.chance(1, 2) {
            0
        } else {
            1
        };
        let flags = self.flags(0xdc00_000f);
        let restorer = self.bad_ptr();
        let mask = self.rng.next();
        self.put_words(&[handler, flags, restorer, mask])
    }

    /// An iovec array of buffers the kernel may write (sets the count).
    pub fn iov(&mut self) -> u64 {
        if self.rng.chance(1, 10) {
            self.count = None;
            return self.bad_ptr();
        }
        let n = pick!(self.rng, [0u64, 1, 1, 2, 2, 3, 4, 8, 16]);
        let mut words = [0u64; 32];
        for i in 0..n as usize {
            let base = self.ptr(0);
            let len = self.len(base);
            words[2 * i] = base;
            words[2 * i + 1] = len;
        }
        self.count = Some(n);
        if n == 0 {
            return self.ptr(16);
        }
        self.put_words(&words[..2 * n as usize])
    }

    /// A pollfd array (sets the count).
    pub fn pollfds(&mut self) -> u64 {
        if self.rng.chance(1, 10) {
            self.count = None;
            return self.bad_ptr();
        }
        let n = pick!(self.rng, [0u64, 1, 2, 3, 5, 8]);
        let mut words = [0u64; 8];
        for w in words.iter_mut().take(n as usize) {
            let fd = self.fd() as u32;
            let events = if self.rng.chance(3, 4) { 5 } else { self.rng.next() & 0xffff };
            *w = u64::from(fd) | (events << 32);
        }
        self.count = Some(n);
        if n == 0 {
            return self.ptr(8);
        }
        self.put_words(&words[..n as usize])
    }

    /// An fd_set (128 random bytes), NULL or a bad pointer.
    pub fn fdset(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=2 => 0,
            3..=8 => {
                let mut words = [0u64; 16];
                for w in &mut words {
                    *w = if self.rng.chance(1, 2) { self.rng.next() } else { 0x7fff };
                }
                self.put_words(&words)
            }
            _ => self.bad_ptr(),
        }
    }

    /// select's nfds.
    pub fn nfds(&mut self) -> u64 {
        pick!(self.rng, [0, 1, 3, 16, 17, 64, 1024, 1025, u64::MAX, i32::MAX as u64])
    }

    /// A short string (names for memfd, mq, PR_SET_NAME...).
    pub fn string(&mut self) -> u64 {
        let mut buf = [0u8; 300];
        let n = match self.rng.below(10) {
            0 => 0,
            1..=6 => self.rng.range(1, 16) as usize,
            7 | 8 => self.rng.range(17, 299) as usize,
            _ => return if self.rng.chance(1, 2) { self.bad_ptr() } else { self.unterminated() },
        };
        for b in &mut buf[..n] {
            *b = self.rng.range(0x21, 0x7e) as u8;
        }
        if n > 0 && self.rng.chance(1, 4) {
            buf[0] = b'/';
        }
        self.put(&buf[..n + 1])
    }

    /// An extended-attribute name.
    pub fn xattr_name(&mut self) -> u64 {
        let names: [&[u8]; 9] = [
            b"user.a\0",
            b"user.b\0",
            b"user.\0",
            b"trusted.x\0",
            b"security.selinux\0",
            b"system.posix_acl_access\0",
            b"\0",
            b"x\0",
            b"user.a_long_name_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\0",
        ];
        if self.rng.chance(1, 10) {
            return self.bad_ptr();
        }
        let name = self.rng.pick(&names);
        self.put(name)
    }

    /// A NULL-terminated array of string pointers (argv/envp), sometimes broken.
    pub fn strvec(&mut self) -> u64 {
        match self.rng.below(10) {
            0 | 1 => return 0,
            2 => return self.bad_ptr(),
            _ => {}
        }
        let n = self.rng.below(6) as usize;
        let mut words = [0u64; 8];
        for w in words.iter_mut().take(n) {
            *w = if self.rng.chance(9, 10) { self.string() } else { self.bad_ptr() };
        }
        let total = if self.rng.chance(1, 10) { 8 } else { n + 1 };
        if total == 8 {
            for w in words.iter_mut().skip(n) {
                *w = self.rng.next();
            }
        }
        self.put_words(&words[..total])
    }

    /// A socket address (sets the count to its length).
    pub fn sockaddr(&mut self) -> u64 {
        match self.rng.below(10) {
            0 => {
                self.count = None;
                return 0;
            }
            1 => {
                self.count = None;
                return self.bad_ptr();
            }
            _ => {}
        }
        let mut buf = [0u8; 110];
        let family: u16 = match self.rng.below(10) {
            0..=6 => 1,
            7 => 0,
            _ => self.rng.next() as u16,
        };
        buf[..2].copy_from_slice(&family.to_le_bytes());
        let names: [&[u8]; 6] = [b"sock", b"a", b"f0", b"\0abstract", b"/nonexistent/s", b"link"];
        let name = self.rng.pick(&names);
        buf[2..2 + name.len()].copy_from_slice(name);
        let len = match self.rng.below(4) {
            0 => 110,
            1 => 2 + name.len() as u64 + 1,
            2 => 2,
            _ => 2 + name.len() as u64,
        };
        self.count = Some(len);
        self.put(&buf)
    }

    /// A socket address length.
    pub fn socklen(&mut self) -> u64 {
        if let Some(n) = self.count
            && self.rng.chance(7, 10)
        {
            return n;
        }
        pick!(self.rng, [0, 1, 2, 3, 16, 110, 111, 128, 4096, u64::from(u32::MAX)])
    }

    /// A pointer to a length the kernel reads and updates.
    pub fn lenptr(&mut self) -> u64 {
        match self.rng.below(10) {
            0 | 1 => 0,
            2 => self.bad_ptr(),
            _ => {
                let v = pick!(self.rng, [0u64, 1, 16, 110, 128, 4096, 0xffff_ffff]);
                self.put_words(&[v])
            }
        }
    }

    /// A `struct msghdr` whose buffers are safe to write.
    pub fn msghdr(&mut self) -> u64 {
        if self.rng.chance(1, 10) {
            return self.bad_ptr();
        }
        let name = self.ptr(110);
        let namelen = pick!(self.rng, [0u64, 16, 110, 128, 0xffff_ffff]);
        let iov = self.iov();
        let iovlen = self.count();
        let control = if self.rng.chance(1, 2) { 0 } else { self.ptr(64) };
        let controllen = pick!(self.rng, [0u64, 16, 24, 64, 4096, u64::MAX]);
        let flags = self.rng.next() & 0xffff_ffff;
        self.put_words(&[name, namelen, iov, iovlen, control, controllen, flags])
    }

    /// An array of `struct mmsghdr` (sets the count).
    pub fn mmsgvec(&mut self) -> u64 {
        if self.rng.chance(1, 10) {
            self.count = None;
            return self.bad_ptr();
        }
        let n = self.rng.range(1, 3) as usize;
        let mut words = [0u64; 24];
        for i in 0..n {
            let name = self.ptr(110);
            let iov = self.iov();
            let iovlen = self.count();
            let control = if self.rng.chance(1, 2) { 0 } else { self.ptr(64) };
            let rest = [name, 110, iov, iovlen, control, 64, 0, 0];
            words[i * 8..i * 8 + 8].copy_from_slice(&rest);
        }
        self.count = Some(n as u64);
        self.put_words(&words[..n * 8])
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
    fn huge_len(&mut self, addr: u64, strict: bool) -> u64 {
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

    /// A resource for the getters.
    pub fn resource(&mut self) -> u64 {
        if self.rng.chance(9, 10) {
            self.rng.below(17)
        } else {
            pick!(self.rng, [100, u64::MAX, u64::from(u32::MAX), self.rng.next()])
        }
    }

    /// A resource for the setters: never RLIMIT_CPU (0: a hard limit kills) or
    /// RLIMIT_CORE (4: a dead worker would dump its shared address space).
    pub fn resource_set(&mut self) -> u64 {
        // The kernel reads an unsigned int: upper bits do not count.
        match self.resource() {
            r if matches!(r as u32, 0 | 4) => 7,
            r => r,
        }
    }

    /// A `struct rlimit` (or NULL).
    pub fn rlimit(&mut self) -> u64 {
        match self.rng.below(10) {
            0 => 0,
            1 => self.bad_ptr(),
            _ => {
                let mut v =
                    || pick!(self.rng, [0u64, 1, 16, 64, 1024, 4096, 8 << 20, u64::MAX, 1 << 40]);
                let (a, b) = (v(), v());
                self.put_words(&[a, b])
            }
        }
    }

    /// A System V key that is never IPC_PRIVATE (0, which would create an object).
    pub fn ipc_key(&mut self) -> u64 {
        pick!(self.rng, [1, 0x1234_5678, u64::from(u32::MAX), (self.rng.next() & 0xffff_ffff) | 1])
    }

    /// A System V id that cannot exist.
    pub fn neg_id(&mut self) -> u64 {
        pick!(self.rng, [u64::MAX, i32::MIN as i64 as u64, -2i64 as u64, -0x7fff_ffffi64 as u64])
    }

    /// A pointer the kernel may write through, or an integer.
    pub fn ptr_or_int(&mut self) -> u64 {
        if self.rng.chance(3, 5) { self.ptr(64) } else { self.int() }
    }

    /// Generates argument `i` of shape `shape`; `prev` holds the arguments before it.
    pub fn arg(&mut self, shape: A, prev: &[u64; 6], i: usize) -> u64 {
        let before = if i > 0 { prev[i - 1] } else { 0 };
        match shape {
            A::Z => {
                if self.rng.chance(1, 8) {
                    self.garbage()
                } else {
                    0
                }
            }
            A::Fd => self.fd(),
            A::DirFd => self.dirfd(),
            A::DirFdW => self.dirfd_w(),
            A::NewFd => self.newfd(),
            A::PathR => paths::path(self, paths::Use::Read),
            A::PathW => paths::path(self, paths::Use::Write),
            A::PathX => paths::path(self, paths::Use::Exec),
            A::LinkTarget => paths::path(self, paths::Use::Target),
            A::Out(size) => self.ptr(u64::from(size)),
            A::In(size) => match self.ptr(u64::from(size)) {
                // A structure read from the program text means whatever the code bytes
                // say (a policy, a limit, a time): not from there.
                p if p == self.ctx.text || p == self.ctx.rodata => self.ctx.region.scratch_guard(),
                p => p,
            },
            A::Len => self.len(before),
            A::BLen => self.blen(),
            A::Count => self.count(),
            A::Off => self.off(),
            A::OffPtr => match self.rng.below(4) {
                0 => 0,
                1 => self.bad_ptr(),
                _ => {
                    let off = self.off();
                    self.put_words(&[off])
                }
            },
            A::LenPtr => self.lenptr(),
            A::Int => self.int(),
            A::Small => {
                if self.rng.chance(9, 10) {
                    self.rng.below(17)
                } else {
                    pick!(self.rng, [u64::MAX, 1000, i32::MAX as u64])
                }
            }
            A::Flags(mask) => self.flags(mask),
            A::OpenFlags => self.flags(0o37_777_703) | 0o4000,
            A::AtFlags => match self.rng.below(10) {
                0..=4 => 0,
                5..=7 => {
                    pick!(self.rng, [0x100, 0x200, 0x400, 0x800, 0x1000, 0x2000, 0x4000, 0x6000])
                }
                _ => self.flags(0xff00),
            },
            A::Mode => pick!(
                self.rng,
                [
                    0,
                    0o644,
                    0o755,
                    0o777,
                    0o7777,
                    0o4755,
                    self.rng.next() & 0o7777,
                    self.rng.next() & 0xffff_ffff,
                ]
            ),
            A::NodeMode => {
                let kind =
                    pick!(self.rng, [0u64, 0o100000, 0o140000, 0o170000, 0o040000, 0o120000]);
                kind | (self.rng.next() & 0o7777)
            }
            A::Dev => {
                pick!(self.rng, [0, 0x103, 0xfe00, self.rng.next() & 0xffff_ffff, self.rng.next()])
            }
            A::Whence => pick!(self.rng, [0, 1, 2, 3, 4, 5, u64::MAX, self.rng.next()]),
            A::Prot => match self.rng.below(10) {
                0..=6 => self.rng.below(8),
                7 => pick!(self.rng, [0x0100_0000, 0x0200_0000, 0x0300_0003]),
                8 => 0x10 | self.rng.below(8),
                _ => self.rng.next() & 0xffff_ffff,
            },
            A::SigAny => self.sig_any(),
            A::SigSend => self.sig_send(),
            A::SigSetPtr => self.sigset_ptr(),
            A::SigSetSize => self.sigset_size(),
            A::SigactPtr => self.sigaction(prev[0]),
            A::PidQ => self.pid_query(),
            A::PidM => self.pid_modify(),
            A::PidKill => self.pid_kill(),
            A::TidKill => self.tid_kill(),
            A::PidWait => pick!(
                self.rng,
                [u64::MAX, 0, self.ctx.pid as u64, i32::MIN as i64 as u64, 0x7fff_fff0,]
            ),
            A::Pgid => pick!(
                self.rng,
                [0, self.ctx.pid as u64, self.ctx.parent as u64, u64::MAX, 0x7fff_fff0]
            ),
            A::Uid => self.uid(),
            A::Clock => self.clock(),
            A::Resource => self.resource(),
            A::ResourceSet => self.resource_set(),
            A::Timeout => self.timeout(),
            A::TimeoutMs => pick!(self.rng, [0, 0, 0, 1, 2, 5]),
            A::Timeval => self.timeval(),
            A::Iov => self.iov(),
            A::PollFds => self.pollfds(),
            A::FdSet => self.fdset(),
            A::Nfds => self.nfds(),
            A::StrVec => self.strvec(),
            A::Str => self.string(),
            A::XattrName => self.xattr_name(),
            A::Sockaddr => self.sockaddr(),
            A::SockLen => self.socklen(),
            A::Domain => {
                if self.rng.chance(7, 10) {
                    1
                } else {
                    pick!(self.rng, [0, 46, 64, 1000, u64::MAX, 64 + (self.rng.next() & 0xffff)])
                }
            }
            A::SockType => {
                let t = pick!(self.rng, [1u64, 1, 2, 5, 3, 10, 0, self.rng.next() & 0xff]);
                t | 0x800 | if self.rng.chance(1, 4) { 0x80000 } else { 0 }
            }
            A::MsgHdr => self.msghdr(),
            A::MmsgVec => self.mmsgvec(),
            A::MemAddr => self.mem_addr(),
            A::MemLen => self.mem_len(before, false),
            A::MapLen => self.mem_len(before, true),
            A::BrkAddr => self.brk_addr(),
            A::RlimitPtr => self.rlimit(),
            A::IpcKey => self.ipc_key(),
            A::NegId => self.neg_id(),
            A::PtrOrInt => self.ptr_or_int(),
            A::Which => self.which(),
            A::FutexAddr => self.ptr(4),
            A::Garbage => self.garbage(),
        }
    }
}
