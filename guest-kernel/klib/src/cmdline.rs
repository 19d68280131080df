//! Kernel command-line parsing, Linux style.
//!
//! The command line is a list of space-separated parameters, each `key=value` or a bare
//! `key`. Double quotes protect spaces: `key="a b"` and `"key=a b"` both give the value
//! `a b` (the rules of Linux's `next_arg`). Unknown keys are the caller's business: the
//! parser yields every parameter and the caller looks up the ones it knows.

/// One parameter of the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param<'a> {
    /// The part before the first `=` (the whole parameter if there is none).
    pub key: &'a str,
    /// The part after the first `=`, without surrounding quotes; `None` for a bare key.
    pub value: Option<&'a str>,
}

/// Iterator over the parameters of a command line, in order.
#[derive(Clone, Debug)]
pub struct Params<'a> {
    rest: &'a str,
}

/// The parameters of `cmdline`, in order.
pub fn params(cmdline: &str) -> Params<'_> {
    Params { rest: cmdline }
}

/// The last parameter named `key` (later parameters override earlier ones, as in Linux).
pub fn find<'a>(cmdline: &'a str, key: &str) -> Option<Param<'a>> {
    params(cmdline).filter(|p| p.key == key).last()
}

impl<'a> Iterator for Params<'a> {
    type Item = Param<'a>;

    fn next(&mut self) -> Option<Param<'a>> {
        let s = self.rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
        if s.is_empty() {
            self.rest = s;
            return None;
        }
        let bytes = s.as_bytes();
        let quoted = bytes[0] == b'"';
        let start = usize::from(quoted);
        let mut in_quote = quoted;
        let mut equals = None;
        let mut end = start;
        while end < bytes.len() {
            let c = bytes[end];
            if c.is_ascii_whitespace() && !in_quote {
                break;
            }
            if equals.is_none() && c == b'=' {
                equals = Some(end);
            }
            if c == b'"' {
                in_quote = !in_quote;
            }
            end += 1;
        }
        self.rest = &s[end..];

        // All indices below fall on ASCII bytes (quote, '=', space), so on char boundaries.
        let closing_quote = end > start && bytes[end - 1] == b'"';
        let param = match equals {
            None => {
                let key_end = if quoted && closing_quote { end - 1 } else { end };
                Param { key: &s[start..key_end], value: None }
            }
            Some(eq) => {
                let mut value_start = eq + 1;
                let mut value_end = end;
                let value_quoted = bytes.get(value_start) == Some(&b'"');
                if value_quoted {
                    value_start += 1;
                }
                if (value_quoted || quoted) && closing_quote {
                    value_end = end - 1;
                }
                let value_end = value_end.max(value_start);
                Param { key: &s[start..eq], value: Some(&s[value_start..value_end]) }
            }
        };
        Some(param)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(cmdline: &str) -> Vec<(&str, Option<&str>)> {
        params(cmdline).map(|p| (p.key, p.value)).collect()
    }

    extern crate std;
    use std::vec::Vec;

    #[test]
    fn keys_and_values() {
        assert_eq!(
            all("  exit=3 quiet  console=ttyS0,115200 empty= "),
            [
                ("exit", Some("3")),
                ("quiet", None),
                ("console", Some("ttyS0,115200")),
                ("empty", Some(""))
            ]
        );
        assert!(all("").is_empty());
        assert!(all(" \t\n").is_empty());
    }

    #[test]
    fn quotes_protect_spaces() {
        assert_eq!(all(r#"a="x y" b"#), [("a", Some("x y")), ("b", None)]);
        assert_eq!(all(r#""a=x y" b"#), [("a", Some("x y")), ("b", None)]);
        assert_eq!(all(r#""bare key""#), [("bare key", None)]);
        assert_eq!(all(r#"a=b"c d"e"#), [("a", Some(r#"b"c d"e"#))]);
    }

    #[test]
    fn odd_quoting_does_not_panic() {
        assert_eq!(all(r#"a=""#), [("a", Some(""))]);
        assert_eq!(all(r#"a=" b"#), [("a", Some(" b"))]);
        assert_eq!(all(r#"""#), [("", None)]);
        assert_eq!(all(r#""="#), [("", Some(""))]);
        assert_eq!(all("é=ü x"), [("é", Some("ü")), ("x", None)]);
    }

    #[test]
    fn value_keeps_later_equals_signs() {
        assert_eq!(
            all("virtio_mmio.device=4K@0xd0000000:5 root=UUID=1234"),
            [("virtio_mmio.device", Some("4K@0xd0000000:5")), ("root", Some("UUID=1234"))]
        );
    }

    #[test]
    fn find_returns_the_last_occurrence() {
        assert_eq!(find("exit=1 x exit=2", "exit"), Some(Param { key: "exit", value: Some("2") }));
        assert_eq!(find("exit=1", "panic"), None);
    }
}
