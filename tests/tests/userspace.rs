//! User space (issue 4): programs from the disk run with the arguments and environment
//! they were given, their exit status is the vmm's, stdout and stderr stay apart, and a
//! bad program or disk gives a clear message and a distinct status.

use std::path::Path;

use integration_tests::{TempDir, image_with, require_kvm, test_programs, vmm, vmm_with_input};
use vmm_abi::exit::{STATUS_BAD_ROOTFS, STATUS_NO_INIT};

#[test]
fn hello_prints_exactly_its_arguments_and_environment() {
    require_kvm();
    let run =
        vmm(&["run", "--env", "FOO=bar baz", "--env", "A=1", "--", "/bin/hello", "a", "b c", ""]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    // init passes the vmm's variables plus its defaults; Rust's Command orders them by name.
    let expected = concat!(
        "argv[0] = /bin/hello\n",
        "argv[1] = a\n",
        "argv[2] = b c\n",
        "argv[3] = \n",
        "env A=1\n",
        "env FOO=bar baz\n",
        "env HOME=/\n",
        "env PATH=/bin:/sbin:/usr/bin:/usr/sbin\n",
        "env TERM=linux\n",
    );
    assert_eq!(run.stdout, expected);
}

#[test]
fn exit_statuses_pass_through() {
    require_kvm();
    assert_eq!(vmm(&["run", "--", "/bin/true"]).status, Some(0));
    assert_eq!(vmm(&["run", "--", "/bin/false"]).status, Some(1));
    let run = vmm(&["run", "--", "/bin/sh", "-c", "exit 42"]);
    assert_eq!(run.status, Some(42), "stderr: {}", run.stderr);
}

#[test]
fn missing_and_non_executable_programs_follow_shell_conventions() {
    require_kvm();
    let run = vmm(&["run", "--", "/bin/does-not-exist"]);
    assert_eq!(run.status, Some(127), "stderr: {}", run.stderr);
    assert!(run.stderr.contains("init: cannot execute '/bin/does-not-exist'"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
    let run = vmm(&["run", "--", "/etc/passwd"]);
    assert_eq!(run.status, Some(126), "stderr: {}", run.stderr);
}

#[test]
fn stdout_and_stderr_stay_apart() {
    require_kvm();
    let run = vmm(&["run", "--", "/bin/cat", "/etc/group", "/nonexistent"]);
    assert_eq!(run.status, Some(1), "stderr: {}", run.stderr);
    assert_eq!(
        run.stdout,
        std::fs::read_to_string(
            tools::guest_build::repo_root().join("guest-apps/rootfs/etc/group")
        )
        .unwrap()
    );
    assert!(run.stderr.contains("cat: /nonexistent: No such file or directory"), "{}", run.stderr);
    assert!(!run.stdout.contains("vmm-kernel"), "kernel messages must not reach stdout");
}

#[test]
fn stdin_reaches_the_program() {
    require_kvm();
    let run = vmm_with_input(&["run", "--", "/bin/cat"], b"from the host\nsecond line\n".to_vec());
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "from the host\nsecond line\n");
}

#[test]
fn shebang_scripts_run_with_the_right_arguments() {
    require_kvm();
    // /bin/greet is "#!/bin/echo greet:".
    let run = vmm(&["run", "--", "/bin/greet", "a", "b"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "greet: /bin/greet a b\n");
}

#[test]
fn a_host_directory_added_with_mkimage_is_visible_in_the_guest() {
    require_kvm();
    let dir = TempDir::new("roundtrip");
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("sub")).unwrap();
    std::fs::write(data.join("hello.txt"), "hello from the host\n").unwrap();
    std::fs::write(
        data.join("sub/numbers"),
        (0..1000).map(|i| format!("{i}\n")).collect::<String>(),
    )
    .unwrap();
    let image = image_with(&dir, "root.img", &[(&data, "/opt/data")]);
    let run = vmm(&["run", "--disk", &image, "--", "/bin/ls", "/opt/data", "/opt/data/sub"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "/opt/data:\nhello.txt\nsub\n\n/opt/data/sub:\nnumbers\n");
    let run = vmm(&[
        "run",
        "--disk",
        &image,
        "--",
        "/bin/cat",
        "/opt/data/hello.txt",
        "/opt/data/sub/numbers",
    ]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    let expected =
        format!("hello from the host\n{}", (0..1000).map(|i| format!("{i}\n")).collect::<String>());
    assert_eq!(run.stdout, expected);
}

#[test]
fn raw_disk_io_from_user_space() {
    require_kvm();
    let dir = TempDir::new("rawdisk");
    let image = image_with(&dir, "root.img", &[(&test_programs().join("blkio"), "/bin/blkio")]);
    let scratch = dir.write("scratch.img", &vec![0u8; 1 << 20]);
    let run = vmm(&[
        "run",
        "--disk",
        &image,
        "--disk",
        &scratch,
        "--",
        "/bin/blkio",
        "write",
        "/dev/vdb",
        "5000",
        "70000",
        "9",
    ]);
    assert_eq!((run.status, run.stdout.as_str()), (Some(0), "ok\n"), "stderr: {}", run.stderr);
    let run = vmm(&[
        "run",
        "--disk",
        &image,
        "--disk",
        &scratch,
        "--",
        "/bin/blkio",
        "check",
        "/dev/vdb",
        "5000",
        "70000",
        "9",
    ]);
    assert_eq!((run.status, run.stdout.as_str()), (Some(0), "ok\n"), "stderr: {}", run.stderr);
    // The host sees exactly the pattern, and nothing else changed.
    let bytes = std::fs::read(&scratch).unwrap();
    for (i, &b) in bytes.iter().enumerate() {
        let i = i as u64;
        let want = if (5000..75000).contains(&i) {
            (i as u8).wrapping_mul(29).wrapping_add(9) ^ (i >> 9) as u8
        } else {
            0
        };
        assert_eq!(b, want, "byte {i} of the scratch disk");
    }
    // A read-only disk refuses writes.
    let ro = format!("{scratch},ro");
    let run = vmm(&[
        "run",
        "--disk",
        &image,
        "--disk",
        &ro,
        "--",
        "/bin/blkio",
        "write",
        "/dev/vdb",
        "0",
        "512",
        "1",
    ]);
    assert_eq!(run.status, Some(1), "stderr: {}", run.stderr);
    assert!(
        run.stdout == "EROFS\n" || run.stdout == "EPERM\n",
        "expected EROFS or EPERM, got {}",
        run.stdout
    );
    assert!(std::fs::read(&scratch).unwrap() == bytes, "a read-only disk was modified");
}

#[test]
fn unmodified_debian_busybox_runs() {
    require_kvm();
    let busybox = Path::new("/bin/busybox");
    assert!(
        busybox.exists(),
        "this test needs Debian's busybox-static (apt-get install busybox-static)"
    );
    let dir = TempDir::new("busybox");
    let image = image_with(&dir, "root.img", &[(busybox, "/bin/busybox")]);
    let run = vmm(&["run", "--disk", &image, "--", "/bin/busybox", "echo", "hi"]);
    assert_eq!((run.status, run.stdout.as_str()), (Some(0), "hi\n"), "stderr: {}", run.stderr);
    let run = vmm(&["run", "--disk", &image, "--", "/bin/busybox", "ls", "/"]);
    assert_eq!(run.status, Some(0), "stderr: {}", run.stderr);
    let names: Vec<&str> = run.stdout.split_whitespace().collect();
    for expected in ["bin", "dev", "etc", "proc", "sbin", "tmp"] {
        assert!(names.contains(&expected), "{expected} missing from busybox ls /: {}", run.stdout);
    }
    // A death by signal reports no core dump: none is written (the wait status's 0x80 bit
    // is what makes a shell say "core dumped"). Linux sets it only when a core was dumped.
    let script = "/bin/busybox sh -c 'kill -SEGV $$'; echo status $?";
    let run = vmm(&["run", "--disk", &image, "--", "/bin/busybox", "sh", "-c", script]);
    assert_eq!((run.status, run.stdout.as_str()), (Some(0), "status 139\n"), "{}", run.stderr);
    assert!(run.stderr.contains("Segmentation fault"), "{}", run.stderr);
    assert!(!run.stderr.contains("core dumped"), "{}", run.stderr);
}

/// `id` (issue 13: it needs getgroups): Debian's busybox as root in the guest. Only the
/// ids are asserted: the names come from an /etc/passwd the image may or may not have.
#[test]
fn busybox_id_shows_root() {
    require_kvm();
    let busybox = Path::new("/bin/busybox");
    assert!(
        busybox.exists(),
        "this test needs Debian's busybox-static (apt-get install busybox-static)"
    );
    let dir = TempDir::new("busybox-id");
    let image = image_with(&dir, "root.img", &[(busybox, "/bin/busybox")]);
    let run = vmm(&["run", "--disk", &image, "--", "/bin/busybox", "id"]);
    assert_eq!(run.status, Some(0), "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("uid=0"), "{}", run.stdout);
    assert!(run.stdout.contains(" gid=0"), "{}", run.stdout);
    let run = vmm(&["run", "--disk", &image, "--", "/bin/busybox", "id", "-G"]);
    assert_eq!((run.status, run.stdout.as_str()), (Some(0), "0\n"), "{}", run.stderr);
}

/// What a shell user meets first about signals (issue 12): a background job and `wait`
/// (ash waits in `rt_sigsuspend` for its SIGCHLD handler), a `trap` handler run by `kill`
/// of the shell itself, and `wait` for a killed job's status; Debian's busybox in the guest
/// and on the host must print the same.
#[test]
fn busybox_job_signals_match_linux() {
    require_kvm();
    let busybox = Path::new("/bin/busybox");
    assert!(
        busybox.exists(),
        "this test needs Debian's busybox-static (apt-get install busybox-static)"
    );
    let script = "sleep 1 & wait; echo waited $?; trap 'echo got USR1' USR1; kill -USR1 $$; \
                  sleep 5 & kill $!; wait $!; echo status $?";
    let host = std::process::Command::new(busybox).args(["sh", "-c", script]).output().unwrap();
    let host = String::from_utf8(host.stdout).unwrap();
    assert_eq!(host, "waited 0\ngot USR1\nstatus 143\n");
    let dir = TempDir::new("busybox-signals");
    let image = image_with(&dir, "root.img", &[(busybox, "/bin/busybox")]);
    let run = vmm(&["run", "--disk", &image, "--", "/bin/busybox", "sh", "-c", script]);
    assert_eq!((run.status, run.stdout.as_str()), (Some(0), host.as_str()), "{}", run.stderr);
}

/// File attributes from the shell (issue 13): Debian's busybox changes a file's mode and
/// owner, links it, truncates it and sets its times in the guest's /tmp, and `ls -ln` and
/// `stat` show what the same script shows on the host.
#[test]
fn busybox_file_attributes_match_linux() {
    require_kvm();
    let busybox = Path::new("/bin/busybox");
    assert!(
        busybox.exists(),
        "this test needs Debian's busybox-static (apt-get install busybox-static)"
    );
    // Every tool is busybox's applet, named explicitly, so that the host runs the same
    // code (not its coreutils) and the guest does not fall back on its own `/bin/ls`.
    let script = r#"export TZ=UTC0 b=/bin/busybox
$b mkdir -p "$1" && cd "$1" || exit 1
echo hello > f
$b chmod 600 f && $b chown 1000:1000 f
$b ls -ln f | $b awk '{print $1, $2, $3, $4, $5, $NF}'
$b stat -c '%a %u %g %h %s %n' f
$b ln f g && $b stat -c '%h %n' f g
$b truncate -s 10 f && $b stat -c '%s' f && $b od -An -c f | $b tr -s ' '
$b truncate -s 2 f && $b cat f && echo
$b touch -d '2001-09-09 01:46:40' f && $b stat -c '%Y %X' f
$b chmod 6755 g && $b chown 0:0 g && $b stat -c '%a %u %g' g
$b ln -s f l && $b chown -h 5:6 l && $b stat -c '%u %g %F' l f
$b rm f g l
echo done"#;
    let dir = TempDir::new("busybox-attrs");
    let host_dir = dir.path().join("work");
    let host = std::process::Command::new(busybox)
        .args(["sh", "-c", script, "sh", host_dir.to_str().unwrap()])
        .output()
        .unwrap();
    let host = String::from_utf8(host.stdout).unwrap();
    assert!(host.starts_with("-rw------- 1 1000 1000 6 f\n"), "{host}");
    assert!(host.contains("755 0 0\n") && host.ends_with("done\n"), "{host}");
    let image = image_with(&dir, "root.img", &[(busybox, "/bin/busybox")]);
    let args = ["run", "--disk", &image, "--", "/bin/busybox", "sh", "-c", script, "sh", "/tmp/w"];
    let run = vmm(&args);
    assert_eq!((run.status, run.stdout.as_str()), (Some(0), host.as_str()), "{}", run.stderr);
}

#[test]
fn a_disk_without_init_is_reported() {
    require_kvm();
    let dir = TempDir::new("noinit");
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let image = dir.path().join("noinit.img");
    let spec =
        tools::image::ImageSpec { dirs: vec!["/dev".into(), "/tmp".into()], entries: vec![] };
    tools::image::build(&spec, &image, None).unwrap();
    let run = vmm(&["run", "--disk", image.to_str().unwrap(), "--", "/bin/true"]);
    assert_eq!(run.status, Some(i32::from(STATUS_NO_INIT)), "stderr: {}", run.stderr);
    assert!(run.stderr.contains("/sbin/init"), "{}", run.stderr);
}

#[test]
fn a_disk_that_is_not_ext2_is_reported() {
    require_kvm();
    let dir = TempDir::new("badroot");
    let zeros = dir.write("zeros.img", &vec![0u8; 4 << 20]);
    let run = vmm(&["run", "--disk", &zeros, "--", "/bin/true"]);
    assert_eq!(run.status, Some(i32::from(STATUS_BAD_ROOTFS)), "stderr: {}", run.stderr);
    // An ext2 image whose superblock magic (offset 1024 + 56) is destroyed.
    let image = image_with(&dir, "corrupt.img", &[]);
    let mut bytes = std::fs::read(&image).unwrap();
    bytes[1024 + 56] = 0;
    bytes[1024 + 57] = 0;
    std::fs::write(&image, &bytes).unwrap();
    let run = vmm(&["run", "--disk", &image, "--", "/bin/true"]);
    assert_eq!(run.status, Some(i32::from(STATUS_BAD_ROOTFS)), "stderr: {}", run.stderr);
}
