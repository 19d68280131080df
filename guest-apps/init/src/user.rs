//! `vmm run --user USER[:GROUP]`: which ids the program gets (`vmm_abi::user`).
//!
//! Resolved against the image's `/etc/passwd` and `/etc/group`, with Docker's `--user`
//! rules (the Dockerfile `USER` reference), which are also what `su`/`runuser` give a user
//! with a passwd entry:
//! - a user with a passwd entry (by name, or by uid: the first entry with that uid) gets
//!   the entry's primary gid and, as `initgroups(3)` builds them, the supplementary groups
//!   of every `/etc/group` line that lists the name, plus the primary gid;
//! - an explicit `:GROUP` (a gid, or a name from `/etc/group`) is the only group: primary
//!   gid and the whole supplementary list ("any other configured group memberships will be
//!   ignored");
//! - a numeric uid without a passwd entry and without `:GROUP` runs with group 0 (root),
//!   as Docker does ("when the user doesn't have a primary group ... the root group");
//! - a name that is not in the files is an error (status 2).
//!
//! `HOME` becomes the entry's home directory unless the vmm's `--env` set it.

use vmm_abi::user::{Id, SpecError, UserSpec};

/// The ids to switch to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// Real, effective and saved user id.
    pub uid: u32,
    /// Real, effective and saved group id.
    pub gid: u32,
    /// Supplementary groups, sorted, without duplicates.
    pub groups: Vec<u32>,
    /// The passwd entry's home directory, if there is an entry.
    pub home: Option<String>,
}

/// Why `--user` cannot be honoured; `Display` is the whole message after "init: ".
#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    /// The text does not parse (the vmm checks this first; a kernel booted by hand may not).
    Syntax(String, SpecError),
    /// A user name not in `/etc/passwd`.
    NoUser(String),
    /// A group name not in `/etc/group`.
    NoGroup(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Syntax(spec, e) => write!(f, "--user '{spec}': {e}"),
            Error::NoUser(name) => write!(f, "--user: no user '{name}' in /etc/passwd"),
            Error::NoGroup(name) => write!(f, "--user: no group '{name}' in /etc/group"),
        }
    }
}

/// One `/etc/passwd` line's fields that matter here.
struct Passwd<'a> {
    name: &'a str,
    uid: u32,
    gid: u32,
    home: &'a str,
}

/// One `/etc/group` line's fields that matter here.
struct Group<'a> {
    name: &'a str,
    gid: u32,
    members: &'a str,
}

/// The well-formed entries of a passwd file (`name:pw:uid:gid:gecos:home:shell`);
/// malformed lines are skipped, as the C libraries' `getpwent` does.
fn passwd(text: &str) -> impl Iterator<Item = Passwd<'_>> {
    text.lines().filter_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        match f[..] {
            [name, _, uid, gid, _, home, _] => {
                Some(Passwd { name, uid: uid.parse().ok()?, gid: gid.parse().ok()?, home })
            }
            _ => None,
        }
    })
}

/// The well-formed entries of a group file (`name:pw:gid:member,member`).
fn group(text: &str) -> impl Iterator<Item = Group<'_>> {
    text.lines().filter_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        match f[..] {
            [name, _, gid, members] => Some(Group { name, gid: gid.parse().ok()?, members }),
            _ => None,
        }
    })
}

/// Resolves `spec` against the contents of `/etc/passwd` and `/etc/group` (empty when a
/// file is missing: numeric ids still work then, as in an image without them).
pub fn resolve(spec: &str, passwd_text: &str, group_text: &str) -> Result<Identity, Error> {
    let UserSpec { user, group: group_spec } =
        vmm_abi::user::parse(spec).map_err(|e| Error::Syntax(spec.into(), e))?;
    let (uid, entry) = match user {
        Id::Name(name) => {
            let p = passwd(passwd_text)
                .find(|p| p.name == name)
                .ok_or_else(|| Error::NoUser(name.into()))?;
            (p.uid, Some(p))
        }
        Id::Num(uid) => (uid, passwd(passwd_text).find(|p| p.uid == uid)),
    };
    let (gid, groups) = match (group_spec, &entry) {
        (Some(Id::Num(gid)), _) => (gid, vec![gid]),
        (Some(Id::Name(name)), _) => {
            let g = group(group_text)
                .find(|g| g.name == name)
                .ok_or_else(|| Error::NoGroup(name.into()))?;
            (g.gid, vec![g.gid])
        }
        (None, Some(p)) => {
            let mut groups: Vec<u32> = group(group_text)
                .filter(|g| g.members.split(',').any(|m| m == p.name))
                .map(|g| g.gid)
                .chain([p.gid])
                .collect();
            groups.sort_unstable();
            groups.dedup();
            (p.gid, groups)
        }
        (None, None) => (0, vec![0]),
    };
    Ok(Identity { uid, gid, groups, home: entry.map(|p| p.home.to_owned()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/:/bin/sh\n\
                          user:x:1000:1000:user:/tmp:/bin/sh\n\
                          broken line\n\
                          other:x:1000:7:dup uid:/o:/bin/sh\n";
    const GROUP: &str = "root:x:0:\nuser:x:1000:\nwheel:x:10:root,user\naudio:x:29:user\n";

    fn id(uid: u32, gid: u32, groups: &[u32], home: Option<&str>) -> Identity {
        Identity { uid, gid, groups: groups.to_vec(), home: home.map(str::to_owned) }
    }

    #[test]
    fn a_passwd_user_gets_its_groups_like_initgroups() {
        let want = id(1000, 1000, &[10, 29, 1000], Some("/tmp"));
        assert_eq!(resolve("user", PASSWD, GROUP), Ok(want.clone()));
        assert_eq!(resolve("1000", PASSWD, GROUP), Ok(want), "first entry with the uid");
        assert_eq!(resolve("root", PASSWD, GROUP), Ok(id(0, 0, &[0, 10], Some("/"))));
    }

    #[test]
    fn an_explicit_group_is_the_only_group() {
        assert_eq!(resolve("user:0", PASSWD, GROUP), Ok(id(1000, 0, &[0], Some("/tmp"))));
        assert_eq!(resolve("1000:audio", PASSWD, GROUP), Ok(id(1000, 29, &[29], Some("/tmp"))));
        assert_eq!(resolve("4242:4343", PASSWD, GROUP), Ok(id(4242, 4343, &[4343], None)));
    }

    #[test]
    fn a_uid_without_an_entry_gets_the_root_group() {
        assert_eq!(resolve("4242", PASSWD, GROUP), Ok(id(4242, 0, &[0], None)));
        assert_eq!(resolve("5", "", ""), Ok(id(5, 0, &[0], None)));
    }

    #[test]
    fn unknown_names_and_bad_text_are_errors() {
        assert_eq!(resolve("nobody", PASSWD, GROUP), Err(Error::NoUser("nobody".into())));
        assert_eq!(resolve("user:staff", PASSWD, GROUP), Err(Error::NoGroup("staff".into())));
        let e = resolve("1x", PASSWD, GROUP).unwrap_err();
        assert!(matches!(e, Error::Syntax(_, SpecError::NotANumber)), "{e:?}");
        assert_eq!(Error::NoUser("bob".into()).to_string(), "--user: no user 'bob' in /etc/passwd");
    }
}
