//! devfs, mounted at `/dev`: the console (`console`, and `tty`, which opens only for a
//! process whose session has the console as its controlling terminal: ENXIO otherwise,
//! tty(4)), `null`, `zero` and the disks (`vda`, `vdb`, ... as block devices), in a fixed
//! directory built at mount time.
//!
//! Files: `chardev.rs` character device nodes and the simple streams, `console.rs` the
//! terminal, `blockdev.rs` the disks.

mod blockdev;
mod chardev;
mod console;

use super::file::{FileSlot, OpenFile};
use super::node::{DirEntry, Node, NodeId, NodeRef, Perm};
use crate::block;
use alloc::sync::Arc;
use alloc::vec::Vec;
use chardev::CharNode;
use posix::Errno;
use posix::fs::flags::{O_LARGEFILE, O_RDWR, O_WRONLY};
use posix::fs::mode::{self, S_IFDIR};
use posix::fs::stat::{Stat, makedev};

/// Linux's major number for virtio-blk disks (assigned dynamically there; 254 is what it
/// usually gets), 16 minors per disk.
pub const VIRTIO_BLK_MAJOR: u32 = 254;
/// `st_dev` of devfs files (Linux's devtmpfs is an anonymous device too).
const DEV: u64 = makedev(0, 5);
/// Group owning the terminals (`tty` in Debian's /etc/group).
const TTY_GID: u32 = 5;
/// Group owning the disks (`disk`).
const DISK_GID: u32 = 6;

/// The `/dev` directory.
struct DevDir {
    entries: Vec<(&'static [u8], NodeRef)>,
}

const DISK_NAMES: [&[u8]; 26] = [
    b"vda", b"vdb", b"vdc", b"vdd", b"vde", b"vdf", b"vdg", b"vdh", b"vdi", b"vdj", b"vdk", b"vdl",
    b"vdm", b"vdn", b"vdo", b"vdp", b"vdq", b"vdr", b"vds", b"vdt", b"vdu", b"vdv", b"vdw", b"vdx",
    b"vdy", b"vdz",
];

/// A new `/dev`.
pub fn new() -> NodeRef {
    let console = console::terminal();
    let node = |ino, name: &'static [u8], perm, rdev, stream| -> (&'static [u8], NodeRef) {
        (name, Arc::new(CharNode::new(NodeId { dev: DEV, ino }, perm, rdev, stream)))
    };
    let mut entries = alloc::vec![
        node(
            2,
            b"console",
            Perm { mode: mode::S_IFCHR | 0o620, uid: 0, gid: TTY_GID },
            makedev(5, 1),
            console.clone()
        ),
        (
            &b"tty"[..],
            Arc::new(CharNode::gated(
                NodeId { dev: DEV, ino: 3 },
                Perm { mode: mode::S_IFCHR | 0o666, uid: 0, gid: TTY_GID },
                makedev(5, 0),
                console,
                crate::tty::controls_caller_session,
            )) as NodeRef
        ),
        node(
            4,
            b"null",
            Perm { mode: mode::S_IFCHR | 0o666, uid: 0, gid: 0 },
            makedev(1, 3),
            Arc::new(chardev::Null)
        ),
        node(
            5,
            b"zero",
            Perm { mode: mode::S_IFCHR | 0o666, uid: 0, gid: 0 },
            makedev(1, 5),
            Arc::new(chardev::Zero)
        ),
    ];
    for (i, name) in DISK_NAMES.iter().enumerate() {
        let Some(disk) = block::disk(i) else { break };
        let id = NodeId { dev: DEV, ino: 16 + i as u64 };
        let rdev = makedev(VIRTIO_BLK_MAJOR, 16 * i as u32);
        let perm = Perm { mode: mode::S_IFBLK | 0o660, uid: 0, gid: DISK_GID };
        entries.push((*name, Arc::new(blockdev::BlockNode::new(id, perm, rdev, disk))));
    }
    Arc::new(DevDir { entries })
}

impl Node for DevDir {
    fn id(&self) -> NodeId {
        NodeId { dev: DEV, ino: 1 }
    }

    fn perm(&self) -> Perm {
        Perm { mode: S_IFDIR | 0o755, uid: 0, gid: 0 }
    }

    fn stat(&self) -> Stat {
        Stat { dev: DEV, ino: 1, mode: S_IFDIR | 0o755, nlink: 2, blksize: 4096, ..Stat::default() }
    }

    fn lookup(&self, name: &[u8]) -> Result<NodeRef, Errno> {
        self.entries
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, node)| node.clone())
            .ok_or(Errno::ENOENT)
    }

    /// `.` and `..` (positions 0 and 1), then the devices.
    fn read_dir(&self, pos: u64, f: &mut dyn FnMut(DirEntry<'_>) -> bool) -> Result<(), Errno> {
        let dots: [&[u8]; 2] = [b".", b".."];
        for p in pos..2 + self.entries.len() as u64 {
            let entry = match p {
                0 | 1 => {
                    DirEntry { ino: 1, dtype: mode::DT_DIR, name: dots[p as usize], next: p + 1 }
                }
                _ => {
                    let (name, node) = &self.entries[(p - 2) as usize];
                    let m = node.perm().mode;
                    DirEntry { ino: node.id().ino, dtype: mode::dtype_of(m), name, next: p + 1 }
                }
            };
            if !f(entry) {
                break;
            }
        }
        Ok(())
    }

    fn create(&self, _: &[u8], _: u32, _: (u32, u32), _: Option<&[u8]>) -> Result<NodeRef, Errno> {
        Err(Errno::EACCES)
    }

    fn unlink(&self, _: &[u8], _: bool) -> Result<(), Errno> {
        Err(Errno::EACCES)
    }

    fn size(&self) -> u64 {
        0
    }
}

/// `/dev/console` opened read-write (init's descriptors 0 and 1).
pub fn console_file() -> Result<OpenFile, Errno> {
    let stream = console::terminal();
    let node: NodeRef = Arc::new(CharNode::new(
        NodeId { dev: DEV, ino: 2 },
        Perm { mode: mode::S_IFCHR | 0o620, uid: 0, gid: TTY_GID },
        makedev(5, 1),
        stream.clone(),
    ));
    Ok(OpenFile::new(FileSlot::take(true)?, node, Some(stream), true, true, O_RDWR | O_LARGEFILE))
}

/// Console port 1, the host's stderr, opened write-only (init's descriptor 2). Not in
/// `/dev`: it is the same terminal for `TCGETS` and friends, a different output.
pub fn stderr_file() -> Result<OpenFile, Errno> {
    let stream = console::stderr();
    let node: NodeRef = Arc::new(CharNode::new(
        NodeId { dev: DEV, ino: 6 },
        Perm { mode: mode::S_IFCHR | 0o620, uid: 0, gid: TTY_GID },
        makedev(5, 1),
        stream.clone(),
    ));
    let slot = FileSlot::take(true)?;
    Ok(OpenFile::new(slot, node, Some(stream), false, true, O_WRONLY | O_LARGEFILE))
}

/// What `stat` says of every device node (one link, no size, the owner and mode it was
/// made with, its device number); the node kinds add their block size and size.
fn device_stat(id: NodeId, perm: Perm, rdev: u64) -> Stat {
    Stat {
        dev: id.dev,
        ino: id.ino,
        mode: perm.mode,
        nlink: 1,
        uid: perm.uid,
        gid: perm.gid,
        rdev,
        ..Stat::default()
    }
}
