//! Every transition of the set*id rules, from root and from unprivileged identities, with
//! the man pages' EPERM and EINVAL cases.

use super::*;
use alloc::vec;

const U: u32 = UNCHANGED;

/// Credentials with user ids (r, e, s, fs) and group ids (r, e, s, fs).
fn creds(u: [u32; 4], g: [u32; 4]) -> Credentials {
    Credentials {
        ruid: u[0],
        euid: u[1],
        suid: u[2],
        fsuid: u[3],
        rgid: g[0],
        egid: g[1],
        sgid: g[2],
        fsgid: g[3],
        groups: Vec::new(),
    }
}

fn uids(c: &Credentials) -> [u32; 4] {
    [c.ruid, c.euid, c.suid, c.fsuid]
}

fn gids(c: &Credentials) -> [u32; 4] {
    [c.rgid, c.egid, c.sgid, c.fsgid]
}

fn user(uid: u32) -> Credentials {
    Credentials::new(uid, uid)
}

// setuid(2) and setgid(2).

#[test]
fn setuid_as_root_sets_all_four() {
    let c = setuid(&Credentials::root(), 1000).unwrap();
    assert_eq!(uids(&c), [1000; 4]);
    assert_eq!(gids(&c), [0; 4], "groups untouched");
}

#[test]
fn setuid_with_euid_0_only_is_privileged() {
    // A set-user-id-root program run by 1000: setuid(1000) drops root for good.
    let c = creds([1000, 0, 0, 0], [1000; 4]);
    assert_eq!(uids(&setuid(&c, 1000).unwrap()), [1000; 4]);
    assert_eq!(uids(&setuid(&c, 7).unwrap()), [7; 4]);
}

#[test]
fn setuid_unprivileged_to_real_or_saved_only() {
    let c = creds([1000, 2000, 3000, 2000], [0; 4]);
    assert_eq!(uids(&setuid(&c, 1000).unwrap()), [1000, 1000, 3000, 1000]);
    assert_eq!(uids(&setuid(&c, 3000).unwrap()), [1000, 3000, 3000, 3000]);
    assert_eq!(setuid(&c, 2000), Err(Errno::EPERM), "the effective uid alone is not enough");
    assert_eq!(setuid(&c, 0), Err(Errno::EPERM));
    assert_eq!(setuid(&c, 4000), Err(Errno::EPERM));
}

#[test]
fn setuid_root_with_saved_root_can_come_back() {
    // Root did seteuid(1000) (setresuid(-1, 1000, -1)): the saved uid 0 lets it return.
    let c = setresuid(&Credentials::root(), U, 1000, U).unwrap();
    assert_eq!(uids(&c), [0, 1000, 0, 1000]);
    let back = setuid(&c, 0).unwrap();
    assert_eq!(uids(&back), [0, 0, 0, 0], "euid back to 0 only");
    assert_eq!(setuid(&c, 5), Err(Errno::EPERM), "not privileged while euid 1000");
}

#[test]
fn setuid_minus_one_is_einval() {
    assert_eq!(setuid(&Credentials::root(), U), Err(Errno::EINVAL));
    assert_eq!(setuid(&user(5), U), Err(Errno::EINVAL));
    assert_eq!(setgid(&Credentials::root(), U), Err(Errno::EINVAL));
}

#[test]
fn setuid_resets_a_changed_fsuid() {
    let c = creds([1000, 1000, 1000, 77], [0; 4]);
    assert_eq!(uids(&setuid(&c, 1000).unwrap()), [1000; 4]);
}

#[test]
fn setgid_as_root_and_unprivileged() {
    let root = Credentials::root();
    let c = setgid(&root, 100).unwrap();
    assert_eq!(gids(&c), [100; 4]);
    assert_eq!(uids(&c), [0; 4]);
    let u = creds([1000; 4], [100, 200, 300, 200]);
    assert_eq!(gids(&setgid(&u, 100).unwrap()), [100, 100, 300, 100]);
    assert_eq!(gids(&setgid(&u, 300).unwrap()), [100, 300, 300, 300]);
    assert_eq!(setgid(&u, 200), Err(Errno::EPERM));
    assert_eq!(setgid(&u, 0), Err(Errno::EPERM));
}

#[test]
fn setgid_privilege_is_the_effective_uid_not_gid() {
    // euid 0 with gid 100: privileged for groups.
    let c = creds([0; 4], [100; 4]);
    assert_eq!(gids(&setgid(&c, 5).unwrap()), [5; 4]);
    // egid 0 with euid 1000: not privileged.
    let c = creds([1000; 4], [0, 0, 0, 0]);
    assert_eq!(setgid(&c, 5), Err(Errno::EPERM));
}

// setreuid(2) and setregid(2).

#[test]
fn setreuid_as_root() {
    let c = setreuid(&Credentials::root(), 1000, 2000).unwrap();
    assert_eq!(uids(&c), [1000, 2000, 2000, 2000], "ruid set: suid = new euid");
    let c = setreuid(&Credentials::root(), U, 2000).unwrap();
    assert_eq!(uids(&c), [0, 2000, 2000, 2000], "euid != old ruid: suid = new euid");
    let c = setreuid(&Credentials::root(), 1000, U).unwrap();
    assert_eq!(uids(&c), [1000, 0, 0, 0], "ruid set: suid = euid (unchanged 0)");
}

#[test]
fn setreuid_euid_to_the_old_ruid_keeps_the_saved_uid() {
    let c = creds([1000, 0, 0, 0], [0; 4]);
    let c = setreuid(&c, U, 1000).unwrap();
    assert_eq!(uids(&c), [1000, 1000, 0, 1000], "saved stays 0: may go back");
    let back = setreuid(&c, U, 0).unwrap();
    assert_eq!(uids(&back), [1000, 0, 0, 0], "euid 0 != ruid: suid = 0");
}

#[test]
fn setreuid_swap_real_and_effective() {
    // The classic BSD swap by a set-user-id program, unprivileged.
    let c = creds([1000, 2000, 2000, 2000], [0; 4]);
    let swapped = setreuid(&c, 2000, 1000).unwrap();
    assert_eq!(uids(&swapped), [2000, 1000, 1000, 1000]);
    let back = setreuid(&swapped, 1000, 2000).unwrap();
    assert_eq!(uids(&back), [1000, 2000, 2000, 2000]);
}

#[test]
fn setreuid_unprivileged_eperm_cases() {
    let c = creds([1000, 2000, 3000, 2000], [0; 4]);
    assert_eq!(setreuid(&c, 3000, U), Err(Errno::EPERM), "ruid to the saved uid");
    assert_eq!(setreuid(&c, 0, U), Err(Errno::EPERM));
    assert_eq!(setreuid(&c, U, 4000), Err(Errno::EPERM));
    assert_eq!(setreuid(&c, 1000, 4000), Err(Errno::EPERM), "one bad id fails the call");
    assert_eq!(uids(&setreuid(&c, 2000, U).unwrap()), [2000, 2000, 2000, 2000]);
    assert_eq!(uids(&setreuid(&c, U, 3000).unwrap()), [1000, 3000, 3000, 3000]);
    assert_eq!(uids(&setreuid(&c, U, 1000).unwrap()), [1000, 1000, 3000, 1000]);
}

#[test]
fn setreuid_minus_ones_reset_the_fsuid() {
    let c = creds([1000, 1000, 1000, 55], [0; 4]);
    assert_eq!(uids(&setreuid(&c, U, U).unwrap()), [1000; 4]);
    let g = creds([0; 4], [10, 10, 10, 55]);
    assert_eq!(gids(&setregid(&g, U, U).unwrap()), [10; 4]);
}

#[test]
fn setregid_rules() {
    let root = Credentials::root();
    assert_eq!(gids(&setregid(&root, 5, 6).unwrap()), [5, 6, 6, 6]);
    assert_eq!(gids(&setregid(&root, U, 0).unwrap()), [0; 4], "egid == old rgid");
    let u = creds([1000; 4], [100, 200, 300, 200]);
    assert_eq!(gids(&setregid(&u, 200, U).unwrap()), [200, 200, 200, 200]);
    assert_eq!(gids(&setregid(&u, U, 100).unwrap()), [100, 100, 300, 100]);
    assert_eq!(gids(&setregid(&u, U, 300).unwrap()), [100, 300, 300, 300]);
    assert_eq!(setregid(&u, 300, U), Err(Errno::EPERM));
    assert_eq!(setregid(&u, U, 0), Err(Errno::EPERM));
}

// setresuid(2) and setresgid(2).

#[test]
fn setresuid_as_root_sets_anything() {
    let c = setresuid(&Credentials::root(), 1, 2, 3).unwrap();
    assert_eq!(uids(&c), [1, 2, 3, 2]);
    let c = setresuid(&Credentials::root(), U, U, 9).unwrap();
    assert_eq!(uids(&c), [0, 0, 9, 0]);
}

#[test]
fn setresuid_unprivileged_permutes_its_ids() {
    let c = creds([1, 2, 3, 2], [0; 4]);
    assert_eq!(uids(&setresuid(&c, 3, 1, 2).unwrap()), [3, 1, 2, 1]);
    assert_eq!(uids(&setresuid(&c, 2, 2, 2).unwrap()), [2, 2, 2, 2]);
    assert_eq!(uids(&setresuid(&c, U, 3, U).unwrap()), [1, 3, 3, 3]);
    assert_eq!(setresuid(&c, 4, U, U), Err(Errno::EPERM));
    assert_eq!(setresuid(&c, U, 0, U), Err(Errno::EPERM));
    assert_eq!(setresuid(&c, U, U, 0), Err(Errno::EPERM));
    assert_eq!(setresuid(&c, 1, 2, 4), Err(Errno::EPERM), "one foreign id fails it all");
}

#[test]
fn setresuid_keeping_a_zero_saved_uid_allows_a_return() {
    let c = setresuid(&Credentials::root(), 1000, 1000, 0).unwrap();
    assert_eq!(uids(&c), [1000, 1000, 0, 1000]);
    assert_eq!(setresuid(&c, U, U, 5), Err(Errno::EPERM), "not privileged with euid 1000");
    let back = setresuid(&c, U, 0, U).unwrap();
    assert_eq!(uids(&back), [1000, 0, 0, 0]);
    assert_eq!(uids(&setresuid(&back, 5, 5, 5).unwrap()), [5; 4], "privileged again");
}

#[test]
fn setresuid_dropping_every_zero_is_final() {
    let c = setresuid(&Credentials::root(), 1000, 1000, 1000).unwrap();
    assert_eq!(setresuid(&c, 0, U, U), Err(Errno::EPERM));
    assert_eq!(setuid(&c, 0), Err(Errno::EPERM));
    assert_eq!(setreuid(&c, U, 0), Err(Errno::EPERM));
}

#[test]
fn setresuid_noop_keeps_a_changed_fsuid() {
    let c = creds([1000, 1000, 1000, 7], [0; 4]);
    assert_eq!(uids(&setresuid(&c, U, U, U).unwrap()), [1000, 1000, 1000, 7]);
    assert_eq!(uids(&setresuid(&c, 1000, U, 1000).unwrap()), [1000, 1000, 1000, 7]);
    // Naming the euid when the fsuid differs is not a no-op: the fsuid follows.
    assert_eq!(uids(&setresuid(&c, U, 1000, U).unwrap()), [1000; 4]);
}

#[test]
fn setresgid_rules() {
    let root = Credentials::root();
    assert_eq!(gids(&setresgid(&root, 7, 8, 9).unwrap()), [7, 8, 9, 8]);
    let u = creds([1000; 4], [1, 2, 3, 2]);
    assert_eq!(gids(&setresgid(&u, 3, 3, 1).unwrap()), [3, 3, 1, 3]);
    assert_eq!(setresgid(&u, U, 4, U), Err(Errno::EPERM));
    assert_eq!(gids(&setresgid(&u, U, U, U).unwrap()), [1, 2, 3, 2]);
}

// setfsuid(2) and setfsgid(2).

#[test]
fn setfsuid_returns_the_old_value_always() {
    let root = Credentials::root();
    let (old, c) = setfsuid(&root, 1000);
    assert_eq!((old, uids(&c)), (0, [0, 0, 0, 1000]));
    let (old, c2) = setfsuid(&c, U);
    assert_eq!((old, &c2), (1000, &c), "-1 only reads it");
    // Unprivileged: to the real, effective, saved or current fs uid only.
    let u = creds([1, 2, 3, 4], [0; 4]);
    for ok in [1, 2, 3, 4] {
        let (old, c) = setfsuid(&u, ok);
        assert_eq!((old, c.fsuid), (4, ok));
    }
    let (old, c) = setfsuid(&u, 0);
    assert_eq!((old, c.fsuid), (4, 4), "refused: unchanged, old value returned");
    let (old, c) = setfsuid(&u, 99);
    assert_eq!((old, c.fsuid), (4, 4));
}

#[test]
fn setfsuid_privilege_is_the_euid_not_the_fsuid() {
    // euid 1000, fsuid 0 (after setfsuid(0) by a saved-root process): not privileged.
    let c = creds([1000, 1000, 0, 0], [0; 4]);
    assert_eq!(setfsuid(&c, 5).1.fsuid, 0);
    // euid 0, fsuid 1000: privileged.
    let c = creds([0, 0, 0, 1000], [0; 4]);
    assert_eq!(setfsuid(&c, 5).1.fsuid, 5);
}

#[test]
fn setfsgid_rules() {
    let root = Credentials::root();
    let (old, c) = setfsgid(&root, 50);
    assert_eq!((old, gids(&c)), (0, [0, 0, 0, 50]));
    let u = creds([1000; 4], [1, 2, 3, 4]);
    assert_eq!(setfsgid(&u, 3).1.fsgid, 3);
    assert_eq!(setfsgid(&u, 9), (4, u.clone()));
    assert_eq!(setfsgid(&u, U), (4, u.clone()));
}

// setgroups(2) and getgroups(2).

#[test]
fn setgroups_size_checks_in_linux_order() {
    let root = Credentials::root();
    assert_eq!(setgroups_size(&root, 0), Ok(0));
    assert_eq!(setgroups_size(&root, 65536), Ok(NGROUPS_MAX));
    assert_eq!(setgroups_size(&root, 65537), Err(Errno::EINVAL));
    assert_eq!(setgroups_size(&root, -1), Err(Errno::EINVAL));
    let u = user(1000);
    assert_eq!(setgroups_size(&u, 1), Err(Errno::EPERM));
    assert_eq!(setgroups_size(&u, -1), Err(Errno::EPERM), "EPERM before EINVAL");
    assert_eq!(setgroups_size(&u, 0), Err(Errno::EPERM), "even to drop them all");
    let egid0 = creds([1000; 4], [0; 4]);
    assert_eq!(setgroups_size(&egid0, 1), Err(Errno::EPERM), "egid 0 is no privilege");
}

#[test]
fn setgroups_sorts_keeps_duplicates_and_refuses_minus_one() {
    let root = Credentials::root();
    let c = setgroups(&root, vec![30, 10, 20, 10]).unwrap();
    assert_eq!(c.groups, vec![10, 10, 20, 30]);
    assert_eq!(gids(&c), [0; 4], "the group ids themselves do not change");
    assert_eq!(setgroups(&root, vec![1, U]), Err(Errno::EINVAL));
    assert!(setgroups(&c, Vec::new()).unwrap().groups.is_empty());
}

#[test]
fn getgroups_size_rule() {
    assert_eq!(getgroups_copies(3, 0), Ok(false), "size 0: count only");
    assert_eq!(getgroups_copies(0, 0), Ok(false));
    assert_eq!(getgroups_copies(3, 3), Ok(true));
    assert_eq!(getgroups_copies(3, 100), Ok(true));
    assert_eq!(getgroups_copies(3, 2), Err(Errno::EINVAL));
    assert_eq!(getgroups_copies(0, -1), Err(Errno::EINVAL));
}

#[test]
fn group_membership_follows_setgroups() {
    let c = setgroups(&Credentials::root(), vec![50]).unwrap();
    let c = setresuid(&c, 1000, 1000, 1000).unwrap();
    assert!(c.in_group(50));
    assert!(c.may_access(0o100040, 0, 50, super::super::MAY_READ));
}

// execve of set-user-ID and set-group-ID files.

#[test]
fn exec_of_a_plain_file_copies_effective_to_saved_and_fs() {
    let c = creds([1000, 0, 5, 7], [100, 200, 300, 400]);
    let (new, secure) = after_exec(&c, 0o100755, 0, 0, false);
    assert_eq!((uids(&new), gids(&new)), ([1000, 0, 0, 0], [100, 200, 200, 200]));
    assert!(secure, "euid != ruid");
    let (new, secure) = after_exec(&user(1000), 0o100755, 0, 0, false);
    assert_eq!(new, user(1000));
    assert!(!secure);
}

#[test]
fn exec_of_a_setuid_root_program_by_a_user() {
    let (new, secure) = after_exec(&user(1000), 0o104755, 0, 0, false);
    assert_eq!(uids(&new), [1000, 0, 0, 0]);
    assert_eq!(gids(&new), [1000; 4]);
    assert!(secure);
    assert_eq!(setuid(&new, 1000).map(|c| uids(&c)), Ok([1000; 4]), "it may drop root");
}

#[test]
fn exec_of_a_setuid_program_of_ones_own_is_not_secure() {
    let (new, secure) = after_exec(&user(1000), 0o104755, 1000, 50, false);
    assert_eq!(uids(&new), [1000; 4]);
    assert!(!secure);
}

#[test]
fn exec_of_a_setgid_program_needs_group_execute() {
    let (new, secure) = after_exec(&user(1000), 0o102755, 0, 50, false);
    assert_eq!(gids(&new), [1000, 50, 50, 50]);
    assert_eq!(uids(&new), [1000; 4]);
    assert!(secure);
    let (new, secure) = after_exec(&user(1000), 0o102745, 0, 50, false);
    assert_eq!(gids(&new), [1000; 4], "set-gid without group execute: mandatory locking");
    assert!(!secure);
}

#[test]
fn exec_on_a_nosuid_mount_ignores_both_bits() {
    let (new, secure) = after_exec(&user(1000), 0o106755, 0, 50, true);
    assert_eq!(new, user(1000));
    assert!(!secure);
}
