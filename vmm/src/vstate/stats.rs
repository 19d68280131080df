//! KVM's per-vCPU statistics (`KVM_GET_STATS_FD`, Documentation/virt/kvm/api.rst
//! "KVM_GET_STATS_FD"): how many exits, emulated instructions, page faults and injected
//! interrupts a run cost. `--timings` prints them; the I/O benchmark divides them by the
//! number of requests.
//!
//! The stats fd holds a header, a table of descriptors (name, type, size, offset) and a
//! data block of u64 values; the names are read once and values on demand.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::FileExt;

/// `KVM_GET_STATS_FD`: `_IO(KVMIO, 0xce)`.
const KVM_GET_STATS_FD: libc::c_ulong = 0xae_ce;

/// The counters `--timings` reports, in order.
pub const REPORTED: [&str; 7] = [
    "exits",
    "io_exits",
    "mmio_exits",
    "halt_exits",
    "irq_injections",
    "pf_taken",
    "insn_emulation",
];

/// An open statistics file with its descriptors.
pub struct VcpuStats {
    file: File,
    data_offset: u64,
    /// (name, offset into the data block in bytes) of every single-value statistic.
    fields: Vec<(String, u64)>,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or([0; 4]))
}

impl VcpuStats {
    /// Opens the statistics of the vCPU behind `vcpu_fd`.
    pub fn open(vcpu_fd: &impl AsRawFd) -> io::Result<Self> {
        // SAFETY: KVM_GET_STATS_FD takes no argument and returns a new fd or -1.
        let fd = unsafe { libc::ioctl(vcpu_fd.as_raw_fd(), KVM_GET_STATS_FD, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned to us by the kernel and is owned by nothing else.
        let file = unsafe { File::from_raw_fd(fd) };
        let mut header = [0u8; 24];
        file.read_exact_at(&mut header, 0)?;
        let (name_size, count) = (u32_at(&header, 4) as usize, u32_at(&header, 8) as usize);
        let desc_offset = u64::from(u32_at(&header, 16));
        let data_offset = u64::from(u32_at(&header, 20));
        let desc_size = 16 + name_size;
        let mut table = vec![0u8; desc_size * count];
        file.read_exact_at(&mut table, desc_offset)?;
        let fields = table
            .chunks_exact(desc_size)
            .filter(|d| u16::from_le_bytes([d[6], d[7]]) == 1)
            .map(|d| {
                let name = String::from_utf8_lossy(&d[16..]).trim_end_matches('\0').to_owned();
                (name, u64::from(u32_at(d, 8)))
            })
            .collect();
        Ok(VcpuStats { file, data_offset, fields })
    }

    /// The current value of statistic `name`, if this KVM has it.
    pub fn get(&self, name: &str) -> Option<u64> {
        let (_, offset) = self.fields.iter().find(|(n, _)| n == name)?;
        let mut value = [0u8; 8];
        self.file.read_exact_at(&mut value, self.data_offset + offset).ok()?;
        Some(u64::from_le_bytes(value))
    }

    /// The [`REPORTED`] counters that exist, with their values.
    pub fn snapshot(&self) -> Vec<(&'static str, u64)> {
        REPORTED.iter().filter_map(|&name| self.get(name).map(|v| (name, v))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exit_counters_on_kvm() {
        let kvm = kvm_ioctls::Kvm::new().expect("this test needs KVM: /dev/kvm cannot be opened");
        let vm = kvm.create_vm().unwrap();
        let vcpu = vm.create_vcpu(0).unwrap();
        let stats = VcpuStats::open(&vcpu).unwrap();
        assert_eq!(stats.get("exits"), Some(0), "a vCPU that never ran has no exits");
        assert!(stats.get("no_such_counter").is_none());
        assert!(stats.snapshot().iter().any(|(n, _)| *n == "exits"));
    }
}
