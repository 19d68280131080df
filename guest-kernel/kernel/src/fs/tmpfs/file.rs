//! tmpfs file data: the pages themselves (page-cache frames), plus the size. Holes (pages
//! never written) read as zeros; new pages are zeroed only where the write does not cover
//! them, by the memops device.

use super::TmpFs;
use crate::fs::iobuf::{ReadBuf, WriteBuf};
use crate::fs::pagecache::{PAGE, PageMap};
use crate::mm::frame;
use crate::mm::memops::Batch;
use alloc::sync::Arc;
use posix::Errno;

/// Largest tmpfs file (EFBIG beyond): bounds the page map.
const MAX_SIZE: u64 = 1 << 32;

/// A regular file's contents.
pub struct FileData {
    /// The file system, which counts the data pages against its size limit.
    fs: Arc<TmpFs>,
    size: u64,
    pages: PageMap,
    /// Pages allocated (for `st_blocks`).
    allocated: u64,
    /// Whether a page was handed out for mapping: processes may then use the frames
    /// directly, and nothing counts those uses, so truncation keeps the frames it cuts off
    /// (in `retired`) until the file itself goes. A mapping holds the file open (its
    /// `Vma` keeps the open file description), so when the file goes no page table maps
    /// its frames any more, and all of them are freed.
    mapped: bool,
    /// Frames cut off by a truncation while `mapped`, freed with the file.
    retired: alloc::vec::Vec<u64>,
}

impl FileData {
    /// An empty file.
    pub fn new(fs: Arc<TmpFs>) -> Self {
        Self {
            fs,
            size: 0,
            pages: PageMap::new(),
            allocated: 0,
            mapped: false,
            retired: alloc::vec::Vec::new(),
        }
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
        self.fs.charge_page()?;
        let Some(f) = frame::alloc() else {
            self.fs.uncharge_pages(1);
            return Err(Errno::ENOSPC);
        };
        batch.zero(f, written.0);
        batch.zero(f + written.1, PAGE - written.1);
        if !self.pages.insert(index, f) {
            // SAFETY: the frame was just allocated and is referenced nowhere.
            unsafe { frame::free(f) };
            self.fs.uncharge_pages(1);
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
            let end = self.size.div_ceil(PAGE);
            if self.mapped {
                // Room to keep every page cut off (see `mapped`), or nothing changes.
                let cut = self.pages.count_from(keep, end);
                self.retired.try_reserve(cut).map_err(|_| Errno::ENOMEM)?;
            }
            let mut freed = 0;
            let (mapped, retired) = (self.mapped, &mut self.retired);
            let mut batch = frame::FreeBatch::new();
            self.pages.remove_from(keep, end, |f| {
                if mapped {
                    retired.push(f);
                } else {
                    // SAFETY: the frame belonged to this file's page map, which just
                    // dropped it, and was never handed out for mapping.
                    unsafe { batch.push(f) };
                }
                freed += 1;
            });
            drop(batch);
            self.allocated -= freed;
            if !mapped {
                self.fs.uncharge_pages(freed);
            }
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
        let pages = self.size.div_ceil(PAGE);
        let retired = core::mem::take(&mut self.retired);
        self.fs.uncharge_pages(self.allocated + retired.len() as u64);
        let mut batch = frame::FreeBatch::new();
        self.pages.remove_from(0, pages, |f| {
            // SAFETY: the file is gone, so no mapping of it is left (each holds the file
            // open, see `mapped`): nothing else refers to its frames.
            unsafe { batch.push(f) };
        });
        for f in retired {
            // SAFETY: as above, for the frames an earlier truncation cut off.
            unsafe { batch.push(f) };
        }
    }
}
