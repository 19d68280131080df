//! tmpfs file data: the pages themselves (page-cache frames), plus the size. Holes (pages
//! never written) read as zeros; new pages are zeroed only where the write does not cover
//! them, by the memops device.

use crate::fs::iobuf::{ReadBuf, WriteBuf};
use crate::fs::pagecache::{PAGE, PageMap};
use crate::mm::frame;
use crate::mm::memops::Batch;
use posix::Errno;

/// Largest tmpfs file (EFBIG beyond): bounds the page map.
const MAX_SIZE: u64 = 1 << 32;

/// A regular file's contents.
pub struct FileData {
    size: u64,
    pages: PageMap,
    /// Pages allocated (for `st_blocks`).
    allocated: u64,
    /// Whether a page was handed out for mapping: processes may then use the frames
    /// directly, and nothing counts those uses yet, so from then on the file's frames are
    /// never freed (truncation and removal leave them allocated).
    mapped: bool,
}

impl FileData {
    /// An empty file.
    pub fn new() -> Self {
        Self { size: 0, pages: PageMap::new(), allocated: 0, mapped: false }
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Pages holding data.
    pub fn pages(&self) -> u64 {
        self.allocated
    }

    /// Copies bytes `offset..` (up to the end) into `buf`; holes give zeros.
    pub fn read_at(&mut self, offset: u64, buf: &mut ReadBuf<'_>) -> Result<usize, Errno> {
        if offset >= self.size || buf.is_empty() {
            return Ok(0);
        }
        let n = (buf.len() as u64).min(self.size - offset);
        let mut batch = Batch::new();
        let mut done = 0;
        while done < n {
            let pos = offset + done;
            let len = (PAGE - pos % PAGE).min(n - done);
            match self.pages.get(pos / PAGE) {
                Some(f) => {
                    buf.copy_from_phys(&mut batch, done as usize, f + pos % PAGE, len as usize)
                }
                None => buf.zero(&mut batch, done as usize, len as usize),
            }
            done += len;
        }
        batch.finish().map_err(|_| Errno::EFAULT)?;
        Ok(n as usize)
    }

    /// The frame of page `index`, allocated (zeroed) if it is a hole. `zero_except`: the
    /// byte range of the page about to be overwritten (not zeroed first).
    fn page_for_write(
        &mut self,
        batch: &mut Batch,
        index: u64,
        written: (u64, u64),
    ) -> Result<u64, Errno> {
        if let Some(f) = self.pages.get(index) {
            return Ok(f);
        }
        let f = frame::alloc().ok_or(Errno::ENOSPC)?;
        batch.zero(f, written.0);
        batch.zero(f + written.1, PAGE - written.1);
        if !self.pages.insert(index, f) {
            // SAFETY: the frame was just allocated and is referenced nowhere.
            unsafe { frame::free(f) };
            return Err(Errno::ENOSPC);
        }
        self.allocated += 1;
        Ok(f)
    }

    /// Writes `buf` at `offset`, growing the file.
    pub fn write_at(&mut self, offset: u64, buf: &WriteBuf<'_>) -> Result<usize, Errno> {
        let n = buf.len() as u64;
        let end = offset.checked_add(n).filter(|&e| e <= MAX_SIZE).ok_or(Errno::EFBIG)?;
        let mut batch = Batch::new();
        let mut done = 0;
        while done < n {
            let pos = offset + done;
            let in_page = pos % PAGE;
            let len = (PAGE - in_page).min(n - done);
            let f = self.page_for_write(&mut batch, pos / PAGE, (in_page, in_page + len))?;
            buf.copy_to_phys(&mut batch, done as usize, f + in_page, len as usize);
            done += len;
        }
        batch.finish().map_err(|_| Errno::EFAULT)?;
        self.size = self.size.max(end);
        Ok(n as usize)
    }

    /// Sets the size: pages past the new end are freed, the rest of the last page zeroed
    /// (so growing again reads zeros, ftruncate(2)).
    pub fn truncate(&mut self, len: u64) -> Result<(), Errno> {
        if len > MAX_SIZE {
            return Err(Errno::EFBIG);
        }
        if len < self.size {
            let keep = len.div_ceil(PAGE);
            let mut freed = 0;
            let mapped = self.mapped;
            self.pages.remove_from(keep, self.size.div_ceil(PAGE), |f| {
                if !mapped {
                    // SAFETY: the frame belonged to this file's page map, which just
                    // dropped it, and was never handed out for mapping.
                    unsafe { frame::free(f) };
                }
                freed += 1;
            });
            self.allocated -= freed;
            if !len.is_multiple_of(PAGE)
                && let Some(f) = self.pages.get(len / PAGE)
            {
                let mut batch = Batch::new();
                batch.zero(f + len % PAGE, PAGE - len % PAGE);
                batch.finish().map_err(|_| Errno::EIO)?;
            }
        }
        self.size = len;
        Ok(())
    }

    /// The frame of page `index` for `mmap` (allocated zero if a hole); ENXIO past the end.
    pub fn page(&mut self, index: u64) -> Result<u64, Errno> {
        if index >= self.size.div_ceil(PAGE) {
            return Err(Errno::ENXIO);
        }
        let mut batch = Batch::new();
        let f = self.page_for_write(&mut batch, index, (0, 0))?;
        batch.finish().map_err(|_| Errno::EIO)?;
        self.mapped = true;
        Ok(f)
    }
}

impl Drop for FileData {
    fn drop(&mut self) {
        if self.mapped {
            return; // see `mapped`
        }
        let pages = self.size.div_ceil(PAGE);
        self.pages.remove_from(0, pages, |f| {
            // SAFETY: the file is gone and its frames were never handed out for mapping,
            // so nothing else refers to them.
            unsafe { frame::free(f) };
        });
    }
}
