//! Builds the guest kernel (a separate workspace, target `x86_64-unknown-none`) so the `vmm`
//! binary can embed it and `vmm run` works on a fresh clone with no other step.
//!
//! The nested cargo uses its own target directory (`target/guest-kernel`) because the outer
//! cargo holds the lock on the normal one while build scripts run. The environment is
//! cleaned of the outer build's variables (target, flags, profile) that would otherwise leak
//! into the guest build; `RUSTUP_TOOLCHAIN` is kept so both builds use the same toolchain.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir.parent().expect("vmm/ lives in the repository root");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));

    // VMM_PREBUILT_KERNEL embeds a kernel ELF from elsewhere instead of building ours
    // (for working on the vmm alone, or embedding a kernel built with other options).
    println!("cargo:rerun-if-env-changed=VMM_PREBUILT_KERNEL");
    let kernel = match env::var_os("VMM_PREBUILT_KERNEL") {
        Some(path) => PathBuf::from(path),
        None => build_guest_kernel(root),
    };
    let dest = out_dir.join("kernel.elf");
    std::fs::copy(&kernel, &dest)
        .unwrap_or_else(|e| panic!("copying {} to {}: {e}", kernel.display(), dest.display()));

    // Watch sources only: scanning a target directory would rebuild the vmm on every build.
    let watched = [
        "guest-kernel/Cargo.toml",
        "guest-kernel/Cargo.lock",
        "guest-kernel/.cargo",
        "guest-kernel/kernel",
        "guest-kernel/kcore",
        "abi",
        "rust-toolchain.toml",
    ];
    for watched in watched {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
}

/// Runs `cargo build --release` on the guest-kernel workspace and returns the ELF's path.
fn build_guest_kernel(root: &Path) -> PathBuf {
    let target_dir = root.join("target").join("guest-kernel");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root.join("guest-kernel"))
        .args(["build", "--release", "--target-dir"])
        .arg(&target_dir);
    clean_env(&mut cmd);
    let status = cmd.status().unwrap_or_else(|e| panic!("running cargo for the guest kernel: {e}"));
    assert!(status.success(), "building the guest kernel failed ({status})");
    target_dir.join("x86_64-unknown-none").join("release").join("kernel")
}

/// Removes the outer build's variables that must not steer the nested build.
fn clean_env(cmd: &mut Command) {
    for (key, _) in env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        let leaks = key.starts_with("CARGO_")
            && key != "CARGO_HOME"
            && key != "CARGO_MAKEFLAGS"
            && key != "CARGO_NET_OFFLINE";
        if leaks
            || matches!(
                key,
                "RUSTFLAGS"
                    | "RUSTC"
                    | "RUSTC_WRAPPER"
                    | "RUSTDOC"
                    | "TARGET"
                    | "HOST"
                    | "OPT_LEVEL"
                    | "PROFILE"
                    | "DEBUG"
                    | "OUT_DIR"
                    | "NUM_JOBS"
                    | "RUSTC_WORKSPACE_WRAPPER"
                    | "RUSTC_LINKER"
            )
        {
            cmd.env_remove(key);
        }
    }
}
