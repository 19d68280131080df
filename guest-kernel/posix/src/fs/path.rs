//! Path names (POSIX.1-2017 XBD 4.13 "Pathname Resolution", path_resolution(7)): splitting
//! into components and the length limits.

use crate::Errno;

/// Longest path, including the terminating NUL (`PATH_MAX`).
pub const PATH_MAX: usize = 4096;
/// Longest file name (`NAME_MAX`; ENAMETOOLONG beyond, path_resolution(7)).
pub const NAME_MAX: usize = 255;
/// Most symbolic links one resolution follows before ELOOP (Linux `MAXSYMLINKS`).
pub const MAX_SYMLINKS: u32 = 40;

/// One step of a walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    /// `.`: stay.
    Current,
    /// `..`: the parent (the root's parent is the root).
    Parent,
    /// A name to look up.
    Name(&'a [u8]),
}

/// The next component of `path` at or after `*pos`, advancing `*pos` past it; `None` when
/// only slashes are left. Repeated slashes count as one (XBD 3.271).
pub fn next_component<'a>(path: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let mut i = *pos;
    while i < path.len() && path[i] == b'/' {
        i += 1;
    }
    if i == path.len() {
        *pos = i;
        return None;
    }
    let start = i;
    while i < path.len() && path[i] != b'/' {
        i += 1;
    }
    *pos = i;
    Some(&path[start..i])
}

/// Whether anything but slashes follows `pos`.
pub fn has_more(path: &[u8], pos: usize) -> bool {
    path[pos.min(path.len())..].iter().any(|&b| b != b'/')
}

/// Classifies a component: `.`, `..`, or a name (ENAMETOOLONG beyond [`NAME_MAX`]).
pub fn step(component: &[u8]) -> Result<Step<'_>, Errno> {
    match component {
        b"." => Ok(Step::Current),
        b".." => Ok(Step::Parent),
        name if name.len() > NAME_MAX => Err(Errno::ENAMETOOLONG),
        name => Ok(Step::Name(name)),
    }
}

/// Checks a whole path given to a system call: ENOENT if empty (path_resolution(7) "Empty
/// pathname"), ENAMETOOLONG if it and its NUL exceed [`PATH_MAX`].
pub fn check(path: &[u8]) -> Result<(), Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if path.len() >= PATH_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    Ok(())
}

/// Whether the path ends with a slash (the final component must then be a directory,
/// XBD 4.13: "a pathname that contains at least one non-<slash> character and that ends
/// with one or more trailing <slash> characters shall not be resolved successfully unless
/// the last pathname component before the trailing <slash> characters names an existing
/// directory").
pub fn trailing_slash(path: &[u8]) -> bool {
    path.len() > 1 && path.ends_with(b"/")
}

/// Splits `path` into everything before the last component and the last component
/// (`None` for `/` or only slashes). `a/b/` gives (`a/`, `b`).
pub fn split_last(path: &[u8]) -> (&[u8], Option<&[u8]>) {
    let mut end = path.len();
    while end > 0 && path[end - 1] == b'/' {
        end -= 1;
    }
    if end == 0 {
        return (path, None);
    }
    let start = path[..end].iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    (&path[..start], Some(&path[start..end]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn components(path: &[u8]) -> Vec<&[u8]> {
        let mut pos = 0;
        core::iter::from_fn(|| next_component(path, &mut pos)).collect()
    }

    #[test]
    fn splits_on_slashes() {
        assert_eq!(components(b"/bin//true/"), [&b"bin"[..], b"true"]);
        assert_eq!(components(b"a/./../b"), [&b"a"[..], b".", b"..", b"b"]);
        assert!(components(b"///").is_empty());
        let mut pos = 0;
        next_component(b"/a//", &mut pos);
        assert!(!has_more(b"/a//", pos));
        assert!(has_more(b"/a/b", 2));
    }

    #[test]
    fn steps_and_limits() {
        assert_eq!(step(b"."), Ok(Step::Current));
        assert_eq!(step(b".."), Ok(Step::Parent));
        assert_eq!(step(b"..."), Ok(Step::Name(b"...")));
        assert_eq!(step(&[b'x'; 256]), Err(Errno::ENAMETOOLONG));
        assert_eq!(step(&[b'x'; 255]).map(|_| ()), Ok(()));
        assert_eq!(check(b""), Err(Errno::ENOENT));
        assert_eq!(check(&[b'a'; 4096]), Err(Errno::ENAMETOOLONG));
        assert_eq!(check(&[b'a'; 4095]), Ok(()));
    }

    #[test]
    fn last_component() {
        assert_eq!(split_last(b"/tmp/x"), (&b"/tmp/"[..], Some(&b"x"[..])));
        assert_eq!(split_last(b"a/b//"), (&b"a/"[..], Some(&b"b"[..])));
        assert_eq!(split_last(b"x"), (&b""[..], Some(&b"x"[..])));
        assert_eq!(split_last(b"//"), (&b"//"[..], None));
        assert!(trailing_slash(b"a/") && !trailing_slash(b"/") && !trailing_slash(b"a"));
    }
}
