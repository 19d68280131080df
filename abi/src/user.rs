//! `vmm run --user USER[:GROUP]`: the identity the program runs as.
//!
//! The vmm checks the syntax before booting (so a typo is one line and status 2 without a
//! VM), and passes the text unchanged as the kernel parameter [`USER_PARAM`]; the kernel
//! hands it to `/sbin/init` as the environment entry `init.user=SPEC`, and init resolves
//! names against the image's `/etc/passwd` and `/etc/group` (only the image knows its
//! users) and drops privileges in the child right before exec. Both sides parse with
//! [`parse`], so they cannot disagree on what is a number and what is a name.
//!
//! Each side is a decimal id (at most 4294967294: `(uid_t)-1` means "unchanged" to the
//! set*id calls, so Linux never gives it to anyone) or a name as `useradd` accepts it by
//! default (a letter or `_` first, then letters, digits, `_`, `.`, `-`, an optional final
//! `$`; at most 32 bytes). A word that starts with a digit is a number or an error, never a
//! name, so `1x` is refused rather than looked up.

/// Kernel parameter carrying the `--user` text (percent-encoded as `crate::args` words);
/// also the environment key under which the kernel passes it to init.
pub const USER_PARAM: &str = "init.user";

/// The largest id `--user` accepts: `(uid_t)-1` is reserved.
pub const MAX_ID: u32 = u32::MAX - 1;

/// The longest name accepted (`useradd`'s limit; no passwd tool creates longer names).
pub const MAX_NAME: usize = 32;

/// One side of `USER[:GROUP]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Id<'a> {
    /// A numeric id.
    Num(u32),
    /// A name to look up in `/etc/passwd` or `/etc/group`.
    Name(&'a str),
}

/// A parsed `--user` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserSpec<'a> {
    /// The user.
    pub user: Id<'a>,
    /// The group, when given after `:`.
    pub group: Option<Id<'a>>,
}

/// Why a `--user` value is refused; `Display` is the message after "--user 'VALUE': ".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecError {
    /// Nothing where a user or group was expected.
    Empty,
    /// Starts with a digit but is not a number.
    NotANumber,
    /// A number above [`MAX_ID`].
    TooLarge,
    /// Not a number and not a valid name.
    BadName,
}

impl core::fmt::Display for SpecError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            SpecError::Empty => "expected USER, UID, USER:GROUP or UID:GID",
            SpecError::NotANumber => "an id must be a decimal number",
            SpecError::TooLarge => "an id must be at most 4294967294",
            SpecError::BadName => {
                "a name is letters, digits, '_', '.', '-' (a letter or '_' first)"
            }
        })
    }
}

/// Parses `USER[:GROUP]`.
pub fn parse(spec: &str) -> Result<UserSpec<'_>, SpecError> {
    let (user, group) = match spec.split_once(':') {
        Some((user, group)) => (user, Some(group)),
        None => (spec, None),
    };
    Ok(UserSpec { user: id(user)?, group: group.map(id).transpose()? })
}

/// Parses one side: a number or a name.
fn id(word: &str) -> Result<Id<'_>, SpecError> {
    let bytes = word.as_bytes();
    match bytes.first() {
        None => Err(SpecError::Empty),
        Some(b'0'..=b'9') => {
            if !bytes.iter().all(u8::is_ascii_digit) {
                return Err(SpecError::NotANumber);
            }
            match word.parse::<u64>() {
                Ok(n) if n <= u64::from(MAX_ID) => Ok(Id::Num(n as u32)),
                _ => Err(SpecError::TooLarge),
            }
        }
        Some(_) if is_name(bytes) => Ok(Id::Name(word)),
        Some(_) => Err(SpecError::BadName),
    }
}

/// `useradd`'s default rule (`NAME_REGEX`), with upper case allowed as `--badname` does.
fn is_name(bytes: &[u8]) -> bool {
    let body = bytes.strip_suffix(b"$").unwrap_or(bytes);
    let first_ok = matches!(body.first(), Some(c) if c.is_ascii_alphabetic() || *c == b'_');
    first_ok
        && bytes.len() <= MAX_NAME
        && body.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names() {
        assert_eq!(parse("1000"), Ok(UserSpec { user: Id::Num(1000), group: None }));
        assert_eq!(parse("0:0"), Ok(UserSpec { user: Id::Num(0), group: Some(Id::Num(0)) }));
        assert_eq!(
            parse("user:staff"),
            Ok(UserSpec { user: Id::Name("user"), group: Some(Id::Name("staff")) })
        );
        assert_eq!(parse("_x.y-z$").unwrap().user, Id::Name("_x.y-z$"));
        assert_eq!(parse("4294967294").unwrap().user, Id::Num(MAX_ID));
        assert_eq!(parse("007").unwrap().user, Id::Num(7));
    }

    #[test]
    fn errors() {
        assert_eq!(parse(""), Err(SpecError::Empty));
        assert_eq!(parse(":1"), Err(SpecError::Empty));
        assert_eq!(parse("1:"), Err(SpecError::Empty));
        assert_eq!(parse("1x"), Err(SpecError::NotANumber));
        assert_eq!(parse("1:2:3"), Err(SpecError::NotANumber));
        assert_eq!(parse("-1"), Err(SpecError::BadName));
        assert_eq!(parse("4294967295"), Err(SpecError::TooLarge));
        assert_eq!(parse("99999999999999999999999"), Err(SpecError::TooLarge));
        assert_eq!(parse("a b"), Err(SpecError::BadName));
        assert_eq!(parse("$"), Err(SpecError::BadName));
        assert_eq!(parse(&"a".repeat(33)), Err(SpecError::BadName));
    }
}
