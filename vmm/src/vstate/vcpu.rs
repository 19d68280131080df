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
        Ok(Vcpu { fd })
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

    /// Runs the guest until it writes the power-off port.
    pub fn run(&mut self, bus: &mut Bus) -> Result<ExitRequest, VcpuError> {
        loop {
            let action = match self.fd.run() {
                Ok(VcpuExit::IoOut(port, data)) => bus.pio_write(port, data),
                Ok(VcpuExit::IoIn(port, data)) => {
                    bus.pio_read(port, data);
                    DeviceAction::None
                }
                Ok(VcpuExit::MmioWrite(addr, data)) => bus.mmio_write(addr, data),
                Ok(VcpuExit::MmioRead(addr, data)) => {
                    bus.mmio_read(addr, data);
                    DeviceAction::None
                }
                Ok(exit) => {
                    let what = describe_exit(&exit);
                    return Err(self.crash(what));
                }
                Err(e) if e.errno() == libc::EINTR || e.errno() == libc::EAGAIN => {
                    DeviceAction::None
                }
                Err(e) => return Err(VcpuError::Run(e)),
            };
            if let DeviceAction::Exit(request) = action {
                return Ok(request);
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
