//! Pipes (pipe(7)): a 64 KiB ring shared by a read end and a write end. The rules (how
//! much a read takes, atomic writes of up to PIPE_BUF, EOF, EPIPE) are
//! `posix::fs::pipe_ring::Ring`; this file holds the bytes and the waiting.
//!
//! The ring's pages are allocated when first written to (most pipes carry a few bytes),
//! and bytes move between them and the callers' buffers with the memops device. Blocking
//! goes through `wait::wait_until` on the pipe's address, and every change wakes it.

use super::file::{FileSlot, OpenFile, POLLERR, POLLHUP, POLLIN, POLLOUT};
use super::iobuf::{ReadBuf, WriteBuf};
use super::node::{Node, NodeId, Perm, Stream};
use super::user::UserAccess;
use super::wait;
use crate::mm::frame;
use crate::mm::memops::Batch;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};
use posix::Errno;
use posix::fs::flags::{O_NONBLOCK, O_RDONLY, O_WRONLY};
use posix::fs::mode::S_IFIFO;
use posix::fs::pipe_ring::{CAPACITY, PIPE_BUF, ReadStep, Ring, WOULD_BLOCK, WriteStep};
use posix::fs::stat::Stat;
use spin::mutex::SpinMutex;

/// Bytes per ring page.
const PAGE: usize = 4096;
/// Pages in a ring.
const PAGES: usize = CAPACITY / PAGE;
/// `st_dev` of pipes (Linux's pipefs is an anonymous device).
const PIPE_DEV: u64 = posix::fs::stat::makedev(0, 12);
/// Next pipe inode number.
static NEXT_INO: AtomicU64 = AtomicU64::new(1);

struct State {
    ring: Ring,
    /// Frames of the ring's pages (0 = not allocated yet).
    pages: [u64; PAGES],
    readers: usize,
    writers: usize,
}

/// One pipe: its state and identity (the node `fstat` reports).
struct Pipe {
    state: SpinMutex<State>,
    ino: u64,
}

impl Pipe {
    fn chan(&self) -> usize {
        self as *const Self as usize
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        let mut freed = frame::FreeBatch::new();
        for &f in self.state.get_mut().pages.iter().filter(|&&f| f != 0) {
            // SAFETY: the frames were allocated for this ring and nothing else refers to
            // them: the pipe is going away with both ends.
            unsafe { freed.push(f) };
        }
    }
}

impl State {
    /// Calls `f(phys, at, n)` for the physical pieces of ring range `(offset, len)`,
    /// `at` counting from `base`; allocates missing pages if `alloc`.
    fn pieces(
        &mut self,
        (offset, len): (usize, usize),
        base: usize,
        alloc: bool,
        f: &mut dyn FnMut(u64, usize, usize),
    ) -> Result<(), Errno> {
        let mut done = 0;
        while done < len {
            let pos = offset + done;
            let page = pos / PAGE;
            if self.pages[page] == 0 {
                if !alloc {
                    return Err(Errno::EIO);
                }
                self.pages[page] = frame::alloc().ok_or(Errno::ENOMEM)?;
            }
            let n = (PAGE - pos % PAGE).min(len - done);
            f(self.pages[page] + (pos % PAGE) as u64, base + done, n);
            done += n;
        }
        Ok(())
    }
}

/// The node behind both ends (what `fstat` on a pipe reports).
struct PipeNode {
    pipe: Arc<Pipe>,
}

impl Node for PipeNode {
    fn id(&self) -> NodeId {
        NodeId { dev: PIPE_DEV, ino: self.pipe.ino }
    }

    fn perm(&self) -> Perm {
        Perm { mode: S_IFIFO | 0o600, uid: 0, gid: 0 }
    }

    fn stat(&self) -> Stat {
        let p = self.perm();
        Stat {
            dev: PIPE_DEV,
            ino: self.pipe.ino,
            mode: p.mode,
            nlink: 1,
            blksize: PAGE as u32,
            ..Stat::default()
        }
    }

    fn size(&self) -> u64 {
        0
    }
}

/// One end of a pipe; dropping it (the last descriptor closed) tells the other side.
struct End {
    pipe: Arc<Pipe>,
    write: bool,
}

impl Drop for End {
    fn drop(&mut self) {
        {
            let mut s = self.pipe.state.lock();
            if self.write {
                s.writers -= 1;
            } else {
                s.readers -= 1;
            }
        }
        wait::wake(self.pipe.chan());
    }
}

impl Stream for End {
    fn read(&self, buf: &mut ReadBuf<'_>, nonblock: bool) -> Result<usize, Errno> {
        let pipe = &self.pipe;
        loop {
            {
                let mut s = pipe.state.lock();
                match s.ring.read_step(buf.len(), s.writers) {
                    ReadStep::Take(n) => {
                        let mut batch = Batch::new();
                        let spans = s.ring.read_spans(n);
                        let mut at = 0;
                        for span in spans {
                            s.pieces(span, at, false, &mut |phys, at, n| {
                                buf.copy_from_phys(&mut batch, at, phys, n)
                            })?;
                            at += span.1;
                        }
                        batch.finish().map_err(|_| Errno::EFAULT)?;
                        s.ring.consume(n);
                        drop(s);
                        wait::wake(pipe.chan());
                        return Ok(n);
                    }
                    ReadStep::Eof => return Ok(0),
                    ReadStep::Wait if nonblock => return Err(WOULD_BLOCK),
                    ReadStep::Wait => {}
                }
            }
            wait::wait_until(pipe.chan(), || {
                let s = pipe.state.lock();
                !s.ring.is_empty() || s.writers == 0
            })?;
        }
    }

    fn write(&self, buf: &WriteBuf<'_>, nonblock: bool) -> Result<usize, Errno> {
        let pipe = &self.pipe;
        let total = buf.len();
        let mut done = 0;
        loop {
            {
                let mut s = pipe.state.lock();
                match s.ring.write_step(total, total - done, s.readers) {
                    WriteStep::Broken => {
                        return if done > 0 { Ok(done) } else { Err(Errno::EPIPE) };
                    }
                    WriteStep::Put(n) => {
                        let mut batch = Batch::new();
                        let spans = s.ring.write_spans(n);
                        let mut at = done;
                        for span in spans {
                            s.pieces(span, at, true, &mut |phys, at, n| {
                                buf.copy_to_phys(&mut batch, at, phys, n)
                            })?;
                            at += span.1;
                        }
                        batch.finish().map_err(|_| Errno::EFAULT)?;
                        s.ring.produce(n);
                        done += n;
                        drop(s);
                        wait::wake(pipe.chan());
                        if done == total {
                            return Ok(total);
                        }
                        continue;
                    }
                    WriteStep::Wait if nonblock => {
                        return if done > 0 { Ok(done) } else { Err(WOULD_BLOCK) };
                    }
                    WriteStep::Wait => {}
                }
            }
            let left = total - done;
            let waited = wait::wait_until(pipe.chan(), || {
                let s = pipe.state.lock();
                s.readers == 0
                    || if total <= PIPE_BUF { s.ring.room() >= left } else { s.ring.room() > 0 }
            });
            if let Err(e) = waited {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
        }
    }

    fn poll(&self) -> u16 {
        let s = self.pipe.state.lock();
        if self.write {
            if s.readers == 0 {
                POLLERR
            } else if s.ring.room() >= PIPE_BUF {
                POLLOUT
            } else {
                0
            }
        } else {
            let mut events = if s.ring.is_empty() { 0 } else { POLLIN };
            if s.writers == 0 {
                events |= POLLHUP;
            }
            events
        }
    }

    /// FIONREAD on either end: the bytes in the pipe (Linux `pipe_ioctl`); anything else
    /// is not a pipe request (ENOTTY).
    fn ioctl(&self, request: u32, arg: usize, user: &mut dyn UserAccess) -> Result<isize, Errno> {
        if request != linux_raw_sys::ioctl::FIONREAD {
            return Err(Errno::ENOTTY);
        }
        let n = self.pipe.state.lock().ring.len() as i32;
        user.copy_out(arg, &n.to_ne_bytes())?;
        Ok(0)
    }
}

/// `pipe2(2)`: a new pipe's read end and write end. `flags` may hold O_NONBLOCK (set on
/// both descriptions) and O_CLOEXEC (core's: it goes to the descriptor table); anything
/// else is EINVAL. ENFILE past `fs.file-max` (unless `privileged`), ENOMEM while the
/// kernel is short of memory.
pub fn pipe(flags: u32, privileged: bool) -> Result<(Arc<OpenFile>, Arc<OpenFile>), Errno> {
    if flags & !(O_NONBLOCK | posix::fs::flags::O_CLOEXEC | posix::fs::flags::O_DIRECT) != 0 {
        return Err(Errno::EINVAL);
    }
    let (read_slot, write_slot) = (FileSlot::take(privileged)?, FileSlot::take(privileged)?);
    let pipe = Arc::new(Pipe {
        state: SpinMutex::new(State {
            ring: Ring::new(CAPACITY),
            pages: [0; PAGES],
            readers: 1,
            writers: 1,
        }),
        ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
    });
    let node: Arc<dyn Node> = Arc::new(PipeNode { pipe: pipe.clone() });
    let status = flags & O_NONBLOCK | posix::fs::flags::O_LARGEFILE;
    let reader = Arc::new(End { pipe: pipe.clone(), write: false });
    let writer = Arc::new(End { pipe, write: true });
    Ok((
        Arc::new(OpenFile::new(
            read_slot,
            node.clone(),
            Some(reader),
            true,
            false,
            status | O_RDONLY,
        )),
        Arc::new(OpenFile::new(write_slot, node, Some(writer), false, true, status | O_WRONLY)),
    ))
}
