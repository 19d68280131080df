//! `io-bench`: the virtio I/O benchmark (issue 3), measured in one run against the host.
//!
//! - guest sequential read and write of a disk file in 1 MiB requests (the kernel's
//!   `blkbench=seqread|seqwrite` self-test) versus the host's own `dd` of the same file;
//! - guest 4 KiB random reads at queue depth 1, bypassing the guest cache (`randread`):
//!   IOPS and p50/p99 latency;
//! - VM exits per request, from KVM's counters (`vmm run --timings`);
//! - console output throughput: `contest=out:N` with the vmm's stdout on /dev/null, timed
//!   from the guest's banner to its power-off.
//!
//! Usage: `cargo run --release -p tools --bin io-bench [-- [--mib N] [--reads N]]`.
//! Builds the vmm in release mode first. Both sides read a file that is in the host's page
//! cache (it is read once before measuring), so the comparison is of the I/O paths, not of
//! the disk.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn die(message: impl std::fmt::Display) -> ! {
    eprintln!("io-bench: error: {message}");
    std::process::exit(1)
}

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .map(|i| {
            args.get(i + 1)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| die(format!("{name} needs a number")))
        })
        .unwrap_or(default)
}

/// Runs `cmd`, returning (stdout, stderr) or dying with what it printed.
fn run(cmd: &mut Command, what: &str) -> (String, String) {
    let out = cmd.output().unwrap_or_else(|e| die(format!("running {what}: {e}")));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    if !out.status.success() {
        die(format!("{what} failed ({}): {}", out.status, stderr.lines().last().unwrap_or("")));
    }
    (stdout, stderr)
}

/// Bytes per second from `dd`'s summary line ("N bytes (...) copied, S s, ...").
fn dd_rate(stderr: &str) -> f64 {
    let line = stderr
        .lines()
        .find(|l| l.contains("bytes") && l.contains("copied"))
        .unwrap_or_else(|| die(format!("no dd summary in: {stderr}")));
    let bytes: f64 =
        line.split_whitespace().next().and_then(|b| b.parse().ok()).unwrap_or_else(|| die(line));
    let secs: f64 = line
        .split(", ")
        .find(|p| p.ends_with(" s"))
        .and_then(|p| p.trim_end_matches(" s").parse().ok())
        .unwrap_or_else(|| die(line));
    bytes / secs
}

/// One `key=value` field of a `blkbench:` line.
fn field(line: &str, key: &str) -> f64 {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| die(format!("no {key}= in {line:?}")))
}

/// A `kvm: <name> <value>` line of `--timings`.
fn kvm_counter(stderr: &str, name: &str) -> u64 {
    stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("kvm: {name}")).map(str::trim))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| die(format!("no kvm {name} counter in the vmm's timings")))
}

/// A `<phase> ... <value> us` line of `--timings`.
fn timing_us(stderr: &str, phase: &str) -> f64 {
    stderr
        .lines()
        .find(|l| l.contains(phase))
        .and_then(|l| l.split_whitespace().rev().nth(1)?.parse().ok())
        .unwrap_or_else(|| die(format!("no '{phase}' in the vmm's timings")))
}

/// Runs the vmm with a kernel self-test; returns its blkbench line (if any) and stderr.
fn guest(vmm: &Path, disk: Option<&Path>, cmdline: &str) -> (Option<String>, String) {
    let mut cmd = Command::new(vmm);
    cmd.arg("run").arg("--timings");
    if let Some(disk) = disk {
        cmd.arg("--disk").arg(disk);
    }
    cmd.args(["--cmdline", cmdline]).stdin(Stdio::null());
    let (_, stderr) = run(&mut cmd, &format!("vmm ({cmdline})"));
    (stderr.lines().find(|l| l.starts_with("blkbench:")).map(str::to_owned), stderr)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mib = arg(&args, "--mib", 256);
    let reads = arg(&args, "--reads", 2000);
    let root = tools::guest_build::repo_root();
    run(
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .current_dir(&root)
            .args(["build", "--release", "-q", "-p", "vmm"]),
        "cargo build -p vmm",
    );
    let vmm = root.join("target/release/vmm");

    let file: PathBuf = root.join("target/io-bench.img");
    let block: Vec<u8> =
        (0..1 << 20).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let mut data = Vec::with_capacity((mib << 20) as usize);
    for _ in 0..mib {
        data.extend_from_slice(&block);
    }
    std::fs::write(&file, &data)
        .unwrap_or_else(|e| die(format!("writing {}: {e}", file.display())));
    drop(data);
    let dd = |args: &[&str]| run(Command::new("dd").args(args), "dd").1;
    let input = format!("if={}", file.display());
    let output = format!("of={}", file.display());
    dd(&[&input, "of=/dev/null", "bs=1M"]); // warm the page cache
    let host_read = dd(&[&input, "of=/dev/null", "bs=1M"]);
    let host_write =
        dd(&["if=/dev/zero", &output, "bs=1M", &format!("count={mib}"), "conv=notrunc"]);
    let (host_read, host_write) = (dd_rate(&host_read), dd_rate(&host_write));

    let (seqread, rs) = guest(&vmm, Some(&file), &format!("blkbench=seqread:{mib}"));
    let (seqwrite, ws) = guest(&vmm, Some(&file), &format!("blkbench=seqwrite:{mib}"));
    let (randread, qs) = guest(&vmm, Some(&file), &format!("blkbench=randread:{reads}"));
    let (seqread, seqwrite, randread) = (
        seqread.unwrap_or_else(|| die(format!("no blkbench line: {rs}"))),
        seqwrite.unwrap_or_else(|| die(format!("no blkbench line: {ws}"))),
        randread.unwrap_or_else(|| die(format!("no blkbench line: {qs}"))),
    );
    let rate = |line: &str| field(line, "bytes") / (field(line, "ns") / 1e9);
    let (guest_read, guest_write) = (rate(&seqread), rate(&seqwrite));
    let iops = reads as f64 / (field(&randread, "ns") / 1e9);
    let exits_per_read = kvm_counter(&qs, "exits") as f64 / reads as f64;
    let console_bytes = 64u64 << 20;
    let (_, cs) = guest(&vmm, None, &format!("contest=out:{console_bytes}"));
    let console_rate = console_bytes as f64 / (timing_us(&cs, "banner -> power-off") / 1e6);

    let gbs = |r: f64| r / 1e9;
    println!("io-bench ({mib} MiB file in the host page cache, {reads} random reads)");
    println!(
        "  sequential read   guest {:>6.2} GB/s   host dd {:>6.2} GB/s   ratio {:.2}",
        gbs(guest_read),
        gbs(host_read),
        guest_read / host_read
    );
    println!(
        "  sequential write  guest {:>6.2} GB/s   host dd {:>6.2} GB/s   ratio {:.2}",
        gbs(guest_write),
        gbs(host_write),
        guest_write / host_write
    );
    println!(
        "  4 KiB random read (QD1)  {:>7.0} IOPS   p50 {:.0} us   p99 {:.0} us   {:.2} VM exits/request (all exits of the run)",
        iops,
        field(&randread, "p50_ns") / 1e3,
        field(&randread, "p99_ns") / 1e3,
        exits_per_read
    );
    println!(
        "  console output to /dev/null  {:.1} MB/s ({} MiB)",
        console_rate / 1e6,
        console_bytes >> 20
    );
    let _ = std::fs::remove_file(&file);
}
