//! Tests of the process table against the POSIX rules it implements.

use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::Errno;

/// init (1) with a shell (2) in its own session and group, which has two children
/// (3, 4) in its group.
fn sample() -> Table {
    let mut t = Table::new();
    assert_eq!(t.create_init(0), Ok(1));
    let sh = t.fork(1, 0).unwrap();
    t.setsid(sh).unwrap();
    let a = t.fork(sh, 0).unwrap();
    let b = t.fork(sh, 0).unwrap();
    assert_eq!((sh, a, b), (2, 3, 4));
    assert_eq!(t.check_jobc(), None);
    t
}

#[test]
fn fork_inherits_group_and_session() {
    let t = sample();
    let e = t.get(3).unwrap();
    assert_eq!((e.ppid, e.pgid, e.sid), (2, 2, 2));
}

#[test]
fn setpgid_error_cases_follow_posix() {
    let mut t = sample();
    assert_eq!(t.setpgid(2, 3, -1), Err(Errno::EINVAL), "negative pgid");
    assert_eq!(t.setpgid(3, 4, 0), Err(Errno::ESRCH), "a sibling is not our child");
    assert_eq!(t.setpgid(2, 99, 0), Err(Errno::ESRCH), "no such process");
    assert_eq!(t.setpgid(2, 0, 0), Err(Errno::EPERM), "a session leader cannot move");
    assert_eq!(t.setpgid(2, 3, 77), Err(Errno::EPERM), "no group 77 in this session");
    assert_eq!(t.setpgid(2, 3, 1), Err(Errno::EPERM), "group 1 is in another session");
    t.exec(4);
    assert_eq!(t.setpgid(2, 4, 0), Err(Errno::EACCES), "child already exec'd");
    // A child that moved to another session cannot be moved by its parent.
    t.setsid(3).unwrap();
    assert_eq!(t.setpgid(2, 3, 0), Err(Errno::EPERM), "child in another session");
}

#[test]
fn setpgid_moves_into_new_and_existing_groups() {
    let mut t = sample();
    t.setpgid(2, 3, 0).unwrap();
    assert_eq!(t.get(3).unwrap().pgid, 3);
    t.setpgid(2, 4, 3).unwrap();
    assert_eq!(t.get(4).unwrap().pgid, 3);
    t.setpgid(2, 4, 4).unwrap();
    assert_eq!(t.getpgid(2, 4), Ok(4));
    assert_eq!(t.check_jobc(), None);
    // A process may also move itself.
    t.setpgid(4, 0, 3).unwrap();
    assert_eq!(t.getpgid(4, 0), Ok(3));
}

#[test]
fn setpgid_moves_a_zombie_child_until_it_is_reaped() {
    // Linux: a child that exited but was not reaped is still found by pid; glibc's fork
    // returns after such a child may already be gone, and the parent's setpgid succeeds.
    let mut t = sample();
    t.exit(3, ChildEvent::Exited(0));
    assert_eq!(t.setpgid(2, 3, 0).map(|_| ()), Ok(()));
    assert_eq!(t.getpgid(2, 3), Ok(3));
    assert_eq!(t.check_jobc(), None);
    // Another child may join the zombie's group, and the group outlives the zombie.
    t.setpgid(2, 4, 3).unwrap();
    t.reap(3, 0).unwrap();
    assert_eq!(t.getpgid(2, 4), Ok(3));
    assert_eq!(t.setpgid(2, 3, 0), Err(Errno::ESRCH), "reaped: gone");
    assert_eq!(t.check_jobc(), None);
}

#[test]
fn setsid_refuses_group_leaders() {
    let mut t = sample();
    assert_eq!(t.setsid(2).map(|r| r.0), Err(Errno::EPERM), "already a group leader");
    assert_eq!(t.setsid(3).map(|r| r.0), Ok(3));
    let e = t.get(3).unwrap();
    assert_eq!((e.pgid, e.sid), (3, 3));
    assert_eq!(t.getsid(1, 3), Ok(3));
    assert_eq!(t.getsid(1, 42), Err(Errno::ESRCH));
    // A process whose pid is still some group's id cannot make a session either.
    t.setpgid(2, 4, 0).unwrap();
    assert_eq!(t.setsid(4).map(|r| r.0), Err(Errno::EPERM));
}

#[test]
fn pids_never_collide_with_live_groups_or_sessions() {
    let mut t = sample();
    t.setpgid(2, 3, 0).unwrap();
    t.setpgid(2, 4, 3).unwrap();
    let ev = ChildEvent::Exited(0);
    t.exit(3, ev);
    t.reap(3, 0).unwrap();
    // Group 3 still exists (4 is in it): a new process must not get pid 3, ever.
    for _ in 0..100 {
        let p = t.fork(2, u64::MAX / 2).unwrap();
        assert_ne!(p, 3);
    }
}

#[test]
fn exit_makes_a_zombie_until_reaped_and_reparents_children() {
    let mut t = sample();
    let grandchild = t.fork(3, 0).unwrap();
    let fx = t.exit(3, ChildEvent::Exited(5));
    assert_eq!(fx.notify, Some(2));
    assert_eq!(fx.reparented, [grandchild]);
    assert_eq!(t.get(grandchild).unwrap().ppid, INIT);
    assert_eq!(t.get(3).unwrap().zombie, Some(ChildEvent::Exited(5)));
    assert_eq!(
        t.wait_select(2, WaitSpec::Pid(3), WaitFlags::EXITED),
        Ok(Some((3, ChildEvent::Exited(5))))
    );
    assert_eq!(t.reap(3, 0), Ok(ChildEvent::Exited(5)));
    assert!(t.get(3).is_none());
    assert_eq!(t.wait_select(2, WaitSpec::Pid(3), WaitFlags::EXITED), Err(Errno::ECHILD));
    assert_eq!(t.check_jobc(), None);
}

#[test]
fn wait_specs_select_the_right_children() {
    let mut t = sample();
    assert_eq!(
        t.wait_select(3, WaitSpec::Any, WaitFlags::EXITED),
        Err(Errno::ECHILD),
        "no children"
    );
    assert_eq!(t.wait_select(2, WaitSpec::Any, WaitFlags::EXITED), Ok(None), "children, none done");
    t.setpgid(2, 4, 0).unwrap();
    t.exit(4, ChildEvent::Killed { signal: 9, core: false });
    assert_eq!(t.wait_select(2, WaitSpec::Group(2), WaitFlags::EXITED), Ok(None), "4 left group 2");
    assert_eq!(
        t.wait_select(2, WaitSpec::Group(4), WaitFlags::EXITED).unwrap().map(|r| r.0),
        Some(4)
    );
    assert_eq!(t.wait_select(2, WaitSpec::Group(99), WaitFlags::EXITED), Err(Errno::ECHILD));
    assert_eq!(t.wait_select(2, WaitSpec::Any, WaitFlags::EXITED).unwrap().map(|r| r.0), Some(4));
}

#[test]
fn stops_and_continues_are_reported_once_unless_nowait() {
    let mut t = sample();
    assert_eq!(t.stop(3, 19), Some(2));
    let untraced = WaitFlags { exited: true, stopped: true, continued: false, nowait: false };
    assert_eq!(
        t.wait_select(2, WaitSpec::Any, WaitFlags::EXITED),
        Ok(None),
        "stops need WUNTRACED"
    );
    let peek = WaitFlags { nowait: true, ..untraced };
    assert_eq!(t.wait_select(2, WaitSpec::Any, peek), Ok(Some((3, ChildEvent::Stopped(19)))));
    assert_eq!(t.wait_select(2, WaitSpec::Any, untraced), Ok(Some((3, ChildEvent::Stopped(19)))));
    assert_eq!(t.wait_select(2, WaitSpec::Any, untraced), Ok(None), "reported once");
    assert_eq!(t.cont(3), Some(2));
    let continued = WaitFlags { exited: true, stopped: false, continued: true, nowait: false };
    assert_eq!(t.wait_select(2, WaitSpec::Any, continued), Ok(Some((3, ChildEvent::Continued))));
    assert_eq!(t.cont(3), None, "not stopped any more");
}

#[test]
fn orphaned_group_with_stopped_member_gets_hangup() {
    // init -> sh (session 2) -> job leader 3 in group 3 with a child 5 in group 3.
    let mut t = sample();
    t.setpgid(2, 3, 0).unwrap();
    let five = t.fork(3, 0).unwrap();
    assert!(!t.is_orphaned(3), "3's parent (the shell) is in another group of the session");
    t.stop(five, 19);
    // The shell exits: group 3 loses its link to the session's other groups.
    let fx = t.exit(2, ChildEvent::Exited(0));
    assert!(t.is_orphaned(3));
    assert_eq!(fx.hangup_groups, [3]);
    assert_eq!(t.check_jobc(), None);
    // Without a stopped member no hangup is due.
    let mut t = sample();
    t.setpgid(2, 3, 0).unwrap();
    let fx = t.exit(2, ChildEvent::Exited(0));
    assert!(fx.hangup_groups.is_empty());
}

#[test]
fn kill_targets_follow_kill_2() {
    let mut t = sample();
    assert_eq!(t.kill_targets(3, 4), Ok(vec![4]));
    assert_eq!(t.kill_targets(3, 99), Err(Errno::ESRCH));
    assert_eq!(t.kill_targets(3, 0), Ok(vec![2, 3, 4]), "the caller's group, caller included");
    assert_eq!(t.kill_targets(3, -1), Ok(vec![2, 4]), "all but init and the caller");
    assert_eq!(t.kill_targets(3, -2), Ok(vec![2, 3, 4]));
    assert_eq!(t.kill_targets(3, -7), Err(Errno::ESRCH));
    t.setpgid(2, 4, 0).unwrap();
    assert_eq!(t.kill_targets(1, -4), Ok(vec![4]));
}

/// Random sequences of operations keep every group's count equal to its definition.
#[test]
fn job_control_counts_stay_exact() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..200 {
        let mut t = Table::new();
        t.create_init(0).unwrap();
        let mut now = 0;
        for step in 0..60 {
            now += 1_000;
            let live: Vec<Pid> =
                (1..400).filter(|&p| t.get(p).is_some_and(|e| e.zombie.is_none())).collect();
            let pick = |n: u64| live[(n % live.len() as u64) as usize];
            match next() % 7 {
                0 | 1 => {
                    let _ = t.fork(pick(next()), now);
                }
                2 => {
                    let caller = pick(next());
                    let target = pick(next());
                    let pgid = if next() % 2 == 0 { 0 } else { pick(next()) };
                    let _ = t.setpgid(caller, i64::from(target), i64::from(pgid));
                }
                3 => {
                    let _ = t.setsid(pick(next()));
                }
                4 if live.len() > 1 => {
                    let p = pick(next());
                    if p != INIT {
                        t.exit(p, ChildEvent::Exited(0));
                    }
                }
                5 => {
                    let p = pick(next());
                    if next() % 2 == 0 {
                        t.stop(p, 19)
                    } else {
                        t.cont(p)
                    };
                }
                _ => {
                    let zombies: Vec<Pid> = (1..400)
                        .filter(|&p| t.get(p).is_some_and(|e| e.zombie.is_some()))
                        .collect();
                    if let Some(&z) = zombies.first() {
                        t.reap(z, now).unwrap();
                    }
                }
            }
            assert_eq!(t.check_jobc(), None, "round {round} step {step}");
            assert!(t.indexes_consistent(), "round {round} step {step}");
        }
    }
}
