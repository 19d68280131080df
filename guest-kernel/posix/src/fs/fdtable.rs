//! The file descriptor table rules (POSIX.1-2017 XSH 2.14 "File Descriptor Allocation",
//! dup(2), fcntl(2), close(2)), generic over what a descriptor refers to so the rules are
//! tested here and the kernel stores its open file descriptions in it.

use crate::Errno;
use alloc::vec::Vec;

/// Default `RLIMIT_NOFILE` (soft limit of a Linux process started by init).
pub const DEFAULT_LIMIT: u64 = 1024;
/// Largest table a limit can ask for (Linux `sysctl_nr_open` default, 1 << 20).
pub const NR_OPEN: u64 = 1 << 20;

/// One open descriptor.
#[derive(Clone, Debug)]
struct Entry<T> {
    file: T,
    cloexec: bool,
}

/// A process's descriptors: slot `fd` holds the file it refers to and its close-on-exec
/// flag. [`FdTable::try_clone`] is fork: the child gets the same files (shared
/// descriptions) and flags.
///
/// Every operation that grows the table reserves its memory first and fails with ENOMEM
/// when it cannot: a table can be asked for up to [`NR_OPEN`] slots, more than a small
/// machine has memory for.
#[derive(Debug)]
pub struct FdTable<T> {
    slots: Vec<Option<Entry<T>>>,
    /// Number of open descriptors (so a table without holes finds its lowest free
    /// descriptor at once, instead of scanning every slot).
    open: usize,
    limit: u64,
}

impl<T: Clone> Default for FdTable<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone> FdTable<T> {
    /// An empty table with the default limit.
    pub fn new() -> Self {
        Self { slots: Vec::new(), open: 0, limit: DEFAULT_LIMIT }
    }

    /// A copy for a forked child (same files, same flags, same limit); ENOMEM if there is
    /// no memory for it.
    pub fn try_clone(&self) -> Result<Self, Errno> {
        let mut slots = Vec::new();
        slots.try_reserve_exact(self.slots.len()).map_err(|_| Errno::ENOMEM)?;
        slots.extend(self.slots.iter().cloned());
        Ok(Self { slots, open: self.open, limit: self.limit })
    }

    /// Number of open descriptors.
    pub fn count(&self) -> usize {
        self.open
    }

    /// The `RLIMIT_NOFILE` soft limit: descriptors are allocated below it.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Sets the limit (capped at [`NR_OPEN`]). Descriptors already at or above it stay open
    /// (setrlimit(2) does not close anything).
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = limit.min(NR_OPEN);
    }

    fn entry(&self, fd: i32) -> Result<&Entry<T>, Errno> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get(i))
            .and_then(Option::as_ref)
            .ok_or(Errno::EBADF)
    }

    /// The file `fd` refers to; EBADF if it is not open.
    pub fn get(&self, fd: i32) -> Result<&T, Errno> {
        self.entry(fd).map(|e| &e.file)
    }

    /// Lowest free descriptor at or above `min`, below the limit.
    fn lowest_free(&self, min: usize) -> Option<usize> {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let len = self.slots.len();
        let found = if min >= len {
            min
        } else if self.open == len {
            // No holes: the first free descriptor is past the end.
            len
        } else {
            (min..len).find(|&i| self.slots[i].is_none()).unwrap_or(len)
        };
        (found < limit).then_some(found)
    }

    /// Puts `file` in slot `fd`, growing the table if needed (ENOMEM without memory for
    /// it); returns what the slot held.
    fn install(&mut self, fd: usize, file: T, cloexec: bool) -> Result<Option<T>, Errno> {
        if self.slots.len() <= fd {
            self.slots.try_reserve(fd + 1 - self.slots.len()).map_err(|_| Errno::ENOMEM)?;
            self.slots.resize_with(fd + 1, || None);
        }
        let old = self.slots[fd].replace(Entry { file, cloexec }).map(|e| e.file);
        if old.is_none() {
            self.open += 1;
        }
        Ok(old)
    }

    /// Installs `file` at the lowest free descriptor (XSH 2.14); EMFILE if none is below
    /// the limit, ENOMEM if the table cannot grow.
    pub fn alloc(&mut self, file: T, cloexec: bool) -> Result<i32, Errno> {
        let fd = self.lowest_free(0).ok_or(Errno::EMFILE)?;
        self.install(fd, file, cloexec)?;
        Ok(fd as i32)
    }

    /// `dup(fd)`: a new descriptor (lowest free) for the same file, close-on-exec clear.
    pub fn dup(&mut self, fd: i32) -> Result<i32, Errno> {
        self.dup_from(fd, 0, false)
    }

    /// `fcntl(fd, F_DUPFD or F_DUPFD_CLOEXEC, min)`: the lowest free descriptor at or above
    /// `min`. EBADF if `fd` is not open; EINVAL if `min` is negative or not below the
    /// limit; EMFILE if none is free.
    pub fn dup_from(&mut self, fd: i32, min: i32, cloexec: bool) -> Result<i32, Errno> {
        let file = self.get(fd)?.clone();
        if min < 0 || min as u64 >= self.limit {
            return Err(Errno::EINVAL);
        }
        let new = self.lowest_free(min as usize).ok_or(Errno::EMFILE)?;
        self.install(new, file, cloexec)?;
        Ok(new as i32)
    }

    /// `dup2(old, new)`: `new` refers to `old`'s file, close-on-exec clear; whatever `new`
    /// referred to is closed (returned, so the caller drops it outside its locks). Same
    /// descriptor: nothing changes. EBADF if `old` is not open or `new` is out of range.
    pub fn dup2(&mut self, old: i32, new: i32) -> Result<(i32, Option<T>), Errno> {
        let file = self.get(old)?.clone();
        if new < 0 || new as u64 >= self.limit {
            return Err(Errno::EBADF);
        }
        if old == new {
            return Ok((new, None));
        }
        let closed = self.install(new as usize, file, false)?;
        Ok((new, closed))
    }

    /// `dup3(old, new, flags)`: as `dup2` with close-on-exec from `cloexec`, but EINVAL
    /// when `old == new` (dup(2)).
    pub fn dup3(&mut self, old: i32, new: i32, cloexec: bool) -> Result<(i32, Option<T>), Errno> {
        if old == new {
            self.get(old)?;
            return Err(Errno::EINVAL);
        }
        let (fd, closed) = self.dup2(old, new)?;
        if let Some(e) = self.slots[fd as usize].as_mut() {
            e.cloexec = cloexec;
        }
        Ok((fd, closed))
    }

    /// `close(fd)`: frees the descriptor and returns its file; EBADF if it is not open.
    pub fn close(&mut self, fd: i32) -> Result<T, Errno> {
        self.entry(fd)?;
        let entry = self.slots[fd as usize].take().ok_or(Errno::EBADF)?;
        self.open -= 1;
        while self.slots.last().is_some_and(Option::is_none) {
            self.slots.pop();
        }
        Ok(entry.file)
    }

    /// `F_GETFD`: whether close-on-exec is set.
    pub fn cloexec(&self, fd: i32) -> Result<bool, Errno> {
        self.entry(fd).map(|e| e.cloexec)
    }

    /// `F_SETFD`: sets or clears close-on-exec.
    pub fn set_cloexec(&mut self, fd: i32, cloexec: bool) -> Result<(), Errno> {
        self.entry(fd)?;
        if let Some(e) = self.slots[fd as usize].as_mut() {
            e.cloexec = cloexec;
        }
        Ok(())
    }

    /// Closes every close-on-exec descriptor (execve(2)); returns the closed files.
    pub fn close_on_exec(&mut self) -> Vec<T> {
        let mut closed = Vec::new();
        for slot in &mut self.slots {
            if slot.as_ref().is_some_and(|e| e.cloexec)
                && let Some(e) = slot.take()
            {
                self.open -= 1;
                closed.push(e.file);
            }
        }
        while self.slots.last().is_some_and(Option::is_none) {
            self.slots.pop();
        }
        closed
    }

    /// The open descriptors, in order, with their files.
    pub fn iter(&self) -> impl Iterator<Item = (i32, &T)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| s.as_ref().map(|e| (i as i32, &e.file)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_free_first() {
        let mut t = FdTable::new();
        assert_eq!(t.alloc('a', false), Ok(0));
        assert_eq!(t.alloc('b', false), Ok(1));
        assert_eq!(t.alloc('c', false), Ok(2));
        assert_eq!(t.close(1), Ok('b'));
        assert_eq!(t.alloc('d', false), Ok(1));
        assert_eq!(t.close(1), Ok('d'));
        assert_eq!(t.close(1), Err(Errno::EBADF));
        assert_eq!(t.close(-1), Err(Errno::EBADF));
        assert_eq!(t.get(7), Err(Errno::EBADF));
    }

    #[test]
    fn emfile_at_the_limit() {
        let mut t = FdTable::new();
        t.set_limit(2);
        t.alloc(1, false).unwrap();
        t.alloc(2, false).unwrap();
        assert_eq!(t.alloc(3, false), Err(Errno::EMFILE));
        assert_eq!(t.dup(0), Err(Errno::EMFILE));
        t.set_limit(1);
        assert_eq!(t.get(1), Ok(&2), "lowering the limit closes nothing");
    }

    #[test]
    fn dup_family() {
        let mut t = FdTable::new();
        t.alloc('a', true).unwrap();
        assert_eq!(t.dup(0), Ok(1));
        assert_eq!(t.cloexec(1), Ok(false), "dup clears close-on-exec");
        assert_eq!(t.dup_from(0, 10, true), Ok(10));
        assert_eq!(t.cloexec(10), Ok(true));
        assert_eq!(t.dup_from(0, 10, false), Ok(11));
        assert_eq!(t.dup_from(0, -1, false), Err(Errno::EINVAL));
        assert_eq!(t.dup_from(0, 1024, false), Err(Errno::EINVAL));
        assert_eq!(t.dup_from(5, 0, false), Err(Errno::EBADF));
        // dup2 onto an open descriptor closes it; onto itself is a no-op.
        t.alloc('z', false).unwrap();
        assert_eq!(t.dup2(0, 2), Ok((2, Some('z'))));
        assert_eq!(t.dup2(0, 0), Ok((0, None)));
        assert_eq!(t.cloexec(0), Ok(true), "dup2(fd, fd) leaves the flag alone");
        assert_eq!(t.dup2(9, 0), Err(Errno::EBADF));
        assert_eq!(t.dup2(0, 1024), Err(Errno::EBADF));
        assert_eq!(t.dup2(0, -1), Err(Errno::EBADF));
        // dup3
        assert_eq!(t.dup3(0, 0, false), Err(Errno::EINVAL));
        assert_eq!(t.dup3(9, 9, false), Err(Errno::EBADF));
        assert_eq!(t.dup3(0, 5, true), Ok((5, None)));
        assert_eq!(t.cloexec(5), Ok(true));
    }

    #[test]
    fn counts_and_holes() {
        let mut t = FdTable::new();
        for c in ['a', 'b', 'c', 'd'] {
            t.alloc(c, c == 'b').unwrap();
        }
        assert_eq!(t.count(), 4);
        t.close(2).unwrap();
        assert_eq!((t.count(), t.alloc('e', false)), (3, Ok(2)), "the hole is found");
        assert_eq!(t.dup2(0, 9), Ok((9, None)));
        assert_eq!((t.count(), t.alloc('f', false)), (5, Ok(4)), "holes below a high fd");
        assert_eq!(t.dup2(1, 9).map(|(fd, old)| (fd, old.is_some())), Ok((9, true)));
        assert_eq!(t.count(), 6, "replacing an open descriptor keeps the count");
        assert_eq!(t.close_on_exec(), ['b']);
        assert_eq!(t.count(), 5);
        let copy = t.try_clone().unwrap();
        assert_eq!(copy.count(), 5);
        let fds: Vec<_> = copy.iter().map(|(fd, f)| (fd, *f)).collect();
        assert_eq!(fds, [(0, 'a'), (2, 'e'), (3, 'd'), (4, 'f'), (9, 'b')]);
    }

    #[test]
    fn exec_closes_marked() {
        let mut t = FdTable::new();
        t.alloc('a', false).unwrap();
        t.alloc('b', true).unwrap();
        t.alloc('c', true).unwrap();
        t.set_cloexec(2, false).unwrap();
        assert_eq!(t.close_on_exec(), ['b']);
        assert_eq!(t.iter().map(|(fd, f)| (fd, *f)).collect::<Vec<_>>(), [(0, 'a'), (2, 'c')]);
        assert_eq!(t.set_cloexec(1, true), Err(Errno::EBADF));
    }
}
