//! Helpers every device uses on its queues: walking a descriptor chain with precise failure
//! reporting, turning guest buffers into host iovecs, popping chains, and deciding whether
//! the driver wants an interrupt.

use std::ops::Deref;

use virtio_queue::desc::split::Descriptor;
use virtio_queue::{DescriptorChain, Queue, QueueOwnedT, QueueT};
use vm_memory::{GuestAddress, GuestMemory, GuestMemoryBackend, GuestMemoryMmap};

use super::{Interrupt, InterruptKind};

/// The chain could not be followed to its end: it is empty, loops (more links than the
/// table has entries), links to an index outside its table, or uses an indirect table that
/// is misaligned, nested or unreadable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("descriptor chain is empty, loops, or links outside its descriptor table")]
pub struct BrokenChain;

/// Walks `chain`, handing each descriptor to `visit`; returns how many there were.
///
/// virtio-queue's iterator ends the same way whether the chain ended properly or could not
/// be followed; the difference is whether the last descriptor it produced still had NEXT set
/// (or it produced none at all). That is how a broken chain is told from a complete one.
pub fn walk_chain<M>(
    chain: DescriptorChain<M>,
    mut visit: impl FnMut(&Descriptor),
) -> Result<usize, BrokenChain>
where
    M: Deref,
    M::Target: GuestMemory,
{
    let mut count = 0;
    let mut wants_more = true;
    for desc in chain {
        count += 1;
        wants_more = desc.has_next();
        visit(&desc);
    }
    if wants_more { Err(BrokenChain) } else { Ok(count) }
}

/// Appends host iovecs covering guest `[addr, addr + len)` to `iovs`, one per memory region
/// the range touches. `None` if any byte of the range is not guest RAM.
///
/// The pointers stay valid while `mem` (or any clone of it: the regions are shared) lives;
/// callers hand them straight to one system call.
pub fn push_iovecs(
    mem: &GuestMemoryMmap,
    addr: GuestAddress,
    len: usize,
    iovs: &mut Vec<libc::iovec>,
) -> Option<()> {
    for slice in GuestMemoryBackend::get_slices(mem, addr, len) {
        let slice = slice.ok()?;
        let ptr = slice.ptr_guard_mut().as_ptr();
        iovs.push(libc::iovec { iov_base: ptr.cast(), iov_len: slice.len() });
    }
    Some(())
}

/// Takes the next available chain. `Err` means the driver published more chains than the
/// queue holds (a corrupt available index): the queue cannot be trusted any more.
pub fn pop<'a>(
    queue: &mut Queue,
    mem: &'a GuestMemoryMmap,
) -> Result<Option<DescriptorChain<&'a GuestMemoryMmap>>, virtio_queue::Error> {
    Ok(queue.iter(mem)?.next())
}

/// After used entries were added: interrupt the driver if it asked to be (event-idx
/// `used_event`, or always without event-idx).
pub fn notify_used(
    queue: &mut Queue,
    mem: &GuestMemoryMmap,
    interrupt: &Interrupt,
) -> Result<(), virtio_queue::Error> {
    if queue.needs_notification(mem)? {
        interrupt.trigger(InterruptKind::UsedBuffer);
    }
    Ok(())
}

/// Tells how to advance `iovs` past `done` bytes: drops fully transferred entries and trims
/// the first partially transferred one. Used to resume a short `readv`/`writev`.
pub fn advance_iovecs(iovs: &mut Vec<libc::iovec>, mut done: usize) {
    let mut consumed = 0;
    for iov in iovs.iter_mut() {
        if done == 0 {
            break;
        }
        if done >= iov.iov_len {
            done -= iov.iov_len;
            consumed += 1;
        } else {
            // Stays inside the buffer the iovec describes.
            iov.iov_base = iov.iov_base.cast::<u8>().wrapping_add(done).cast();
            iov.iov_len -= done;
            done = 0;
        }
    }
    iovs.drain(..consumed);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::virtio::testing::{Desc, Driver, INDIRECT, NEXT, guest_memory};

    fn first_chain(driver: &Driver) -> DescriptorChain<&GuestMemoryMmap> {
        let mut queue = driver.queue(false);
        pop(&mut queue, &driver.mem).unwrap().unwrap()
    }

    #[test]
    fn complete_chain_is_walked() {
        let mem = guest_memory(1 << 20);
        let mut d = Driver::new(&mem, 0, 16);
        d.add_chain(&[Desc::r(0x8000, 16), Desc::w(0x9000, 512), Desc::w(0xa000, 1)]);
        let mut lens = Vec::new();
        assert_eq!(walk_chain(first_chain(&d), |desc| lens.push(desc.len())), Ok(3));
        assert_eq!(lens, [16, 512, 1]);
    }

    #[test]
    fn loops_and_bad_links_are_broken() {
        let mem = guest_memory(1 << 20);
        // 0 -> 1 -> 0 -> ...
        let mut d = Driver::new(&mem, 0, 16);
        d.add_raw(&[(0, Desc::raw(0x8000, 16, NEXT, 1)), (1, Desc::raw(0x9000, 1, NEXT, 0))], 0);
        assert_eq!(walk_chain(first_chain(&d), |_| {}), Err(BrokenChain));
        // next points past the table.
        let mut d = Driver::new(&mem, 0, 16);
        d.add_raw(&[(0, Desc::raw(0x8000, 16, NEXT, 16))], 0);
        assert_eq!(walk_chain(first_chain(&d), |_| {}), Err(BrokenChain));
        // Head index past the table.
        let mut d = Driver::new(&mem, 0, 16);
        d.publish(99);
        assert_eq!(walk_chain(first_chain(&d), |_| {}), Err(BrokenChain));
        // A misaligned indirect table.
        let mut d = Driver::new(&mem, 0, 16);
        d.add_raw(&[(0, Desc::raw(0x8000, 17, INDIRECT, 0))], 0);
        assert_eq!(walk_chain(first_chain(&d), |_| {}), Err(BrokenChain));
    }

    #[test]
    fn indirect_chain_is_walked() {
        let mem = guest_memory(1 << 20);
        let mut d = Driver::new(&mem, 0, 16);
        let table = Driver::new(&mem, 0x4000, 4);
        table.write_desc(0, Desc::raw(0x8000, 16, NEXT, 1));
        table.write_desc(1, Desc::raw(0x9000, 512, NEXT | 2, 2));
        table.write_desc(2, Desc::raw(0xa000, 1, 2, 0));
        d.add_raw(&[(0, Desc::raw(0x4000, 48, INDIRECT, 0))], 0);
        assert_eq!(walk_chain(first_chain(&d), |_| {}), Ok(3));
    }

    #[test]
    fn iovecs_cover_ranges_and_refuse_holes() {
        let mem = GuestMemoryMmap::from_ranges(&[
            (GuestAddress(0), 0x1000),
            (GuestAddress(0x1000), 0x1000),
            (GuestAddress(0x4000), 0x1000),
        ])
        .unwrap();
        let mut iovs = Vec::new();
        push_iovecs(&mem, GuestAddress(0xf00), 0x200, &mut iovs).unwrap();
        assert_eq!(iovs.len(), 2);
        assert_eq!(iovs.iter().map(|iov| iov.iov_len).sum::<usize>(), 0x200);
        assert!(push_iovecs(&mem, GuestAddress(0x1f00), 0x200, &mut Vec::new()).is_none());
        assert!(push_iovecs(&mem, GuestAddress(u64::MAX - 4), 16, &mut Vec::new()).is_none());
    }

    #[test]
    fn iovecs_advance_past_partial_transfers() {
        let mut a = [0u8; 8];
        let mut b = [0u8; 8];
        let mut iovs = vec![
            libc::iovec { iov_base: a.as_mut_ptr().cast(), iov_len: 8 },
            libc::iovec { iov_base: b.as_mut_ptr().cast(), iov_len: 8 },
        ];
        advance_iovecs(&mut iovs, 10);
        assert_eq!(iovs.len(), 1);
        assert_eq!(iovs[0].iov_len, 6);
        assert_eq!(iovs[0].iov_base, b[2..].as_mut_ptr().cast());
        advance_iovecs(&mut iovs, 6);
        assert!(iovs.is_empty());
    }
}
