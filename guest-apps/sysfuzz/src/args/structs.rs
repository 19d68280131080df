//! Structures built in scratch for the kernel to read: timeouts, signal sets and
//! actions, iovecs, pollfds, fd_sets, strings, argv arrays, socket addresses, msghdrs,
//! rlimits.

use super::*;

impl Gen<'_> {
    /// A timespec that ends soon (never NULL: for most calls NULL means forever).
    pub fn timeout(&mut self) -> u64 {
        if self.rng.chance(1, 8) {
            return self.bad_ptr_nonnull();
        }
        let (sec, nsec): (i64, i64) = match self.rng.below(100) {
            0..=59 => (0, self.rng.below(2_000_000) as i64),
            60..=69 => (0, 0),
            70..=74 => (0, self.rng.below(20_000_000) as i64),
            75 => (1, 0),
            76..=83 => (self.rng.next() as i64, 1_000_000_000),
            84..=89 => (0, -1),
            90..=94 => (-1, 0),
            _ => (i64::MIN, pick!(self.rng, [i64::MAX, i64::MIN, -1])),
        };
        self.put_words(&[sec as u64, nsec as u64])
    }

    /// A timeval that ends soon (never NULL).
    pub fn timeval(&mut self) -> u64 {
        if self.rng.chance(1, 8) {
            return self.bad_ptr_nonnull();
        }
        let (sec, usec): (i64, i64) = match self.rng.below(10) {
            0..=6 => (0, self.rng.below(2000) as i64),
            7 => (0, 1_000_000),
            8 => (0, -1),
            _ => (-1, 0),
        };
        self.put_words(&[sec as u64, usec as u64])
    }

    /// A pointer to a signal set (or NULL).
    pub fn sigset_ptr(&mut self) -> u64 {
        match self.rng.below(10) {
            0 | 1 => 0,
            2..=7 => {
                let set = self.rng.next();
                self.put_words(&[set])
            }
            _ => self.bad_ptr(),
        }
    }

    /// A `struct sigaction` for signal `sig`: SIG_DFL only for signals whose default
    /// action is to ignore them, SIG_IGN for any; a handler address only for signals
    /// that cannot be given one (EINVAL). So no signal ends or stops the worker, and no
    /// handler ever runs (a handler would run on the stack the worker shares with
    /// nothing but could still clobber, with a restorer and alternate stack at random).
    pub fn sigaction(&mut self, sig: u64) -> u64 {
        match self.rng.below(10) {
            0 | 1 => return 0,
            2 => return self.unreadable_ptr(),
            _ => {}
        }
        // The kernel reads the signal as an int: upper bits do not count.
        let sig = i64::from(sig as u32 as i32);
        let settable = (1..=64).contains(&sig) && sig != 9 && sig != 19;
        // SIGCHLD, SIGCONT, SIGURG, SIGWINCH.
        let ignored_by_default = matches!(sig, 17 | 18 | 23 | 28);
        let handler = if !settable {
            pick!(self.rng, [0, 1, self.ctx.text, self.bad_ptr()])
        } else if ignored_by_default && self.rng.chance(1, 2) {
            0
        } else {
            1
        };
        let flags = self.flags(0xdc00_000f);
        let restorer = self.bad_ptr();
        let mask = self.rng.next();
        self.put_words(&[handler, flags, restorer, mask])
    }

    /// An iovec array of buffers the kernel may write (sets the count).
    pub fn iov(&mut self) -> u64 {
        if self.rng.chance(1, 10) {
            self.count = None;
            return self.bad_ptr();
        }
        let n = pick!(self.rng, [0u64, 1, 1, 2, 2, 3, 4, 8, 16]);
        let mut words = [0u64; 32];
        for i in 0..n as usize {
            let base = self.ptr(0);
            let len = self.len(base);
            words[2 * i] = base;
            words[2 * i + 1] = len;
        }
        self.count = Some(n);
        if n == 0 {
            return self.ptr(16);
        }
        self.put_words(&words[..2 * n as usize])
    }

    /// A pollfd array (sets the count).
    pub fn pollfds(&mut self) -> u64 {
        if self.rng.chance(1, 10) {
            self.count = None;
            return self.bad_ptr();
        }
        let n = pick!(self.rng, [0u64, 1, 2, 3, 5, 8]);
        let mut words = [0u64; 8];
        for w in words.iter_mut().take(n as usize) {
            let fd = self.fd() as u32;
            let events = if self.rng.chance(3, 4) { 5 } else { self.rng.next() & 0xffff };
            *w = u64::from(fd) | (events << 32);
        }
        self.count = Some(n);
        if n == 0 {
            return self.ptr(8);
        }
        self.put_words(&words[..n as usize])
    }

    /// An fd_set (128 random bytes), NULL or a bad pointer.
    pub fn fdset(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=2 => 0,
            3..=8 => {
                let mut words = [0u64; 16];
                for w in &mut words {
                    *w = if self.rng.chance(1, 2) { self.rng.next() } else { 0x7fff };
                }
                self.put_words(&words)
            }
            _ => self.bad_ptr(),
        }
    }

    /// A short string (names for memfd, mq, PR_SET_NAME...).
    pub fn string(&mut self) -> u64 {
        let mut buf = [0u8; 300];
        let n = match self.rng.below(10) {
            0 => 0,
            1..=6 => self.rng.range(1, 16) as usize,
            7 | 8 => self.rng.range(17, 299) as usize,
            _ => return if self.rng.chance(1, 2) { self.bad_ptr() } else { self.unterminated() },
        };
        for b in &mut buf[..n] {
            *b = self.rng.range(0x21, 0x7e) as u8;
        }
        if n > 0 && self.rng.chance(1, 4) {
            buf[0] = b'/';
        }
        self.put(&buf[..n + 1])
    }

    /// An extended-attribute name.
    pub fn xattr_name(&mut self) -> u64 {
        let names: [&[u8]; 9] = [
            b"user.a\0",
            b"user.b\0",
            b"user.\0",
            b"trusted.x\0",
            b"security.selinux\0",
            b"system.posix_acl_access\0",
            b"\0",
            b"x\0",
            b"user.a_long_name_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\0",
        ];
        if self.rng.chance(1, 10) {
            return self.bad_ptr();
        }
        let name = self.rng.pick(&names);
        self.put(name)
    }

    /// A NULL-terminated array of string pointers (argv/envp), sometimes broken.
    pub fn strvec(&mut self) -> u64 {
        match self.rng.below(10) {
            0 | 1 => return 0,
            2 => return self.bad_ptr(),
            _ => {}
        }
        let n = self.rng.below(6) as usize;
        let mut words = [0u64; 8];
        for w in words.iter_mut().take(n) {
            *w = if self.rng.chance(9, 10) { self.string() } else { self.bad_ptr() };
        }
        let total = if self.rng.chance(1, 10) { 8 } else { n + 1 };
        if total == 8 {
            for w in words.iter_mut().skip(n) {
                *w = self.rng.next();
            }
        }
        self.put_words(&words[..total])
    }

    /// A socket address (sets the count to its length).
    pub fn sockaddr(&mut self) -> u64 {
        match self.rng.below(10) {
            0 => {
                self.count = None;
                return 0;
            }
            1 => {
                self.count = None;
                return self.bad_ptr();
            }
            _ => {}
        }
        let mut buf = [0u8; 110];
        let family: u16 = match self.rng.below(10) {
            0..=6 => 1,
            7 => 0,
            _ => self.rng.next() as u16,
        };
        buf[..2].copy_from_slice(&family.to_le_bytes());
        let names: [&[u8]; 6] = [b"sock", b"a", b"f0", b"\0abstract", b"/nonexistent/s", b"link"];
        let name = self.rng.pick(&names);
        buf[2..2 + name.len()].copy_from_slice(name);
        let len = match self.rng.below(4) {
            0 => 110,
            1 => 2 + name.len() as u64 + 1,
            2 => 2,
            _ => 2 + name.len() as u64,
        };
        self.count = Some(len);
        self.put(&buf)
    }

    /// A pointer to a length the kernel reads and updates.
    pub fn lenptr(&mut self) -> u64 {
        match self.rng.below(10) {
            0 | 1 => 0,
            2 => self.bad_ptr(),
            _ => {
                let v = pick!(self.rng, [0u64, 1, 16, 110, 128, 4096, 0xffff_ffff]);
                self.put_words(&[v])
            }
        }
    }

    /// A `struct msghdr` whose buffers are safe to write.
    pub fn msghdr(&mut self) -> u64 {
        if self.rng.chance(1, 10) {
            return self.bad_ptr();
        }
        let name = self.ptr(110);
        let namelen = pick!(self.rng, [0u64, 16, 110, 128, 0xffff_ffff]);
        let iov = self.iov();
        let iovlen = self.count();
        let control = if self.rng.chance(1, 2) { 0 } else { self.ptr(64) };
        let controllen = pick!(self.rng, [0u64, 16, 24, 64, 4096, u64::MAX]);
        let flags = self.rng.next() & 0xffff_ffff;
        self.put_words(&[name, namelen, iov, iovlen, control, controllen, flags])
    }

    /// An array of `struct mmsghdr` (sets the count).
    pub fn mmsgvec(&mut self) -> u64 {
        if self.rng.chance(1, 10) {
            self.count = None;
            return self.bad_ptr();
        }
        let n = self.rng.range(1, 3) as usize;
        let mut words = [0u64; 24];
        for i in 0..n {
            let name = self.ptr(110);
            let iov = self.iov();
            let iovlen = self.count();
            let control = if self.rng.chance(1, 2) { 0 } else { self.ptr(64) };
            let rest = [name, 110, iov, iovlen, control, 64, 0, 0];
            words[i * 8..i * 8 + 8].copy_from_slice(&rest);
        }
        self.count = Some(n as u64);
        self.put_words(&words[..n * 8])
    }

    /// A `struct rlimit` (or NULL).
    pub fn rlimit(&mut self) -> u64 {
        match self.rng.below(10) {
            0 => 0,
            1 => self.bad_ptr(),
            _ => {
                let mut v =
                    || pick!(self.rng, [0u64, 1, 16, 64, 1024, 4096, 8 << 20, u64::MAX, 1 << 40]);
                let (a, b) = (v(), v());
                self.put_words(&[a, b])
            }
        }
    }
}
