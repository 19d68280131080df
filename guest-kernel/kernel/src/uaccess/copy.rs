//! The user-copy routines with demand paging: `arch`'s fault-tolerant routines
//! (`arch::x86_64::usercopy`) fail at the first user page they cannot access; here such a
//! failure is offered to the current address space first (a user buffer not touched yet is
//! a normal case, not an error), and the routine runs again once the page is present. A
//! fault that cannot be resolved (no mapping, no permission, a kernel address slipped
//! through) is the caller's EFAULT.

use crate::arch::x86_64::usercopy;
use crate::mm::vm::Access;
use crate::process::current;
use posix::exec::elf::USER_END;

/// Runs `op` (a user-copy routine; true when it completed) until it completes, resolving
/// the user page faults that stop it; false when one cannot be resolved, or when the same
/// page faults again right after being resolved. Inlined: the common case, no fault, is
/// the routine's call and a test; the retries are out of line.
#[inline(always)]
fn with_demand_paging(mut op: impl FnMut() -> bool) -> bool {
    op() || retry_after_faults(&mut op)
}

/// [`with_demand_paging`] once `op` has failed.
#[cold]
#[inline(never)]
fn retry_after_faults(op: &mut dyn FnMut() -> bool) -> bool {
    let mut last_page = u64::MAX;
    loop {
        let fault = usercopy::last_fault();
        let page = fault.address & !0xfff;
        if fault.address >= USER_END || page == last_page || !resolve(fault) {
            return false;
        }
        last_page = page;
        if op() {
            return true;
        }
    }
}

/// Makes the page of `fault` present in the current address space, as a fault from user
/// mode would.
fn resolve(fault: usercopy::UserFault) -> bool {
    let access = if fault.write { Access::Write } else { Access::Read };
    // `try_lock`: a system call that copies user memory while holding its address space's
    // lock is a kernel bug; it gets EFAULT instead of a hang.
    current::try_process()
        .and_then(|p| Some((p.pid, p.try_mm()?)))
        .and_then(|(pid, space)| {
            let mut mm = space.try_lock()?;
            Some(crate::process::fault::resolve(pid, &mut mm, fault.address, access).is_ok())
        })
        .unwrap_or(false)
}

/// Copies `len` bytes between kernel and user memory; `false` if a user page could not be
/// accessed.
///
/// # Safety
/// The kernel side of the copy must be valid for `len` bytes; the user side must lie in the
/// user half (checked by the caller).
#[inline]
pub unsafe fn copy(dst: *mut u8, src: *const u8, len: usize) -> bool {
    // SAFETY: the caller's guarantees; running the copy again rewrites the same bytes.
    with_demand_paging(|| unsafe { usercopy::copy(dst, src, len) })
}

/// Stores `len` zero bytes at user address `dst`; `false` if a user page could not be
/// written.
///
/// # Safety
/// `dst..dst + len` must lie in the user half (checked by the caller).
pub unsafe fn zero(dst: *mut u8, len: usize) -> bool {
    // SAFETY: the caller's guarantees; zeroing again stores the same bytes.
    with_demand_paging(|| unsafe { usercopy::zero(dst, len) })
}

/// The length of the NUL-terminated user string at `src`, looking at most `max` bytes:
/// `Some(n)` with `n < max` if it ends there, `Some(max)` if not, `None` if unreadable.
///
/// # Safety
/// `src..src + max` must lie in the user half (checked by the caller), `max > 0`.
pub unsafe fn strnlen(src: *const u8, max: usize) -> Option<usize> {
    let mut n = None;
    let ok = with_demand_paging(|| {
        // SAFETY: the caller's guarantees.
        n = unsafe { usercopy::strnlen(src, max) };
        n.is_some()
    });
    if ok { n } else { None }
}

/// Stores the current FPU/SSE registers at user address `dst` (see `usercopy::fxsave`).
///
/// # Safety
/// As `usercopy::fxsave`.
#[inline]
pub unsafe fn fxsave(dst: *mut u8) -> bool {
    // SAFETY: the caller's guarantees; storing again writes the same bytes.
    with_demand_paging(|| unsafe { usercopy::fxsave(dst) })
}

/// Loads the FPU/SSE registers from user address `src` (see `usercopy::fxrstor`).
///
/// # Safety
/// As `usercopy::fxrstor`.
#[inline]
pub unsafe fn fxrstor(src: *const u8) -> bool {
    // SAFETY: the caller's guarantees; loading again reads the same bytes.
    with_demand_paging(|| unsafe { usercopy::fxrstor(src) })
}
