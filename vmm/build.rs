//! Builds what the `vmm` binary embeds, so `vmm run` works on a fresh clone with no other
//! step: the guest kernel (a separate workspace, target `x86_64-unknown-none`) and the
//! default root disk image (the guest programs, target `x86_64-unknown-linux-musl`, in an
//! ext2 image made like `mkimage` makes one). The nested builds live in
//! `tools::guest_build`, shared with `mkimage`.

use std::env;
use std::path::PathBuf;

fn main() {
    let root = tools::guest_build::repo_root();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));

    // VMM_PREBUILT_KERNEL embeds a kernel ELF from elsewhere instead of building ours
    // (for working on the vmm alone, or embedding a kernel built with other options).
    println!("cargo:rerun-if-env-changed=VMM_PREBUILT_KERNEL");
    let kernel = match env::var_os("VMM_PREBUILT_KERNEL") {
        Some(path) => PathBuf::from(path),
        None => tools::guest_build::kernel(&root).unwrap_or_else(|e| fail(e)),
    };
    let dest = out_dir.join("kernel.elf");
    std::fs::copy(&kernel, &dest).unwrap_or_else(|e| {
        fail(format_args!("copying {} to {}: {e}", kernel.display(), dest.display()))
    });

    let apps = tools::guest_build::apps(&root, &tools::guest_build::IMAGE_PACKAGES)
        .unwrap_or_else(|e| fail(e));
    let spec = tools::image::default_spec(&apps, &root.join("guest-apps").join("rootfs"))
        .unwrap_or_else(|e| fail(e));
    tools::image::build(&spec, &out_dir.join("rootfs.img"), None)
        .unwrap_or_else(|e| fail(format_args!("building the default disk image: {e}")));

    // Watch sources only: scanning a target directory would rebuild the vmm on every build.
    let watched = [
        "guest-kernel/Cargo.toml",
        "guest-kernel/Cargo.lock",
        "guest-kernel/.cargo",
        "guest-kernel/kernel",
        "guest-kernel/klib",
        "guest-kernel/posix",
        "abi",
        "guest-apps/Cargo.toml",
        "guest-apps/Cargo.lock",
        "guest-apps/.cargo",
        "guest-apps/rootfs",
        "guest-apps/init",
        "guest-apps/coreutils",
        "guest-apps/hello",
        "guest-apps/sh",
        "tools/src",
        "rust-toolchain.toml",
    ];
    for path in watched {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
}

/// Stops the build with one line that says what went wrong: a build script's panic would
/// print a Rust panic message and backtrace hint instead of the cause.
fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}
