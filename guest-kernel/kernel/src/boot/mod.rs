//! Boot: the PVH entry code and what the loader hands over.

mod entry;
pub mod start_info;
