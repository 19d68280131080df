//! The vCPU: its CPUID/MSR/FPU/register setup and the `KVM_RUN` loop.
//!
//! The loop runs on the thread that calls [`Vcpu::run`]. Port and MMIO exits go to the
//! device buses; the loop ends when the guest writes the power-off port, or with an error
//! naming what went wrong and where the guest was (RIP).

use kvm_bindings::{KVM_MAX_CPUID_ENTRIES, kvm_regs};
use kvm_ioctls::{Cap, VcpuExit, VcpuFd};
use vmm_abi::exit::ExitRequest;

use super::kvm::Kvm;
use super::vm::Vm;
use crate::arch::x86_64::{cpuid, msr, regs};
use crate::devices::{Bus, DeviceAction};

/// KVM_EXIT_SYSTEM_EVENT types (include/uapi/linux/kvm.h).
const KVM_SYSTEM_EVENT_SHUTDOWN: u32 = 1;
const KVM_SYSTEM_EVENT_RESET: u32 = 2;
const KVM_SYSTEM_EVENT_CRASH: u32 = 3;

/// Why the vCPU could not be set up or stopped running the guest.
#[derive(Debug, thiserror::Error)]
pub enum VcpuError {
    /// KVM_CREATE_VCPU failed.
    #[error("creating vCPU {id}: {source}")]
    Create {
        /// vCPU index.
        id: u64,
        /// The ioctl error.
        source: kvm_ioctls::Error,
    },
    /// A setup ioctl failed.
    #[error("configuring the vCPU ({what}): {source}")]
    Setup {
        /// Which piece of state.
        what: &'static str,
        /// The ioctl error.
        source: kvm_ioctls::Error,
    },
    /// KVM accepted fewer MSRs than given.
    #[error("KVM accepted only {set} of {wanted} boot MSRs")]
    Msrs {
        /// Accepted.
        set: usize,
        /// Given.
        wanted: usize,
    },
    /// Building the MSR list failed.
    #[error("building the boot MSR list: {0:?}")]
    MsrList(vmm_sys_util::fam::Error),
    /// KVM_RUN itself failed.
    #[error("KVM_RUN failed: {0}")]
    Run(kvm_ioctls::Error),
    /// The guest stopped in a way that is not a power-off.
    #[error("guest {what} at RIP {rip:#x}")]
    GuestCrash {
        /// What happened, in words.
        what: String,
        /// The guest's instruction pointer when it happened (0 if unreadable).
        rip: u64,
    },
}

/// One virtual CPU.
pub struct Vcpu {
    /// The KVM vCPU handle.
    pub fd: VcpuFd,
    /// Data of the write being handled, copied out of `kvm_run` so the coalesced ring can be
    /// replayed first.
    write_data: Vec<u8>,
    /// RIP samples, when `--profile` asked for them (taken when a signal interrupts
    /// `KVM_RUN`, see `crate::profile`).
    pub profile: Option<crate::profile::Profile>,
}

/// What an exit left to do once the coalesced ring has been replayed.
enum Pending {
    Nothing,
    PioWrite(u16),
    MmioWrite(u64),
    Crash(String),
    Failed(kvm_ioctls::Error),
}

impl Vcpu {
    /// Creates vCPU `id` with the host's supported CPUID (patched for this VM), the boot MSRs
    /// and a reset FPU.
    pub fn new(kvm: &Kvm, vm: &Vm, id: u8) -> Result<Self, VcpuError> {
        let fd = vm
            .fd
            .create_vcpu(u64::from(id))
            .map_err(|source| VcpuError::Create { id: u64::from(id), source })?;
        let setup = |what| move |source| VcpuError::Setup { what, source };

        let mut cpuid_entries = kvm
            .fd
            .get_supported_cpuid(KVM_MAX_CPUID_ENTRIES)
            .map_err(setup("KVM_GET_SUPPORTED_CPUID"))?;
        let topology = cpuid::VcpuTopology {
            apic_id: u32::from(id),
            cpu_count: 1,
            tsc_deadline: kvm.fd.check_extension(Cap::TscDeadlineTimer),
        };
        cpuid::patch(cpuid_entries.as_mut_slice(), topology);
        fd.set_cpuid2(&cpuid_entries).map_err(setup("KVM_SET_CPUID2"))?;

        let msrs = msr::boot_msrs().map_err(VcpuError::MsrList)?;
        let set = fd.set_msrs(&msrs).map_err(setup("KVM_SET_MSRS"))?;
        if set != msrs.as_slice().len() {
            return Err(VcpuError::Msrs { set, wanted: msrs.as_slice().len() });
        }
        fd.set_fpu(&regs::initial_fpu()).map_err(setup("KVM_SET_FPU"))?;
        Ok(Vcpu { fd, write_data: Vec::with_capacity(4096), profile: None })
    }

    /// Puts the vCPU in the PVH entry state: 32-bit protected mode at `entry`, EBX pointing
    /// at `hvm_start_info`.
    pub fn set_pvh_entry(&self, entry: u64, start_info: u64) -> Result<(), VcpuError> {
        let setup = |what| move |source| VcpuError::Setup { what, source };
        let sregs = self.fd.get_sregs().map_err(setup("KVM_GET_SREGS"))?;
        self.fd.set_sregs(&regs::pvh_sregs(sregs)).map_err(setup("KVM_SET_SREGS"))?;
        self.fd.set_regs(&regs::pvh_regs(entry, start_info)).map_err(setup("KVM_SET_REGS"))?;
        Ok(())
    }

    /// The guest's TSC frequency in kHz, if KVM can tell.
    pub fn tsc_khz(&self) -> Option<u32> {
        self.fd.get_tsc_khz().ok()
    }

    /// Turns on coalesced writes for `port`: KVM queues the guest's writes to it in a ring
    /// instead of returning to the vmm for each, and the run loop replays them (in order)
    /// at the next exit. Used for the UART's data register. Returns whether it took effect.
    pub fn coalesce_pio(&mut self, vm: &Vm, port: u16) -> bool {
        self.fd.map_coalesced_mmio_ring().is_ok()
            && vm
                .fd
                .register_coalesced_mmio(kvm_ioctls::IoEventAddress::Pio(port.into()), 1)
                .is_ok()
    }

    /// Runs the guest until it writes the power-off port.
    ///
    /// Writes the guest queued in the coalesced ring happened before the exit that returned
    /// control, so the ring is replayed before that exit's own write is dispatched; devices
    /// are flushed once per exit.
    pub fn run(&mut self, bus: &mut Bus) -> Result<ExitRequest, VcpuError> {
        loop {
            let pending = match self.fd.run() {
                Ok(VcpuExit::IoIn(port, data)) => {
                    bus.pio_read(port, data);
                    Pending::Nothing
                }
                Ok(VcpuExit::MmioRead(addr, data)) => {
                    bus.mmio_read(addr, data);
                    Pending::Nothing
                }
                Ok(VcpuExit::IoOut(port, data)) => {
                    self.write_data.clear();
                    self.write_data.extend_from_slice(data);
                    Pending::PioWrite(port)
                }
                Ok(VcpuExit::MmioWrite(addr, data)) => {
                    self.write_data.clear();
                    self.write_data.extend_from_slice(data);
                    Pending::MmioWrite(addr)
                }
                Ok(exit) => Pending::Crash(describe_exit(&exit)),
                Err(e) if e.errno() == libc::EINTR || e.errno() == libc::EAGAIN => {
                    if let Some(profile) = &mut self.profile {
                        profile.record(self.fd.get_regs().map_or(0, |r| r.rip));
                    }
                    Pending::Nothing
                }
                Err(e) => Pending::Failed(e),
            };
            self.replay_coalesced(bus);
            let action = match pending {
                Pending::Nothing => DeviceAction::None,
                Pending::PioWrite(port) => bus.pio_write(port, &self.write_data),
                Pending::MmioWrite(addr) => bus.mmio_write(addr, &self.write_data),
                Pending::Crash(what) => {
                    bus.flush();
                    return Err(self.crash(what));
                }
                Pending::Failed(e) => {
                    bus.flush();
                    return Err(VcpuError::Run(e));
                }
            };
            bus.flush();
            if let DeviceAction::Exit(request) = action {
                return Ok(request);
            }
        }
    }

    /// Delivers the writes KVM queued in the coalesced ring, oldest first.
    fn replay_coalesced(&mut self, bus: &mut Bus) {
        while let Ok(Some(entry)) = self.fd.coalesced_mmio_read() {
            let len = (entry.len as usize).min(entry.data.len());
            // SAFETY: `pad` and `pio` are both plain u32s sharing storage; either reading is
            // defined, and KVM sets `pio` for port writes (include/uapi/linux/kvm.h).
            let pio = unsafe { entry.__bindgen_anon_1.pio };
            if pio == 1 {
                bus.pio_write(entry.phys_addr as u16, &entry.data[..len]);
            } else {
                bus.mmio_write(entry.phys_addr, &entry.data[..len]);
            }
        }
    }

    /// A `GuestCrash` error carrying the current RIP.
    fn crash(&self, what: String) -> VcpuError {
        let rip = self.fd.get_regs().map(|r: kvm_regs| r.rip).unwrap_or(0);
        VcpuError::GuestCrash { what, rip }
    }
}

/// Names an exit the run loop does not handle.
fn describe_exit(exit: &VcpuExit) -> String {
    match exit {
        VcpuExit::Shutdown => "triple fault (KVM_EXIT_SHUTDOWN)".into(),
        VcpuExit::InternalError => "hit a KVM internal error (KVM_EXIT_INTERNAL_ERROR)".into(),
        VcpuExit::FailEntry(reason, cpu) => {
            format!("could not be entered on cpu {cpu} (KVM_EXIT_FAIL_ENTRY, reason {reason:#x})")
        }
        VcpuExit::SystemEvent(kind, _) => match *kind {
            KVM_SYSTEM_EVENT_SHUTDOWN => "requested a shutdown without an exit status".into(),
            KVM_SYSTEM_EVENT_RESET => "requested a reset".into(),
            KVM_SYSTEM_EVENT_CRASH => "reported a crash".into(),
            other => format!("raised system event {other}"),
        },
        VcpuExit::Hlt => "halted with interrupts disabled (KVM_EXIT_HLT)".into(),
        other => format!("caused an unexpected exit ({other:?})"),
    }
}
