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
    let target_dir = root.join("target").join("guest-kernel");
    cargo_release(&root.join("guest-kernel"), &target_dir, &[], "the guest kernel")?;
    Ok(target_dir.join("x86_64-unknown-none").join("release").join("kernel"))
}

/// The guest-apps packages the default image is made of.
pub const IMAGE_PACKAGES: [&str; 4] = ["init", "coreutils", "sh", "hello"];

/// Builds guest-apps `packages` (all of them when empty); returns the directory holding
/// the binaries.
pub fn apps(root: &Path, packages: &[&str]) -> Result<PathBuf, BuildError> {
    let target_dir = root.join("target").join("guest-apps");
    cargo_release(&root.join("guest-apps"), &target_dir, packages, "the guest programs")?;
    Ok(target_dir.join("x86_64-unknown-linux-musl").join("release"))
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
