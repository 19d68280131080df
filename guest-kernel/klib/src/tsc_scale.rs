//! TSC scale arithmetic: converting between TSC ticks, nanoseconds and the TSC frequency
//! under the scale kvm-clock (pvclock) publishes. The kernel's `time::pvclock` reads the
//! scale from KVM; this is only the arithmetic, tested on the host.
//!
//! KVM describes the TSC as `ns = ((tsc_delta << shift) * mul) >> 32` (a negative `shift`
//! shifts right). These machines are AMD EPYC, where CPUID leaf 0x15 does not give the TSC
//! frequency, so the kernel derives it from this scale.

/// The TSC frequency in kHz that `tsc_to_system_mul` and `tsc_shift` describe (Linux's
/// `pvclock_tsc_khz`); 0 if `mul` is 0.
pub fn tsc_khz(mul: u32, shift: i8) -> u64 {
    if mul == 0 {
        return 0;
    }
    let khz = (1_000_000u128 << 32) / u128::from(mul);
    let khz = if shift < 0 { khz << shift.unsigned_abs() } else { khz >> shift };
    u64::try_from(khz).unwrap_or(u64::MAX)
}

/// Nanoseconds in `delta` TSC ticks under the scale `mul`/`shift` (Linux's
/// `pvclock_scale_delta`).
pub fn scale_delta(delta: u64, mul: u32, shift: i8) -> u64 {
    let shifted = if shift < 0 { delta >> shift.unsigned_abs() } else { delta << shift };
    ((u128::from(shifted) * u128::from(mul)) >> 32) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_ghz() {
        // KVM's kvm_get_time_scale(NSEC_PER_SEC, 3 GHz) gives shift -1 and this multiplier.
        let (mul, shift) = (2_863_311_530, -1);
        assert_eq!(tsc_khz(mul, shift), 3_000_000);
        assert_eq!(scale_delta(3_000_000_000, mul, shift), 999_999_999);
    }

    #[test]
    fn slow_clock_uses_a_positive_shift() {
        // 500 MHz: 2 ns per tick = (mul / 2^32) << 1 with mul = 2^32 (just out of range), so
        // KVM picks shift 2 and mul 2^31.
        assert_eq!(tsc_khz(1 << 31, 2), 500_000);
        assert_eq!(scale_delta(500, 1 << 31, 2), 1000);
    }

    #[test]
    fn zero_multiplier_means_unknown() {
        assert_eq!(tsc_khz(0, 0), 0);
    }
}
