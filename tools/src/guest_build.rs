//! Building the guest workspaces (kernel and programs) from host-side code: `vmm/build.rs`
//! (to embed them) and `mkimage` (to put the programs in an image).
//!
//! Each guest workspace is built by a nested `cargo build --release` with its own target
//! directory under the repository's `target/` (the outer cargo holds the lock on its own
//! directory while build scripts run). The environment is cleaned of the outer build's
//! variables (target, flags, profile) so they cannot leak into the guest build;
//! `RUSTUP_TOOLCHAIN` is kept so both builds use the same toolchain.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Why a guest workspace could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// cargo could not be started.
    #[error("running cargo for {what}: {source}")]
    Spawn {
        /// Which workspace.
        what: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// The Rust standard library for a guest target is missing and could not be installed.
    #[error(
        "the Rust target {target} is not installed and `rustup target add {target}` failed \
         ({why}); run `rustup target add {target}` yourself, then build again"
    )]
    MissingTarget {
        /// The target triple.
        target: &'static str,
        /// What went wrong with rustup.
        why: String,
    },
    /// cargo failed.
    #[error("building {what} failed ({status})")]
    Failed {
        /// Which workspace.
        what: &'static str,
        /// cargo's exit status.
        status: std::process::ExitStatus,
    },
}

/// The repository root (this crate lives in `<root>/tools`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tools/ is in the repository root")
        .to_owned()
}

/// Builds the guest kernel; returns the ELF's path.
pub fn kernel(root: &Path) -> Result<PathBuf, BuildError> {
    ensure_target(KERNEL_TARGET)?;
    let target_dir = root.join("target").join("guest-kernel");
    cargo_release(&root.join("guest-kernel"), &target_dir, &[], "the guest kernel")?;
    Ok(target_dir.join(KERNEL_TARGET).join("release").join("kernel"))
}

/// The guest kernel's target (also named in `guest-kernel/.cargo/config.toml`).
pub const KERNEL_TARGET: &str = "x86_64-unknown-none";
/// The guest programs' target (also named in `guest-apps/.cargo/config.toml`).
pub const APPS_TARGET: &str = "x86_64-unknown-linux-musl";

/// Makes sure the active toolchain has the standard library for `target`, installing it
/// with `rustup target add` when it does not.
///
/// Why: rustup installs a `rust-toolchain.toml`'s `targets` only when it installs the
/// toolchain itself; on a machine that already had the toolchain, the nested build would
/// otherwise stop with "can't find crate for `core`". `RUSTUP_TOOLCHAIN` (set by the rustup
/// proxy that started the outer cargo) is inherited, so `rustup` acts on the same toolchain.
pub fn ensure_target(target: &'static str) -> Result<(), BuildError> {
    if target_installed(target) {
        return Ok(());
    }
    eprintln!(
        "note: installing the Rust standard library for {target} (rustup target add {target})"
    );
    let output = Command::new("rustup").args(["target", "add", target]).output();
    let why = match output {
        Ok(out) if out.status.success() && target_installed(target) => return Ok(()),
        Ok(out) if out.status.success() => {
            "it reported success but the library is still missing".into()
        }
        Ok(out) => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
            format!("{}: {}", out.status, last.trim())
        }
        Err(e) => format!("cannot run rustup: {e}"),
    };
    Err(BuildError::MissingTarget { target, why })
}

/// Whether the active toolchain's sysroot holds `core` for `target`.
fn target_installed(target: &str) -> bool {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(out) =
        Command::new(rustc).args(["--print", "target-libdir", "--target", target]).output()
    else {
        return false;
    };
    if !out.status.success() {
        return false;
    }
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name.starts_with("libcore-") && name.ends_with(".rlib")
    })
}

/// The guest-apps packages the default image is made of.
pub const IMAGE_PACKAGES: [&str; 4] = ["init", "coreutils", "sh", "hello"];

/// Builds guest-apps `packages` (all of them when empty); returns the directory holding
/// the binaries.
pub fn apps(root: &Path, packages: &[&str]) -> Result<PathBuf, BuildError> {
    ensure_target(APPS_TARGET)?;
    let target_dir = root.join("target").join("guest-apps");
    cargo_release(&root.join("guest-apps"), &target_dir, packages, "the guest programs")?;
    Ok(target_dir.join(APPS_TARGET).join("release"))
}

fn cargo_release(
    workspace: &Path,
    target_dir: &Path,
    packages: &[&str],
    what: &'static str,
) -> Result<(), BuildError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    // Run from the workspace directory so its .cargo/config.toml (target, rustflags) applies.
    cmd.current_dir(workspace).args(["build", "--release", "--target-dir"]).arg(target_dir);
    for package in packages {
        cmd.args(["-p", package]);
    }
    clean_env(&mut cmd);
    let status = cmd.status().map_err(|source| BuildError::Spawn { what, source })?;
    if status.success() { Ok(()) } else { Err(BuildError::Failed { what, status }) }
}

/// Removes the outer build's variables that must not steer a nested build.
fn clean_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        let cargo_var = key.starts_with("CARGO_")
            && !matches!(key, "CARGO_HOME" | "CARGO_MAKEFLAGS" | "CARGO_NET_OFFLINE");
        let build_var = matches!(
            key,
            "RUSTFLAGS"
                | "RUSTC"
                | "RUSTC_WRAPPER"
                | "RUSTC_WORKSPACE_WRAPPER"
                | "RUSTC_LINKER"
                | "RUSTDOC"
                | "TARGET"
                | "HOST"
                | "OPT_LEVEL"
                | "PROFILE"
                | "DEBUG"
                | "OUT_DIR"
                | "NUM_JOBS"
        );
        if cargo_var || build_var {
            cmd.env_remove(key);
        }
    }
}
