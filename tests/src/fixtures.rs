//! Fixture files for the exec differential test (`difftests/exec_errors`): each is one way
//! `execve` must fail. Written on the host, then used natively and inside a disk image.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// How deep the `#!` chain `loop-0` -> `loop-1` -> ... goes: beyond Linux's limit of
/// interpreter recursion (fs/exec.c, 5 levels).
pub const SHEBANG_CHAIN: usize = 8;

fn write(dir: &Path, name: &str, bytes: &[u8], mode: u32) {
    let path = dir.join(name);
    fs::write(&path, bytes).expect("writing a fixture");
    fs::set_permissions(&path, fs::Permissions::from_mode(mode)).expect("chmod of a fixture");
}

/// Creates the exec fixtures in `dir` from `true_bin`, a static `true` binary (copied as
/// `./true` and used as the base of the corrupted ELF files).
pub fn exec_fixtures(dir: &Path, true_bin: &Path) {
    fs::create_dir_all(dir.join("adir")).expect("fixture directory");
    let elf = fs::read(true_bin).expect("reading the true binary");
    write(dir, "true", &elf, 0o755);
    write(dir, "noexec", &elf, 0o644);
    write(
        dir,
        "garbage",
        &(0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect::<Vec<_>>(),
        0o755,
    );
    write(dir, "empty", b"", 0o755);
    let mut wrong = elf.clone();
    wrong[18..20].copy_from_slice(&183u16.to_le_bytes()); // EM_AARCH64
    write(dir, "wrong-machine", &wrong, 0o755);
    write(dir, "truncated-header", &elf[..30], 0o755);
    let mut phentsize = elf.clone();
    phentsize[54..56].copy_from_slice(&32u16.to_le_bytes());
    write(dir, "bad-phentsize", &phentsize, 0o755);
    write(dir, "script-missing-interp", b"#!./no-such-interpreter\n", 0o755);
    write(dir, "script-dir-interp", b"#!./adir\n", 0o755);
    write(dir, "self-loop", b"#!./self-loop\n", 0o755);
    for i in 0..SHEBANG_CHAIN {
        write(dir, &format!("loop-{i}"), format!("#!./loop-{}\n", i + 1).as_bytes(), 0o755);
    }
    write(dir, &format!("loop-{SHEBANG_CHAIN}"), b"#!./true\n", 0o755);
}
