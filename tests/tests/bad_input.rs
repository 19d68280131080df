//! Bad input never reaches a guest: each case is one clear line on stderr and exit status 2.

use integration_tests::elf::{code_exit, pvh_kernel, set_class, set_load_paddr, set_machine};
use integration_tests::{TempDir, require_kvm, vmm, vmm_unprivileged, vmm_with_env};

#[test]
fn missing_kernel_file() {
    vmm(&["run", "--kernel", "/nonexistent/kernel.elf"]).assert_bad_input(
        "cannot read kernel '/nonexistent/kernel.elf': No such file or directory",
    );
}

#[test]
fn kernel_is_a_directory() {
    let dir = TempDir::new("kdir");
    let path = dir.path().to_str().unwrap().to_owned();
    vmm(&["run", "--kernel", &path]).assert_bad_input("Is a directory");
}

#[test]
fn kernel_is_not_elf() {
    let dir = TempDir::new("ktext");
    let path = dir.write("kernel", b"#!/bin/sh\necho not a kernel\n");
    vmm(&["run", "--kernel", &path]).assert_bad_input("is not an ELF file");
    let empty = dir.write("empty", b"");
    vmm(&["run", "--kernel", &empty]).assert_bad_input("is not an ELF file");
}

#[test]
fn kernel_for_another_machine() {
    let dir = TempDir::new("karch");
    let mut elf = pvh_kernel(&code_exit(0), true);
    set_machine(&mut elf, 183);
    let path = dir.write("aarch64", &elf);
    vmm(&["run", "--kernel", &path]).assert_bad_input("is an AArch64 ELF, not an x86_64 ELF");

    let mut elf = pvh_kernel(&code_exit(0), true);
    set_class(&mut elf, 1);
    let path = dir.write("elf32", &elf);
    vmm(&["run", "--kernel", &path]).assert_bad_input("not an x86_64 ELF");
}

#[test]
fn kernel_without_pvh_note() {
    let dir = TempDir::new("knote");
    let path = dir.write("kernel", &pvh_kernel(&code_exit(0), false));
    vmm(&["run", "--kernel", &path]).assert_bad_input("has no PVH entry point note");
}

#[test]
fn kernel_truncated_or_misplaced() {
    let dir = TempDir::new("ktrunc");
    let elf = pvh_kernel(&code_exit(0), true);
    let path = dir.write("truncated", &elf[..100]);
    vmm(&["run", "--kernel", &path]).assert_bad_input("malformed ELF");

    let mut low = elf.clone();
    set_load_paddr(&mut low, 0x8000);
    let path = dir.write("low", &low);
    vmm(&["run", "--kernel", &path]).assert_bad_input("below 1 MiB");
}

#[test]
fn memory_too_small_for_the_kernel() {
    require_kvm();
    vmm(&["run", "--mem", "1"])
        .assert_bad_input("is too small for the kernel, which needs at least");
}

#[test]
fn memory_larger_than_the_host() {
    require_kvm();
    vmm(&["run", "--mem", "1073741824"]).assert_bad_input("is more than this host's");
}

#[test]
fn malformed_command_line() {
    for args in
        [&["run", "--mem", "abc"][..], &["run", "--mem", "0"], &["run", "--frobnicate"], &["boot"]]
    {
        vmm(args).assert_bad_input("");
    }
    require_kvm();
    vmm(&["run", "--cmdline", "exit=1\u{7}"]).assert_bad_input("invalid kernel command line");
}

#[test]
fn kvm_device_missing() {
    vmm_with_env(&["run"], &[("VMM_KVM_DEVICE", "/nonexistent/kvm")])
        .assert_bad_input("cannot open /nonexistent/kvm: no such device; this vmm needs KVM");
}

#[test]
fn kvm_device_is_not_kvm() {
    vmm_with_env(&["run"], &[("VMM_KVM_DEVICE", "/dev/null")])
        .assert_bad_input("/dev/null is not a KVM device");
}

/// Permission denied: a device node the user may not open (the vmm runs as `nobody` when
/// the tests run as root, since root ignores permission bits).
#[test]
fn kvm_device_not_permitted() {
    let dir = TempDir::new("kvmperm");
    let node = dir.write("kvm", b"");
    let mut perms = std::fs::metadata(&node).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o000);
    std::fs::set_permissions(&node, perms).unwrap();
    vmm_unprivileged(&["run"], &[("VMM_KVM_DEVICE", &node)], &dir)
        .assert_bad_input("permission denied");
}
