//! File-system rules as pure logic: file status and its Linux layouts (`stat`), who may
//! change a file's mode, owner and times and what that clears (`attr`), path
//! components and limits (`path`), open flags (`flags`), the descriptor table
//! (`fdtable`), the pipe buffer (`pipe_ring`), directory-entry records (`dirent`), seeking
//! (`seek`). The kernel's `fs` module wires these to
//! file systems and devices.

pub mod attr;
pub mod dirent;
pub mod fdtable;
pub mod flags;
pub mod mode;
pub mod nr_files;
pub mod path;
pub mod pipe_ring;
pub mod seek;
pub mod stat;
