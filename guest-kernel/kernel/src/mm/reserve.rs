//! The kernel reserve: physically contiguous frames that user memory can never take, kept
//! for the kernel's own allocations when everything else is used up.
//!
//! Why: user memory (page faults, fork copies, the page cache, tmpfs, pipes) may take every
//! general frame, and the kernel heap and device buffers then have nowhere to grow. Most
//! kernel allocations are written as if they cannot fail (a `Box`, an `Arc`, a node of a
//! `BTreeMap`), so running out would be a kernel panic caused by user code. Linux keeps
//! `min_free_kbytes` below its watermarks for the same reason; here the reserve is a small
//! pool of contiguous chunks (the heap grows in contiguous pieces; `klib::chunk_pool::Pool`)
//! that only the kernel's own allocations draw on (`frame::alloc_kernel_contiguous`,
//! `frame::alloc_kernel_table`), after general memory, and init's page faults as a last
//! resort (`frame::with_reserve`).
//!
//! The reserve is kept for work already under way, exits, reaping and init. New work that
//! would grow kernel memory (a process, a descriptor, a mapping, a file) is admitted only
//! while the reserve is at least half full ([`admit`]); the caller gets ENOMEM or EAGAIN
//! otherwise. The reserve is topped up from general memory (fresh frames or zeroed runs)
//! when [`admit`] finds it short. Its size is 1/32 of RAM, between 1 and 16 MiB (4 MiB in
//! the default 128 MiB guest): far more than the in-flight allocations of every task at
//! once (a few KiB each at the 512-process limit).
//!
//! Every frame in the pool is zero (fresh frames and zeroed runs only, never handed out
//! twice), so a device buffer or heap piece taken from it needs no clearing.

/// Whether new work that grows kernel memory may start now (see the module docs): `Err`
/// when the kernel is living on its reserve and general memory cannot refill it. The
/// caller turns it into its errno (ENOMEM, or EAGAIN for fork). One load while the
/// reserve is full.
pub fn admit() -> Result<(), posix::Errno> {
    if !super::frame::reserve_depleted() {
        return Ok(());
    }
    if super::frame::top_up_reserve() { Ok(()) } else { Err(posix::Errno::ENOMEM) }
}
