//! Booting our own guest kernel (the one embedded in the vmm) and checking what it reports.

use integration_tests::{require_kvm, vmm};
use vmm_abi::exit::{STATUS_KERNEL_FAULT, STATUS_KERNEL_PANIC};

/// The banner's figures: (RAM KiB, regions, free KiB, cmdline).
fn banner(stderr: &str) -> (u64, u64, u64, String) {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("vmm-kernel "))
        .unwrap_or_else(|| panic!("no banner in: {stderr}"));
    // vmm-kernel 0.1.0: <total> KiB RAM in <n> regions, <free> KiB free, cmdline "<cmdline>"
    let words: Vec<&str> = line.split_whitespace().collect();
    let num = |i: usize| {
        words[i].trim_end_matches(',').parse::<u64>().unwrap_or_else(|_| panic!("{line}"))
    };
    let cmdline = line
        .split_once("cmdline \"")
        .map(|(_, rest)| rest.trim_end_matches('"'))
        .unwrap_or_default();
    // The vmm announces its virtio devices first; what follows is the user's text.
    let user: Vec<&str> =
        cmdline.split(' ').skip_while(|w| w.starts_with("virtio_mmio.device=")).collect();
    (num(2), num(6), num(8), user.join(" "))
}

#[test]
fn boots_and_prints_banner() {
    require_kvm();
    let run = vmm(&["run", "-v"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    let (ram_kib, regions, free_kib, cmdline) = banner(&run.stderr);
    // 128 MiB minus the legacy hole below 1 MiB and the report page.
    assert!((127 * 1024..128 * 1024).contains(&ram_kib), "RAM {ram_kib} KiB");
    assert!(regions >= 2);
    assert!(free_kib > 100 * 1024 && free_kib < ram_kib, "free {free_kib} KiB");
    assert_eq!(cmdline, "verbose");
    assert_eq!(run.stdout, "", "kernel messages belong on stderr");
}

/// Without `-v` the kernel says nothing: only the program's own output reaches the host.
#[test]
fn quiet_unless_verbose() {
    require_kvm();
    let run = vmm(&["run", "--", "/bin/true"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));
    let run = vmm(&["run", "--cmdline", "exit=3"]);
    assert_eq!(run.status, Some(3), "stderr: {}", run.stderr);
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));
    let run = vmm(&["run", "--", "/bin/sh", "-c", "echo out; echo err >&2"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("out\n", "err\n"));
}

#[test]
fn banner_reports_the_memory_it_was_given() {
    require_kvm();
    for mib in [32u64, 300] {
        let run = vmm(&["run", "-v", "--mem", &mib.to_string()]);
        assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
        let (ram_kib, _, free_kib, _) = banner(&run.stderr);
        assert!(
            ((mib - 1) * 1024..mib * 1024).contains(&ram_kib),
            "{mib} MiB guest saw {ram_kib} KiB"
        );
        assert!(free_kib < ram_kib);
    }
}

#[test]
fn exit_status_comes_from_the_command_line() {
    require_kvm();
    for status in [0, 7, 255] {
        let cmdline = format!("exit={status} unknown.option=1");
        let run = vmm(&["run", "-v", "--cmdline", &cmdline]);
        assert_eq!(run.status, Some(status), "stderr: {}", run.stderr);
        assert_eq!(banner(&run.stderr).3, format!("{cmdline} verbose"));
    }
}

#[test]
fn bad_exit_value_is_a_kernel_panic() {
    require_kvm();
    let run = vmm(&["run", "--cmdline", "exit=banana"]);
    assert_eq!(run.status, Some(i32::from(STATUS_KERNEL_PANIC)), "stderr: {}", run.stderr);
    assert!(run.stderr.contains("KERNEL PANIC at "), "{}", run.stderr);
    assert!(run.stderr.contains("banana"), "{}", run.stderr);
}

#[test]
fn panic_prints_message_and_location() {
    require_kvm();
    let run = vmm(&["run", "--cmdline", "panic=now"]);
    assert_eq!(run.status, Some(i32::from(STATUS_KERNEL_PANIC)), "stderr: {}", run.stderr);
    let line = run.stderr.lines().find(|l| l.starts_with("KERNEL PANIC at ")).expect("panic line");
    // "KERNEL PANIC at <file>:<line>:<col>: <message>"
    let location = line.trim_start_matches("KERNEL PANIC at ").split(": ").next().unwrap();
    let parts: Vec<&str> = location.rsplitn(3, ':').collect();
    assert!(
        parts.len() == 3 && parts[0].parse::<u32>().is_ok() && parts[1].parse::<u32>().is_ok(),
        "{line}"
    );
    assert!(parts[2].ends_with(".rs"), "{line}");
    assert!(line.contains("panic=now"), "{line}");
    assert!(
        run.stderr.contains("vmm: the guest kernel failed (exit status 253)"),
        "{}",
        run.stderr
    );
}

#[test]
fn cpu_exception_is_reported_in_one_line() {
    require_kvm();
    let run = vmm(&["run", "--cmdline", "fault=now"]);
    assert_eq!(run.status, Some(i32::from(STATUS_KERNEL_FAULT)), "stderr: {}", run.stderr);
    let line = run.stderr.lines().find(|l| l.starts_with("KERNEL FAULT: ")).expect("fault line");
    for field in ["#PF", "vector 14", "error code 0x", "RIP 0xffffffff8", "CR2 0x"] {
        assert!(line.contains(field), "{field:?} missing from {line}");
    }
}

#[test]
fn timings_cover_every_phase() {
    require_kvm();
    let run = vmm(&["run", "--timings"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    for phase in [
        "vm creation",
        "kernel load",
        "guest run",
        "vcpu start -> kernel entry",
        "kernel entry -> banner",
        "banner -> power-off",
        "kernel entry -> power-off",
        "total wall",
    ] {
        let line = run
            .stderr
            .lines()
            .find(|l| l.contains(phase))
            .unwrap_or_else(|| panic!("no {phase:?}: {}", run.stderr));
        let value: f64 = line
            .split_whitespace()
            .rev()
            .nth(1)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no figure on {line:?}"));
        assert!(value >= 0.0, "{line}");
    }
}

#[test]
fn profile_names_the_kernel_functions_the_time_went_to() {
    require_kvm();
    let run = vmm(&["run", "--profile", "--", "/bin/true"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    let header = run.stderr.lines().find(|l| l.starts_with("profile: ")).expect("a profile");
    let samples: u64 = header["profile: ".len()..].split(' ').next().unwrap().parse().unwrap();
    assert!(samples > 10, "{header}");
    // The rows are shares and demangled kernel paths, heaviest first.
    let rows: Vec<&str> = run.stderr.lines().filter(|l| l.contains("% ")).collect();
    assert!(rows.iter().any(|r| r.contains("kernel::")), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "the profile goes to stderr: {}", run.stdout);
}
