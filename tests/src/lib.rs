//! Helpers shared by the integration tests: find (and build once) the `vmm` binary, make
//! sure KVM is there, run the vmm with a timeout and capture what it printed.
//!
//! The tests drive the real binary, the way a user does, so exit statuses, stdout/stderr
//! separation and one-line error messages are all checked for real.

pub mod elf;
pub mod fixtures;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long any single vmm run may take before the test declares it hung.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// The cargo target directory the test binary runs from (`target/<profile>/deps/<test>`).
fn target_profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(Path::parent)
        .expect("test binary lives in target/<profile>/deps")
        .to_owned()
}

/// The `vmm` binary of this build profile, built on first use.
///
/// Cargo builds a package's binaries only for that package's own integration tests, so
/// this crate asks cargo to build `vmm` itself (once per test process; cargo's lock makes
/// concurrent test processes wait for one another instead of racing).
pub fn vmm_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let profile_dir = target_profile_dir();
        let profile =
            profile_dir.file_name().and_then(|n| n.to_str()).unwrap_or("debug").to_owned();
        let target_dir = profile_dir.parent().expect("target dir").to_owned();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let profile_arg = if profile == "debug" { "dev".to_owned() } else { profile };
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "vmm", "--bin", "vmm", "--profile", &profile_arg])
            .arg("--target-dir")
            .arg(&target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("running cargo to build the vmm");
        assert!(status.success(), "building the vmm binary failed");
        profile_dir.join("vmm")
    })
}

/// Fails the test with one clear line when KVM is unusable: these tests boot real VMs and
/// must never pass without doing so.
pub fn require_kvm() {
    if let Err(e) = std::fs::OpenOptions::new().read(true).write(true).open("/dev/kvm") {
        panic!("KVM is required for this test but /dev/kvm cannot be opened: {e}");
    }
}

/// What a finished vmm run produced.
#[derive(Debug)]
pub struct Run {
    /// Exit status (None if killed by a signal).
    pub status: Option<i32>,
    /// Captured stdout, as bytes.
    pub stdout_bytes: Vec<u8>,
    /// Captured stdout.
    pub stdout: String,
    /// Captured stderr (the guest's serial console and the vmm's own messages).
    pub stderr: String,
    /// Wall time of the run.
    pub elapsed: Duration,
}

/// Runs the vmm with `args` and `env`, failing the test if it takes longer than
/// [`RUN_TIMEOUT`].
pub fn vmm_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    vmm_full(args, env, None, RUN_TIMEOUT)
}

/// Runs the vmm with `args` and a longer time limit than [`RUN_TIMEOUT`], for the few
/// tests whose point is volume (thousands of processes) rather than one behaviour.
pub fn vmm_with_timeout(args: &[&str], timeout: Duration) -> Run {
    vmm_full(args, &[], None, timeout)
}

/// Runs the vmm with `args`, feeding `input` to its stdin (then closing it).
pub fn vmm_with_input(args: &[&str], input: Vec<u8>) -> Run {
    vmm_full(args, &[], Some(input), RUN_TIMEOUT)
}

fn vmm_full(args: &[&str], env: &[(&str, &str)], input: Option<Vec<u8>>, timeout: Duration) -> Run {
    let bin = vmm_bin();
    let start = Instant::now();
    let mut child = Command::new(bin)
        .args(args)
        .envs(env.iter().copied())
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning the vmm");
    if let Some(data) = input {
        let mut stdin = child.stdin.take().expect("stdin piped");
        std::thread::spawn(move || {
            use std::io::Write;
            // The guest may stop reading early; a broken pipe is not the test's failure.
            let _ = stdin.write_all(&data);
        });
    }
    // Collect output on helper threads so a chatty guest cannot fill a pipe and stall.
    let mut out = child.stdout.take().expect("stdout piped");
    let mut err = child.stderr.take().expect("stderr piped");
    let out_thread = std::thread::spawn(move || read_all(&mut out));
    let err_thread = std::thread::spawn(move || read_all(&mut err));
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the vmm") {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            panic!("vmm {args:?} did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let output = Output {
        status,
        stdout: out_thread.join().expect("stdout reader"),
        stderr: err_thread.join().expect("stderr reader"),
    };
    Run {
        status: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stdout_bytes: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: start.elapsed(),
    }
}

/// Runs the vmm with `args`.
pub fn vmm(args: &[&str]) -> Run {
    vmm_with_env(args, &[])
}

fn read_all(r: &mut impl std::io::Read) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = r.read_to_end(&mut buf);
    buf
}

/// A scratch directory for one test, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a fresh directory named after `tag` under the system temp dir.
    pub fn new(tag: &str) -> Self {
        static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("vmm-test-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("creating a scratch directory");
        TempDir(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `bytes` to `name` inside the directory and returns its path as a string.
    pub fn write(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).expect("writing a scratch file");
        path.to_str().expect("utf-8 temp path").to_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Run {
    /// Asserts the run failed on bad input: exit status 2 and exactly one stderr line, which
    /// starts with `vmm: error:` and contains `needle`; no Rust panic.
    pub fn assert_bad_input(&self, needle: &str) {
        assert_eq!(self.status, Some(2), "expected exit status 2; stderr: {}", self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "expected one line on stderr, got: {:?}", self.stderr);
        assert!(lines[0].starts_with("vmm: error: "), "unexpected message: {}", lines[0]);
        assert!(lines[0].contains(needle), "message {:?} does not mention {needle:?}", lines[0]);
        assert!(!self.stderr.contains("panicked"), "the vmm panicked: {}", self.stderr);
    }
}

/// Runs the vmm with `args` and `env` as an unprivileged user, so file permission errors
/// are real: as `nobody` through `setpriv` when the tests run as root (root ignores
/// permission bits; the binary is copied into `scratch`, which nobody can reach), else as
/// the current user.
pub fn vmm_unprivileged(args: &[&str], env: &[(&str, &str)], scratch: &TempDir) -> Run {
    // SAFETY: geteuid has no preconditions.
    if unsafe { geteuid() } != 0 {
        return vmm_with_env(args, env);
    }
    let bin = scratch.path().join("vmm");
    std::fs::copy(vmm_bin(), &bin).expect("copying the vmm binary");
    for p in [scratch.path(), bin.as_path()] {
        let mut perms = std::fs::metadata(p).expect("scratch metadata").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(p, perms).expect("making the scratch dir reachable");
    }
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(&bin)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("setpriv (util-linux) is needed to run the vmm unprivileged as root");
    Run {
        status: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stdout_bytes: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: Duration::ZERO,
    }
}

unsafe extern "C" {
    fn geteuid() -> u32;
}

pub use tools::guest_build::Libc;

/// The guest test programs (`guest-apps/difftests`) and the default image's programs,
/// musl build, built once per test process; returns the directory with the binaries (the
/// same static binaries run natively and in the guest).
pub fn test_programs() -> &'static Path {
    test_programs_for(Libc::Musl)
}

/// [`test_programs`] built with `libc`: each C library's build is made once per test
/// process (glibc's in its own target directory, see `tools::guest_build::apps_for`).
pub fn test_programs_for(libc: Libc) -> &'static Path {
    static DIRS: [OnceLock<PathBuf>; 2] = [OnceLock::new(), OnceLock::new()];
    DIRS[libc as usize].get_or_init(|| {
        let root = tools::guest_build::repo_root();
        let packages: Vec<&str> =
            tools::guest_build::IMAGE_PACKAGES.iter().copied().chain(["difftests"]).collect();
        tools::guest_build::apps_for(&root, &packages, libc)
            .unwrap_or_else(|e| panic!("building the guest test programs ({libc}): {e}"))
    })
}

/// The C test programs (`guest-apps/c/`) built with `libc`, once per test process;
/// returns the directory with the binaries (named after their sources).
pub fn c_programs(libc: Libc) -> &'static Path {
    static DIRS: [OnceLock<PathBuf>; 2] = [OnceLock::new(), OnceLock::new()];
    DIRS[libc as usize].get_or_init(|| {
        let root = tools::guest_build::repo_root();
        tools::guest_build::c_programs(&root, libc)
            .unwrap_or_else(|e| panic!("building the C test programs: {e}"))
    })
}

/// Builds a root disk image in `dir`: the default image plus `extra` (host path, guest path)
/// entries. Returns the image path as a string for `--disk`.
pub fn image_with(dir: &TempDir, name: &str, extra: &[(&Path, &str)]) -> String {
    image_for(Libc::Musl, dir, name, extra)
}

/// [`image_with`] whose default programs (`/sbin/init`, `/bin/sh`, the coreutils) are
/// the `libc` build.
pub fn image_for(libc: Libc, dir: &TempDir, name: &str, extra: &[(&Path, &str)]) -> String {
    let root = tools::guest_build::repo_root();
    let apps = test_programs_for(libc);
    let mut spec = tools::image::default_spec(apps, &root.join("guest-apps").join("rootfs"))
        .expect("default image spec");
    for (host, guest) in extra {
        spec.entries.push(tools::image::Entry::new(host.to_path_buf(), guest.to_string()));
    }
    let path = dir.path().join(name);
    tools::image::build(&spec, &path, None).expect("building a test image");
    path.to_str().expect("utf-8 temp path").to_owned()
}

/// Runs the guest test program `program` natively on the host with `args`; returns its
/// stdout (it must exit 0). The host kernel's answers are the differential tests' oracle.
pub fn run_native(program: &str, args: &[&str]) -> String {
    run_native_in(test_programs(), program, args)
}

/// Runs `dir/program` natively on the host with `args`; returns its stdout (it must exit
/// 0). For the programs of [`test_programs_for`] and [`c_programs`].
pub fn run_native_in(dir: &Path, program: &str, args: &[&str]) -> String {
    let out = Command::new(dir.join(program))
        .args(args)
        .output()
        .expect("running a test program natively");
    assert!(
        out.status.success(),
        "{program} failed natively ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Turns each `fn name(libc: Libc)` into two tests, `name::musl` and `name::glibc`: every
/// differential test runs once per C library build of its programs.
#[macro_export]
macro_rules! for_each_libc {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn musl() {
                    super::$name($crate::Libc::Musl)
                }

                #[test]
                fn glibc() {
                    super::$name($crate::Libc::Glibc)
                }
            }
        )*
    };
}
