//! What one mapping of an address space is: its rights and where its pages come from.

use alloc::sync::Arc;
use posix::Errno;
use posix::mm::Piece;
use posix::mm::mmap::Prot;

/// A file whose pages can be mapped (a program being executed, a file `mmap`ed), as the
/// memory manager sees it: the file system implements it, so `mm` need not know files.
pub trait PageSource: Send + Sync {
    /// Physical address of page `index` of the file, from the page cache (shared: never
    /// written; bytes past the end of the file read as zero).
    fn page(&self, index: u64) -> Result<u64, Errno>;

    /// Physical addresses of the pages `first..first + out.len()` (one pass over the page
    /// cache; an error if any of them cannot be had).
    fn pages(&self, first: u64, out: &mut [u64]) -> Result<(), Errno>;
}

/// The file behind a file mapping.
#[derive(Clone)]
pub struct FileSource(Arc<dyn PageSource>);

impl FileSource {
    /// The mapping source for `file`.
    pub fn new(file: Arc<dyn PageSource>) -> Self {
        FileSource(file)
    }

    /// Physical address of page `index` of the file (see [`PageSource::page`]).
    #[inline]
    pub fn page(&self, index: u64) -> Result<u64, Errno> {
        self.0.page(index)
    }

    /// Physical addresses of the pages `first..first + out.len()`.
    #[inline]
    pub fn pages(&self, first: u64, out: &mut [u64]) -> Result<(), Errno> {
        self.0.pages(first, out)
    }

    /// Whether both are the same open file.
    fn same(&self, other: &FileSource) -> bool {
        core::ptr::addr_eq(Arc::as_ptr(&self.0), Arc::as_ptr(&other.0))
    }
}

/// Where a mapping's pages come from.
#[derive(Clone)]
pub enum Backing {
    /// Zero-filled on first touch.
    Anon,
    /// A private file mapping: the page cache's page until written, then a private copy
    /// (copy on write). `offset` is the file offset of the mapping's first byte.
    File {
        /// The file.
        source: FileSource,
        /// File offset of the mapping's start (page aligned).
        offset: u64,
    },
}

/// One mapping.
#[derive(Clone)]
pub struct Vma {
    /// Access rights (mprotect changes them).
    pub prot: Prot,
    /// Where the pages come from.
    pub backing: Backing,
    /// `MAP_SHARED` with a file whose pages are its storage (tmpfs, and the object behind
    /// shared anonymous memory): the file's own frames are mapped with the mapping's
    /// rights and written in place, never copied, and a fork shares them.
    pub shared: bool,
}

impl Vma {
    /// An anonymous mapping.
    pub fn anon(prot: Prot) -> Self {
        Vma { prot, backing: Backing::Anon, shared: false }
    }

    /// A private mapping of `backing`.
    pub fn private(prot: Prot, backing: Backing) -> Self {
        Vma { prot, backing, shared: false }
    }
}

impl Piece for Vma {
    fn advance(&self, by: u64) -> Self {
        let backing = match &self.backing {
            Backing::Anon => Backing::Anon,
            Backing::File { source, offset } => {
                Backing::File { source: source.clone(), offset: offset + by }
            }
        };
        Vma { prot: self.prot, backing, shared: self.shared }
    }

    fn continues(&self, len: u64, next: &Self) -> bool {
        self.prot == next.prot
            && self.shared == next.shared
            && match (&self.backing, &next.backing) {
                (Backing::Anon, Backing::Anon) => true,
                (
                    Backing::File { source: a, offset: x },
                    Backing::File { source: b, offset: y },
                ) => a.same(b) && x + len == *y,
                _ => false,
            }
    }
}
