//! A fixed-size text buffer: what a worker uses to build paths and trace lines, since it
//! may not allocate (it shares the supervisor's heap without its locks).

/// Up to `N` bytes of text; pushes past the end are dropped.
pub struct Text<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Text<N> {
    /// An empty buffer.
    pub fn new() -> Self {
        Text { buf: [0; N], len: 0 }
    }

    /// Appends bytes (as many as fit).
    pub fn push(&mut self, bytes: &[u8]) -> &mut Self {
        let n = bytes.len().min(N - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
        self
    }

    /// Appends a number in decimal.
    pub fn dec(&mut self, mut v: u64) -> &mut Self {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.push(&digits[i..])
    }

    /// Appends a number in hexadecimal with a `0x` prefix.
    pub fn hex(&mut self, v: u64) -> &mut Self {
        let mut digits = [0u8; 16];
        let mut i = digits.len();
        let mut v = v;
        loop {
            i -= 1;
            digits[i] = b"0123456789abcdef"[(v & 15) as usize];
            v >>= 4;
            if v == 0 {
                break;
            }
        }
        self.push(b"0x").push(&digits[i..])
    }

    /// The text so far.
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The text with a NUL byte after it (the last byte is overwritten if full).
    pub fn c_str(&mut self) -> &[u8] {
        if self.len == N {
            self.len -= 1;
        }
        self.buf[self.len] = 0;
        &self.buf[..self.len + 1]
    }
}

impl<const N: usize> Default for Text<N> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::Text;

    #[test]
    fn numbers_and_truncation() {
        let mut t = Text::<32>::new();
        t.push(b"a").dec(0).push(b" ").dec(1234).push(b" ").hex(0xff).push(b" ").hex(0);
        assert_eq!(t.bytes(), b"a0 1234 0xff 0x0");
        let mut s = Text::<4>::new();
        s.push(b"abcdef");
        assert_eq!(s.c_str(), b"abc\0");
    }
}
