//! Guests that misbehave at the CPU level: the vmm reports what happened and where, with a
//! non-zero status, and never panics. These use tiny synthetic kernels so the failure is
//! exact and independent of our real kernel.

use integration_tests::elf::{code_exit, code_triple_fault, pvh_kernel};
use integration_tests::{TempDir, require_kvm, vmm};
use vmm_abi::exit::STATUS_VM_CRASH;

#[test]
fn triple_fault_is_reported_with_rip() {
    require_kvm();
    let dir = TempDir::new("triple");
    let path = dir.write("kernel", &pvh_kernel(&code_triple_fault(), true));
    let run = vmm(&["run", "--kernel", &path]);
    assert_eq!(run.status, Some(i32::from(STATUS_VM_CRASH)), "stderr: {}", run.stderr);
    let line = run.stderr.lines().last().unwrap_or_default();
    assert!(
        line.starts_with("vmm: error: guest triple fault (KVM_EXIT_SHUTDOWN) at RIP 0x"),
        "{line}"
    );
    assert!(!run.stderr.contains("panicked"));
}

#[test]
fn synthetic_kernel_exit_status_passes_through() {
    require_kvm();
    let dir = TempDir::new("synth");
    for status in [0u32, 42, 255] {
        let path = dir.write(&format!("k{status}"), &pvh_kernel(&code_exit(status), true));
        let run = vmm(&["run", "--kernel", &path]);
        assert_eq!(run.status, Some(status as i32), "stderr: {}", run.stderr);
    }
}
