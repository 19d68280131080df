//! One harness run, top to bottom: build what is needed, then each requested part (host,
//! guest, cold start, QEMU, kernel instructions), then the ratios, the targets, and the three outputs (table on
//! stdout, JSON report, SVG chart).
//!
//! The parts are independent: a part that fails is recorded with its error (and makes the
//! exit status non-zero) while the others still run, so today's run reports the host, cold
//! start and QEMU figures and says plainly why the guest ones do not exist yet.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::BenchError;
use super::insns::{self, KernelInsns};
use super::options::{Options, PartName, Resolved};
use super::probe::{self, ProgramSupport};
use super::program::{BenchRun, Workload};
use super::progress::Progress;
use super::qemu::QemuComparison;
use super::report::{Part, Report, SCHEMA, Settings};
use super::{
    chart, coldstart, guest, host, machine, provenance, qemu, ratios, setup, table, targets,
};

/// Time limit of one probe boot.
const PROBE_TIMEOUT: Duration = Duration::from_secs(60);

/// Resolves `options`, runs everything, prints the table and writes the JSON and SVG
/// files. `Err` only for problems before any measurement (bad options, guest programs
/// that do not build, unwritable outputs); a failed part is in the report.
pub fn execute(options: &Options) -> Result<Report, BenchError> {
    let opts = options.resolve()?;
    fs::create_dir_all(&opts.out_dir).map_err(|e| BenchError::io("creating", &opts.out_dir, e))?;
    let report = run(&opts)?;
    print!("{}", table::render(&report));
    for path in [&opts.json, &opts.svg] {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| BenchError::io("creating", dir, e))?;
        }
    }
    report.write(&opts.json)?;
    chart::draw(&report, &opts.svg)?;
    println!("report: {}\nchart:  {}", opts.json.display(), opts.svg.display());
    Ok(report)
}

/// Steps the progress bar will count for `opts`.
fn planned_steps(opts: &Resolved) -> u64 {
    let ops = opts.ops.len() as u64;
    let mut steps = 1; // guest programs
    let vm = VM_PARTS.into_iter().any(|p| opts.wants(p));
    if vm {
        steps += 3; // vmm, image, probe
    }
    if opts.wants(PartName::Host) {
        steps += ops;
    }
    if opts.wants(PartName::Guest) {
        steps += ops;
    }
    if opts.wants(PartName::Coldstart) {
        steps += 2 * u64::from(opts.runs);
    }
    if opts.wants(PartName::Qemu) {
        steps += 1 + 2 * u64::from(opts.qemu_runs);
    }
    if opts.wants(PartName::Insns) {
        steps += 2 * insns::selected(&opts.ops, opts.smoke).len() as u64;
    }
    steps
}

/// The parts that boot VMs.
const VM_PARTS: [PartName; 4] =
    [PartName::Guest, PartName::Coldstart, PartName::Qemu, PartName::Insns];

/// What the VM-based parts share; a failure to build it fails those parts only.
struct VmSetup {
    vmm: PathBuf,
    image: PathBuf,
    support: ProgramSupport,
}

fn vm_setup(opts: &Resolved, apps: &Path, progress: &Progress) -> Result<VmSetup, BenchError> {
    progress.stage("building the vmm");
    let vmm = setup::vmm(opts.vmm.as_deref())?;
    progress.step("vmm ready");
    let work = opts.out_dir.join("work");
    let image = work.join("bench.img");
    setup::guest_image(apps, &work.join("guest"), &image)?;
    progress.step("disk image ready");
    progress.stage("probing whether the guest runs programs");
    let support = probe::probe(&vmm, PROBE_TIMEOUT)?;
    progress.step("probe done");
    if !support.runs_programs {
        progress.note(&format!(
            "note: the guest cannot run programs yet ({}); cold start and QEMU measure the \
             `exit=0` boot instead, and the guest part will fail",
            support.evidence
        ));
    }
    Ok(VmSetup { vmm, image, support })
}

/// What every part needs from the run.
struct Ctx<'a> {
    opts: &'a Resolved,
    progress: &'a Progress,
    apps: &'a Path,
    timeout: Duration,
}

impl Ctx<'_> {
    /// Advances the bar for a `result <name> ...` / `unsupported <name> ...` line.
    fn on_figure(&self, line: &str) {
        self.progress.step(&line.split_whitespace().take(2).collect::<Vec<_>>().join(" "));
    }
}

/// Runs the requested parts and assembles the report.
pub fn run(opts: &Resolved) -> Result<Report, BenchError> {
    let progress = Progress::new(planned_steps(opts));
    progress.stage("building the guest programs");
    let apps = setup::guest_apps()?;
    progress.step("guest programs built");
    let ctx = Ctx {
        opts,
        progress: &progress,
        apps: &apps,
        timeout: Duration::from_secs(opts.timeout_secs),
    };

    let host = if opts.wants(PartName::Host) {
        Part::from_result(host_part(&ctx))
    } else {
        Part::NotRequested
    };
    let needs_vm = VM_PARTS.into_iter().any(|p| opts.wants(p));
    let vm = needs_vm.then(|| vm_setup(opts, &apps, &progress).map_err(|e| e.to_string()));
    let guest = on_vm(opts, &vm, PartName::Guest, |vm| Part::from_result(guest_part(&ctx, vm)));
    let coldstart = on_vm(opts, &vm, PartName::Coldstart, |vm| {
        progress.stage("cold start");
        let tick = |m: &str| progress.step(m);
        Part::from_result(coldstart::measure(&vm.vmm, &vm.support, opts.runs, &tick))
    });
    let qemu = on_vm(opts, &vm, PartName::Qemu, |vm| qemu_part(&ctx, vm));
    let insns = on_vm(opts, &vm, PartName::Insns, |vm| insns_part(&ctx, vm));
    progress.finish();

    let ratios = match (host.ok(), guest.ok()) {
        (Some(h), Some(g)) => ratios::compute(h, g),
        _ => vec![],
    };
    let targets = targets::evaluate(&host, &guest, &ratios, &coldstart, &qemu);
    let vm = vm.as_ref().and_then(|v| v.as_ref().ok());
    Ok(Report {
        schema: SCHEMA.into(),
        date: provenance::now_utc(),
        git: provenance::git(),
        machine: machine::describe(),
        settings: settings(opts, vm.map(|v| v.vmm.as_path())),
        guest_programs: vm.map(|v| v.support.clone()),
        host,
        guest,
        ratios,
        coldstart,
        qemu,
        insns,
        targets,
    })
}

/// Runs `f` for a VM-based `part` if it was requested and the VM setup succeeded.
fn on_vm<T>(
    opts: &Resolved,
    vm: &Option<Result<VmSetup, String>>,
    part: PartName,
    f: impl FnOnce(&VmSetup) -> Part<T>,
) -> Part<T> {
    match (vm, opts.wants(part)) {
        (_, false) | (None, _) => Part::NotRequested,
        (Some(Err(e)), true) => Part::Failed { error: format!("the VM setup failed: {e}") },
        (Some(Ok(vm)), true) => f(vm),
    }
}

/// The bench program natively, on host fixtures.
fn host_part(ctx: &Ctx<'_>) -> Result<BenchRun, BenchError> {
    ctx.progress.stage("host: running the bench program");
    let opts = ctx.opts;
    let workload = Workload {
        iters: opts.host_iters,
        syscall_iters: opts.host_syscall_iters,
        ops: opts.ops.clone(),
    };
    let (true_bin, script) =
        setup::host_fixtures(ctx.apps, &opts.out_dir.join("work").join("host"))?;
    let bench = ctx.apps.join("bench");
    host::run(&bench, &true_bin, &script, &workload, ctx.timeout, &|l| ctx.on_figure(l))
}

/// The bench program in a VM.
fn guest_part(ctx: &Ctx<'_>, vm: &VmSetup) -> Result<BenchRun, BenchError> {
    ctx.progress.stage("guest: running the bench program in a VM");
    let opts = ctx.opts;
    let workload = Workload {
        iters: opts.guest_iters,
        syscall_iters: opts.guest_syscall_iters,
        ops: opts.ops.clone(),
    };
    let on_figure = |l: &str| ctx.on_figure(l);
    guest::run(&vm.vmm, &vm.image, Some(opts.mem), &workload, &vm.support, ctx.timeout, &on_figure)
}

/// QEMU against the vmm, or skipped with the install hint.
fn qemu_part(ctx: &Ctx<'_>, vm: &VmSetup) -> Part<QemuComparison> {
    let Some(qemu_bin) = qemu::find() else {
        ctx.progress.note(&format!("note: {}", qemu::INSTALL_HINT));
        return Part::Skipped { reason: qemu::INSTALL_HINT.into() };
    };
    ctx.progress.stage("QEMU: building/finding the kernel ELF");
    let boot = qemu::Boot { vmm: &vm.vmm, image: &vm.image, mem_mib: ctx.opts.mem };
    Part::from_result(setup::kernel(ctx.opts.kernel.as_deref()).and_then(|kernel| {
        ctx.progress.step("kernel ready");
        let tick = |m: &str| ctx.progress.step(m);
        qemu::compare(&qemu_bin, &boot, &kernel, &vm.support, ctx.opts.qemu_runs, &tick)
    }))
}

/// Kernel instructions per operation, or skipped with a note when KVM does not count them.
fn insns_part(ctx: &Ctx<'_>, vm: &VmSetup) -> Part<KernelInsns> {
    ctx.progress.stage("kernel instructions per operation (two boots each)");
    let boot =
        insns::Boot { vmm: &vm.vmm, image: &vm.image, mem_mib: ctx.opts.mem, timeout: ctx.timeout };
    let names = insns::selected(&ctx.opts.ops, ctx.opts.smoke);
    let part = insns::measure(&boot, &names, ctx.opts.smoke, &|m| ctx.progress.step(m));
    if let Part::Skipped { reason } = &part {
        ctx.progress.note(&format!("note: kernel instructions skipped: {reason}"));
    }
    part
}

fn settings(opts: &Resolved, vmm: Option<&Path>) -> Settings {
    Settings {
        smoke: opts.smoke,
        host_iters: opts.host_iters,
        host_syscall_iters: opts.host_syscall_iters,
        guest_iters: opts.guest_iters,
        guest_syscall_iters: opts.guest_syscall_iters,
        ops: opts.ops.iter().map(|s| s.to_string()).collect(),
        coldstart_runs: opts.runs,
        qemu_runs: opts.qemu_runs,
        mem_mib: opts.mem,
        vmm: vmm.map_or_else(String::new, |p| p.display().to_string()),
    }
}
