//! TEMPORARY exclusions of known guest-kernel bugs, so a run can fuzz past them. Each
//! one is a bug found by this fuzzer and reported with its reproducer (see the report in
//! `docs/DESIGN.md`); remove its entry once the kernel is fixed. They apply only in our
//! guest (natively nothing is excluded) and `--known-bugs` turns them off, to check
//! whether a bug is still there.

use crate::args::Gen;

/// One known bug: what it is, and how the arguments of a call are changed to avoid it.
pub struct Known {
    /// A short name.
    pub name: &'static str,
    /// Rewrites the arguments of call `nr` if they would trigger the bug; true if it did.
    pub avoid: fn(nr: u64, a: &mut [u64; 6], g: &mut Gen) -> bool,
}

/// The list: empty, every bug found so far is fixed (`docs/DESIGN.md` section 11 lists
/// them). A new entry looks like this, for a bug triggered by some call `nr`:
///
/// ```text
/// Known { name: "short-name", avoid: |nr, a, g| { /* rewrite a[..]; true if changed */ false } }
/// ```
pub const KNOWN: &[Known] = &[];

/// Applies every known-bug exclusion to a call.
pub fn avoid(nr: u64, a: &mut [u64; 6], g: &mut Gen) {
    for k in KNOWN {
        (k.avoid)(nr, a, g);
    }
}
