//! How long a read of a terminal waits and for how many bytes (termios(3) "Canonical and
//! noncanonical mode"; Linux `n_tty_read`): canonical mode waits for a line; otherwise
//! MIN (`c_cc[VMIN]`) and TIME (`c_cc[VTIME]`, tenths of a second) decide.

use super::termios::Termios;
use linux_raw_sys::general as g;

/// Nanoseconds in a tenth of a second.
const DECISECOND: u64 = 100_000_000;

/// The plan of one read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadPlan {
    /// The read returns once it has this many bytes (0 in canonical mode: one line, or
    /// whatever one copy gave).
    pub minimum: usize,
    /// The first wait's limit in nanoseconds: `None` waits for good, `Some(0)` not at all.
    pub timeout: Option<u64>,
    /// After a byte came, each further wait's limit (TIME as an inter-byte timer when MIN
    /// and TIME are both set).
    pub inter_byte: Option<u64>,
}

/// The plan under `t`: MIN > 0, TIME > 0: at least MIN bytes or TIME after the last byte
/// (waiting for the first one for good); MIN > 0, TIME = 0: MIN bytes; MIN = 0, TIME >
/// 0: one byte or TIME overall; MIN = TIME = 0: what is there, maybe nothing.
pub fn plan(t: &Termios) -> ReadPlan {
    if t.l(g::ICANON) {
        return ReadPlan { minimum: 0, timeout: None, inter_byte: None };
    }
    let min = usize::from(t.cc(g::VMIN));
    let time = u64::from(t.cc(g::VTIME)) * DECISECOND;
    if min > 0 {
        ReadPlan { minimum: min, timeout: None, inter_byte: (time > 0).then_some(time) }
    } else {
        ReadPlan { minimum: 1, timeout: Some(time), inter_byte: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(min: u8, time: u8) -> Termios {
        let mut t = Termios::default();
        t.lflag &= !g::ICANON;
        t.cc[g::VMIN as usize] = min;
        t.cc[g::VTIME as usize] = time;
        t
    }

    #[test]
    fn the_four_cases() {
        assert_eq!(plan(&Termios::default()).minimum, 0);
        assert_eq!(plan(&Termios::default()).timeout, None);
        let p = plan(&raw(3, 5));
        assert_eq!((p.minimum, p.timeout, p.inter_byte), (3, None, Some(500_000_000)));
        let p = plan(&raw(2, 0));
        assert_eq!((p.minimum, p.timeout, p.inter_byte), (2, None, None));
        let p = plan(&raw(0, 10));
        assert_eq!((p.minimum, p.timeout, p.inter_byte), (1, Some(1_000_000_000), None));
        let p = plan(&raw(0, 0));
        assert_eq!((p.minimum, p.timeout, p.inter_byte), (1, Some(0), None));
    }
}
