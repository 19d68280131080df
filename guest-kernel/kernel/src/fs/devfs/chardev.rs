//! Character device nodes, and the two simplest devices: `/dev/null` (reads end at once,
//! writes vanish) and `/dev/zero` (reads give zeros, writes vanish), as null(4) says.

use crate::fs::file::{POLLIN, POLLOUT};
use crate::fs::iobuf::{ReadBuf, WriteBuf};
use crate::fs::node::{Node, NodeId, Perm, Stream};
use crate::mm::memops::Batch;
use alloc::sync::Arc;
use posix::Errno;
use posix::fs::stat::Stat;

/// A character device in `/dev`: its identity and the stream an open gets.
pub struct CharNode {
    id: NodeId,
    perm: Perm,
    rdev: u64,
    stream: Arc<dyn Stream>,
    /// Whether an open may have the stream now (`None`: always); an open it refuses
    /// fails with ENXIO (`/dev/tty` without a controlling terminal).
    gate: Option<fn() -> bool>,
}

impl CharNode {
    /// A node for `stream`.
    pub fn new(id: NodeId, perm: Perm, rdev: u64, stream: Arc<dyn Stream>) -> Self {
        Self { id, perm, rdev, stream, gate: None }
    }

    /// A node whose opens succeed only while `gate()` holds (ENXIO otherwise).
    pub fn gated(
        id: NodeId,
        perm: Perm,
        rdev: u64,
        stream: Arc<dyn Stream>,
        gate: fn() -> bool,
    ) -> Self {
        Self { id, perm, rdev, stream, gate: Some(gate) }
    }
}

impl Node for CharNode {
    fn id(&self) -> NodeId {
        self.id
    }

    fn perm(&self) -> Perm {
        self.perm
    }

    fn stat(&self) -> Stat {
        Stat { blksize: 4096, ..super::device_stat(self.id, self.perm, self.rdev) }
    }

    fn size(&self) -> u64 {
        0
    }

    fn open_stream(&self) -> Option<Arc<dyn Stream>> {
        if self.gate.is_some_and(|g| !g()) {
            return None;
        }
        Some(self.stream.clone())
    }
}

/// `/dev/null`.
pub struct Null;

impl Stream for Null {
    fn read(&self, _buf: &mut ReadBuf<'_>, _nonblock: bool) -> Result<usize, Errno> {
        Ok(0)
    }

    fn write(&self, buf: &WriteBuf<'_>, _nonblock: bool) -> Result<usize, Errno> {
        Ok(buf.len())
    }

    fn poll(&self) -> u16 {
        POLLIN | POLLOUT
    }

    fn seekable(&self) -> bool {
        true
    }

    fn discards_writes(&self) -> bool {
        true
    }

    fn reads_nothing(&self) -> bool {
        true
    }
}

/// `/dev/zero`.
pub struct Zero;

impl Stream for Zero {
    /// Fills the buffer with zeros, done by the memops device.
    fn read(&self, buf: &mut ReadBuf<'_>, _nonblock: bool) -> Result<usize, Errno> {
        let mut batch = Batch::new();
        let n = buf.len();
        buf.zero(&mut batch, 0, n);
        batch.finish().map_err(|_| Errno::EFAULT)?;
        Ok(n)
    }

    fn write(&self, buf: &WriteBuf<'_>, _nonblock: bool) -> Result<usize, Errno> {
        Ok(buf.len())
    }

    fn poll(&self) -> u16 {
        POLLIN | POLLOUT
    }

    fn seekable(&self) -> bool {
        true
    }

    fn discards_writes(&self) -> bool {
        true
    }
}
