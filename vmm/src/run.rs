//! One run of a VM: build it, run the vCPU until power-off, read the boot report, tear down.

use vm_memory::{Bytes, GuestAddress};
use vmm_abi::exit::ExitRequest;
use vmm_abi::report::{BootReport, REPORT_MAGIC, REPORT_SIZE};

use crate::arch::x86_64::layout::BOOT_REPORT_ADDR;
use crate::builder;
use crate::config::VmConfig;
use crate::error::Error;
use crate::event_loop::EventLoop;
use crate::timings::{Lap, Timings};
use crate::vstate::stats::VcpuStats;
use crate::winsize;
use std::sync::{Arc, Mutex};

/// IA32_TIME_STAMP_COUNTER.
const MSR_IA32_TSC: u32 = 0x10;

/// How a run ended when the guest powered off.
pub struct RunOutcome {
    /// What the guest wrote to the power-off port.
    pub request: ExitRequest,
    /// Phase times, when `--timings` was asked for.
    pub timings: Option<Timings>,
    /// The stopped VM. Dropping it destroys the VM (slow on nested KVM: see
    /// [`crate::fast_exit`]); the `vmm` binary instead exits and lets a reaper do it.
    pub vm: builder::BuiltVm,
}

impl RunOutcome {
    /// The exit status of the vmm process.
    pub fn status(&self) -> u8 {
        self.request.status()
    }
}

/// Builds and runs the VM described by `config` until the guest powers off.
pub fn run(config: &VmConfig) -> Result<RunOutcome, Error> {
    let mut timings = Timings::default();
    let tty = crate::terminal::stdio_is_terminal();
    let mut built = builder::build(config, tty, &mut timings)?;
    let mut subscribers = built.subscribers.clone();
    // With a terminal, SIGWINCH resizes the guest's console: blocked here, before the
    // event-loop thread exists, and read there from a signalfd (`crate::winsize`).
    let sigwinch = if tty {
        let blocked = winsize::SigwinchBlocked::new().map_err(sigwinch_error)?;
        let resizer = winsize::Resizer::new(built.console.clone(), winsize::host_size)
            .map_err(sigwinch_error)?;
        subscribers.push(Arc::new(Mutex::new(resizer)));
        Some(blocked)
    } else {
        None
    };
    let mut events = EventLoop::start(subscribers)?;
    // Raw mode while the guest owns the terminal; the guard (or `terminal::restore` on the
    // `fast_exit` path) puts it back.
    let raw_mode = crate::terminal::RawMode::enter(tty)?;
    let stats = if config.timings { VcpuStats::open(&built.vcpu.fd).ok() } else { None };
    if config.timings {
        timings.tsc_khz = built.vcpu.tsc_khz();
        timings.guest_tsc_at_run = read_guest_tsc(&built.vcpu.fd);
    }

    let sampler = if config.profile {
        built.vcpu.profile = Some(Default::default());
        Some(crate::profile::Sampler::start().map_err(Error::Profile)?)
    } else {
        None
    };
    let mut lap = Lap::start();
    let result = built.vcpu.run(&mut built.bus);
    timings.guest_run = lap.lap();
    drop(sampler);
    if let Some(profile) = &built.vcpu.profile {
        eprint!("{}", profile.report(&kernel_bytes(config)));
    }
    events.stop();
    drop(sigwinch);
    drop(raw_mode);
    let request = result?;

    if config.timings {
        timings.report = read_report(&built);
        timings.kvm_stats = stats.map(|s| s.snapshot()).unwrap_or_default();
    }
    Ok(RunOutcome { request, timings: config.timings.then_some(timings), vm: built })
}

fn sigwinch_error(source: std::io::Error) -> Error {
    Error::Device { what: "SIGWINCH signalfd", source }
}

/// The kernel ELF `config` boots (for the profile's symbols; empty if it cannot be read).
fn kernel_bytes(config: &VmConfig) -> std::borrow::Cow<'static, [u8]> {
    match &config.kernel {
        crate::config::KernelSource::Embedded => crate::embedded::EMBEDDED_KERNEL.into(),
        crate::config::KernelSource::File(path) => std::fs::read(path).unwrap_or_default().into(),
    }
}

/// The guest's TSC as KVM would present it now.
fn read_guest_tsc(vcpu: &kvm_ioctls::VcpuFd) -> Option<u64> {
    let entry = kvm_bindings::kvm_msr_entry { index: MSR_IA32_TSC, ..Default::default() };
    let mut msrs = kvm_bindings::Msrs::from_entries(&[entry]).ok()?;
    (vcpu.get_msrs(&mut msrs).ok()? == 1).then(|| msrs.as_slice()[0].data)
}

/// The kernel's boot report, if it wrote a valid one.
fn read_report(built: &builder::BuiltVm) -> Option<BootReport> {
    let mut raw = [0u8; REPORT_SIZE];
    built.memory().read_slice(&mut raw, GuestAddress(BOOT_REPORT_ADDR)).ok()?;
    let words: Vec<u64> = raw.as_chunks::<8>().0.iter().map(|c| u64::from_le_bytes(*c)).collect();
    if words[0] != REPORT_MAGIC {
        return None;
    }
    let mut report = BootReport { magic: words[0], tsc_khz: words[1], ..Default::default() };
    let count = report.stamps.len();
    report.stamps.copy_from_slice(&words[2..2 + count]);
    Some(report)
}
