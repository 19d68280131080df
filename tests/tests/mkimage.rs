//! Disk images made by `tools::image` (the library behind `mkimage` and the embedded default
//! image): content, ownership and mode bits survive, and e2fsprogs accepts the result.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use integration_tests::TempDir;
use tools::image::{Entry, ImageSpec, build};

fn debugfs(image: &str, request: &str) -> String {
    let out =
        Command::new("debugfs").args(["-R", request, image]).output().expect("debugfs (e2fsprogs)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn added_tree_keeps_content_modes_and_owners() {
    let dir = TempDir::new("mkimage");
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(tree.join("sub")).unwrap();
    std::fs::write(tree.join("prog"), b"#!/bin/echo\n").unwrap();
    std::fs::write(tree.join("sub/data"), vec![0xabu8; 70_000]).unwrap();
    std::fs::set_permissions(tree.join("prog"), std::fs::Permissions::from_mode(0o4755)).unwrap();
    std::fs::set_permissions(tree.join("sub/data"), std::fs::Permissions::from_mode(0o2640))
        .unwrap();
    std::os::unix::fs::symlink("sub/data", tree.join("link")).unwrap();
    let image = dir.path().join("test.img");
    let spec = ImageSpec {
        dirs: vec!["/tmp".into()],
        entries: vec![Entry::parse(&format!("{}:/opt/tree", tree.display())).unwrap()],
    };
    build(&spec, &image, None).unwrap();
    let image = image.to_str().unwrap();

    let fsck = Command::new("e2fsck").args(["-f", "-n", image]).output().unwrap();
    assert!(fsck.status.success(), "e2fsck: {}", String::from_utf8_lossy(&fsck.stdout));
    let stat = debugfs(image, "stat /opt/tree/prog");
    assert!(stat.contains("Mode:  04755"), "{stat}");
    let stat = debugfs(image, "stat /opt/tree/sub/data");
    assert!(stat.contains("Mode:  02640") && stat.contains("Size: 70000"), "{stat}");
    let listing = debugfs(image, "ls -l /opt/tree");
    assert!(listing.contains("link"), "{listing}");
    let dumped = dir.path().join("dumped");
    debugfs(image, &format!("dump /opt/tree/sub/data {}", dumped.display()));
    assert_eq!(std::fs::read(&dumped).unwrap(), vec![0xabu8; 70_000]);
    assert!(debugfs(image, "ls -l /").contains("tmp"));
}

#[test]
fn owners_are_preserved_even_without_matching_host_users() {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { geteuid() } == 0;
    let dir = TempDir::new("mkimage-own");
    let file = dir.path().join("f");
    std::fs::write(&file, b"x").unwrap();
    let (uid, gid) = if root {
        std::os::unix::fs::chown(&file, Some(1234), Some(5678)).unwrap();
        (1234, 5678)
    } else {
        // SAFETY: plain id queries.
        unsafe { (geteuid(), getegid()) }
    };
    let image = dir.path().join("own.img");
    let spec = ImageSpec {
        dirs: vec![],
        entries: vec![Entry::parse(&format!("{}:/f", file.display())).unwrap()],
    };
    build(&spec, &image, None).unwrap();
    let stat = debugfs(image.to_str().unwrap(), "stat /f");
    assert!(
        stat.contains(&format!("User:  {uid}")) && stat.contains(&format!("Group:  {gid}")),
        "{stat}"
    );
}

/// `--add HOST:GUEST:MODE:UID:GID` sets what the host file does not have (a setuid-root
/// program made from a plain file), on the guest path only; `::UID:GID` keeps the mode.
#[test]
fn add_sets_mode_and_owner() {
    let dir = TempDir::new("mkimage-set");
    let file = dir.path().join("f");
    std::fs::write(&file, b"x").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let tree = dir.path().join("d");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("inner"), b"y").unwrap();
    std::fs::set_permissions(tree.join("inner"), std::fs::Permissions::from_mode(0o600)).unwrap();
    let image = dir.path().join("set.img");
    let f = file.display();
    let spec = ImageSpec {
        dirs: vec![],
        entries: vec![
            Entry::parse(&format!("{f}:/suid:4755:0:0")).unwrap(),
            Entry::parse(&format!("{f}:/owned::1000:1000")).unwrap(),
            Entry::parse(&format!("{}:/d:1777:7:8", tree.display())).unwrap(),
        ],
    };
    build(&spec, &image, None).unwrap();
    let image = image.to_str().unwrap();
    let fsck = Command::new("e2fsck").args(["-f", "-n", image]).output().unwrap();
    assert!(fsck.status.success(), "e2fsck: {}", String::from_utf8_lossy(&fsck.stdout));
    let stat = debugfs(image, "stat /suid");
    assert!(stat.contains("Mode:  04755") && stat.contains("User:     0   Group:     0"), "{stat}");
    let stat = debugfs(image, "stat /owned");
    assert!(stat.contains("Mode:  0640"), "{stat}");
    assert!(stat.contains("User:  1000   Group:  1000"), "{stat}");
    let stat = debugfs(image, "stat /d");
    assert!(stat.contains("Type: directory") && stat.contains("Mode:  01777"), "{stat}");
    assert!(stat.contains("User:     7   Group:     8"), "{stat}");
    let stat = debugfs(image, "stat /d/inner");
    assert!(stat.contains("Mode:  0600"), "only the named path changes: {stat}");
}

#[test]
fn bad_specs_are_refused() {
    let dir = TempDir::new("mkimage-bad");
    let image = dir.path().join("bad.img");
    let missing = ImageSpec { dirs: vec![], entries: vec![Entry::new("/nonexistent", "/x")] };
    assert!(
        build(&missing, &image, None)
            .unwrap_err()
            .to_string()
            .contains("cannot read '/nonexistent'")
    );
    assert!(Entry::parse("/etc:relative").is_err());
    let big = dir.path().join("big");
    std::fs::write(&big, vec![1u8; 3 << 20]).unwrap();
    let spec = ImageSpec {
        dirs: vec![],
        entries: vec![Entry::parse(&format!("{}:/big", big.display())).unwrap()],
    };
    assert!(
        build(&spec, &image, Some(1)).unwrap_err().to_string().contains("more than --size 1 MiB")
    );
}

unsafe extern "C" {
    fn geteuid() -> u32;
    fn getegid() -> u32;
}
