//! `virtio_mmio.device=<size>@<base>:<irq>[:<id>]`: how a loader announces a virtio-mmio
//! device on the kernel command line (Linux `drivers/virtio/virtio_mmio.c`, `vm_cmdline_set`).
//!
//! `size` takes Linux `memparse` suffixes (`K`, `M`, `G`, either case); `size`, `base` and
//! `id` are C integers (`0x` hexadecimal, leading `0` octal, else decimal), `irq` is decimal.
//! The vmm writes `4K@0xd0000000:5`; QEMU's microvm writes `512@0xfeb00e00:12`.

use crate::cmdline;
use core::fmt;

/// The command-line key.
pub const PARAM: &str = "virtio_mmio.device";

/// One announced device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MmioDevice {
    /// Guest-physical base of the register window.
    pub base: u64,
    /// Size of the window in bytes (at most 4 GiB - 1: windows are a few KiB).
    pub size: u32,
    /// The interrupt line (IOAPIC pin / GSI).
    pub irq: u32,
}

/// The devices `cmdline` announces, in order, each parsed or refused with its text.
/// Parameters after a bare `--` belong to init and are not looked at.
pub fn devices(cmdline: &str) -> impl Iterator<Item = Result<MmioDevice, (&str, ParseError)>> {
    cmdline::params(cmdline)
        .take_while(|p| !(p.key == "--" && p.value.is_none()))
        .filter(|p| p.key == PARAM)
        .map(|p| {
            let value = p.value.unwrap_or("");
            parse(value).map_err(|e| (value, e))
        })
}

/// Why a `virtio_mmio.device=` value was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Not `<size>@<base>:<irq>[:<id>]`.
    Syntax,
    /// The size is zero, or size or base is not a number.
    BadNumber,
    /// The window wraps around the top of the address space, or is 4 GiB or larger.
    Overflow,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseError::Syntax => "expected <size>@<base>:<irq>",
            ParseError::BadNumber => "bad number",
            ParseError::Overflow => "window wraps around the address space",
        })
    }
}

/// Parses one value (what follows `virtio_mmio.device=`).
pub fn parse(value: &str) -> Result<MmioDevice, ParseError> {
    let (size, rest) = value.split_once('@').ok_or(ParseError::Syntax)?;
    let (base, rest) = rest.split_once(':').ok_or(ParseError::Syntax)?;
    // An optional platform-device id follows the irq; Linux only checks it is a number.
    let (irq, id) = match rest.split_once(':') {
        Some((irq, id)) => (irq, Some(id)),
        None => (rest, None),
    };
    let size = memparse(size).ok_or(ParseError::BadNumber)?;
    let base = c_integer(base).ok_or(ParseError::BadNumber)?;
    let irq = irq.parse::<u32>().map_err(|_| ParseError::BadNumber)?;
    if id.is_some_and(|id| c_integer(id).is_none()) {
        return Err(ParseError::BadNumber);
    }
    if size == 0 {
        return Err(ParseError::BadNumber);
    }
    base.checked_add(size).ok_or(ParseError::Overflow)?;
    let size = u32::try_from(size).map_err(|_| ParseError::Overflow)?;
    Ok(MmioDevice { base, size, irq })
}

/// A C integer literal: `0x`/`0X` hexadecimal, a leading `0` octal, else decimal.
fn c_integer(s: &str) -> Option<u64> {
    let (digits, radix) = if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (hex, 16)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    // `from_str_radix` accepts a leading sign; C literals here do not have one.
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// A C integer with an optional binary suffix `K`, `M` or `G` (either case), as Linux's
/// `memparse`.
fn memparse(s: &str) -> Option<u64> {
    let shift = match s.as_bytes().last()? {
        b'k' | b'K' => 10,
        b'm' | b'M' => 20,
        b'g' | b'G' => 30,
        _ => 0,
    };
    let digits = if shift == 0 { s } else { &s[..s.len() - 1] };
    c_integer(digits)?.checked_mul(1 << shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(base: u64, size: u32, irq: u32) -> MmioDevice {
        MmioDevice { base, size, irq }
    }

    #[test]
    fn vmm_and_qemu_forms() {
        assert_eq!(parse("4K@0xd0000000:5"), Ok(dev(0xd000_0000, 4096, 5)));
        assert_eq!(parse("512@0xfeb00e00:12"), Ok(dev(0xfeb0_0e00, 512, 12)));
        assert_eq!(parse("1M@0x100000000:23:7"), Ok(dev(0x1_0000_0000, 1 << 20, 23)));
        assert_eq!(parse("0x200@4096:1"), Ok(dev(4096, 0x200, 1)));
        assert_eq!(parse("010@0X10:2"), Ok(dev(16, 8, 2)), "octal size, upper-case hex");
        assert_eq!(parse("1g@0:0"), Ok(dev(0, 1 << 30, 0)));
        assert_eq!(parse("4G@0:0"), Err(ParseError::Overflow));
        assert_eq!(parse("4k@0xd0000000:5"), Ok(dev(0xd000_0000, 4096, 5)));
    }

    #[test]
    fn devices_in_command_line_order() {
        extern crate std;
        use std::vec::Vec;
        let cmdline = "virtio_mmio.device=4K@0xd0001000:6 x=1 virtio_mmio.device=junk \
                       virtio_mmio.device=512@0xfeb00e00:12 -- virtio_mmio.device=4K@0:1";
        let found: Vec<_> = devices(cmdline).collect();
        assert_eq!(
            found,
            [
                Ok(dev(0xd000_1000, 4096, 6)),
                Err(("junk", ParseError::Syntax)),
                Ok(dev(0xfeb0_0e00, 512, 12))
            ]
        );
        assert_eq!(devices("virtio_mmio.device").next(), Some(Err(("", ParseError::Syntax))));
        assert_eq!(devices("").count(), 0);
    }

    #[test]
    fn malformed_values_are_errors() {
        for (bad, err) in [
            ("", ParseError::Syntax),
            ("4K", ParseError::Syntax),
            ("4K@0xd0000000", ParseError::Syntax),
            ("@0xd0000000:5", ParseError::BadNumber),
            ("4K@:5", ParseError::BadNumber),
            ("4K@0x:5", ParseError::BadNumber),
            ("4K@0xd0000000:", ParseError::BadNumber),
            ("4K@0xd0000000:-5", ParseError::BadNumber),
            ("4K@0xd0000000:5:x", ParseError::BadNumber),
            ("0@0xd0000000:5", ParseError::BadNumber),
            ("4T@0xd0000000:5", ParseError::BadNumber),
            ("+4K@0xd0000000:5", ParseError::BadNumber),
            ("09@0:5", ParseError::BadNumber),
            ("99999999999G@0:5", ParseError::BadNumber),
            ("0x100000000@0:5", ParseError::Overflow),
            ("8K@0xfffffffffffff000:5", ParseError::Overflow),
        ] {
            assert_eq!(parse(bad), Err(err), "{bad:?}");
        }
    }
}
