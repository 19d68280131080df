//! Builds the vDSO (`vdso/vdso.c`, `vdso/vdso.lds`) into `$OUT_DIR/vdso.so` with the host's
//! `gcc` and GNU `ld`: a position-independent shared object that the kernel includes as
//! bytes and maps into every process (`time::vdso`). Included from `build.rs`.

use std::path::Path;
use std::process::Command;

/// Compiles and links the vDSO, then checks the result can be mapped as it is.
pub fn build(dir: &str) {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let so = format!("{out}/vdso.so");
    for file in ["vdso.c", "vdso.h", "vdso.lds"] {
        println!("cargo:rerun-if-changed={dir}/vdso/{file}");
    }
    let cc = std::env::var("VDSO_CC").unwrap_or_else(|_| "gcc".into());
    println!("cargo:rerun-if-env-changed=VDSO_CC");
    let status = Command::new(&cc)
        .args([
            "-O2",
            "-fPIC",
            "-ffreestanding",
            "-fno-builtin",
            "-fno-stack-protector",
            "-fno-asynchronous-unwind-tables",
            "-fno-unwind-tables",
            "-fcf-protection=none",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-shared",
            "-nostdlib",
            "-Wl,--hash-style=both",
            "-Wl,-soname=linux-vdso.so.1",
            "-Wl,--no-undefined",
            "-Wl,--build-id=none",
            "-Wl,-z,max-page-size=4096",
            "-Wl,-z,noexecstack",
        ])
        .arg(format!("-Wl,-T,{dir}/vdso/vdso.lds"))
        .arg("-o")
        .arg(&so)
        .arg(format!("{dir}/vdso/vdso.c"))
        .status()
        .unwrap_or_else(|e| panic!("running {cc} for the vDSO: {e}"));
    assert!(status.success(), "building the vDSO failed");
    check(Path::new(&so));
}

/// Panics unless the object is mappable as is: one read+exec PT_LOAD at address 0 and no
/// dynamic relocations (nothing would apply them).
fn check(so: &Path) {
    let elf = std::fs::read(so).expect("reading vdso.so");
    let u16_at = |o: usize| u16::from_le_bytes([elf[o], elf[o + 1]]) as usize;
    let u32_at = |o: usize| u32::from_le_bytes(elf[o..o + 4].try_into().unwrap());
    let u64_at = |o: usize| u64::from_le_bytes(elf[o..o + 8].try_into().unwrap()) as usize;
    let (phoff, phentsize, phnum) = (u64_at(0x20), u16_at(0x36), u16_at(0x38));
    for i in 0..phnum {
        let ph = phoff + i * phentsize;
        let (kind, flags, offset, vaddr) =
            (u32_at(ph), u32_at(ph + 4), u64_at(ph + 8), u64_at(ph + 16));
        if kind == 1 {
            assert!(flags & 2 == 0 && offset == 0 && vaddr == 0, "vDSO PT_LOAD must be R X at 0");
        }
        if kind == 2 {
            let size = u64_at(ph + 32);
            for entry in (offset..offset + size).step_by(16) {
                let tag = u64_at(entry);
                // DT_RELA (7), DT_REL (17), DT_TEXTREL (22), DT_JMPREL (23).
                assert!(![7, 17, 22, 23].contains(&tag), "the vDSO has relocations (tag {tag})");
            }
        }
    }
}
