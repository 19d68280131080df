//! The guest kernel's table of system-call names, `guest-kernel/kernel/src/syscall/names.rs`,
//! generated from `linux-raw-sys`'s x86-64 `__NR_*` constants (the same crate, at the
//! version in `guest-kernel/Cargo.lock`, that gives the kernel its numbers).
//!
//! The file is committed rather than written by the kernel's build script: the kernel build
//! then needs no nested `cargo metadata` (which can wait on cargo's package-cache lock
//! while the outer build holds it) and works offline with nothing but the kernel's own
//! dependencies, and the table is reviewable in git. What keeps it from drifting is this
//! module's test: it regenerates the file and fails when the committed one differs (after a
//! `linux-raw-sys` update, say). `cargo run -p tools --bin gen-syscall-names` rewrites it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The generated file, relative to the repository root.
pub const NAMES_RS: &str = "guest-kernel/kernel/src/syscall/names.rs";

/// Why the names could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum NamesError {
    /// `cargo metadata` could not be run or failed.
    #[error("cargo metadata for guest-kernel: {0}")]
    Metadata(String),
    /// The guest kernel's dependency graph has no `linux-raw-sys`.
    #[error("linux-raw-sys is not a dependency of the guest kernel")]
    NoLinuxRawSys,
    /// A file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The source held no `__NR_*` constants, or a malformed one.
    #[error("{path}: {why}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        why: String,
    },
}

/// The `linux-raw-sys` package the guest kernel builds with: its version and the directory
/// of its source, from `cargo metadata` over `guest-kernel/` (the lock file there decides
/// the version, whatever the host workspace uses).
pub fn linux_raw_sys(root: &Path) -> Result<(String, PathBuf), NamesError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--manifest-path"])
        .arg(root.join("guest-kernel/Cargo.toml"))
        .output()
        .map_err(|e| NamesError::Metadata(e.to_string()))?;
    if !out.status.success() {
        return Err(NamesError::Metadata(String::from_utf8_lossy(&out.stderr).into_owned()));
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| NamesError::Metadata(e.to_string()))?;
    let packages = meta["packages"].as_array().ok_or(NamesError::NoLinuxRawSys)?;
    let package =
        packages.iter().find(|p| p["name"] == "linux-raw-sys").ok_or(NamesError::NoLinuxRawSys)?;
    let version = package["version"].as_str().ok_or(NamesError::NoLinuxRawSys)?;
    let manifest = package["manifest_path"].as_str().ok_or(NamesError::NoLinuxRawSys)?;
    let dir = Path::new(manifest).parent().ok_or(NamesError::NoLinuxRawSys)?;
    Ok((version.to_owned(), dir.to_owned()))
}

/// The `(number, name)` pairs of every `pub const __NR_name: u32 = number;` line in
/// `source` (linux-raw-sys's `src/x86_64/general.rs`), sorted by number.
pub fn parse(source: &str) -> Result<Vec<(usize, String)>, String> {
    let mut out = Vec::new();
    for line in source.lines() {
        let Some(rest) = line.trim().strip_prefix("pub const __NR_") else {
            continue;
        };
        let (name, value) =
            rest.split_once(": u32 = ").ok_or_else(|| format!("unexpected __NR_ line: {line}"))?;
        let number = value
            .strip_suffix(';')
            .and_then(|v| v.parse::<usize>().ok())
            .ok_or_else(|| format!("unexpected __NR_ value: {line}"))?;
        out.push((number, name.to_owned()));
    }
    if out.is_empty() {
        return Err("no __NR_ constants".into());
    }
    out.sort();
    if let Some(w) = out.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(format!("number {} is both {} and {}", w[0].0, w[0].1, w[1].1));
    }
    Ok(out)
}

/// The text of `names.rs` for `names` (from [`parse`]), naming the `linux-raw-sys` version.
pub fn render(names: &[(usize, String)], version: &str) -> String {
    let count = names.last().map_or(0, |(n, _)| n + 1);
    let mut by_number = vec![""; count];
    for (n, name) in names {
        by_number[*n] = name;
    }
    let mut s = format!(
        "//! System call names by number (x86-64): the dispatch table finds each entry's number\n\
         //! here by its name, and the log line about an unknown system call names it.\n\
         //!\n\
         //! GENERATED from linux-raw-sys {version}'s `__NR_*` constants by\n\
         //! `cargo run -p tools --bin gen-syscall-names` (tools/src/syscall_names.rs); do not\n\
         //! edit. A host test fails when this file differs from what the generator writes.\n\
         \n\
         /// One past the highest system call number known.\n\
         pub const COUNT: usize = {count};\n\
         \n\
         /// `NAMES[n]` is the name of system call `n` (empty for unused numbers).\n\
         pub static NAMES: [&str; COUNT] = [\n"
    );
    for name in by_number {
        s.push_str(&format!("    \"{name}\",\n"));
    }
    s.push_str("];\n");
    s
}

/// The text `names.rs` should have, generated from the guest kernel's `linux-raw-sys`.
pub fn generate(root: &Path) -> Result<String, NamesError> {
    let (version, dir) = linux_raw_sys(root)?;
    let path = dir.join("src/x86_64/general.rs");
    let source = std::fs::read_to_string(&path)
        .map_err(|source| NamesError::Read { path: path.clone(), source })?;
    let names = parse(&source).map_err(|why| NamesError::Parse { path, why })?;
    Ok(render(&names, &version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reads_numbers_and_names_and_leaves_gaps_empty() {
        let src = "pub const __NR_write: u32 = 1;\npub const X: u32 = 7;\n\
                   pub const __NR_read: u32 = 0;\npub const __NR_late: u32 = 4;\n";
        let names = parse(src).unwrap();
        assert_eq!(names, [(0, "read".into()), (1, "write".into()), (4, "late".into())]);
        let text = render(&names, "9.9");
        assert!(text.contains("pub const COUNT: usize = 5;"), "{text}");
        assert!(text.contains("\"write\",\n    \"\",\n    \"\",\n    \"late\",\n"), "{text}");
        assert!(parse("pub const __NR_a: u32 = 1;\npub const __NR_b: u32 = 1;\n").is_err());
        assert!(parse("nothing here").is_err());
    }

    /// The committed `names.rs` is exactly what the generator writes now: a stale or
    /// hand-edited table fails here, with the command that fixes it.
    #[test]
    fn committed_names_rs_is_generated() {
        let root = crate::guest_build::repo_root();
        let want = generate(&root).expect("generate names.rs");
        let path = root.join(NAMES_RS);
        let have = std::fs::read_to_string(&path).expect("read names.rs");
        assert!(
            have == want,
            "{} is not what the generator writes; run `cargo run -p tools --bin gen-syscall-names`",
            path.display()
        );
    }
}
