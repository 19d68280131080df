//! TEMPORARY exclusions of known guest-kernel bugs, so a run can fuzz past them. Each
//! one is a bug found by this fuzzer and reported with its reproducer (see the report in
//! `docs/DESIGN.md`); remove its entry once the kernel is fixed. They apply only in our
//! guest (natively nothing is excluded) and `--known-bugs` turns them off, to check
//! whether a bug is still there.

use crate::args::Gen;
use crate::layout::SCRATCH_LEN;

/// One known bug: what it is, and how the arguments of a call are changed to avoid it.
pub struct Known {
    /// A short name.
    pub name: &'static str,
    /// Rewrites the arguments of call `nr` if they would trigger the bug; true if it did.
    pub avoid: fn(nr: u64, a: &mut [u64; 6], g: &mut Gen) -> bool,
}

/// `CLONE_SETTLS`.
const CLONE_SETTLS: u64 = 0x80000;
/// The end of the user half (a TLS base at or above it is not canonical or not user).
const USER_END: u64 = 0x7fff_ffff_f000;

/// Largest buffer (in the arena and the memory mapped after it) a read or write may name
/// while the prefault bug is avoided.
const PREFAULT_MAX: u64 = 1 << 20;

/// Whether `addr` is in the worker's memory beyond scratch (arena, and whatever fuzzed
/// mappings made after it), where a long buffer can be backed by mapped pages.
fn in_arena(g: &Gen, addr: u64) -> bool {
    let r = g.ctx.region;
    (r.arena()..r.end()).contains(&addr)
}

/// Clamps the length `len` of a buffer at `addr` (see `uaccess-prefaults-whole-buffer`).
fn clamp(g: &Gen, addr: u64, len: &mut u64) -> bool {
    if in_arena(g, addr) && *len > PREFAULT_MAX {
        *len = PREFAULT_MAX;
        return true;
    }
    false
}

/// Clamps every entry of the iovec array at `iov` with `count` entries (when it is in
/// scratch, where the generator built it).
fn clamp_iov(g: &mut Gen, iov: u64, count: u64) -> bool {
    let scratch = g.ctx.region.scratch();
    let mut changed = false;
    for i in 0..count.min(16) {
        let at = iov + 16 * i;
        if !(scratch..scratch + SCRATCH_LEN - 16).contains(&at) {
            break;
        }
        let (base, mut len) = (g.peek(at), g.peek(at + 8));
        if clamp(g, base, &mut len) {
            g.poke(at + 8, len);
            changed = true;
        }
    }
    changed
}

/// Longest getrandom into the worker's memory while the getrandom bug is avoided.
const GETRANDOM_MAX: u64 = 16 << 10;

/// The list.
pub const KNOWN: &[Known] = &[
    Known {
        // getrandom makes each random byte in the kernel (ChaCha20, about 16 us per byte
        // on these hosts) and copies it out chunk by chunk with no preemption point and
        // no check for signals (syscall/random.rs): getrandom(buf, 1 MiB) holds the only
        // CPU for 16 s, and getrandom(buf, 2^64-4096) over a large mapping for hours --
        // the whole machine hangs (a soak stopped this way). Linux checks for pending
        // signals and reschedules between chunks.
        name: "getrandom-holds-cpu",
        avoid: |nr, a, g| {
            let r = g.ctx.region;
            if nr == 318 && (r.base..r.end()).contains(&a[0]) && a[1] > GETRANDOM_MAX {
                a[1] = g.rng.below(GETRANDOM_MAX);
                return true;
            }
            false
        },
    },
    Known {
        // read/write and friends make every page of the whole user buffer present
        // before any data moves (uaccess/segments.rs, called from syscall/fd_io.rs
        // `buffers` and syscall/dir.rs getdents64): a 2 GiB pread of a 400 KB file into
        // a large mapping takes frames for all 2 GiB (Linux copies only what the file
        // holds, and reads of untouched memory use the zero page), runs the guest out
        // of memory, and the next process that faults is killed (status 137).
        name: "uaccess-prefaults-whole-buffer",
        avoid: |nr, a, g| match nr {
            0 | 1 | 17 | 18 | 78 | 217 => {
                let (addr, mut len) = (a[1], a[2]);
                let changed = clamp(g, addr, &mut len);
                a[2] = len;
                changed
            }
            19 | 20 | 295 | 296 | 327 | 328 => clamp_iov(g, a[1], a[2]),
            _ => false,
        },
    },
    Known {
        // clone(CLONE_SETTLS) with a TLS base outside the user half is accepted
        // (process/fork.rs stores it unchecked); the switch to the child then loads it into
        // IA32_FS_BASE and a non-canonical value takes #GP in the kernel (KERNEL FAULT,
        // status 252). Linux refuses it with EPERM.
        name: "clone-settls-noncanonical",
        avoid: |nr, a, g| match nr {
            56 if a[0] & CLONE_SETTLS != 0 && a[4] >= USER_END => {
                a[4] &= USER_END - 1;
                true
            }
            435 => {
                // struct clone_args: flags at 0, tls at 56.
                let scratch = g.ctx.region.scratch();
                if !(scratch..scratch + SCRATCH_LEN - 64).contains(&a[0]) {
                    return false;
                }
                let flags = g.peek(a[0]);
                let tls = g.peek(a[0] + 56);
                if flags & CLONE_SETTLS != 0 && tls >= USER_END {
                    g.poke(a[0] + 56, tls & (USER_END - 1));
                    return true;
                }
                false
            }
            _ => false,
        },
    },
];

/// Applies every known-bug exclusion to a call.
pub fn avoid(nr: u64, a: &mut [u64; 6], g: &mut Gen) {
    for k in KNOWN {
        (k.avoid)(nr, a, g);
    }
}
