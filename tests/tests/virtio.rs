//! virtio devices end to end: the guest kernel's self-tests (`blktest=`, `contest=`) drive
//! virtio-blk and virtio-console, and the host side checks the results on the real files
//! and streams.

use integration_tests::{TempDir, require_kvm, vmm, vmm_unprivileged, vmm_with_input};

/// Byte `i` of sector `s` in the `blktest=rw` pattern (the contract with the kernel).
fn sector_pattern(s: usize, i: usize) -> u8 {
    (s as u8).wrapping_mul(31).wrapping_add((i as u8).wrapping_mul(7)).wrapping_add(0x5a)
}

/// Byte `k` of the `contest=out:N` pattern.
fn console_pattern(k: u64) -> u8 {
    k.wrapping_mul(7).wrapping_add(k / 251) as u8
}

/// Deterministic filler for disk images.
fn filler(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(13) ^ seed ^ (i >> 9) as u8).collect()
}

#[test]
fn block_writes_reach_the_file_exactly() {
    require_kvm();
    let dir = TempDir::new("blkrw");
    let before = filler(1 << 20, 0xa5);
    let disk = dir.write("scratch.img", &before);
    let run = vmm(&["run", "--disk", &disk, "--cmdline", "blktest=rw"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert!(run.stderr.contains("blktest: PASS"), "{}", run.stderr);
    let after = std::fs::read(&disk).unwrap();
    assert_eq!(after.len(), before.len(), "the disk file changed size");
    for s in 0..128 {
        for i in 0..512 {
            let at = s * 512 + i;
            assert_eq!(after[at], sector_pattern(s, i), "sector {s} byte {i}");
        }
    }
    assert!(after[64 * 1024..] == before[64 * 1024..], "bytes beyond the written sectors changed");
}

#[test]
fn read_only_disk_refuses_writes_and_stays_unchanged() {
    require_kvm();
    let dir = TempDir::new("blkro");
    let before = filler(256 * 1024, 0x3c);
    let disk = dir.write("ro.img", &before);
    let spec = format!("{disk},ro");
    let run = vmm(&["run", "--disk", &spec, "--cmdline", "blktest=ro"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert!(run.stderr.contains("blktest: PASS"), "{}", run.stderr);
    assert!(std::fs::read(&disk).unwrap() == before, "a read-only disk was modified");
}

#[test]
fn a_megabyte_of_console_output_arrives_intact() {
    require_kvm();
    let n = 1u64 << 20;
    let run = vmm(&["run", "--cmdline", &format!("contest=out:{n}")]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout_bytes.len() as u64, n, "wrong amount of output");
    if let Some(k) = (0..n).find(|&k| run.stdout_bytes[k as usize] != console_pattern(k)) {
        panic!("output differs from the pattern first at byte {k}");
    }
}

#[test]
fn stdin_reaches_the_guest_and_eof_ends_it() {
    require_kvm();
    let input = filler(200 * 1024, 0x77);
    let run = vmm_with_input(&["run", "--cmdline", "contest=echo"], input.clone());
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout_bytes.len(), input.len(), "echoed length differs");
    assert!(run.stdout_bytes == input, "echoed bytes differ from the input");
}

#[test]
fn console_ports_are_stdout_and_stderr() {
    require_kvm();
    let run = vmm(&["run", "--cmdline", "contest=split"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "to-stdout\n");
    assert!(run.stderr.contains("to-stderr\n"), "{}", run.stderr);
    assert!(!run.stdout.contains("to-stderr") && !run.stdout.contains("vmm-kernel"));
}

#[test]
fn bad_disks_are_refused_before_boot() {
    let dir = TempDir::new("baddisk");
    vmm(&["run", "--disk", "/nonexistent/disk.img"]).assert_bad_input("/nonexistent/disk.img");
    let path = dir.path().to_str().unwrap().to_owned();
    vmm(&["run", "--disk", &path]).assert_bad_input("is a directory");
    let odd = dir.write("odd.img", &[0u8; 1000]);
    vmm(&["run", "--disk", &odd]).assert_bad_input("not a multiple of 512");
    vmm(&["run", "--disk", "x.img,sideways"]).assert_bad_input("unknown disk option");
}

#[test]
fn disk_permissions_are_checked() {
    let dir = TempDir::new("diskperm");
    let readonly = dir.write("readonly.img", &[0u8; 4096]);
    let unreadable = dir.write("unreadable.img", &[0u8; 4096]);
    for (path, mode) in [(&readonly, 0o444), (&unreadable, 0o000)] {
        let mut perms = std::fs::metadata(path).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, mode);
        std::fs::set_permissions(path, perms).unwrap();
    }
    vmm_unprivileged(&["run", "--disk", &readonly], &[], &dir).assert_bad_input("not writable");
    vmm_unprivileged(&["run", "--disk", &unreadable], &[], &dir).assert_bad_input("not readable");
}
