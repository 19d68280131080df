//! Building ext2 disk images with the standard tools.
//!
//! The image is made by `mke2fs -t ext2 -d STAGING` from a staging directory, so the file
//! system is exactly what e2fsprogs produces. Ownership and mode bits (including setuid and
//! setgid) are then set explicitly with `debugfs`, because copying files into the staging
//! directory can only preserve ownership when running as root. Every image is checked
//! with `e2fsck -fn` before it is handed out.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why an image could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// A `--add` source is missing or unreadable.
    #[error("cannot read '{path}': {source}")]
    Source {
        /// The host path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A guest path is not absolute or has `..`/`.` components.
    #[error("guest path '{0}' must be absolute and must not contain '.' or '..'")]
    GuestPath(String),
    /// An `--add` argument is not `HOST:GUEST`.
    #[error("'{0}' is not HOST_PATH:GUEST_PATH")]
    AddSyntax(String),
    /// Staging failed.
    #[error("staging '{path}': {source}")]
    Stage {
        /// The staging path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A tool could not be run at all.
    #[error("cannot run {tool} (install e2fsprogs): {source}")]
    Spawn {
        /// The tool.
        tool: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// A tool ran and failed.
    #[error("{tool} failed: {output}")]
    Tool {
        /// The tool.
        tool: &'static str,
        /// What it printed.
        output: String,
    },
    /// The content does not fit in the requested size.
    #[error("the files need about {needed_mib} MiB, more than --size {size_mib} MiB")]
    TooSmall {
        /// Estimate of the space needed.
        needed_mib: u64,
        /// Requested size.
        size_mib: u64,
    },
}

/// One thing to put in the image: a host file or directory (copied recursively) at a guest
/// path, keeping its mode, uid and gid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Host path.
    pub host: PathBuf,
    /// Absolute guest path.
    pub guest: String,
}

impl Entry {
    /// Parses `HOST:GUEST` (the `--add` syntax). The split is at the last `:` so host paths
    /// with colons still work.
    pub fn parse(spec: &str) -> Result<Entry, ImageError> {
        let (host, guest) =
            spec.rsplit_once(':').ok_or_else(|| ImageError::AddSyntax(spec.into()))?;
        if host.is_empty() || guest.is_empty() {
            return Err(ImageError::AddSyntax(spec.into()));
        }
        check_guest_path(guest)?;
        Ok(Entry { host: host.into(), guest: guest.trim_end_matches('/').to_owned() })
    }
}

fn check_guest_path(guest: &str) -> Result<(), ImageError> {
    let ok = guest.starts_with('/') && guest.split('/').all(|c| c != "." && c != "..");
    if ok { Ok(()) } else { Err(ImageError::GuestPath(guest.into())) }
}

/// What an image holds: directories to create (mode 0755, root-owned) and entries to copy.
#[derive(Clone, Debug, Default)]
pub struct ImageSpec {
    /// Empty directories to create (for example mount points like `/dev`, `/tmp`).
    pub dirs: Vec<String>,
    /// Files and trees to copy.
    pub entries: Vec<Entry>,
}

/// Directories every image has: mount points the kernel fills (`/dev`, `/tmp`, `/proc`).
pub const MOUNT_POINTS: [&str; 3] = ["/dev", "/tmp", "/proc"];

/// Programs from the `sh`, `coreutils` and `hello` crates, installed in `/bin`.
pub const BIN_PROGRAMS: [&str; 10] =
    ["sh", "echo", "cat", "ls", "true", "false", "env", "sleep", "uname", "hello"];

/// The default image: the mount points, `/sbin/init`, the programs in `/bin`, and the
/// static files under `guest-apps/rootfs/` (scripts, configuration) at the same paths.
pub fn default_spec(apps_dir: &Path, rootfs_dir: &Path) -> Result<ImageSpec, ImageError> {
    let mut entries = vec![Entry { host: apps_dir.join("init"), guest: "/sbin/init".into() }];
    for name in BIN_PROGRAMS {
        entries.push(Entry { host: apps_dir.join(name), guest: format!("/bin/{name}") });
    }
    let mut top: Vec<_> = fs::read_dir(rootfs_dir)
        .map_err(|source| ImageError::Source { path: rootfs_dir.into(), source })?
        .filter_map(Result::ok)
        .collect();
    top.sort_by_key(|e| e.file_name());
    for child in top {
        entries.push(Entry {
            host: child.path(),
            guest: format!("/{}", child.file_name().to_string_lossy()),
        });
    }
    Ok(ImageSpec { dirs: MOUNT_POINTS.iter().map(|d| d.to_string()).collect(), entries })
}

/// Ownership and mode to apply to one guest path after `mke2fs`.
struct Attr {
    guest: String,
    mode: u32,
    uid: u32,
    gid: u32,
}

/// Builds `spec` into an ext2 image at `out` of `size_mib` MiB (or a size computed from the
/// content when `None`), checked with `e2fsck -fn`.
pub fn build(spec: &ImageSpec, out: &Path, size_mib: Option<u64>) -> Result<(), ImageError> {
    let staging = staging_dir(out)?;
    let result = build_in(spec, out, size_mib, &staging);
    let _ = fs::remove_dir_all(&staging);
    result
}

fn staging_dir(out: &Path) -> Result<PathBuf, ImageError> {
    let name = format!(
        ".{}.staging-{}",
        out.file_name().and_then(|n| n.to_str()).unwrap_or("img"),
        std::process::id()
    );
    let dir =
        out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|source| ImageError::Stage { path: dir.clone(), source })?;
    Ok(dir)
}

fn build_in(
    spec: &ImageSpec,
    out: &Path,
    size_mib: Option<u64>,
    staging: &Path,
) -> Result<(), ImageError> {
    let mut attrs = Vec::new();
    for dir in &spec.dirs {
        check_guest_path(dir)?;
        let path = staging.join(dir.trim_start_matches('/'));
        fs::create_dir_all(&path)
            .map_err(|source| ImageError::Stage { path: path.clone(), source })?;
        attrs.push(Attr { guest: dir.clone(), mode: 0o040755, uid: 0, gid: 0 });
    }
    let mut bytes = 0u64;
    for entry in &spec.entries {
        let dest = staging.join(entry.guest.trim_start_matches('/'));
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)
                .map_err(|source| ImageError::Stage { path: parent.into(), source })?;
        }
        copy_tree(&entry.host, &dest, &entry.guest, &mut attrs, &mut bytes)?;
    }
    // Room for metadata, directories and some free space: the data plus a quarter, plus
    // 2 MiB (measured: ext2 with 4 KiB blocks needs well under that for these images).
    let needed_mib = (bytes + bytes / 4).div_ceil(1 << 20) + 2;
    let size_mib = match size_mib {
        Some(size) if size < needed_mib => {
            return Err(ImageError::TooSmall { needed_mib, size_mib: size });
        }
        Some(size) => size,
        None => needed_mib,
    };
    let _ = fs::remove_file(out);
    run(
        "mke2fs",
        Command::new("mke2fs")
            .args(["-q", "-F", "-t", "ext2", "-b", "4096", "-m", "0", "-E", "root_owner=0:0", "-d"])
            .arg(staging)
            .arg(out)
            .arg(format!("{size_mib}M")),
    )?;
    set_attributes(out, &attrs)?;
    run("e2fsck", Command::new("e2fsck").args(["-f", "-n"]).arg(out))?;
    Ok(())
}

/// Copies `src` to `dest` (recursively for directories), recording each path's attributes.
fn copy_tree(
    src: &Path,
    dest: &Path,
    guest: &str,
    attrs: &mut Vec<Attr>,
    bytes: &mut u64,
) -> Result<(), ImageError> {
    let meta = fs::symlink_metadata(src)
        .map_err(|source| ImageError::Source { path: src.into(), source })?;
    let stage_err = |source| ImageError::Stage { path: dest.into(), source };
    if meta.is_dir() {
        fs::create_dir_all(dest).map_err(stage_err)?;
        let mut children: Vec<_> = fs::read_dir(src)
            .map_err(|source| ImageError::Source { path: src.into(), source })?
            .filter_map(Result::ok)
            .collect();
        children.sort_by_key(|c| c.file_name());
        for child in children {
            let name = child.file_name();
            let child_guest = format!("{}/{}", guest.trim_end_matches('/'), name.to_string_lossy());
            copy_tree(&child.path(), &dest.join(&name), &child_guest, attrs, bytes)?;
        }
    } else if meta.file_type().is_symlink() {
        let target =
            fs::read_link(src).map_err(|source| ImageError::Source { path: src.into(), source })?;
        let _ = fs::remove_file(dest);
        std::os::unix::fs::symlink(target, dest).map_err(stage_err)?;
        // Symlink modes are fixed (0777) and debugfs cannot change their owner portably.
        return Ok(());
    } else {
        fs::copy(src, dest).map_err(stage_err)?;
        fs::set_permissions(dest, fs::Permissions::from_mode(0o644)).map_err(stage_err)?;
        *bytes += meta.len();
    }
    attrs.push(Attr {
        guest: guest.to_owned(),
        mode: meta.mode(),
        uid: meta.uid(),
        gid: meta.gid(),
    });
    Ok(())
}

/// Applies modes and owners with one `debugfs -w` run (`set_inode_field`).
fn set_attributes(image: &Path, attrs: &[Attr]) -> Result<(), ImageError> {
    if attrs.is_empty() {
        return Ok(());
    }
    let mut script = String::new();
    for a in attrs {
        for (field, value) in [
            ("mode", format!("0{:o}", a.mode)),
            ("uid", a.uid.to_string()),
            ("gid", a.gid.to_string()),
        ] {
            script.push_str(&format!("set_inode_field \"{}\" {field} {value}\n", a.guest));
        }
    }
    let script_path = image.with_extension("debugfs");
    fs::write(&script_path, script)
        .map_err(|source| ImageError::Stage { path: script_path.clone(), source })?;
    let result =
        run("debugfs", Command::new("debugfs").arg("-w").arg("-f").arg(&script_path).arg(image));
    let _ = fs::remove_file(&script_path);
    result
}

/// Runs a tool, turning failure into an error with its output. `debugfs` reports command
/// errors only on stderr with status 0, so any line it prints that is not an echo of a
/// command counts as a failure too.
fn run(tool: &'static str, cmd: &mut Command) -> Result<(), ImageError> {
    let output = cmd.output().map_err(|source| ImageError::Spawn { tool, source })?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let complaints: Vec<&str> =
        stderr.lines().filter(|l| !l.starts_with("debugfs ") && !l.trim().is_empty()).collect();
    if !output.status.success() || (tool == "debugfs" && !complaints.is_empty()) {
        let stdout = String::from_utf8_lossy(&output.stdout);
        return Err(ImageError::Tool {
            tool,
            output: format!("{} {}", stdout.trim(), complaints.join("; ")),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_syntax() {
        assert_eq!(
            Entry::parse("/a:b/c:/opt/x/").unwrap(),
            Entry { host: "/a:b/c".into(), guest: "/opt/x".into() }
        );
        assert!(Entry::parse("nocolon").is_err());
        assert!(Entry::parse("/a:relative").is_err());
        assert!(Entry::parse("/a:/x/../y").is_err());
        assert!(Entry::parse(":/x").is_err());
    }
}
