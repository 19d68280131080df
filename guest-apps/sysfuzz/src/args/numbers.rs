//! Integers: boundary values, flag words, descriptors, pids, signals, ids, clocks,
//! resources.

use super::*;

impl Gen<'_> {
    /// A boundary integer.
    pub fn int(&mut self) -> u64 {
        match self.rng.below(14) {
            0 => 0,
            1 => 1,
            2 => 2,
            3 => u64::MAX,
            4 | 5 => self.rng.below(65),
            6 => i32::MAX as u64,
            7 => i32::MIN as i64 as u64,
            8 => u64::from(u32::MAX),
            9 => 0x8000_0000,
            10 => self.rng.next() & 0xffff_ffff,
            11 => self.rng.next(),
            12 => 1 << 32,
            _ => self.rng.below(4096),
        }
    }

    /// Random bits or a boundary value.
    pub fn garbage(&mut self) -> u64 {
        if self.rng.chance(1, 2) { self.rng.next() } else { self.int() }
    }

    /// A flag word over `mask`.
    pub fn flags(&mut self, mask: u32) -> u64 {
        let mask = u64::from(mask);
        match self.rng.below(20) {
            0..=4 => 0,
            5..=11 => self.rng.next() & mask,
            12 | 13 => mask,
            14 | 15 => 1 << self.rng.below(32),
            16 => self.rng.next() & 0xffff_ffff,
            17 => (self.rng.next() & mask) | (1 << self.rng.below(32)),
            18 => u64::from(u32::MAX),
            _ => self.rng.next(),
        }
    }

    /// An element count: mostly that of the array just built.
    pub fn count(&mut self) -> u64 {
        if let Some(n) = self.count
            && self.rng.chance(7, 10)
        {
            return n;
        }
        pick!(
            self.rng,
            [0, 1, 2, 3, 64, 1024, 1025, u64::from(u32::MAX), u64::MAX, i32::MAX as u64]
        )
    }

    /// A descriptor of any kind.
    pub fn fd(&mut self) -> u64 {
        match self.rng.below(100) {
            0..=54 => {
                u64::from(self.rng.range(fds::FIRST_BASE as u64, fds::LAST_BASE as u64) as u32)
            }
            55..=64 => self.rng.below(3),
            65..=79 => self.rng.below(41),
            _ => pick!(
                self.rng,
                [
                    u64::MAX,
                    -100i64 as u64,
                    i32::MIN as i64 as u64,
                    i32::MAX as u64,
                    1023,
                    1024,
                    4096,
                    65535,
                    1 << 20,
                    0xffff_ffff,
                    (1 << 32) | 3,
                    (1 << 32) | 6,
                    0x8000_0000,
                ]
            ),
        }
    }

    /// A directory descriptor for calls that only look.
    pub fn dirfd(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=2 => fds::AT_FDCWD,
            3 | 4 => fds::SCRATCH_DIR as u64,
            5 => fds::ROOT_DIR as u64,
            _ => self.fd(),
        }
    }

    /// A directory descriptor for calls that change names: never one that could be a
    /// directory outside scratch.
    pub fn dirfd_w(&mut self) -> u64 {
        match self.rng.below(20) {
            0..=7 => fds::AT_FDCWD,
            8..=13 => fds::SCRATCH_DIR as u64,
            14..=16 => self.rng.pick(&fds::NON_DIRS) as u64,
            _ => pick!(self.rng, [u64::MAX, i32::MAX as u64, 4096, 1 << 20]),
        }
    }

    /// The target of dup2/dup3 (below 48, or invalid).
    pub fn newfd(&mut self) -> u64 {
        if self.rng.chance(9, 10) {
            self.rng.below(48)
        } else {
            pick!(self.rng, [u64::MAX, 1 << 20, i32::MAX as u64, 1024, (1 << 32) | 5])
        }
    }

    /// A pid for calls that only look.
    pub fn pid_query(&mut self) -> u64 {
        let c = self.ctx;
        match self.rng.below(10) {
            0 => 0,
            1 | 2 => c.pid as u64,
            3 => c.parent as u64,
            4 => 1,
            5 => u64::MAX,
            6 => self.rng.range(1, 1000),
            _ => self.invalid_pid(),
        }
    }

    /// A pid that cannot exist.
    pub fn invalid_pid(&mut self) -> u64 {
        pick!(
            self.rng,
            [
                i32::MAX as u64,
                0x7fff_fff0,
                i32::MIN as i64 as u64,
                self.rng.range(5_000_000, 1 << 30),
                0xffff_ffff_0000_0000 | 0x7fff_ffff,
            ]
        )
    }

    /// A pid for calls that change a process: 0, the worker, or one that does not exist.
    pub fn pid_modify(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=3 => 0,
            4..=6 => self.ctx.pid as u64,
            _ => self.invalid_pid(),
        }
    }

    /// A pid to send a signal to: the worker itself, or none that exists.
    pub fn pid_kill(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=4 => self.ctx.pid as u64,
            5 => (-0x7fff_fff0i64) as u64,
            6 => (-(self.rng.range(5_000_000, 1 << 30) as i64)) as u64,
            _ => self.invalid_pid(),
        }
    }

    /// A thread id to signal: the worker, or none that exists (0 and -1 are EINVAL).
    pub fn tid_kill(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=4 => self.ctx.pid as u64,
            5 => 0,
            6 => u64::MAX,
            _ => self.invalid_pid(),
        }
    }

    /// A signal number, invalid ones included.
    pub fn sig_any(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=7 => self.rng.range(1, 64),
            8 => pick!(self.rng, [0, 65, 128, u64::MAX, i32::MAX as u64]),
            _ => self.rng.next(),
        }
    }

    /// A signal safe to send to the worker (which ignores everything it can): never
    /// SIGKILL or SIGSTOP.
    pub fn sig_send(&mut self) -> u64 {
        // The kernel reads an int: upper bits do not count.
        match self.sig_any() {
            s if matches!(s as u32, 9 | 19) => 0,
            s => s,
        }
    }

    /// A user or group id.
    pub fn uid(&mut self) -> u64 {
        pick!(
            self.rng,
            [
                0,
                0,
                65534,
                1000,
                u64::from(u32::MAX),
                u64::from(u32::MAX - 1),
                self.rng.next() & 0xffff_ffff,
                self.rng.next(),
            ]
        )
    }

    /// A clock id.
    pub fn clock(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=6 => self.rng.below(12),
            7 => pick!(self.rng, [u64::MAX, -6i64 as u64, -2i64 as u64, -14i64 as u64]),
            8 => pick!(self.rng, [12, 16, 1000]),
            _ => self.rng.next(),
        }
    }

    /// A small selector (how, which, idtype, advice...).
    pub fn which(&mut self) -> u64 {
        match self.rng.below(10) {
            0..=7 => self.rng.below(5),
            8 => pick!(self.rng, [u64::MAX, 5, 16, 100, i32::MAX as u64]),
            _ => self.rng.next(),
        }
    }

    /// A resource for the getters.
    pub fn resource(&mut self) -> u64 {
        if self.rng.chance(9, 10) {
            self.rng.below(17)
        } else {
            pick!(self.rng, [100, u64::MAX, u64::from(u32::MAX), self.rng.next()])
        }
    }

    /// A resource for the setters: never RLIMIT_CPU (0: a hard limit kills) or
    /// RLIMIT_CORE (4: a dead worker would dump its shared address space).
    pub fn resource_set(&mut self) -> u64 {
        // The kernel reads an unsigned int: upper bits do not count.
        match self.resource() {
            r if matches!(r as u32, 0 | 4) => 7,
            r => r,
        }
    }

    /// A System V key that is never IPC_PRIVATE (0, which would create an object).
    pub fn ipc_key(&mut self) -> u64 {
        pick!(self.rng, [1, 0x1234_5678, u64::from(u32::MAX), (self.rng.next() & 0xffff_ffff) | 1])
    }

    /// A System V id that cannot exist.
    pub fn neg_id(&mut self) -> u64 {
        pick!(self.rng, [u64::MAX, i32::MIN as i64 as u64, -2i64 as u64, -0x7fff_ffffi64 as u64])
    }

    /// select's nfds.
    pub fn nfds(&mut self) -> u64 {
        pick!(self.rng, [0, 1, 3, 16, 17, 64, 1024, 1025, u64::MAX, i32::MAX as u64])
    }

    /// The size of a signal set.
    pub fn sigset_size(&mut self) -> u64 {
        if self.rng.chance(4, 5) {
            8
        } else {
            pick!(self.rng, [0, 4, 7, 16, 128, u64::MAX, self.rng.next()])
        }
    }

    /// A socket address length.
    pub fn socklen(&mut self) -> u64 {
        if let Some(n) = self.count
            && self.rng.chance(7, 10)
        {
            return n;
        }
        pick!(self.rng, [0, 1, 2, 3, 16, 110, 111, 128, 4096, u64::from(u32::MAX)])
    }
}
