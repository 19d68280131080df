//! The pipe buffer's rules (POSIX.1-2017 XSH write() "Pipes and FIFOs", read(), pipe(7)):
//! a ring of `capacity` bytes and the decisions a read or a write makes, as pure state
//! so they are tested here; the kernel holds the bytes and moves them with memops.

use crate::Errno;

/// Writes of at most this many bytes are atomic (pipe(7) PIPE_BUF: 4096 on Linux).
pub const PIPE_BUF: usize = 4096;
/// Linux's default pipe capacity (pipe(7) "Pipe capacity": 16 pages).
pub const CAPACITY: usize = 65536;

/// Where the bytes are: `len` bytes from `head`, wrapping at `capacity`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ring {
    capacity: usize,
    head: usize,
    len: usize,
}

/// What a read does now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadStep {
    /// Take this many bytes (what is available, up to the request).
    Take(usize),
    /// End of file: empty and no writer is left.
    Eof,
    /// Empty, writers exist: wait (or EAGAIN with O_NONBLOCK).
    Wait,
}

/// What a write does now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteStep {
    /// Put this many bytes now.
    Put(usize),
    /// No room for the (atomic or any) part: wait (or EAGAIN with O_NONBLOCK).
    Wait,
    /// No reader is left: EPIPE (and SIGPIPE, raised by the caller).
    Broken,
}

impl Ring {
    /// An empty ring of `capacity` bytes.
    pub const fn new(capacity: usize) -> Self {
        Self { capacity, head: 0, len: 0 }
    }

    /// Bytes stored.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Free bytes.
    pub fn room(&self) -> usize {
        self.capacity - self.len
    }

    /// A read of `want` bytes: read(2) returns what is available without waiting for
    /// more; 0 (EOF) only when empty with no writers.
    pub fn read_step(&self, want: usize, writers: usize) -> ReadStep {
        if want == 0 {
            return ReadStep::Take(0);
        }
        match (self.len, writers) {
            (0, 0) => ReadStep::Eof,
            (0, _) => ReadStep::Wait,
            (n, _) => ReadStep::Take(n.min(want)),
        }
    }

    /// The next step of a write with `left` bytes still to write out of `total`: EPIPE
    /// without readers; a write of at most PIPE_BUF bytes goes in whole or waits; a larger
    /// one puts what fits and waits for the rest (XSH write(): "If the O_NONBLOCK flag is
    /// clear, a write request may cause the thread to block, but on normal completion it
    /// shall return nbyte").
    pub fn write_step(&self, total: usize, left: usize, readers: usize) -> WriteStep {
        if readers == 0 {
            return WriteStep::Broken;
        }
        if left == 0 {
            return WriteStep::Put(0);
        }
        let room = self.room();
        if total <= PIPE_BUF {
            return if room >= left { WriteStep::Put(left) } else { WriteStep::Wait };
        }
        if room == 0 { WriteStep::Wait } else { WriteStep::Put(room.min(left)) }
    }

    /// The (up to two) stored ranges `(offset, len)` holding the next `n` bytes.
    pub fn read_spans(&self, n: usize) -> [(usize, usize); 2] {
        let n = n.min(self.len);
        let first = n.min(self.capacity - self.head);
        [(self.head, first), (0, n - first)]
    }

    /// Consumes `n` read bytes.
    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.len);
        self.head = (self.head + n) % self.capacity;
        self.len -= n;
        if self.len == 0 {
            self.head = 0; // keeps later writes in one span
        }
    }

    /// The (up to two) free ranges `(offset, len)` the next `n` written bytes go to.
    pub fn write_spans(&self, n: usize) -> [(usize, usize); 2] {
        let n = n.min(self.room());
        let tail = (self.head + self.len) % self.capacity;
        let first = n.min(self.capacity - tail);
        [(tail, first), (0, n - first)]
    }

    /// Records `n` written bytes.
    pub fn produce(&mut self, n: usize) {
        self.len = (self.len + n.min(self.room())).min(self.capacity);
    }
}

/// The error a non-blocking caller gets instead of waiting.
pub const WOULD_BLOCK: Errno = Errno::EAGAIN;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_take_what_is_there() {
        let mut r = Ring::new(16);
        assert_eq!(r.read_step(4, 1), ReadStep::Wait);
        assert_eq!(r.read_step(4, 0), ReadStep::Eof);
        assert_eq!(r.read_step(0, 1), ReadStep::Take(0));
        r.produce(3);
        assert_eq!(r.read_step(10, 0), ReadStep::Take(3), "data before EOF");
    }

    #[test]
    fn small_writes_are_atomic() {
        let mut r = Ring::new(CAPACITY);
        r.produce(CAPACITY - 100);
        assert_eq!(r.write_step(200, 200, 1), WriteStep::Wait, "no partial atomic write");
        assert_eq!(r.write_step(100, 100, 1), WriteStep::Put(100));
        assert_eq!(r.write_step(10_000, 10_000, 1), WriteStep::Put(100), "large writes split");
        r.produce(100);
        assert_eq!(r.write_step(10_000, 9_900, 1), WriteStep::Wait);
        assert_eq!(r.write_step(1, 1, 0), WriteStep::Broken);
    }

    #[test]
    fn spans_wrap() {
        let mut r = Ring::new(8);
        r.produce(6);
        r.consume(4);
        assert_eq!(r.len(), 2);
        assert_eq!(r.write_spans(5), [(6, 2), (0, 3)]);
        r.produce(5);
        assert_eq!(r.read_spans(7), [(4, 4), (0, 3)]);
        r.consume(7);
        assert!(r.is_empty());
        assert_eq!(r.write_spans(3), [(0, 3), (0, 0)], "empty ring restarts at 0");
        assert_eq!(r.room(), 8);
    }
}
