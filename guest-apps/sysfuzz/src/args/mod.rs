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
//!
//! Files: this one holds the generator and its scratch allocator, and turns a shape into
//! a value; `pointers.rs`, `numbers.rs` and `structs.rs` make the values.

mod numbers;
mod pointers;
mod structs;

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
    pub(super) fn write(&mut self, addr: u64, bytes: &[u8]) {
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
    #[allow(dead_code, reason = "for known-bug exclusions (known.rs), none at the moment")]
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
    #[allow(dead_code, reason = "for known-bug exclusions (known.rs), none at the moment")]
    pub fn poke(&mut self, addr: u64, value: u64) {
        self.write(addr, &value.to_le_bytes());
    }

    /// Reserves `len` bytes (8-aligned) of the structure area; None when it is full.
    pub(super) fn alloc(&mut self, len: u64) -> Option<u64> {
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
        for (chunk, w) in bytes[..n].as_chunks_mut::<8>().0.iter_mut().zip(words) {
            *chunk = w.to_le_bytes();
        }
        self.put(&bytes[..n])
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
