//! Running as a user (issue 13): `vmm run --user USER[:GROUP]` resolved by init against the
//! image's `/etc/passwd` and `/etc/group` (the default image has `root` and `user`, 1000),
//! file access as that user, a setuid-root program started by it, and bad values.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use integration_tests::{Libc, TempDir, c_programs, for_each_libc, require_kvm, vmm};
use tools::image::{Entry, default_spec};

/// Debian's busybox (`busybox-static`), which the tests run in the guest.
fn busybox() -> &'static Path {
    let busybox = Path::new("/bin/busybox");
    assert!(
        busybox.exists(),
        "this test needs Debian's busybox-static (apt-get install busybox-static)"
    );
    busybox
}

/// The default image (`libc`'s build of the guest programs) plus `extra`, each an `--add`
/// argument (`HOST:GUEST[:MODE[:UID:GID]]`); returns its path for `--disk`.
fn build_image(libc: Libc, dir: &TempDir, extra: &[String]) -> String {
    let root = tools::guest_build::repo_root();
    let apps = integration_tests::test_programs_for(libc);
    let mut spec = default_spec(apps, &root.join("guest-apps").join("rootfs")).unwrap();
    for add in extra {
        spec.entries.push(Entry::parse(add).unwrap());
    }
    let path = dir.path().join("root.img");
    tools::image::build(&spec, &path, None).expect("building a test image");
    path.to_str().unwrap().to_owned()
}

/// Runs `args` after `vmm run --disk IMAGE --user USER --` and returns (status, stdout,
/// stderr).
fn run_as(image: &str, user: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["run", "--disk", image, "--user", user, "--"];
    all.extend_from_slice(args);
    let run = vmm(&all);
    (run.status, run.stdout, run.stderr)
}

/// `id` and `whoami` show the names of the image's files; the lines are what Debian's
/// busybox prints on the host for the same ids (checked there with `setpriv --reuid 1000
/// --regid 1000 --groups 1000 busybox id`: `uid=1000(NAME) gid=1000(NAME) groups=1000(NAME)`).
#[test]
fn busybox_id_and_whoami_as_user_and_root() {
    require_kvm();
    let dir = TempDir::new("users-id");
    let image = build_image(Libc::Musl, &dir, &[format!("{}:/bin/busybox", busybox().display())]);
    let user = "uid=1000(user) gid=1000(user) groups=1000(user)\n";
    for (spec, want) in [
        ("1000", user),
        ("user", user),
        ("0", "uid=0(root) gid=0(root) groups=0(root)\n"),
        ("root", "uid=0(root) gid=0(root) groups=0(root)\n"),
        ("user:0", "uid=1000(user) gid=0(root) groups=0(root)\n"),
        ("1000:nogroup", "uid=1000(user) gid=65534(nogroup) groups=65534(nogroup)\n"),
        // No passwd entry and no group: the root group, as Docker's --user.
        ("4242", "uid=4242 gid=0(root) groups=0(root)\n"),
    ] {
        let (status, stdout, stderr) = run_as(&image, spec, &["/bin/busybox", "id"]);
        assert_eq!((status, stdout.as_str()), (Some(0), want), "--user {spec}: {stderr}");
    }
    let (status, stdout, stderr) = run_as(&image, "1000", &["/bin/busybox", "whoami"]);
    assert_eq!((status, stdout.as_str()), (Some(0), "user\n"), "{stderr}");
}

/// The user's environment and files: HOME from its passwd entry, a file it creates in
/// `/tmp` is its own, and a root-only file of the image (mode 0600) is refused to it.
#[test]
fn a_user_owns_what_it_creates_and_is_refused_root_only_files() {
    require_kvm();
    let dir = TempDir::new("users-files");
    let secret = dir.write("secret", b"s3cret\n");
    let image = build_image(
        Libc::Musl,
        &dir,
        &[format!("{}:/bin/busybox", busybox().display()), format!("{secret}:/secret:600:0:0")],
    );
    // `: >` rather than `touch`, which needs utimensat (not there yet).
    let script = "echo $HOME; : > /tmp/f && /bin/busybox stat -c '%u %g %a' /tmp/f";
    let (status, stdout, stderr) = run_as(&image, "user", &["/bin/busybox", "sh", "-c", script]);
    assert_eq!((status, stdout.as_str()), (Some(0), "/tmp\n1000 1000 644\n"), "{stderr}");
    let (status, stdout, stderr) = run_as(&image, "user", &["/bin/busybox", "cat", "/secret"]);
    assert_eq!((status, stdout.as_str()), (Some(1), ""), "{stderr}");
    assert!(stderr.contains("can't open '/secret': Permission denied"), "{stderr}");
    let (status, stdout, stderr) = run_as(&image, "0", &["/bin/busybox", "cat", "/secret"]);
    assert_eq!((status, stdout.as_str()), (Some(0), "s3cret\n"), "{stderr}");
}

/// A name the image does not know is init's error: one line, status 2; syntax errors are
/// the vmm's, before any VM exists.
#[test]
fn bad_users_get_one_line_and_status_2() {
    require_kvm();
    for (spec, message) in [
        ("nosuchuser", "init: --user: no user 'nosuchuser' in /etc/passwd"),
        ("user:nosuchgroup", "init: --user: no group 'nosuchgroup' in /etc/group"),
    ] {
        let run = vmm(&["run", "--user", spec, "--", "/bin/true"]);
        assert_eq!((run.status, run.stderr.trim_end()), (Some(2), message), "--user {spec}");
    }
    for spec in ["", "1x", "4294967295", "a b", "1000:", ":0"] {
        let run = vmm(&["run", "--user", spec, "--", "/bin/true"]);
        assert_eq!(run.status, Some(2), "--user {spec:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "--user {spec:?}: {}", run.stderr);
        assert!(run.stderr.starts_with("vmm: error: "), "{}", run.stderr);
        assert!(run.elapsed < std::time::Duration::from_secs(5), "no VM should boot");
    }
}

/// What Linux says `secure` prints when user 1000 (groups 1000) runs it installed
/// setuid-root: effective and saved uid 0, the real one kept, AT_SECURE set.
const SETUID_ROOT_AS_USER: &str = "uid 1000 0 0\ngid 1000 1000 1000\ngroups 1000\nAT_SECURE 1\n";

/// The host's answer: a copy of the program made setuid-root in a scratch directory and
/// run as 1000 with `setpriv`. `None` when that cannot show it: not root (cannot make a
/// setuid-root file or drop to 1000), or the directory is on a `nosuid` mount.
fn host_setuid_root_as_user(program: &Path, dir: &TempDir) -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { geteuid() } != 0 {
        return None;
    }
    let options = Command::new("findmnt")
        .args(["-n", "-o", "OPTIONS", "-T"])
        .arg(dir.path())
        .output()
        .ok()?;
    if String::from_utf8_lossy(&options.stdout).split(',').any(|o| o.trim() == "nosuid") {
        return None;
    }
    let copy = dir.path().join("secure");
    std::fs::copy(program, &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o4755)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new("setpriv")
        .args(["--reuid", "1000", "--regid", "1000", "--groups", "1000"])
        .arg(&copy)
        .output()
        .expect("setpriv (util-linux)");
    assert!(out.status.success(), "host run: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).unwrap())
}

/// A setuid-root program (installed with mkimage's `:4755:0:0`) started by `--user 1000`
/// gets euid and saved uid 0 and AT_SECURE, as on the host (`guest-apps/c/secure.c`).
fn setuid_root_program_run_by_a_user(libc: Libc) {
    require_kvm();
    let program = c_programs(libc).join("secure");
    let dir = TempDir::new("users-setuid");
    let host = host_setuid_root_as_user(&program, &dir);
    if let Some(host) = &host {
        assert_eq!(host, SETUID_ROOT_AS_USER, "the host disagrees with the expected values");
    }
    let image = build_image(libc, &dir, &[format!("{}:/tests/secure:4755:0:0", program.display())]);
    let (status, stdout, stderr) = run_as(&image, "1000", &["/tests/secure"]);
    assert_eq!((status, stdout.as_str()), (Some(0), SETUID_ROOT_AS_USER), "{stderr}");
    // Without the bit the same user keeps its ids and AT_SECURE is 0.
    let image = build_image(libc, &dir, &[format!("{}:/tests/secure:755:0:0", program.display())]);
    let (status, stdout, stderr) = run_as(&image, "1000", &["/tests/secure"]);
    let plain = "uid 1000 1000 1000\ngid 1000 1000 1000\ngroups 1000\nAT_SECURE 0\n";
    assert_eq!((status, stdout.as_str()), (Some(0), plain), "{stderr}");
}

/// /tmp is mounted `nosuid` (as systemd mounts it): a set-user-id-root copy there runs
/// with the caller's ids and AT_SECURE 0 (mount(8) "nosuid"; execve(2)), while the same
/// program from the image's root file system gains root's effective id.
fn setuid_bits_are_ignored_on_nosuid_tmp(libc: Libc) {
    require_kvm();
    let program = c_programs(libc).join("secure");
    let dir = TempDir::new("users-nosuid");
    let extra = [
        format!("{}:/tests/secure:4755:0:0", program.display()),
        format!("{}:/bin/busybox", busybox().display()),
    ];
    let image = build_image(libc, &dir, &extra);
    let script = "busybox cp /tests/secure /tmp/s && busybox chmod 4755 /tmp/s && \
                  busybox stat -c '%a %u %g' /tmp/s && /tests/secure --exec-as 1000 /tmp/s && \
                  /tests/secure --exec-as 1000 /tests/secure";
    let run = vmm(&["run", "--disk", &image, "--", "/bin/busybox", "sh", "-c", script]);
    let plain = "uid 1000 1000 1000\ngid 1000 1000 1000\ngroups 1000\nAT_SECURE 0\n";
    let expected = format!("4755 0 0\n{plain}{SETUID_ROOT_AS_USER}");
    assert_eq!((run.status, run.stdout.as_str()), (Some(0), expected.as_str()), "{}", run.stderr);
}

for_each_libc!(setuid_root_program_run_by_a_user, setuid_bits_are_ignored_on_nosuid_tmp);

unsafe extern "C" {
    fn geteuid() -> u32;
}
