//! How the vmm hands the guest program's command and environment to the kernel.
//!
//! They travel on the kernel command line, which may only hold printable ASCII and splits
//! on spaces. So each argument and each `KEY=VALUE` is percent-encoded (RFC 3986 style:
//! every byte outside [`UNRESERVED`] becomes `%XX`), which lets any byte string through,
//! spaces, quotes and UTF-8 included. Layout, following Linux's convention that words
//! after `--` belong to init:
//!
//! ```text
//! <kernel parameters> init.env=<KEY=VALUE encoded>... [init.user=<USER[:GROUP] encoded>] [verbose] -- <argv[0] encoded> <argv[1] encoded> ...
//! ```
//!
//! The kernel runs `/sbin/init` with the decoded words after `--` as its arguments and the
//! decoded `init.env=` values as its environment, plus `init.user=` ([`crate::user`]).

/// Kernel parameter carrying one environment variable for init.
pub const ENV_PARAM: &str = "init.env";

/// Kernel parameter that makes the kernel log to the console (quiet otherwise).
pub const VERBOSE_PARAM: &str = "verbose";

/// Bytes that stand for themselves; everything else is `%XX`.
pub fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/' | b',' | b':' | b'+' | b'@' | b'=')
}

/// Description of [`is_unreserved`] for documentation and messages.
pub const UNRESERVED: &str = "A-Z a-z 0-9 - . _ ~ / , : + @ =";

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Writes the encoding of `arg` to `out`.
pub fn encode(arg: &[u8], out: &mut impl core::fmt::Write) -> core::fmt::Result {
    if arg.is_empty() {
        // An empty argument must still be a word: "%" followed by nothing is invalid, so use
        // the encoding of nothing as an explicit marker.
        return out.write_str("%00%");
    }
    for &b in arg {
        if is_unreserved(b) {
            out.write_char(b as char)?;
        } else {
            out.write_char('%')?;
            out.write_char(HEX[usize::from(b >> 4)] as char)?;
            out.write_char(HEX[usize::from(b & 0xf)] as char)?;
        }
    }
    Ok(())
}

/// Why a word is not a valid encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// A `%` not followed by two hex digits.
    BadEscape,
    /// A byte that should have been escaped.
    Unescaped(u8),
    /// The output buffer is too small.
    TooLong,
}

/// Decodes `word` into `out`, returning the length.
pub fn decode(word: &[u8], out: &mut [u8]) -> Result<usize, DecodeError> {
    if word == b"%00%" {
        return Ok(0);
    }
    let (mut i, mut n) = (0, 0);
    while i < word.len() {
        let b = match word[i] {
            b'%' => {
                let hi = word.get(i + 1).and_then(|&c| hex_value(c));
                let lo = word.get(i + 2).and_then(|&c| hex_value(c));
                i += 3;
                match (hi, lo) {
                    (Some(hi), Some(lo)) => hi << 4 | lo,
                    _ => return Err(DecodeError::BadEscape),
                }
            }
            b if is_unreserved(b) => {
                i += 1;
                b
            }
            b => return Err(DecodeError::Unescaped(b)),
        };
        *out.get_mut(n).ok_or(DecodeError::TooLong)? = b;
        n += 1;
    }
    Ok(n)
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Buf([u8; 256], usize);
    impl core::fmt::Write for Buf {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            for &b in s.as_bytes() {
                *self.0.get_mut(self.1).ok_or(core::fmt::Error)? = b;
                self.1 += 1;
            }
            Ok(())
        }
    }

    fn round_trip(arg: &[u8]) -> ([u8; 256], usize) {
        let mut enc = Buf([0; 256], 0);
        encode(arg, &mut enc).unwrap();
        let word = &enc.0[..enc.1];
        assert!(word.iter().all(|&b| (b' ' + 1..=b'~').contains(&b)), "not printable: {word:?}");
        let mut out = [0u8; 256];
        let n = decode(word, &mut out).unwrap();
        assert_eq!(&out[..n], arg);
        (enc.0, enc.1)
    }

    #[test]
    fn arbitrary_bytes_survive() {
        for arg in
            [&b"b c"[..], b"x\"y'z", "héllo\n\t".as_bytes(), b"100%", b"-- --", &[0, 255, 37]]
        {
            round_trip(arg);
        }
    }

    #[test]
    fn plain_words_are_unchanged() {
        let (enc, n) = round_trip(b"/bin/hello");
        assert_eq!(&enc[..n], b"/bin/hello");
        let (enc, n) = round_trip(b"PATH=/bin:/sbin");
        assert_eq!(&enc[..n], b"PATH=/bin:/sbin");
    }

    #[test]
    fn empty_argument_is_a_word() {
        let (enc, n) = round_trip(b"");
        assert_eq!(&enc[..n], b"%00%");
    }

    #[test]
    fn bad_encodings_are_refused() {
        let mut out = [0u8; 4];
        assert_eq!(decode(b"%4", &mut out), Err(DecodeError::BadEscape));
        assert_eq!(decode(b"%zz", &mut out), Err(DecodeError::BadEscape));
        assert_eq!(decode(b"a b", &mut out), Err(DecodeError::Unescaped(b' ')));
        assert_eq!(decode(b"abcde", &mut out), Err(DecodeError::TooLong));
    }
}
