//! The file system's side of file mappings: programs being executed and `mmap`ed files
//! give their page-cache pages to the memory manager through `mm::vm::PageSource`, the
//! interface `mm` defines so that it never names the file system above it.

use super::{ExecFile, OpenFile};
use crate::mm::vm::PageSource;
use posix::Errno;

impl PageSource for ExecFile {
    fn page(&self, index: u64) -> Result<u64, Errno> {
        ExecFile::page(self, index)
    }

    fn pages(&self, first: u64, out: &mut [u64]) -> Result<(), Errno> {
        ExecFile::pages(self, first, out)
    }
}

impl PageSource for OpenFile {
    fn page(&self, index: u64) -> Result<u64, Errno> {
        self.mmap_page(index)
    }

    fn pages(&self, first: u64, out: &mut [u64]) -> Result<(), Errno> {
        self.mmap_pages(first, out)
    }
}
