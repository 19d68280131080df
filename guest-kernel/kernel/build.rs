//! Links the kernel with its linker script, as a static (non-PIE) executable, and builds
//! the vDSO it includes (`build_vdso.rs`).
//!
//! Everything the link needs is here rather than in `.cargo/config.toml`, because cargo reads
//! configuration from its current directory: the vmm's build script builds this workspace
//! from the repository root with `--manifest-path`, where `guest-kernel/.cargo` is not seen.

#[path = "build_vdso.rs"]
mod build_vdso;

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    build_vdso::build(&dir);
    let script = format!("{dir}/linker.ld");
    println!("cargo:rerun-if-changed={script}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build_vdso.rs");
    // The linker script places every section at its link address and physical load address.
    println!("cargo:rustc-link-arg-bins=-T{script}");
    // x86_64-unknown-none links a static PIE by default; the kernel runs at its link address
    // and its boot code holds absolute addresses, so link a plain static executable. This
    // comes after rustc's own `-pie`, and the last of the two wins.
    println!("cargo:rustc-link-arg-bins=--no-pie");
    // Keep the ELF small: no build-id note (a second PT_NOTE would hide the PVH note from
    // linux-loader, which only looks at the last one).
    println!("cargo:rustc-link-arg-bins=--build-id=none");
}
