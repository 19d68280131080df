//! The same kernel ELF and the same disk booted by QEMU with KVM, to the same power-off,
//! against the vmm booting that same file pair (`vmm run --kernel K --disk IMG`); runs are
//! interleaved so load on the machine hits both alike.
//!
//! QEMU invocation (QEMU 7.2 checked):
//! - `-M microvm,acpi=off,auto-kernel-cmdline=off`: microvm is QEMU's minimal machine; with
//!   ACPI off its virtio-mmio transports sit at `0xfeb00000 + 512 * i` on IRQ `5 + i`
//!   (i = 0..8), the first device taking the last slot. QEMU would append their
//!   `virtio_mmio.device=` parameters itself, but *after* our text, i.e. after `--` where
//!   they would become program arguments, so we write them ourselves, first.
//! - devices in the vmm's order: virtio-blk (vda, read-only), then a virtio console with
//!   the vmm's two port names (`stdio`, `stderr`); `virtio-mmio.force-legacy=false` so they
//!   are virtio 1.x devices like the vmm's (QEMU's virtio-mmio defaults to legacy).
//! - `-device isa-debug-exit,iobase=0xf4,iosize=0x04`: the kernel's power-off port; QEMU
//!   exits with `(status << 1) | 1`.
//! - no `-cpu host` (nested KVM here rejects MSR 0x10a), `-no-reboot` so a triple fault ends
//!   QEMU instead of rebooting forever.
//!
//! If microvm does not reach the power-off, `-M pc` is tried (no virtio-mmio there, so no
//! disk: enough for the stand-in boot only) and the report says so.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::error::BenchError;
use super::probe::ProgramSupport;
use super::stats::Summary;
use super::{coldstart, proc};

/// The QEMU binary looked up on `PATH`.
pub const QEMU: &str = "qemu-system-x86_64";

/// What to print when QEMU is missing.
pub const INSTALL_HINT: &str = "qemu-system-x86_64 is not installed, so the QEMU comparison \
                                is skipped; install it with `apt-get install -y \
                                qemu-system-x86` to include it";

/// The QEMU comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QemuComparison {
    /// QEMU machine type used (`microvm` or `pc`).
    pub machine: String,
    /// The QEMU command.
    pub qemu_command: Vec<String>,
    /// The vmm command booting the same kernel and disk.
    pub vmm_command: Vec<String>,
    /// Why both boot a stand-in (`exit=0`) instead of running `/bin/true`, if they do.
    pub stand_in: Option<String>,
    /// QEMU wall times.
    pub qemu: Summary,
    /// Every QEMU wall time, nanoseconds.
    pub qemu_samples_ns: Vec<u64>,
    /// vmm wall times.
    pub vmm: Summary,
    /// Every vmm wall time, nanoseconds.
    pub vmm_samples_ns: Vec<u64>,
    /// QEMU median over vmm median: how many times faster the vmm is.
    pub qemu_over_vmm: f64,
    /// Anything to know about the comparison (fallback machine and why).
    pub note: Option<String>,
}

/// `qemu-system-x86_64` on `PATH`, if installed.
pub fn find() -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(QEMU))
        .find(|path| path.is_file())
}

/// The guest-program part of the kernel command line, encoded as the vmm encodes it.
fn program_cmdline(support: &ProgramSupport) -> String {
    if support.runs_programs {
        let mut word = String::new();
        // Writing to a String cannot fail.
        let _ = vmm_abi::args::encode(b"/bin/true", &mut word);
        format!("-- {word}")
    } else {
        "exit=0".into()
    }
}

/// Where QEMU's microvm puts the virtio-mmio transport of the `index`-th device (see the
/// module documentation).
fn microvm_transport(index: u64) -> String {
    let slot = 7 - index;
    format!("virtio_mmio.device=512@{:#x}:{}", 0xfeb0_0000 + 512 * slot, 5 + slot)
}

/// The QEMU command for `machine` (`microvm` or `pc`).
fn qemu_command(
    qemu: &Path,
    machine: &str,
    kernel: &Path,
    image: &Path,
    mem_mib: u64,
    program: &str,
) -> Command {
    let mut cmd = Command::new(qemu);
    let machine_arg =
        if machine == "microvm" { "microvm,acpi=off,auto-kernel-cmdline=off" } else { "pc" };
    cmd.args(["-M", machine_arg, "-accel", "kvm", "-m", &mem_mib.to_string()]);
    cmd.args(["-nodefaults", "-no-user-config", "-nographic", "-no-reboot", "-serial", "stdio"]);
    cmd.args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
    cmd.arg("-kernel").arg(kernel);
    let mut append = String::new();
    if machine == "microvm" {
        cmd.arg("-drive")
            .arg(format!("id=vda,file={},format=raw,if=none,readonly=on", image.display()));
        cmd.args(["-global", "virtio-mmio.force-legacy=false"]);
        cmd.args(["-device", "virtio-blk-device,drive=vda"]);
        cmd.args(["-chardev", "null,id=port0", "-chardev", "null,id=port1"]);
        cmd.args(["-device", "virtio-serial-device,max_ports=2"]);
        cmd.args(["-device", "virtconsole,chardev=port0,nr=0,name=stdio"]);
        cmd.args(["-device", "virtserialport,chardev=port1,nr=1,name=stderr"]);
        append = format!("{} {} ", microvm_transport(0), microvm_transport(1));
    }
    append.push_str(program);
    cmd.args(["-append", &append]);
    cmd
}

/// One QEMU boot, checked: QEMU exit status 1 means the guest powered off with 0.
fn qemu_once(cmd: &mut Command) -> Result<proc::Finished, BenchError> {
    let done = proc::run_quiet(cmd, "QEMU boot", Duration::from_secs(120))?;
    if done.status.code() != Some(1) {
        let detail = format!(
            "expected QEMU exit status 1 (guest status 0, isa-debug-exit encoding), got {}; \
             serial: {:?}",
            done.describe(),
            done.stdout.lines().last().unwrap_or("")
        );
        return Err(BenchError::RunFailed { what: "QEMU boot".into(), detail });
    }
    Ok(done)
}

/// Picks the machine: microvm if a first boot reaches the power-off, else pc.
fn pick_machine(
    qemu: &Path,
    kernel: &Path,
    image: &Path,
    mem_mib: u64,
    program: &str,
) -> Result<(&'static str, Option<String>), BenchError> {
    let microvm = qemu_once(&mut qemu_command(qemu, "microvm", kernel, image, mem_mib, program));
    let Err(microvm_err) = microvm else { return Ok(("microvm", None)) };
    qemu_once(&mut qemu_command(qemu, "pc", kernel, image, mem_mib, program)).map_err(
        |pc_err| BenchError::RunFailed {
            what: "QEMU".into(),
            detail: format!("neither microvm ({microvm_err}) nor pc ({pc_err}) booted"),
        },
    )?;
    Ok(("pc", Some(format!("-M microvm failed ({microvm_err}); -M pc used, without the disk"))))
}

/// The vmm side of the comparison, and what both sides boot besides the kernel.
pub struct Boot<'a> {
    /// The vmm binary.
    pub vmm: &'a Path,
    /// The disk image both boot.
    pub image: &'a Path,
    /// Guest RAM for both, MiB.
    pub mem_mib: u64,
}

/// Compares `runs` interleaved boots of QEMU and of the vmm on `kernel` and `boot.image`.
pub fn compare(
    qemu: &Path,
    boot: &Boot<'_>,
    kernel: &Path,
    support: &ProgramSupport,
    runs: u32,
    tick: &dyn Fn(&str),
) -> Result<QemuComparison, BenchError> {
    let (image, mem_mib) = (boot.image, boot.mem_mib);
    let program = program_cmdline(support);
    let (machine, note) = pick_machine(qemu, kernel, image, mem_mib, &program)?;
    tick("QEMU machine chosen");
    let mut vmm_args: Vec<String> = vec!["run".into(), "--mem".into(), mem_mib.to_string()];
    vmm_args.extend(["--kernel".into(), kernel.display().to_string()]);
    vmm_args.extend(["--disk".into(), format!("{},ro", image.display())]);
    vmm_args.extend(coldstart::vmm_args(support).into_iter().skip(1));
    let qemu_cmd = || qemu_command(qemu, machine, kernel, image, mem_mib, &program);
    let vmm_cmd = || {
        let mut cmd = Command::new(boot.vmm);
        cmd.args(&vmm_args);
        cmd
    };
    let vmm_what = format!("vmm boot for the QEMU comparison (vmm {})", vmm_args.join(" "));
    let (mut q, mut v) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        q.push(qemu_once(&mut qemu_cmd())?.wall.as_nanos() as u64);
        tick("QEMU boot");
        v.push(coldstart::boot_once(&mut vmm_cmd(), &vmm_what)?.wall.as_nanos() as u64);
        tick("vmm boot (same kernel and disk)");
    }
    let too_few = || BenchError::Usage("--qemu-runs must be at least 1".into());
    let (qs, vs) = (Summary::of(&q).ok_or_else(too_few)?, Summary::of(&v).ok_or_else(too_few)?);
    Ok(QemuComparison {
        machine: machine.into(),
        qemu_command: proc::command_line(&qemu_cmd()),
        vmm_command: proc::command_line(&vmm_cmd()),
        stand_in: coldstart::stand_in_note(support),
        qemu_over_vmm: qs.median_ns as f64 / vs.median_ns.max(1) as f64,
        qemu: qs,
        qemu_samples_ns: q,
        vmm: vs,
        vmm_samples_ns: v,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transports_match_what_qemu_announces() {
        // What QEMU 7.2 appends with auto-kernel-cmdline=on for a disk and a console.
        assert_eq!(microvm_transport(0), "virtio_mmio.device=512@0xfeb00e00:12");
        assert_eq!(microvm_transport(1), "virtio_mmio.device=512@0xfeb00c00:11");
    }

    #[test]
    fn program_part_of_the_command_line() {
        let yes = ProgramSupport { runs_programs: true, evidence: String::new() };
        let no = ProgramSupport { runs_programs: false, evidence: String::new() };
        assert_eq!(program_cmdline(&yes), "-- /bin/true");
        assert_eq!(program_cmdline(&no), "exit=0");
    }
}
