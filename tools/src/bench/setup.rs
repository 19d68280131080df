//! Everything the runs need, built or found before any timing starts: the guest programs
//! (with `bench` and `true`), the `vmm` binary, the kernel ELF for QEMU, the host-side
//! fixtures (a `true` and a `#!` script pointing at it) and the guest disk image.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::error::BenchError;
use crate::guest_build;
use crate::image::{self, Entry};

/// Where the bench files live inside the guest image.
pub const GUEST_DIR: &str = "/bench";

/// The guest paths of the bench program, `true` and the script.
pub fn guest_paths() -> (String, String, String) {
    (format!("{GUEST_DIR}/bench"), format!("{GUEST_DIR}/true"), format!("{GUEST_DIR}/script"))
}

/// Builds the guest programs of the default image plus `bench`; returns their directory,
/// checked to hold `bench` and `true`.
pub fn guest_apps() -> Result<PathBuf, BenchError> {
    let mut packages = guest_build::IMAGE_PACKAGES.to_vec();
    packages.push("bench");
    let dir = guest_build::apps(&guest_build::repo_root(), &packages)?;
    for name in ["bench", "true"] {
        let path = dir.join(name);
        if !path.is_file() {
            return Err(BenchError::Missing { what: "a guest program", path });
        }
    }
    Ok(dir)
}

/// The `vmm` binary: `explicit` if given, else `cargo build --release -p vmm` and
/// `target/release/vmm`.
pub fn vmm(explicit: Option<&Path>) -> Result<PathBuf, BenchError> {
    if let Some(path) = explicit {
        return existing("the vmm binary (--vmm)", path);
    }
    let root = guest_build::repo_root();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args(["build", "--release", "-p", "vmm", "--bin", "vmm"])
        .status()
        .map_err(|source| BenchError::Spawn { program: "cargo".into(), source })?;
    if !status.success() {
        return Err(BenchError::VmmBuild(status.to_string()));
    }
    existing("the vmm binary", &root.join("target").join("release").join("vmm"))
}

/// The kernel ELF QEMU boots: `explicit`, else `$VMM_PREBUILT_KERNEL` (what the vmm was
/// told to embed), else the guest kernel built now.
pub fn kernel(explicit: Option<&Path>) -> Result<PathBuf, BenchError> {
    if let Some(path) = explicit {
        return existing("the kernel ELF (--kernel)", path);
    }
    if let Some(path) = std::env::var_os("VMM_PREBUILT_KERNEL") {
        return existing("the kernel ELF ($VMM_PREBUILT_KERNEL)", Path::new(&path));
    }
    Ok(guest_build::kernel(&guest_build::repo_root())?)
}

fn existing(what: &'static str, path: &Path) -> Result<PathBuf, BenchError> {
    if path.is_file() {
        Ok(path.to_owned())
    } else {
        Err(BenchError::Missing { what, path: path.to_owned() })
    }
}

fn write_executable(path: &Path, bytes: &[u8]) -> Result<(), BenchError> {
    fs::write(path, bytes).map_err(|e| BenchError::io("writing", path, e))?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .map_err(|e| BenchError::io("chmod of", path, e))
}

/// The host-side fixtures in `dir`: `true` (a copy of the guest `true`) and `script`
/// (`#!<dir>/true`). Returns their absolute paths.
pub fn host_fixtures(apps: &Path, dir: &Path) -> Result<(PathBuf, PathBuf), BenchError> {
    fs::create_dir_all(dir).map_err(|e| BenchError::io("creating", dir, e))?;
    let dir = dir.canonicalize().map_err(|e| BenchError::io("resolving", dir, e))?;
    let true_bin = dir.join("true");
    let elf = fs::read(apps.join("true")).map_err(|e| BenchError::io("reading", apps, e))?;
    write_executable(&true_bin, &elf)?;
    let script = dir.join("script");
    write_executable(&script, format!("#!{}\n", true_bin.display()).as_bytes())?;
    Ok((true_bin, script))
}

/// The guest disk image at `out`: the default root file system (init, `/bin/*`, the
/// `rootfs/` files) plus `/bench/{bench,true,script}`, the script being `#!/bench/true`.
/// `work` holds the script file while the image is made.
pub fn guest_image(apps: &Path, work: &Path, out: &Path) -> Result<(), BenchError> {
    fs::create_dir_all(work).map_err(|e| BenchError::io("creating", work, e))?;
    let (bench, true_path, script) = guest_paths();
    let script_file = work.join("script");
    write_executable(&script_file, format!("#!{true_path}\n").as_bytes())?;
    let root = guest_build::repo_root();
    let mut spec = image::default_spec(apps, &root.join("guest-apps").join("rootfs"))?;
    spec.entries.push(Entry::new(apps.join("bench"), bench));
    spec.entries.push(Entry::new(apps.join("true"), true_path));
    spec.entries.push(Entry::new(script_file, script));
    image::build(&spec, out, None)?;
    Ok(())
}
