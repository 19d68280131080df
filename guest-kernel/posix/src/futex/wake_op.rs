//! `FUTEX_WAKE_OP`'s encoded operation (futex(2); Linux `futex_atomic_op_inuser`):
//! bits 28-30 the operation, bit 31 "the argument is a shift", bits 24-27 the comparison,
//! bits 12-23 the operation's argument and bits 0-11 the comparison's (both signed 12-bit).

use crate::Errno;

/// A decoded `FUTEX_WAKE_OP` operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WakeOp {
    op: u32,
    cmp: u32,
    oparg: i32,
    cmparg: i32,
}

/// Sign-extends the low 12 bits of `v`.
fn sext12(v: u32) -> i32 {
    ((v << 20) as i32) >> 20
}

impl WakeOp {
    /// Decodes `val3`. `FUTEX_OP_OPARG_SHIFT` makes the argument `1 << (oparg & 31)`
    /// (Linux masks an out-of-range shift the same way, with a warning).
    pub fn decode(encoded: u32) -> WakeOp {
        let op = (encoded >> 28) & 7;
        let cmp = (encoded >> 24) & 15;
        let mut oparg = sext12(encoded >> 12);
        let cmparg = sext12(encoded);
        if encoded & (8 << 28) != 0 {
            oparg = 1i32.wrapping_shl((oparg & 31) as u32);
        }
        WakeOp { op, cmp, oparg, cmparg }
    }

    /// The new value of the word that holds `old`: SET, ADD, OR, ANDN, XOR; ENOSYS for
    /// another operation (the word is then left alone).
    pub fn apply(self, old: u32) -> Result<u32, Errno> {
        let arg = self.oparg as u32;
        Ok(match self.op {
            0 => arg,
            1 => old.wrapping_add(arg),
            2 => old | arg,
            3 => old & !arg,
            4 => old ^ arg,
            _ => return Err(Errno::ENOSYS),
        })
    }

    /// Whether the old value passes the comparison (signed: EQ, NE, LT, LE, GT, GE), which
    /// decides if the waiters of the second address are woken; ENOSYS for an unknown
    /// comparison (Linux has already stored the new value by then, and so do we).
    pub fn compare(self, old: u32) -> Result<bool, Errno> {
        let (old, arg) = (old as i32, self.cmparg);
        Ok(match self.cmp {
            0 => old == arg,
            1 => old != arg,
            2 => old < arg,
            3 => old <= arg,
            4 => old > arg,
            5 => old >= arg,
            _ => return Err(Errno::ENOSYS),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Linux's `FUTEX_OP(op, oparg, cmp, cmparg)`.
    fn encode(op: u32, oparg: u32, cmp: u32, cmparg: u32) -> u32 {
        ((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff)
    }

    #[test]
    fn operations() {
        assert_eq!(WakeOp::decode(encode(0, 7, 0, 0)).apply(3), Ok(7));
        assert_eq!(WakeOp::decode(encode(1, 7, 0, 0)).apply(3), Ok(10));
        assert_eq!(WakeOp::decode(encode(1, 0xfff, 0, 0)).apply(3), Ok(2)); // -1
        assert_eq!(WakeOp::decode(encode(2, 4, 0, 0)).apply(3), Ok(7));
        assert_eq!(WakeOp::decode(encode(3, 1, 0, 0)).apply(3), Ok(2));
        assert_eq!(WakeOp::decode(encode(4, 1, 0, 0)).apply(3), Ok(2));
        assert_eq!(WakeOp::decode(encode(5, 1, 0, 0)).apply(3), Err(Errno::ENOSYS));
    }

    #[test]
    fn shifted_argument() {
        assert_eq!(WakeOp::decode(encode(8 | 2, 4, 0, 0)).apply(1), Ok(17));
        assert_eq!(WakeOp::decode(encode(8, 33, 0, 0)).apply(0), Ok(2));
    }

    #[test]
    fn comparisons_are_signed() {
        let cmp = |c, arg, old| WakeOp::decode(encode(0, 0, c, arg)).compare(old);
        assert_eq!(cmp(0, 5, 5), Ok(true));
        assert_eq!(cmp(1, 5, 5), Ok(false));
        assert_eq!(cmp(2, 0, u32::MAX), Ok(true)); // -1 < 0
        assert_eq!(cmp(3, 0xfff, u32::MAX), Ok(true)); // -1 <= -1
        assert_eq!(cmp(4, 1, 2), Ok(true));
        assert_eq!(cmp(5, 2, 1), Ok(false));
        assert_eq!(cmp(6, 0, 0), Err(Errno::ENOSYS));
    }
}
