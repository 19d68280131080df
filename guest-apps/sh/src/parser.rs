//! The shell grammar, simplified from POSIX XCU 2.9 "Shell Commands" and 2.10 "Shell
//! Grammar": a list of and-or lists separated by `;`/newline or `&`, each a chain of
//! pipelines joined by `&&`/`||`, each a chain of simple commands joined by `|`.

use crate::lexer::{Part, Token};

/// A redirection of file descriptor `fd`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// The descriptor redirected (0 for `<`, 1 for `>` by default).
    pub fd: u32,
    /// `<`, `>`, `>>`, `>&` or `<&`.
    pub op: &'static str,
    /// The file name, or for `>&`/`<&` the descriptor to duplicate.
    pub target: Vec<Part>,
}

/// A simple command: words (the first names the program) and redirections.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Command {
    /// The words, unexpanded.
    pub words: Vec<Vec<Part>>,
    /// Redirections, applied in order.
    pub redirects: Vec<Redirect>,
}

/// Commands connected by pipes.
pub type Pipeline = Vec<Command>;

/// How a pipeline is joined to the one before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connector {
    /// `&&`: run if the previous succeeded.
    And,
    /// `||`: run if the previous failed.
    Or,
}

/// Pipelines joined by `&&` and `||`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AndOr {
    /// The first pipeline.
    pub first: Pipeline,
    /// The rest, each with its connector.
    pub rest: Vec<(Connector, Pipeline)>,
}

/// One item of a list: an and-or list, run in the background if it ended with `&`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// What to run.
    pub and_or: AndOr,
    /// Whether it ended with `&`.
    pub background: bool,
}

/// A syntax error, with the token that caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError(pub String);

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "syntax error near {}", self.0)
    }
}

fn describe(token: Option<&Token>) -> String {
    match token {
        None => "end of input".into(),
        Some(Token::Pipe) => "'|'".into(),
        Some(Token::AndIf) => "'&&'".into(),
        Some(Token::OrIf) => "'||'".into(),
        Some(Token::Semi) => "';'".into(),
        Some(Token::Amp) => "'&'".into(),
        Some(Token::Redir(_, op)) => format!("'{op}'"),
        Some(Token::Word(_)) => "a word".into(),
    }
}

/// Writes a word back as shell text: literal parts quoted where they would otherwise
/// mean something else, parameters as `${NAME}` (for the job text `jobs` shows).
fn write_word(f: &mut std::fmt::Formatter<'_>, word: &[Part]) -> std::fmt::Result {
    if word.is_empty() {
        return f.write_str("''");
    }
    for part in word {
        match part {
            Part::Lit(s) if s.is_empty() => f.write_str("''")?,
            Part::Lit(s)
                if s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./,:=+%@^".contains(c)) =>
            {
                f.write_str(s)?
            }
            Part::Lit(s) => write!(f, "'{}'", s.replace('\'', "'\\''"))?,
            Part::Param(n) if n.len() == 1 && !n.starts_with(|c: char| c.is_ascii_alphabetic()) => {
                write!(f, "${n}")?
            }
            Part::Param(n) => write!(f, "${{{n}}}")?,
        }
    }
    Ok(())
}

impl std::fmt::Display for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for word in &self.words {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            write_word(f, word)?;
        }
        for r in &self.redirects {
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            let default = if r.op.starts_with('<') { 0 } else { 1 };
            if r.fd != default {
                write!(f, "{}", r.fd)?;
            }
            f.write_str(r.op)?;
            write_word(f, &r.target)?;
        }
        Ok(())
    }
}

/// A pipeline as shell text: its commands joined by ` | `.
pub fn pipeline_text(pipeline: &Pipeline) -> String {
    pipeline.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(" | ")
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn command(&mut self) -> Result<Command, SyntaxError> {
        let mut cmd = Command::default();
        loop {
            match self.peek() {
                Some(Token::Word(_)) => {
                    if let Some(Token::Word(w)) = self.next() {
                        cmd.words.push(w);
                    }
                }
                Some(&Token::Redir(fd, op)) => {
                    self.pos += 1;
                    let target = match self.next() {
                        Some(Token::Word(w)) => w,
                        other => return Err(SyntaxError(describe(other.as_ref()))),
                    };
                    let fd = fd.unwrap_or(if op.starts_with('<') { 0 } else { 1 });
                    cmd.redirects.push(Redirect { fd, op, target });
                }
                _ => break,
            }
        }
        if cmd.words.is_empty() && cmd.redirects.is_empty() {
            return Err(SyntaxError(describe(self.peek())));
        }
        Ok(cmd)
    }

    fn pipeline(&mut self) -> Result<Pipeline, SyntaxError> {
        let mut pipeline = vec![self.command()?];
        while self.peek() == Some(&Token::Pipe) {
            self.pos += 1;
            pipeline.push(self.command()?);
        }
        Ok(pipeline)
    }

    fn and_or(&mut self) -> Result<AndOr, SyntaxError> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let connector = match self.peek() {
                Some(Token::AndIf) => Connector::And,
                Some(Token::OrIf) => Connector::Or,
                _ => break,
            };
            self.pos += 1;
            // A newline may follow && or || (XCU 2.10 linebreak).
            while self.peek() == Some(&Token::Semi) {
                self.pos += 1;
            }
            rest.push((connector, self.pipeline()?));
        }
        Ok(AndOr { first, rest })
    }
}

/// Parses a whole program (a script or a `-c` string).
pub fn parse(tokens: Vec<Token>) -> Result<Vec<Item>, SyntaxError> {
    let mut p = Parser { tokens, pos: 0 };
    let mut items = Vec::new();
    loop {
        while p.peek() == Some(&Token::Semi) {
            p.pos += 1;
        }
        if p.peek().is_none() {
            return Ok(items);
        }
        let and_or = p.and_or()?;
        let background = match p.peek() {
            Some(Token::Amp) => {
                p.pos += 1;
                true
            }
            Some(Token::Semi) | None => false,
            other => return Err(SyntaxError(describe(other))),
        };
        items.push(Item { and_or, background });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::tokenize;

    fn parse_str(s: &str) -> Result<Vec<Item>, SyntaxError> {
        parse(tokenize(s).unwrap())
    }

    #[test]
    fn lists_and_pipelines() {
        let items = parse_str("a | b && c || d; e &").unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].and_or.first.len(), 2);
        assert_eq!(items[0].and_or.rest.len(), 2);
        assert_eq!(items[0].and_or.rest[0].0, Connector::And);
        assert!(!items[0].background);
        assert!(items[1].background);
    }

    #[test]
    fn redirect_defaults() {
        let items = parse_str("cat <in >out 2>&1").unwrap();
        let cmd = &items[0].and_or.first[0];
        let fds: Vec<(u32, &str)> = cmd.redirects.iter().map(|r| (r.fd, r.op)).collect();
        assert_eq!(fds, [(0, "<"), (1, ">"), (2, ">&")]);
    }

    #[test]
    fn text() {
        let items = parse_str("sleep 100 | cat -n >out 2>&1 <in").unwrap();
        assert_eq!(pipeline_text(&items[0].and_or.first), "sleep 100 | cat -n >out 2>&1 <in");
        let items = parse_str("echo 'a b' \"$X\"y $? ''").unwrap();
        assert_eq!(pipeline_text(&items[0].and_or.first), "echo 'a b' ${X}y $? ''");
    }

    #[test]
    fn errors() {
        assert!(parse_str("| a").is_err());
        assert!(parse_str("a |").is_err());
        assert!(parse_str("a && ").is_err());
        assert!(parse_str("a >").is_err());
        assert_eq!(parse_str("a ;; ; b").unwrap().len(), 2);
    }
}
