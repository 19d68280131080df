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
    /// An `--add` argument is not `HOST:GUEST[:MODE[:UID:GID]]`.
    #[error("'{0}' is not HOST:GUEST, HOST:GUEST:MODE or HOST:GUEST:MODE:UID:GID")]
    AddSyntax(String),
    /// A MODE, UID or GID field of `--add` is not a number in range.
    #[error("'{spec}': {field} '{value}' is not {what}")]
    AddField {
        /// The whole `--add` argument.
        spec: String,
        /// Which field.
        field: &'static str,
        /// Its text.
        value: String,
        /// What it should be.
        what: &'static str,
    },
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
/// path, keeping its mode, uid and gid unless [`Entry::set`] says otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Host path.
    pub host: PathBuf,
    /// Absolute guest path.
    pub guest: String,
    /// Attributes that replace the host's for the guest path itself (not for what a
    /// directory contains).
    pub set: Overrides,
}

/// Mode and owner given on the `--add` line instead of the host file's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Permission bits, setuid/setgid/sticky included (at most `0o7777`); the file type
    /// stays the host file's.
    pub mode: Option<u32>,
    /// Owner.
    pub uid: Option<u32>,
    /// Group.
    pub gid: Option<u32>,
}

impl Entry {
    /// The host file or tree `host` at `guest`, with the host's modes and owners.
    pub fn new(host: impl Into<PathBuf>, guest: impl Into<String>) -> Entry {
        Entry { host: host.into(), guest: guest.into(), set: Overrides::default() }
    }

    /// Parses the `--add` syntax, `HOST:GUEST[:MODE[:UID:GID]]`: MODE is octal (`4755`,
    /// setuid/setgid/sticky bits allowed), UID and GID decimal; an empty field keeps the
    /// host's value (`HOST:GUEST::0:0` changes only the owner). The guest path is the last
    /// field that starts with `/` (MODE, UID and GID never do), so host paths with colons
    /// still work; guest paths cannot contain colons.
    pub fn parse(spec: &str) -> Result<Entry, ImageError> {
        let syntax = || ImageError::AddSyntax(spec.into());
        let fields: Vec<&str> = spec.split(':').collect();
        let at = fields.iter().rposition(|f| f.starts_with('/')).ok_or_else(syntax)?;
        let (host, guest, extra) = (fields[..at].join(":"), fields[at], &fields[at + 1..]);
        if host.is_empty() || !matches!(extra.len(), 0 | 1 | 3) {
            return Err(syntax());
        }
        check_guest_path(guest)?;
        let field = |i: usize, name, radix, max: u64, what| -> Result<Option<u32>, ImageError> {
            match extra.get(i).copied() {
                None | Some("") => Ok(None),
                Some(value) => match u64::from_str_radix(value, radix) {
                    Ok(n) if n <= max && value.bytes().all(|b| b.is_ascii_digit()) => {
                        Ok(Some(n as u32))
                    }
                    _ => Err(ImageError::AddField {
                        spec: spec.into(),
                        field: name,
                        value: value.into(),
                        what,
                    }),
                },
            }
        };
        let set = Overrides {
            mode: field(0, "MODE", 8, 0o7777, "octal at most 7777")?,
            uid: field(1, "UID", 10, u64::from(u32::MAX - 1), "a uid (0 to 4294967294)")?,
            gid: field(2, "GID", 10, u64::from(u32::MAX - 1), "a gid (0 to 4294967294)")?,
        };
        Ok(Entry { host: host.into(), guest: guest.trim_end_matches('/').to_owned(), set })
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
    let mut entries = vec![Entry::new(apps_dir.join("init"), "/sbin/init")];
    for name in BIN_PROGRAMS {
        entries.push(Entry::new(apps_dir.join(name), format!("/bin/{name}")));
    }
    let mut top: Vec<_> = fs::read_dir(rootfs_dir)
        .map_err(|source| ImageError::Source { path: rootfs_dir.into(), source })?
        .filter_map(Result::ok)
        .collect();
    top.sort_by_key(|e| e.file_name());
    for child in top {
        entries.push(Entry::new(child.path(), format!("/{}", child.file_name().to_string_lossy())));
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
        let first = attrs.len();
        copy_tree(&entry.host, &dest, &entry.guest, &mut attrs, &mut bytes)?;
        // The entry's own path among what `copy_tree` recorded (nothing for a symlink, whose
        // mode and owner debugfs cannot set).
        if let Some(own) = attrs[first..].iter_mut().find(|a| a.guest == entry.guest) {
            let set = entry.set;
            own.mode = set.mode.map_or(own.mode, |m| own.mode & !0o7777 | m);
            own.uid = set.uid.unwrap_or(own.uid);
            own.gid = set.gid.unwrap_or(own.gid);
        }
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
        assert_eq!(Entry::parse("/a:b/c:/opt/x/").unwrap(), Entry::new("/a:b/c", "/opt/x"));
        assert!(Entry::parse("nocolon").is_err());
        assert!(Entry::parse("/a:relative").is_err());
        assert!(Entry::parse("/a:/x/../y").is_err());
        assert!(Entry::parse(":/x").is_err());
    }

    #[test]
    fn add_with_mode_and_owner() {
        let e = Entry::parse("/a:b/c:/opt/x:4755:0:0").unwrap();
        assert_eq!((e.host.to_str().unwrap(), e.guest.as_str()), ("/a:b/c", "/opt/x"));
        assert_eq!(e.set, Overrides { mode: Some(0o4755), uid: Some(0), gid: Some(0) });
        let e = Entry::parse("h:/x:1777").unwrap();
        assert_eq!(e.set, Overrides { mode: Some(0o1777), uid: None, gid: None });
        let e = Entry::parse("h:/x::1000:").unwrap();
        assert_eq!(e.set, Overrides { mode: None, uid: Some(1000), gid: None });
        assert_eq!(Entry::parse("h:/x").unwrap().set, Overrides::default());
        for bad in ["h:/x:9", "h:/x:17777", "h:/x:+7", "h:/x:755:0", "h:/x:755:a:0"] {
            assert!(Entry::parse(bad).is_err(), "{bad}");
        }
        assert!(Entry::parse("h:/x:755:4294967295:0").is_err());
        let msg = Entry::parse("h:/x:755:1x:0").unwrap_err().to_string();
        assert_eq!(msg, "'h:/x:755:1x:0': UID '1x' is not a uid (0 to 4294967294)");
    }
}
