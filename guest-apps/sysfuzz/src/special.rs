//! Argument rules that tie several arguments of one call together, or that a call needs
//! beyond its shapes: a path becomes a scratch path when open's flags write; a fixed
//! mapping lands in the arena; a futex wait always gets a timeout; fcntl's argument
//! follows its command; calls that could block forever get their non-blocking flag; a
//! clone's child signal is one that cannot hurt the worker. Applied after the shapes in
//! `table.rs` have been generated, and like them it depends only on the generator.

use crate::args::Gen;
use crate::layout::{ARENA_LEN, ARENA_OFF, PAGE, REGION_SPAN};
use crate::paths::{self, Use};
use crate::table::Sys;

/// `O_NONBLOCK` (also SOCK_NONBLOCK, EFD_NONBLOCK, TFD_NONBLOCK, SFD_NONBLOCK...).
const NONBLOCK: u64 = 0o4000;
/// `O_CREAT`, `O_TRUNC`, `O_APPEND`, `O_TMPFILE`, plus the write access modes.
const WRITEISH: u64 = 0o100 | 0o1000 | 0o2000 | 0o20200000 | 3;
/// `AT_EMPTY_PATH`.
const AT_EMPTY_PATH: u64 = 0x1000;
/// `MAP_FIXED`.
const MAP_FIXED: u64 = 0x10;
/// `MAP_POPULATE`.
const MAP_POPULATE: u64 = 0x8000;
/// `MSG_DONTWAIT`.
const MSG_DONTWAIT: u64 = 0x40;
/// `IPC_CREAT | IPC_EXCL`.
const IPC_CREATE: u64 = 0o3000;

/// fcntl commands (F_SETLKW and F_OFD_SETLKW become their non-waiting forms; F_SETLEASE
/// is left out: a lease makes other opens of the file wait up to 45 s).
const FCNTL_CMDS: [u64; 24] = [
    0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 15, 16, 36, 37, 1025, 1026, 1030, 1031, 1032, 1033, 1034,
    12, 13,
];
/// ioctl requests: terminal, block device and file-system ones.
const IOCTLS: [u64; 44] = [
    0x5401, 0x5402, 0x5403, 0x5404, 0x5405, 0x5409, 0x540a, 0x540b, 0x540c, 0x540d, 0x540e, 0x540f,
    0x5410, 0x5411, 0x5412, 0x5413, 0x5414, 0x5415, 0x541b, 0x541d, 0x5421, 0x5422, 0x5423, 0x5424,
    0x5429, 0x5450, 0x5451, 0x5452, 0x80045430, 0x125d, 0x125e, 0x125f, 0x1260, 0x1261, 0x1268,
    0x80081270, 0x80081272, 0x1277, 0x127f, 1, 2, 0x80086601, 0x40086602, 0x80087601,
];
/// prctl options left out: seccomp, PR_SET_MM, syscall user dispatch, core scheduling,
/// memory-deny-write-execute (sticks to the shared address space), shadow stacks.
const PRCTL_EXCLUDED: [u64; 7] = [22, 35, 59, 62, 65, 75, 76];
/// prctl options whose second argument is written through.
const PRCTL_OUT: [u64; 8] = [2, 5, 9, 11, 16, 19, 37, 40];
/// arch_prctl codes (mapping the vDSO and shadow-stack codes are left out).
const ARCH_CODES: [u64; 14] = [
    0x1001, 0x1002, 0x1003, 0x1004, 0x1011, 0x1012, 0x1021, 0x1022, 0x1023, 0x1024, 0x1025, 0x4001,
    0x4002, 0,
];
/// futex operations that wait (their fourth argument is a timeout).
const FUTEX_WAITS: [u64; 5] = [0, 6, 9, 11, 13];
/// madvise advice (MADV_HWPOISON and MADV_SOFT_OFFLINE left out: they hit physical
/// pages natively).
const ADVICE: [u64; 22] =
    [0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 25];
/// clone flags a child may get (namespaces only in the guest).
const CLONE_FLAGS: u64 = 0x0fff_ff00;
/// The namespace flags.
const CLONE_NEW: u64 = 0x7e02_0000;

/// Most memory a call may make present in the worker's region on purpose (getrandom into
/// the arena, mlock, MADV_POPULATE_*): running the machine out of memory is legitimate
/// but would kill whichever process faults next, the supervisor included.
const POPULATE_MAX: u64 = 1 << 20;

/// Caps `*len` at [`POPULATE_MAX`] when `addr` is in the worker's region.
fn cap_populate(g: &Gen, addr: u64, len: &mut u64) {
    let r = g.ctx.region;
    if (r.base..r.end()).contains(&addr) && *len > POPULATE_MAX && *len < 1 << 47 {
        *len = POPULATE_MAX;
    }
}

/// Applies the rules for call `s` to its arguments `a`.
pub fn fix(s: &Sys, a: &mut [u64; 6], g: &mut Gen) {
    match s.nr {
        318 | 149 | 325 => {
            let (addr, mut len) = (a[0], a[1]);
            cap_populate(g, addr, &mut len);
            a[1] = len;
        }
        // open, openat: a writing open gets a scratch path (and a scratch dirfd).
        2 if a[1] & WRITEISH != 0 => a[0] = paths::path(g, Use::Write),
        257 if a[2] & WRITEISH != 0 => {
            a[0] = g.dirfd_w();
            a[1] = paths::path(g, Use::Write);
        }
        437 => {
            let flags = g.flags(0o37_777_703) | NONBLOCK;
            if flags & WRITEISH != 0 {
                a[0] = g.dirfd_w();
                a[1] = paths::path(g, Use::Write);
            }
            let mode = pick!(g.rng, [0, 0o644, 0o7777, 0xffff_ffff]);
            let resolve = g.flags(0x3f);
            a[2] = g.put_words(&[flags, mode, resolve]);
            a[3] = pick!(g.rng, [24, 24, 24, 0, 8, 32, 4096, u64::MAX]);
        }
        // Flags that make a descriptor non-blocking, and waits that must not wait.
        293 | 290 | 289 | 283 | 294 => {
            let at = if s.nr == 289 {
                3
            } else {
                s.args
                    .iter()
                    .position(|x| {
                        matches!(x, crate::table::A::Flags(_) | crate::table::A::OpenFlags)
                    })
                    .unwrap_or(1)
            };
            a[at] |= NONBLOCK;
        }
        288 => a[3] |= NONBLOCK,
        275 | 276 | 278 => {
            let at = match s.nr {
                275 => 5,
                276 => 3,
                _ => 3,
            };
            a[at] |= 2;
        }
        44 | 45 | 46 | 47 | 299 | 307 => {
            let at = if s.nr == 44 || s.nr == 45 { 3 } else { 2 };
            a[at] |= MSG_DONTWAIT;
            if s.nr == 299 || s.nr == 307 {
                a[3] |= MSG_DONTWAIT;
            }
        }
        73 => a[1] |= 4,
        // pipe: the worker makes the new ends non-blocking, so it must be able to read
        // them back: scratch or an unwritable pointer, not the arena.
        22 => {
            let arena = g.ctx.region.arena();
            if (arena..arena + ARENA_LEN).contains(&a[0]) {
                a[0] = g.ptr(8);
                if (arena..arena + ARENA_LEN).contains(&a[0]) {
                    a[0] = g.ctx.region.scratch();
                }
            }
        }
        // No System V objects or message queues are created.
        29 | 64 => a[2] &= !IPC_CREATE,
        68 => a[1] &= !IPC_CREATE,
        240 => a[1] &= !0o100,
        // execveat and linkat never act on a descriptor's own file.
        322 => a[4] &= !AT_EMPTY_PATH,
        265 => a[4] &= !AT_EMPTY_PATH,
        9 => mmap(a, g),
        25 => mremap(a, g),
        28 => {
            a[2] = if g.rng.chance(9, 10) { g.rng.pick(&ADVICE) } else { g.garbage() };
            if matches!(a[2], 3 | 22 | 23) {
                let (addr, mut len) = (a[0], a[1]);
                cap_populate(g, addr, &mut len);
                a[1] = len;
            }
        }
        16 => ioctl(a, g),
        72 => fcntl(a, g),
        157 => prctl(a, g),
        158 => {
            a[0] =
                if g.rng.chance(9, 10) { g.rng.pick(&ARCH_CODES) } else { g.rng.next() & 0xffff };
            if (0x2001..=0x2003).contains(&a[0]) || (0x5001..=0x5005).contains(&a[0]) {
                a[0] = 0x1003;
            }
            if matches!(a[0], 0x1001 | 0x1002) && g.rng.chance(1, 2) {
                a[1] = pick!(
                    g.rng,
                    [0, 0x1000_0000, 0x7fff_ffff_f000, 0xffff_8000_0000_0000, 1 << 47]
                );
            }
        }
        101 if a[0] == 0 || g.rng.chance(4, 5) => {
            a[0] =
                pick!(g.rng, [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 0x4200, 0x4206, 0x4207]);
        }
        56 => clone(a, g),
        435 => clone3(a, g),
        202 => futex(a, g),
        449 => {
            a[0] = waiters(g, 3);
            a[3] = g.timeout();
        }
        456 => a[0] = waiters(g, 2),
        222 | 244 => a[1] = sigevent(g),
        334 => {
            // Never a registration that could succeed: Linux accepts any aligned user
            // address (even an unmapped or read-only one) and kills the task with
            // SIGSEGV when it next updates the area, or reads a random rseq_cs from it.
            // So: misaligned (odd) addresses, or ones outside user space.
            let scratch = g.ctx.region.scratch();
            a[0] = match g.rng.below(3) {
                0 => scratch + 32 * g.rng.below(64) + 1 + 2 * g.rng.below(15),
                1 => g.rng.pick(&[0xffff_8000_0000_0000, 0x8000_0000_0000_0000, u64::MAX - 31]),
                _ => g.ctx.text | 1,
            };
            a[1] = pick!(g.rng, [32, 0, 31, 64, u64::MAX]);
        }
        436 if a[2] & 4 == 0 => a[1] = a[1].min(63),
        273 if g.rng.chance(3, 4) => a[1] = 24,
        141 | 251 => {
            a[0] = if s.nr == 141 {
                pick!(g.rng, [0, 0, 3, u64::MAX, 17])
            } else {
                pick!(g.rng, [1, 1, 0, 4, 17])
            }
        }
        // A relative sleep on a process's CPU clock lasts until the process has used that
        // much CPU, which a sleeping worker never does.
        230 if a[0] as u32 == 2 || (a[0] as i32) < 0 => a[0] = pick!(g.rng, [0, 1, 7, 9, 12, 1000]),
        // No SCHED_IDLE (5): a worker that only runs when the machine is idle looks hung.
        144 => a[1] = pick!(g.rng, [0, 3, 7, u64::MAX, 0x4000_0000, 0x4000_0003]),
        _ => {}
    }
}

/// mmap: a MAP_FIXED mapping goes into the arena (or somewhere it must be refused), with
/// a length that stays inside the worker's region; MAP_POPULATE stays small.
fn mmap(a: &mut [u64; 6], g: &mut Gen) {
    let r = g.ctx.region;
    let mut flags = match g.rng.below(10) {
        0..=5 => {
            pick!(g.rng, [0x22, 0x22, 0x21, 0x02, 0x01, 0x03]) | (g.flags(0x1f_7f5c) & g.rng.next())
        }
        6 | 7 => g.flags(0x1f_7f7f),
        _ => g.rng.next() & 0xffff_ffff,
    };
    if g.rng.chance(1, 4) {
        flags |= MAP_FIXED;
    }
    if flags & MAP_FIXED != 0 {
        a[0] = match g.rng.below(10) {
            0..=6 => r.arena() + g.rng.below(ARENA_LEN / PAGE) * PAGE,
            7 => {
                r.arena()
                    + ARENA_LEN
                    + g.rng.below((REGION_SPAN - ARENA_OFF - ARENA_LEN) / PAGE) * PAGE
            }
            _ => g.mem_addr(),
        };
        a[1] = g.mem_len(a[0], true);
    } else if (r.base..r.end()).contains(&a[0]) {
        a[1] = g.mem_len(a[0], true);
    } else {
        a[1] = pick!(
            g.rng,
            [PAGE, 2 * PAGE, 16 * PAGE, 1 << 20, 64 << 20, 1 << 30, 0, 1, 1 << 46, u64::MAX]
        );
    }
    // Populated memory that stays (a fixed mapping in the region lives until the worker
    // ends) adds up over a run: only small ones; others are unmapped after the call.
    let stays = flags & MAP_FIXED != 0;
    let limit = if stays { 64 << 10 } else { POPULATE_MAX };
    if flags & MAP_POPULATE != 0 && a[1] > limit && a[1] < (1 << 47) {
        flags &= !MAP_POPULATE;
    }
    a[3] = flags;
    a[5] = match g.rng.below(4) {
        0 | 1 => 0,
        2 => g.rng.below(256) * PAGE,
        _ => g.off(),
    };
}

/// mremap: a fixed destination lies in the arena; lengths stay inside the region.
fn mremap(a: &mut [u64; 6], g: &mut Gen) {
    let r = g.ctx.region;
    a[2] = g.mem_len(a[0], true);
    if a[3] & 2 != 0 {
        a[4] = r.arena() + g.rng.below(ARENA_LEN / PAGE) * PAGE;
        let room = r.end() - a[4];
        if a[2] < (1 << 47) {
            a[2] = a[2].min(room);
        }
    }
}

/// ioctl: a known request (or a random one) and an argument that is a writable pointer
/// or an integer.
fn ioctl(a: &mut [u64; 6], g: &mut Gen) {
    a[1] = match g.rng.below(10) {
        0..=7 => g.rng.pick(&IOCTLS),
        8 => g.rng.next() & 0xffff_ffff,
        _ => g.rng.next(),
    };
    if a[1] == 0x5421 {
        // FIONBIO: keep descriptors non-blocking.
        a[2] = g.put_words(&[1]);
    }
}

/// fcntl: the argument follows the command.
fn fcntl(a: &mut [u64; 6], g: &mut Gen) {
    let cmd =
        if g.rng.chance(9, 10) { g.rng.pick(&FCNTL_CMDS) } else { g.rng.next() & 0xffff_ffff };
    let cmd = match cmd {
        7 => 6,
        38 => 37,
        1024 => 1025,
        c => c,
    };
    a[1] = cmd;
    a[2] = match cmd {
        0 | 1030 => g.newfd(),
        4 => g.flags(0o37_777_703) | NONBLOCK,
        5 | 6 | 36 | 37 => {
            if g.rng.chance(1, 5) {
                g.bad_ptr()
            } else {
                let kind = pick!(g.rng, [0u64, 1, 2, 3, 0xffff]);
                let whence = pick!(g.rng, [0u64, 1, 2, 7]);
                let (start, len) = (g.off(), g.off());
                g.put_words(&[kind | (whence << 16), start, len, 0])
            }
        }
        8 => pick!(g.rng, [0, g.ctx.pid as u64, (-g.ctx.pid) as i64 as u64, i32::MAX as u64]),
        15 | 16 => {
            let kind = pick!(g.rng, [0u64, 1, 2, 7]);
            let pid = g.pid_kill();
            if cmd == 16 { g.ptr(8) } else { g.put_words(&[kind | (pid << 32)]) }
        }
        10 => g.sig_send(),
        1031 => pick!(g.rng, [0, PAGE, 65536, 1 << 20, 1 << 30, u64::MAX, g.rng.next()]),
        _ => g.ptr_or_int(),
    };
}

/// prctl: a known option (or a random one that is not left out), an argument that is
/// written through when the option writes.
fn prctl(a: &mut [u64; 6], g: &mut Gen) {
    let mut option =
        if g.rng.chance(4, 5) { g.rng.range(1, 78) } else { g.rng.next() & 0xffff_ffff };
    if PRCTL_EXCLUDED.contains(&option) {
        option = 3;
    }
    a[0] = option;
    if PRCTL_OUT.contains(&option) {
        a[1] = g.ptr(16);
    } else if option == 15 {
        a[1] = g.string();
    } else if option == 1 {
        a[1] = g.sig_send();
    } else if option == 26 {
        // PR_SET_TSC: keep rdtsc working (the worker times its calls with it).
        a[1] = 1;
    } else if option == 29 {
        // PR_SET_TIMERSLACK: a large slack stretches every later sleep without bound.
        a[1] = pick!(g.rng, [0, 1, 50_000, 1_000_000]);
    }
}

/// clone: flags a child may get and a child signal that cannot hurt the worker (the
/// child itself exits at once, see `sys::fuzz_call`).
fn clone(a: &mut [u64; 6], g: &mut Gen) {
    a[0] = flags_for_child(g) | pick!(g.rng, [0, 17, 17, 65, 255]);
    a[1] = pick!(g.rng, [0, 0, g.ctx.region.scratch() + 0x4000, g.bad_ptr(), g.rng.next()]);
}

/// Clone flags without the exit signal (no namespaces natively).
fn flags_for_child(g: &mut Gen) -> u64 {
    let mut flags = g.rng.next() & CLONE_FLAGS & g.rng.next();
    if !g.ctx.in_guest {
        flags &= !CLONE_NEW;
    }
    flags
}

/// clone3: a `struct clone_args` with safe pointers and a harmless exit signal.
fn clone3(a: &mut [u64; 6], g: &mut Gen) {
    let flags = flags_for_child(g) | if g.rng.chance(1, 8) { 1 << 32 } else { 0 };
    let pidfd = g.ptr(4);
    let child_tid = g.ptr(4);
    let parent_tid = g.ptr(4);
    let exit_signal = pick!(g.rng, [0, 17, 17, 65, 1 << 40]);
    let stack = pick!(g.rng, [0, g.ctx.region.scratch(), g.bad_ptr()]);
    let stack_size = pick!(g.rng, [0, 0x4000, PAGE, u64::MAX]);
    let tls = g.rng.next();
    let set_tid = pick!(g.rng, [0, 0, g.ptr(8)]);
    let set_tid_size = pick!(g.rng, [0, 0, 1, 33]);
    let cgroup = g.fd();
    a[0] = g.put_words(&[
        flags,
        pidfd,
        child_tid,
        parent_tid,
        exit_signal,
        stack,
        stack_size,
        tls,
        set_tid,
        set_tid_size,
        cgroup,
    ]);
    a[1] = pick!(g.rng, [88, 88, 64, 80, 0, 8, 4096, u64::MAX]);
}

/// futex: waiting operations always get a timeout; the others an integer.
fn futex(a: &mut [u64; 6], g: &mut Gen) {
    let op = match g.rng.below(10) {
        0..=7 => g.rng.below(14),
        8 => g.rng.below(14) | 128 | if g.rng.chance(1, 2) { 256 } else { 0 },
        _ => g.rng.next() & 0xffff_ffff,
    };
    a[1] = op;
    if FUTEX_WAITS.contains(&(op & 127)) || op & !0x1ff != 0 {
        a[3] = g.timeout();
    } else {
        a[3] = g.int();
    }
}

/// An array of `struct futex_waitv` (sets the count).
fn waiters(g: &mut Gen, max: u64) -> u64 {
    let n = g.rng.range(1, max) as usize;
    let mut words = [0u64; 9];
    for i in 0..n {
        words[3 * i] = pick!(g.rng, [0, 1, g.rng.next()]);
        words[3 * i + 1] = g.ptr(4);
        words[3 * i + 2] = pick!(g.rng, [2, 2 | 128, 0, 3, g.rng.next() & 0xffff_ffff]);
    }
    g.count = Some(n as u64);
    g.put_words(&words[..3 * n])
}

/// A `struct sigevent` whose signal cannot hurt the worker (never read from the program
/// text, whose bytes could name SIGKILL or SIGSTOP).
fn sigevent(g: &mut Gen) -> u64 {
    if g.rng.chance(1, 5) {
        return pick!(g.rng, [0, g.unreadable_ptr()]);
    }
    let value = g.rng.next();
    let signo = g.sig_send();
    let notify = pick!(g.rng, [0u64, 1, 1, 2, 4, 5, 100]);
    let tid = g.tid_kill();
    g.put_words(&[value, (signo & 0xffff_ffff) | (notify << 32), tid & 0xffff_ffff, 0, 0, 0, 0, 0])
}
