//! Splitting a command line into tokens (POSIX XCU 2.3 "Token Recognition", 2.2 "Quoting").
//!
//! A word keeps a record of which characters were quoted, because expansion (`$VAR`) and
//! field boundaries depend on it: `"$X"` expands but is not split, `'$X'` is literal.

/// One piece of a word: literal text, or a parameter to expand (`$NAME`, `${NAME}`, `$?`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Text taken as is.
    Lit(String),
    /// A parameter reference by name (`?` for the last status).
    Param(String),
}

/// A token of the shell grammar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token {
    /// A word, as parts to concatenate after expansion.
    Word(Vec<Part>),
    /// `|`
    Pipe,
    /// `&&`
    AndIf,
    /// `||`
    OrIf,
    /// `;` or a newline.
    Semi,
    /// `&`
    Amp,
    /// A redirection: optional fd number, operator (`<`, `>`, `>>`, `>&`, `<&`).
    Redir(Option<u32>, &'static str),
}

/// Why a line could not be tokenized.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LexError {
    /// A quote was opened and not closed.
    UnterminatedQuote(char),
    /// `${` without `}`.
    UnterminatedBrace,
}

impl std::fmt::Display for LexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LexError::UnterminatedQuote(q) => write!(f, "unterminated quote {q}"),
            LexError::UnterminatedBrace => write!(f, "missing '}}'"),
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Reads a `$` expansion starting after the `$`; returns the part and chars consumed.
fn dollar(chars: &[char], i: usize) -> Result<(Part, usize), LexError> {
    match chars.get(i) {
        Some('?') | Some('$') | Some('!') | Some('#') => Ok((Part::Param(chars[i].to_string()), 1)),
        Some(c) if c.is_ascii_digit() => Ok((Part::Param(c.to_string()), 1)),
        Some('{') => {
            let end =
                chars[i..].iter().position(|&c| c == '}').ok_or(LexError::UnterminatedBrace)?;
            Ok((Part::Param(chars[i + 1..i + end].iter().collect()), end + 1))
        }
        Some(&c) if is_name_char(c) => {
            let len = chars[i..].iter().take_while(|&&c| is_name_char(c)).count();
            Ok((Part::Param(chars[i..i + len].iter().collect()), len))
        }
        _ => Ok((Part::Lit("$".into()), 0)),
    }
}

/// Tokenizes `line`.
pub fn tokenize(line: &str) -> Result<Vec<Token>, LexError> {
    let chars: Vec<char> = line.chars().collect();
    let mut tokens = Vec::new();
    let mut parts: Vec<Part> = Vec::new();
    let mut lit = String::new();
    let mut in_word = false;
    let mut i = 0;

    let flush =
        |tokens: &mut Vec<Token>, parts: &mut Vec<Part>, lit: &mut String, in_word: &mut bool| {
            if !lit.is_empty() {
                parts.push(Part::Lit(std::mem::take(lit)));
            }
            if *in_word {
                tokens.push(Token::Word(std::mem::take(parts)));
            }
            *in_word = false;
        };

    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => {
                flush(&mut tokens, &mut parts, &mut lit, &mut in_word);
                i += 1;
            }
            '\n' | ';' => {
                flush(&mut tokens, &mut parts, &mut lit, &mut in_word);
                tokens.push(Token::Semi);
                i += 1;
            }
            '#' if !in_word => {
                // A comment runs to the end of the line.
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '|' | '&' => {
                flush(&mut tokens, &mut parts, &mut lit, &mut in_word);
                let double = chars.get(i + 1) == Some(&c);
                tokens.push(match (c, double) {
                    ('|', true) => Token::OrIf,
                    ('|', false) => Token::Pipe,
                    ('&', true) => Token::AndIf,
                    _ => Token::Amp,
                });
                i += if double { 2 } else { 1 };
            }
            '<' | '>' => {
                // A word of only digits right before the operator is its fd number.
                let fd = if in_word
                    && parts.is_empty()
                    && !lit.is_empty()
                    && lit.chars().all(|d| d.is_ascii_digit())
                {
                    let n = lit.parse().ok();
                    lit.clear();
                    in_word = false;
                    n
                } else {
                    flush(&mut tokens, &mut parts, &mut lit, &mut in_word);
                    None
                };
                let next = chars.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    ('>', Some('>')) => (">>", 2),
                    ('>', Some('&')) => (">&", 2),
                    ('<', Some('&')) => ("<&", 2),
                    ('>', _) => (">", 1),
                    _ => ("<", 1),
                };
                tokens.push(Token::Redir(fd, op));
                i += len;
            }
            '\'' => {
                in_word = true;
                let end = chars[i + 1..]
                    .iter()
                    .position(|&q| q == '\'')
                    .ok_or(LexError::UnterminatedQuote('\''))?;
                lit.extend(&chars[i + 1..i + 1 + end]);
                i += end + 2;
            }
            '"' => {
                in_word = true;
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(LexError::UnterminatedQuote('"')),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\')
                            if matches!(chars.get(i + 1), Some('"' | '\\' | '$' | '`' | '\n')) =>
                        {
                            if chars[i + 1] != '\n' {
                                lit.push(chars[i + 1]);
                            }
                            i += 2;
                        }
                        Some('$') => {
                            let (part, used) = dollar(&chars, i + 1)?;
                            if !lit.is_empty() {
                                parts.push(Part::Lit(std::mem::take(&mut lit)));
                            }
                            parts.push(part);
                            i += 1 + used;
                        }
                        Some(&other) => {
                            lit.push(other);
                            i += 1;
                        }
                    }
                }
                // An empty "" is still a word.
                if lit.is_empty() && parts.is_empty() {
                    parts.push(Part::Lit(String::new()));
                }
            }
            '\\' => {
                in_word = true;
                match chars.get(i + 1) {
                    Some('\n') => {}
                    Some(&next) => lit.push(next),
                    None => {}
                }
                i += 2;
            }
            '$' => {
                in_word = true;
                let (part, used) = dollar(&chars, i + 1)?;
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                }
                parts.push(part);
                i += 1 + used;
            }
            other => {
                in_word = true;
                lit.push(other);
                i += 1;
            }
        }
    }
    flush(&mut tokens, &mut parts, &mut lit, &mut in_word);
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Token {
        Token::Word(vec![Part::Lit(s.into())])
    }

    #[test]
    fn words_and_operators() {
        let t = tokenize("echo a | cat && b || c; d &").unwrap();
        assert_eq!(
            t,
            vec![
                lit("echo"),
                lit("a"),
                Token::Pipe,
                lit("cat"),
                Token::AndIf,
                lit("b"),
                Token::OrIf,
                lit("c"),
                Token::Semi,
                lit("d"),
                Token::Amp
            ]
        );
    }

    #[test]
    fn quoting() {
        assert_eq!(
            tokenize("'a b' \"c d\" e\\ f").unwrap(),
            vec![lit("a b"), lit("c d"), lit("e f")]
        );
        assert_eq!(tokenize("'$X'").unwrap(), vec![lit("$X")]);
        assert_eq!(
            tokenize("\"x$Y\"z").unwrap(),
            vec![Token::Word(vec![
                Part::Lit("x".into()),
                Part::Param("Y".into()),
                Part::Lit("z".into())
            ])]
        );
        assert_eq!(tokenize("\"\"").unwrap(), vec![lit("")]);
        assert_eq!(tokenize("'a").unwrap_err(), LexError::UnterminatedQuote('\''));
    }

    #[test]
    fn redirections() {
        let t = tokenize("cmd >out 2>&1 <in >>log").unwrap();
        assert_eq!(
            t,
            vec![
                lit("cmd"),
                Token::Redir(None, ">"),
                lit("out"),
                Token::Redir(Some(2), ">&"),
                lit("1"),
                Token::Redir(None, "<"),
                lit("in"),
                Token::Redir(None, ">>"),
                lit("log")
            ]
        );
    }

    #[test]
    fn comments_and_status() {
        assert_eq!(
            tokenize("echo $? # comment").unwrap(),
            vec![lit("echo"), Token::Word(vec![Part::Param("?".into())])]
        );
    }
}
