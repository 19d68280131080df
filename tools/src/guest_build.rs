//! Building the guest workspaces (kernel and programs) from host-side code: `vmm/build.rs`
//! (to embed them) and `mkimage` (to put the programs in an image); and the test programs'
//! second C library build and C programs, for the integration tests.
//!
//! Each guest workspace is built by a nested `cargo build --release` with its own target
//! directory under the repository's `target/` (the outer cargo holds the lock on its own
//! directory while build scripts run). The environment is cleaned of the outer build's
//! variables (target, flags, profile) so they cannot leak into the guest build;
//! `RUSTUP_TOOLCHAIN` is kept so both builds use the same toolchain.
//!
//! Every guest program exists in two static builds, one per C library ([`Libc`]), and
//! both must behave like the host Linux kernel says:
//! - the Rust programs of `guest-apps/`: musl (`x86_64-unknown-linux-musl`, the default
//!   build, [`apps`]) and glibc (`x86_64-unknown-linux-gnu` with `+crt-static`, linked by
//!   gcc against glibc's `libc.a`, [`apps_for`]), in separate target directories;
//! - the C programs of `guest-apps/c/` ([`c_programs`]): `musl-gcc -static` and
//!   `gcc -static`.

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
    /// A C compiler or library the build needs is not installed.
    #[error("{tool} not found: install {package}")]
    MissingTool {
        /// What is missing (a command, or glibc's static library).
        tool: &'static str,
        /// The Debian package that provides it.
        package: &'static str,
    },
    /// A C test program did not compile.
    #[error("compiling guest-apps/c/{program}.c for {libc} failed: {message}")]
    Compile {
        /// The program (the source file's stem).
        program: String,
        /// The C library it was built for.
        libc: Libc,
        /// The compiler's first error line (the whole output went to stderr).
        message: String,
    },
    /// A file or directory of the C build could not be read or written.
    #[error("{what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

/// The C library a static guest program is linked with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Libc {
    /// musl: `musl-gcc -static`; Rust's `x86_64-unknown-linux-musl`.
    Musl,
    /// glibc: `gcc -static`; Rust's `x86_64-unknown-linux-gnu` with `+crt-static`.
    Glibc,
}

impl Libc {
    /// Both, musl first.
    pub const ALL: [Libc; 2] = [Libc::Musl, Libc::Glibc];

    /// `musl` or `glibc` (also the name of the build's output directory).
    pub fn name(self) -> &'static str {
        match self {
            Libc::Musl => "musl",
            Libc::Glibc => "glibc",
        }
    }

    /// The C compiler driver for static programs, and the Debian package providing it.
    fn c_compiler(self) -> (&'static str, &'static str) {
        match self {
            Libc::Musl => ("musl-gcc", "musl-tools"),
            Libc::Glibc => ("gcc", "gcc"),
        }
    }
}

impl std::fmt::Display for Libc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
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
    cargo_release(&root.join("guest-kernel"), &target_dir, &[], &[], "the guest kernel")?;
    Ok(target_dir.join(KERNEL_TARGET).join("release").join("kernel"))
}

/// The guest kernel's target (also named in `guest-kernel/.cargo/config.toml`).
pub const KERNEL_TARGET: &str = "x86_64-unknown-none";
/// The guest programs' target (also named in `guest-apps/.cargo/config.toml`).
pub const APPS_TARGET: &str = "x86_64-unknown-linux-musl";
/// The guest programs' target for their glibc build: the host's own, so always installed
/// (`guest-apps/.cargo/config.toml` makes it static with `+crt-static`).
pub const GLIBC_APPS_TARGET: &str = "x86_64-unknown-linux-gnu";

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
    cargo_release(&root.join("guest-apps"), &target_dir, &[], packages, "the guest programs")?;
    Ok(target_dir.join(APPS_TARGET).join("release"))
}

/// Builds guest-apps `packages` (all of them when empty) as static binaries linked with
/// `libc`; returns the directory holding them. The glibc build has its own target
/// directory (`target/guest-apps-glibc`), so it never disturbs the musl build.
pub fn apps_for(root: &Path, packages: &[&str], libc: Libc) -> Result<PathBuf, BuildError> {
    match libc {
        Libc::Musl => apps(root, packages),
        Libc::Glibc => {
            require_glibc_static()?;
            ensure_target(GLIBC_APPS_TARGET)?;
            let target_dir = root.join("target").join("guest-apps-glibc");
            cargo_release(
                &root.join("guest-apps"),
                &target_dir,
                &["--target", GLIBC_APPS_TARGET],
                packages,
                "the guest programs (glibc)",
            )?;
            Ok(target_dir.join(GLIBC_APPS_TARGET).join("release"))
        }
    }
}

/// Builds every C program of `guest-apps/c/` (one `.c` file each, sharing its headers)
/// as a static executable linked with `libc`: `gcc -static -O2` for glibc, `musl-gcc
/// -static -O2` for musl, warnings as errors. Returns the directory holding them,
/// `target/guest-c/<libc>/`, where each program is named after its source file.
///
/// A program is compiled only when its source or a header is newer than the binary; each
/// is written under a temporary name and renamed into place, so test processes building
/// at the same time never see half a file.
pub fn c_programs(root: &Path, libc: Libc) -> Result<PathBuf, BuildError> {
    let src_dir = root.join("guest-apps").join("c");
    let out_dir = root.join("target").join("guest-c").join(libc.name());
    std::fs::create_dir_all(&out_dir).map_err(|source| BuildError::Io {
        what: "creating",
        path: out_dir.clone(),
        source,
    })?;
    let read_dir = |source| BuildError::Io { what: "reading", path: src_dir.clone(), source };
    let mut sources = Vec::new();
    let mut headers_changed = std::time::SystemTime::UNIX_EPOCH;
    for entry in std::fs::read_dir(&src_dir).map_err(read_dir)? {
        let path = entry.map_err(read_dir)?.path();
        match path.extension().and_then(|e| e.to_str()) {
            Some("c") => sources.push(path),
            Some("h") => headers_changed = headers_changed.max(modified(&path)?),
            _ => {}
        }
    }
    sources.sort();
    let (cc, package) = libc.c_compiler();
    let mut tools_checked = false;
    for src in &sources {
        let program = src.file_stem().and_then(|s| s.to_str()).unwrap_or("program").to_owned();
        let out = out_dir.join(&program);
        let changed = modified(src)?.max(headers_changed);
        if out.exists() && modified(&out)? >= changed {
            continue;
        }
        if !tools_checked {
            require_tool(cc, package)?;
            if libc == Libc::Glibc {
                require_glibc_static()?;
            }
            tools_checked = true;
        }
        let tmp = out_dir.join(format!(".{program}.{}.tmp", std::process::id()));
        let output = Command::new(cc)
            .args(["-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o"])
            .arg(&tmp)
            .arg(src)
            .output()
            .map_err(|_| BuildError::MissingTool { tool: cc, package })?;
        if !output.status.success() {
            let _ = std::fs::remove_file(&tmp);
            let stderr = String::from_utf8_lossy(&output.stderr);
            eprint!("{stderr}");
            let message = stderr
                .lines()
                .find(|l| l.contains("error"))
                .or_else(|| stderr.lines().find(|l| !l.trim().is_empty()))
                .unwrap_or("no output")
                .trim()
                .to_owned();
            return Err(BuildError::Compile { program, libc, message });
        }
        std::fs::rename(&tmp, &out).map_err(|source| BuildError::Io {
            what: "renaming into",
            path: out.clone(),
            source,
        })?;
    }
    Ok(out_dir)
}

/// When `path` was last modified.
fn modified(path: &Path) -> Result<std::time::SystemTime, BuildError> {
    std::fs::metadata(path).and_then(|m| m.modified()).map_err(|source| BuildError::Io {
        what: "reading the modification time of",
        path: path.to_owned(),
        source,
    })
}

/// `MissingTool` unless the command `tool` runs.
fn require_tool(tool: &'static str, package: &'static str) -> Result<(), BuildError> {
    match Command::new(tool).arg("--version").output() {
        Ok(out) if out.status.success() => Ok(()),
        _ => Err(BuildError::MissingTool { tool, package }),
    }
}

/// `MissingTool` unless gcc and glibc's static library (`libc.a`, from libc6-dev) are
/// installed: without them the glibc builds fail with a less direct linker message.
fn require_glibc_static() -> Result<(), BuildError> {
    require_tool("gcc", "gcc")?;
    let found = Command::new("gcc")
        .arg("-print-file-name=libc.a")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        // gcc prints the bare name back when it finds no such file.
        .is_some_and(|path| path.is_absolute() && path.is_file());
    if found {
        Ok(())
    } else {
        Err(BuildError::MissingTool {
            tool: "glibc's static C library (libc.a)",
            package: "libc6-dev",
        })
    }
}

fn cargo_release(
    workspace: &Path,
    target_dir: &Path,
    extra_args: &[&str],
    packages: &[&str],
    what: &'static str,
) -> Result<(), BuildError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    // Run from the workspace directory so its .cargo/config.toml (target, rustflags) applies.
    cmd.current_dir(workspace).args(["build", "--release", "--target-dir"]).arg(target_dir);
    cmd.args(extra_args);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch repository root with `guest-apps/c/` holding `files` (name, contents).
    fn scratch_root(tag: &str, files: &[(&str, &str)]) -> PathBuf {
        let root = std::env::temp_dir().join(format!("guest-build-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let src = root.join("guest-apps").join("c");
        std::fs::create_dir_all(&src).unwrap();
        for (name, contents) in files {
            std::fs::write(src.join(name), contents).unwrap();
        }
        root
    }

    /// Whether a 64-bit ELF file has a PT_INTERP program header (is dynamically linked).
    fn has_interpreter(elf: &[u8]) -> bool {
        let u16_at = |o: usize| usize::from(u16::from_le_bytes([elf[o], elf[o + 1]]));
        let phoff = u64::from_le_bytes(elf[0x20..0x28].try_into().unwrap()) as usize;
        let (size, count) = (u16_at(0x36), u16_at(0x38));
        (0..count).any(|i| elf[phoff + i * size..][..4] == 3u32.to_le_bytes())
    }

    #[test]
    fn c_programs_are_built_static_for_both_libcs_and_only_when_changed() {
        let root = scratch_root(
            "ok",
            &[
                ("t.h", "#define ANSWER 42\n"),
                ("p.c", "#include \"t.h\"\nint main(void) { return ANSWER; }\n"),
            ],
        );
        for libc in Libc::ALL {
            let dir = c_programs(&root, libc).unwrap();
            assert_eq!(dir, root.join("target").join("guest-c").join(libc.name()));
            let bin = dir.join("p");
            let status = Command::new(&bin).status().unwrap();
            assert_eq!(status.code(), Some(42), "{libc}");
            assert!(!has_interpreter(&std::fs::read(&bin).unwrap()), "{libc} build is dynamic");
            let built = modified(&bin).unwrap();
            c_programs(&root, libc).unwrap();
            assert_eq!(modified(&bin).unwrap(), built, "{libc}: rebuilt without a change");
        }
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_c_compile_error_is_one_line_naming_the_program() {
        let root = scratch_root("bad", &[("broken.c", "int main(void) { return nope; }\n")]);
        let err = c_programs(&root, Libc::Musl).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, BuildError::Compile { .. }), "{message}");
        assert!(
            message.starts_with("compiling guest-apps/c/broken.c for musl failed: "),
            "{message}"
        );
        assert!(message.contains("nope"), "{message}");
        assert_eq!(message.lines().count(), 1, "{message}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_missing_compiler_names_its_package() {
        let err = require_tool("no-such-compiler-here", "some-package").unwrap_err();
        assert_eq!(err.to_string(), "no-such-compiler-here not found: install some-package");
        let err = BuildError::MissingTool { tool: "musl-gcc", package: "musl-tools" };
        assert_eq!(err.to_string(), "musl-gcc not found: install musl-tools");
        assert!(require_glibc_static().is_ok(), "gcc and libc6-dev are installed here");
    }
}
