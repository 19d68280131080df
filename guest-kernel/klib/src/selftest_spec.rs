//! The specification of the kernel's command-line self-tests and benchmarks (`blktest=`,
//! `contest=`, `blkbench=`): what they are asked to do, the data patterns the host checks
//! byte for byte, and the statistics they print. The host integration tests are written
//! against exactly these; the kernel's `selftest/` runs them on the devices.

/// `blktest=`: a block-device round trip on `vda`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlkTest {
    /// `blktest=rw`: patterned writes, FLUSH, read-back, cache hit, out-of-range errors.
    ReadWrite,
    /// `blktest=ro`: the device is read-only, writes fail, reads work.
    ReadOnly,
}

/// `contest=`: a virtio-console exercise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConTest {
    /// `contest=out:N`: N patterned bytes ([`console_byte`]) to port 0.
    Out(u64),
    /// `contest=echo`: port 0 input back to port 0 until end of input.
    Echo,
    /// `contest=split`: one line to port 0 (stdout), one to port 1 (stderr).
    Split,
}

/// `blkbench=`: a block-device benchmark on `vda`, bypassing the block cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlkBench {
    /// `blkbench=seqread:MIB`: MIB sequential 1 MiB reads.
    SeqRead(u64),
    /// `blkbench=seqwrite:MIB`: MIB sequential 1 MiB writes.
    SeqWrite(u64),
    /// `blkbench=randread:COUNT`: COUNT random 4 KiB reads at queue depth 1.
    RandRead(u64),
}

impl BlkBench {
    /// The mode's name as the result line prints it.
    pub fn name(self) -> &'static str {
        match self {
            BlkBench::SeqRead(_) => "seqread",
            BlkBench::SeqWrite(_) => "seqwrite",
            BlkBench::RandRead(_) => "randread",
        }
    }
}

/// Parses a `blktest=` value.
pub fn parse_blktest(value: &str) -> Option<BlkTest> {
    match value {
        "rw" => Some(BlkTest::ReadWrite),
        "ro" => Some(BlkTest::ReadOnly),
        _ => None,
    }
}

/// Parses a `contest=` value.
pub fn parse_contest(value: &str) -> Option<ConTest> {
    match value {
        "echo" => Some(ConTest::Echo),
        "split" => Some(ConTest::Split),
        _ => Some(ConTest::Out(decimal(value.strip_prefix("out:")?)?)),
    }
}

/// Parses a `blkbench=` value.
pub fn parse_blkbench(value: &str) -> Option<BlkBench> {
    let (mode, n) = value.split_once(':')?;
    let n = decimal(n).filter(|&n| n > 0)?;
    match mode {
        "seqread" => Some(BlkBench::SeqRead(n)),
        "seqwrite" => Some(BlkBench::SeqWrite(n)),
        "randread" => Some(BlkBench::RandRead(n)),
        _ => None,
    }
}

/// A plain decimal number (no sign, no prefix).
fn decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Byte `i` (0..512) of sector `sector` in `blktest=rw`.
pub fn sector_byte(sector: u64, i: usize) -> u8 {
    (sector as u8).wrapping_mul(31).wrapping_add((i as u8).wrapping_mul(7)).wrapping_add(0x5a)
}

/// Lane-wise (per byte, no carries between bytes) sum of two words.
const fn add_lanes(a: u64, b: u64) -> u64 {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    ((a & LOW) + (b & LOW)) ^ ((a ^ b) & HIGH)
}

/// `sector_byte(0, i) - 0x5a`, i.e. `7 * i`, as 64 little-endian words: a sector's bytes
/// are these plus one per-sector constant in every byte lane.
const SECTOR_BASE: [u64; 64] = {
    let mut words = [0u64; 64];
    let mut w = 0;
    while w < 64 {
        let mut b = 0;
        while b < 8 {
            let i = (w * 8 + b) as u64;
            words[w] |= ((i * 7) & 0xff) << (8 * b);
            b += 1;
        }
        w += 1;
    }
    words
};

/// The word `w` (0..64) of sector `sector`'s pattern.
fn sector_word(sector: u64, w: usize) -> u64 {
    let lane = u64::from((sector as u8).wrapping_mul(31).wrapping_add(0x5a));
    add_lanes(SECTOR_BASE[w], lane * 0x0101_0101_0101_0101)
}

/// Fills `out` (512 bytes, or fewer) with sector `sector`'s `blktest=rw` pattern, one
/// 8-byte store per step (a byte loop, or a `memcpy` call per word, costs many times the
/// instructions, which the kernel pays at about 1 µs each).
pub fn fill_sector(sector: u64, out: &mut [u8]) {
    let (words, tail) = out.as_chunks_mut::<8>();
    let mut w = 0;
    for chunk in words.iter_mut().take(64) {
        *chunk = sector_word(sector, w).to_le_bytes();
        w += 1;
    }
    if w < 64 && !tail.is_empty() {
        let n = tail.len();
        tail.copy_from_slice(&sector_word(sector, w).to_le_bytes()[..n]);
    }
}

/// Whether `data` (up to 512 bytes) is sector `sector`'s pattern; compares whole words.
pub fn check_sector(sector: u64, data: &[u8]) -> bool {
    if data.len() > 512 {
        return false;
    }
    let (words, tail) = data.as_chunks::<8>();
    for (w, chunk) in words.iter().enumerate() {
        if u64::from_le_bytes(*chunk) != sector_word(sector, w) {
            return false;
        }
    }
    let w = data.len() / 8;
    tail.is_empty() || tail == &sector_word(sector, w).to_le_bytes()[..tail.len()]
}

/// Byte `k` of the `contest=out:N` stream.
pub fn console_byte(k: u64) -> u8 {
    (k.wrapping_mul(7).wrapping_add(k / 251)) as u8
}

/// The period of [`console_byte`]: `console_byte(k + CONSOLE_PERIOD) == console_byte(k)`,
/// because `7 * 251 * 256` is a multiple of 256 and `(k + 251 * 256) / 251` adds 256 to
/// the quotient. Generating one period and pointing descriptors into it replaces generating
/// every byte, which matters where each kernel instruction costs a microsecond.
pub const CONSOLE_PERIOD: u64 = 251 * 256;

/// Fills `out` with `console_byte(0..out.len())`, eight bytes per step: within a run of 251
/// bytes that share `k / 251`, each byte is the one eight places earlier plus 56, so a word
/// is the previous word plus `0x38` in every byte lane (lane-wise, without carries between
/// lanes). About a fifth of the instructions of a byte loop.
pub fn fill_console_pattern(out: &mut [u8]) {
    const LANE_LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const LANE_HIGH: u64 = 0x8080_8080_8080_8080;
    const STEP: u64 = 0x3838_3838_3838_3838;
    let len = out.len();
    let mut run_start = 0usize;
    while run_start < len {
        let run_end = (run_start + 251).min(len);
        // The first word of the run, byte by byte; then lane-wise additions.
        let mut word_bytes = [0u8; 8];
        for (i, b) in word_bytes.iter_mut().enumerate() {
            *b = console_byte((run_start + i) as u64);
        }
        let mut word = u64::from_le_bytes(word_bytes);
        let mut at = run_start;
        while at + 8 <= run_end {
            out[at..at + 8].copy_from_slice(&word.to_le_bytes());
            word = ((word & LANE_LOW) + (STEP & LANE_LOW)) ^ ((word ^ STEP) & LANE_HIGH);
            at += 8;
        }
        out[at..run_end].copy_from_slice(&word.to_le_bytes()[..run_end - at]);
        run_start = run_end;
    }
}

/// The `p`-th percentile (0..=100, nearest rank) of `sorted`, 0 if empty.
pub fn percentile(sorted: &[u64], p: u64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p.min(100) * sorted.len() as u64).div_ceil(100).max(1);
    sorted[rank as usize - 1]
}

/// A small deterministic generator (xorshift64*) for benchmark offsets: the same run reads
/// the same blocks.
#[derive(Clone, Debug)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator from `seed` (0 is replaced, as xorshift would stay at 0).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 { 0x9e37_79b9_7f4a_7c15 } else { seed })
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value in `0..bound` (`bound > 0`; the slight modulo bias does not matter here).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    #[test]
    fn values() {
        assert_eq!(parse_blktest("rw"), Some(BlkTest::ReadWrite));
        assert_eq!(parse_blktest("ro"), Some(BlkTest::ReadOnly));
        assert_eq!(parse_blktest("x"), None);
        assert_eq!(parse_contest("out:1048576"), Some(ConTest::Out(1 << 20)));
        assert_eq!(parse_contest("out:0"), Some(ConTest::Out(0)));
        assert_eq!(parse_contest("echo"), Some(ConTest::Echo));
        assert_eq!(parse_contest("split"), Some(ConTest::Split));
        for bad in ["out:", "out:-1", "out:+1", "out:1k", "in", ""] {
            assert_eq!(parse_contest(bad), None, "{bad}");
        }
        assert_eq!(parse_blkbench("seqread:64"), Some(BlkBench::SeqRead(64)));
        assert_eq!(parse_blkbench("seqwrite:1"), Some(BlkBench::SeqWrite(1)));
        assert_eq!(parse_blkbench("randread:1000"), Some(BlkBench::RandRead(1000)));
        for bad in ["seqread", "seqread:0", "seqread:x", "rand:5", ":5"] {
            assert_eq!(parse_blkbench(bad), None, "{bad}");
        }
        assert_eq!(BlkBench::RandRead(1).name(), "randread");
    }

    #[test]
    fn patterns() {
        assert_eq!(sector_byte(0, 0), 0x5a);
        assert_eq!(sector_byte(1, 1), 0x5a + 31 + 7);
        // 300 as u8 = 44, 511 as u8 = 255: (44 * 31 + 255 * 7 + 0x5a) mod 256.
        assert_eq!(sector_byte(300, 511), ((44 * 31 + 255 * 7 + 0x5a) % 256) as u8);
        assert_eq!(console_byte(0), 0);
        assert_eq!(console_byte(251), (251u64 * 7 + 1) as u8);
        for k in [0, 1, 250, 251, 1000, 64_255, 123_456] {
            assert_eq!(console_byte(k), console_byte(k + CONSOLE_PERIOD), "{k}");
        }
    }

    #[test]
    fn sector_fill_matches_the_formula() {
        for sector in [0u64, 1, 127, 255, 256, 1000] {
            let mut out = vec![0u8; 512];
            fill_sector(sector, &mut out);
            let expected: Vec<u8> = (0..512).map(|i| sector_byte(sector, i)).collect();
            assert_eq!(out, expected, "sector {sector}");
            assert!(check_sector(sector, &out));
            assert!(!check_sector(sector + 1, &out));
            out[511] ^= 1;
            assert!(!check_sector(sector, &out));
            assert!(check_sector(sector, &expected[..100]));
        }
        assert!(!check_sector(0, &[0u8; 513]));
    }

    #[test]
    fn fast_fill_matches_the_formula() {
        for len in [0usize, 1, 7, 8, 9, 250, 251, 252, 259, 1000, CONSOLE_PERIOD as usize + 17] {
            let mut out = vec![0xeeu8; len];
            fill_console_pattern(&mut out);
            let expected: Vec<u8> = (0..len as u64).map(console_byte).collect();
            assert_eq!(out, expected, "len {len}");
        }
    }

    #[test]
    fn percentiles() {
        assert_eq!(percentile(&[], 50), 0);
        assert_eq!(percentile(&[7], 99), 7);
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50), 50);
        assert_eq!(percentile(&v, 99), 99);
        assert_eq!(percentile(&v, 100), 100);
        assert_eq!(percentile(&v, 0), 1);
        assert_eq!(percentile(&[1, 2, 3], 50), 2);
    }

    #[test]
    fn xorshift_is_deterministic_and_bounded() {
        let (mut a, mut b) = (XorShift::new(1), XorShift::new(1));
        for _ in 0..100 {
            let x = a.below(10);
            assert_eq!(x, b.below(10));
            assert!(x < 10);
        }
        assert_ne!(XorShift::new(0).next_u64(), 0);
    }
}
