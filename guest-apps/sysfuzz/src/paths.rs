//! Path arguments: names under the worker's scratch directory (relative ones resolve there:
//! it is the working directory), deep and over-long paths, odd spellings ("", ".", "a/",
//! "//"), real paths of the system, and bad pointers.
//!
//! Which paths a call may get depends on what it does. Calls that only look may get any
//! path. Calls that create, remove or change things get only names under scratch (no
//! "..", no real path but a few that must be refused), and link targets never point out
//! of scratch, so following a link cannot reach a real file either. execve gets only
//! paths that cannot run. Run natively, the fuzzer leaves everything outside its scratch
//! directory alone; /tmp itself is not among the real paths there.

use crate::args::Gen;
use crate::text::Text;

/// What the path is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Use {
    /// A call that only looks (stat, open read-only, access...).
    Read,
    /// A call that creates, removes or changes.
    Write,
    /// execve.
    Exec,
    /// The target string of a symbolic link.
    Target,
}

/// Name components (all under scratch).
const COMPONENTS: [&[u8]; 13] = [
    b"a",
    b"b",
    b"c",
    b"d",
    b"f0",
    b"f1",
    b"link",
    b"loop",
    b"sock",
    b"x",
    b".",
    b"a b",
    b"\xff\xfe",
];
/// Real paths for calls that only look.
const REAL: [&[u8]; 24] = [
    b"/",
    b"/dev",
    b"/dev/null",
    b"/dev/zero",
    b"/dev/console",
    b"/dev/vda",
    b"/bin",
    b"/bin/sh",
    b"/bin/true",
    b"/sbin/init",
    b"/proc",
    b"/proc/self",
    b"/etc",
    b"/etc/passwd",
    b"/nonexistent",
    b"/bin/sh/",
    b"/bin/sh/x",
    b"/dev/null/x",
    b"//",
    b"/./",
    b"/../..",
    b"..",
    b"../w0",
    b"a/../..",
];
/// Real paths only the guest gets (natively they lead somewhere writable or to the
/// user's terminal).
const GUEST_REAL: [&[u8]; 5] = [b"/tmp", b"/tmp/", b"/tmp/..", b"../../..", b"/dev/tty"];
/// Odd spellings any call may get.
const ODD: [&[u8]; 9] =
    [b"", b".", b"./", b"a/", b"a//b", b"a/./b/", b"/", b"/nonexistent/x", b"/dev/null"];
/// Paths execve may get: none of them can run.
const NO_EXEC: [&[u8]; 8] = [
    b"",
    b"/",
    b"/dev/null",
    b"/dev/zero",
    b"/nonexistent",
    b"/nonexistent/x",
    b"/bin",
    b"/etc/passwd",
];

/// A path argument for `what`: its address (in scratch) or a bad pointer.
pub fn path(g: &mut Gen, what: Use) -> u64 {
    if g.rng.chance(1, 14) {
        return if g.rng.chance(1, 3) { g.unterminated() } else { g.bad_ptr() };
    }
    let mut t = Text::<8200>::new();
    match what {
        Use::Exec => {
            match g.rng.below(4) {
                0 => {
                    t.push(g.ctx.wdir());
                }
                1 => {
                    long(g, &mut t, true);
                }
                _ => {
                    t.push(g.rng.pick(&NO_EXEC));
                }
            };
        }
        Use::Target => match g.rng.below(10) {
            0..=5 => relative(g, &mut t, false),
            6 | 7 => {
                t.push(g.ctx.wdir()).push(b"/");
                relative(g, &mut t, false);
            }
            8 => {
                t.push(g.rng.pick(&[&b"/dev/null"[..], b"", b"loop", b"/nonexistent"]));
            }
            _ => long(g, &mut t, true),
        },
        Use::Write | Use::Read => {
            let read = what == Use::Read;
            match g.rng.below(20) {
                0..=10 => relative(g, &mut t, read),
                11 | 12 => {
                    t.push(g.ctx.wdir()).push(b"/");
                    relative(g, &mut t, false);
                }
                13 => long(g, &mut t, read),
                14 => {
                    t.push(g.rng.pick(&ODD));
                }
                _ if read => {
                    let guest = g.ctx.in_guest && g.rng.chance(1, 5);
                    t.push(if guest { g.rng.pick(&GUEST_REAL) } else { g.rng.pick(&REAL) });
                }
                _ => relative(g, &mut t, false),
            }
        }
    }
    let bytes = t.c_str();
    g.put(bytes)
}

/// A relative name of 1 to 4 components (a leading ".." only for lookups).
fn relative(g: &mut Gen, t: &mut Text<8200>, read: bool) {
    if read && g.rng.chance(1, 10) {
        t.push(b"../");
    }
    let n = match g.rng.below(20) {
        0..=9 => 1,
        10..=15 => 2,
        16..=18 => 3,
        _ => 4,
    };
    for i in 0..n {
        if i > 0 {
            t.push(b"/");
        }
        // Square the draw toward the front of the list.
        let k = g.rng.below(COMPONENTS.len() as u64);
        let k = k * g.rng.below(COMPONENTS.len() as u64) / COMPONENTS.len() as u64;
        t.push(COMPONENTS[k as usize]);
    }
    if g.rng.chance(1, 8) {
        t.push(b"/");
    }
}

/// Deep or over-long paths: many components, one component past NAME_MAX, a total
/// length around PATH_MAX. Only lookups get the deepest ones (a directory chain that
/// deep, built one mkdir at a time, would outgrow what the cleanup can remove).
fn long(g: &mut Gen, t: &mut Text<8200>, deepest: bool) {
    match g.rng.below(4) {
        0 => {
            let depth = if deepest {
                g.rng.pick(&[20u64, 100, 500, 1000, 2047, 2048, 2100])
            } else {
                g.rng.pick(&[20u64, 100])
            };
            for _ in 0..depth {
                t.push(b"a/");
            }
        }
        1 => {
            let len = g.rng.pick(&[255u64, 256, 300, 1000]);
            for _ in 0..len {
                t.push(b"x");
            }
        }
        2 => {
            let len = g.rng.pick(&[4094u64, 4095, 4096, 4097, 8000]);
            for i in 0..len {
                t.push(if i % 100 == 99 { b"/" } else { b"y" });
            }
        }
        _ => {
            let depth = g.rng.range(5, 60);
            for _ in 0..depth {
                t.push(b"d/");
            }
            t.push(b"x");
        }
    }
}
