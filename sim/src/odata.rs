//! The subset of OData `$filter` Defender accepts on its list endpoints: `eq` on string
//! fields, `eq`/`ge`/`gt`/`le`/`lt` on datetime fields, `startswith(field,'prefix')`,
//! `and` (binding tighter) and `or`, and parentheses. A real tokenizer and
//! recursive-descent parser, so that a client's filter is checked the way Defender checks
//! it: anything outside the subset is an error message (the caller's 400), never a panic,
//! and the work is bounded by [`MAX_FILTER_LEN`] and [`MAX_DEPTH`].

use serde_json::Value;

use crate::util::parse_iso;

/// Longest `$filter` accepted, in bytes.
pub const MAX_FILTER_LEN: usize = 4096;
/// Deepest nesting of parentheses accepted.
pub const MAX_DEPTH: usize = 32;

/// How a field may be filtered on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `eq` with a string literal, compared exactly.
    Text,
    /// `eq` with a string literal, compared ignoring case (ids, DNS names).
    TextNoCase,
    /// Like `TextNoCase`, and `startswith(field,'prefix')` too (case-insensitive).
    Prefix,
    /// `eq`/`ge`/`gt`/`le`/`lt` with an unquoted ISO 8601 UTC datetime.
    Time,
}

/// The fields an entity set can be filtered on (names are case-sensitive, like Defender's).
pub type Schema = &'static [(&'static str, Kind)];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ge,
    Gt,
    Le,
    Lt,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Literal {
    Text(String),
    /// 100-ns ticks since the Unix epoch.
    Time(i64),
    Null,
}

/// A parsed filter, evaluated against each entity's JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Compare {
        field: &'static str,
        kind: Kind,
        op: Op,
        value: Literal,
    },
    StartsWith {
        field: &'static str,
        prefix: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    /// A name: a field, keyword, operator or function.
    Name(String),
    Text(String),
    /// An unquoted value starting with a digit (a datetime, or a number we refuse).
    Bare(String),
    Open,
    Close,
    Comma,
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        match c {
            ' ' => {}
            '(' => tokens.push(Token::Open),
            ')' => tokens.push(Token::Close),
            ',' => tokens.push(Token::Comma),
            '\'' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some((_, '\'')) if chars.peek().is_some_and(|&(_, n)| n == '\'') => {
                            chars.next();
                            s.push('\'');
                        }
                        Some((_, '\'')) => break,
                        Some((_, ch)) => s.push(ch),
                        None => return Err("Unterminated string literal in $filter.".into()),
                    }
                }
                tokens.push(Token::Text(s));
            }
            c if c.is_ascii_alphabetic() || c.is_ascii_digit() || c == '_' => {
                let mut end = start + c.len_utf8();
                while let Some(&(i, n)) = chars.peek() {
                    let part = n.is_ascii_alphanumeric()
                        || n == '_'
                        || (c.is_ascii_digit() && matches!(n, '-' | ':' | '.' | '+'));
                    if !part {
                        break;
                    }
                    end = i + n.len_utf8();
                    chars.next();
                }
                let word = text[start..end].to_owned();
                tokens.push(if c.is_ascii_digit() {
                    Token::Bare(word)
                } else {
                    Token::Name(word)
                });
            }
            other => {
                return Err(format!(
                    "Syntax error at position {start} in $filter: unexpected '{other}'."
                ))
            }
        }
    }
    Ok(tokens)
}

/// Parses `text` against `schema`; `Err` is the message for a 400.
pub fn parse(text: &str, schema: Schema) -> Result<Expr, String> {
    if text.len() > MAX_FILTER_LEN {
        return Err(format!(
            "$filter is longer than {MAX_FILTER_LEN} characters."
        ));
    }
    if text.trim().is_empty() {
        return Err("$filter is empty.".into());
    }
    let mut p = Parser {
        tokens: tokenize(text)?,
        pos: 0,
        schema,
    };
    let expr = p.or_expr(0)?;
    match p.tokens.get(p.pos) {
        None => Ok(expr),
        Some(Token::Close) => Err("Unbalanced parentheses in $filter.".into()),
        Some(t) => Err(format!(
            "Syntax error in $filter: unexpected {} after a complete expression.",
            describe(t)
        )),
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Name(n) | Token::Bare(n) => format!("'{n}'"),
        Token::Text(s) => format!("string '{s}'"),
        Token::Open => "'('".into(),
        Token::Close => "')'".into(),
        Token::Comma => "','".into(),
    }
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    schema: Schema,
}

impl Parser {
    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn keyword(&mut self, word: &str) -> bool {
        let found = matches!(self.tokens.get(self.pos), Some(Token::Name(n)) if n == word);
        if found {
            self.pos += 1;
        }
        found
    }

    fn expect(&mut self, want: Token, what: &str) -> Result<(), String> {
        match self.next() {
            Some(t) if t == want => Ok(()),
            Some(t) => Err(format!(
                "Syntax error in $filter: expected {what}, found {}.",
                describe(&t)
            )),
            None => Err(format!(
                "Syntax error in $filter: expected {what} at the end."
            )),
        }
    }

    fn or_expr(&mut self, depth: usize) -> Result<Expr, String> {
        let mut left = self.and_expr(depth)?;
        while self.keyword("or") {
            left = Expr::Or(Box::new(left), Box::new(self.and_expr(depth)?));
        }
        Ok(left)
    }

    fn and_expr(&mut self, depth: usize) -> Result<Expr, String> {
        let mut left = self.primary(depth)?;
        while self.keyword("and") {
            left = Expr::And(Box::new(left), Box::new(self.primary(depth)?));
        }
        Ok(left)
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, String> {
        match self.next() {
            Some(Token::Open) => {
                if depth >= MAX_DEPTH {
                    return Err(format!(
                        "$filter nests parentheses deeper than {MAX_DEPTH}."
                    ));
                }
                let inner = self.or_expr(depth + 1)?;
                self.expect(Token::Close, "')'")
                    .map_err(|_| "Unbalanced parentheses in $filter.".to_owned())?;
                Ok(inner)
            }
            Some(Token::Name(name)) if self.tokens.get(self.pos) == Some(&Token::Open) => {
                self.function(&name)
            }
            Some(Token::Name(name)) => self.comparison(&name),
            Some(t) => Err(format!(
                "Syntax error in $filter: expected a property name, found {}.",
                describe(&t)
            )),
            None => Err("Syntax error in $filter: expected a property name at the end.".into()),
        }
    }

    fn field(&self, name: &str) -> Result<(&'static str, Kind), String> {
        self.schema
            .iter()
            .find(|(f, _)| *f == name)
            .copied()
            .ok_or_else(|| format!("Could not find a property named '{name}' to filter on."))
    }

    fn function(&mut self, name: &str) -> Result<Expr, String> {
        if name != "startswith" {
            return Err(format!(
                "The function '{name}' is not supported in $filter."
            ));
        }
        self.pos += 1;
        let field = match self.next() {
            Some(Token::Name(f)) => self.field(&f)?,
            _ => return Err("startswith takes a property name first.".into()),
        };
        if field.1 != Kind::Prefix {
            return Err(format!("startswith is not supported on '{}'.", field.0));
        }
        self.expect(Token::Comma, "','")?;
        let Some(Token::Text(prefix)) = self.next() else {
            return Err("startswith takes a string literal second.".into());
        };
        self.expect(Token::Close, "')'")?;
        Ok(Expr::StartsWith {
            field: field.0,
            prefix,
        })
    }

    fn comparison(&mut self, name: &str) -> Result<Expr, String> {
        let (field, kind) = self.field(name)?;
        let op = match self.next() {
            Some(Token::Name(op)) => match op.as_str() {
                "eq" => Op::Eq,
                "ge" => Op::Ge,
                "gt" => Op::Gt,
                "le" => Op::Le,
                "lt" => Op::Lt,
                other => return Err(format!("The operator '{other}' is not supported.")),
            },
            Some(t) => {
                return Err(format!(
                    "Syntax error in $filter: expected an operator after '{name}', found {}.",
                    describe(&t)
                ))
            }
            None => return Err(format!("'{name}' needs an operator and a value.")),
        };
        let value = match (kind, self.next()) {
            (Kind::Time, Some(Token::Bare(t))) => {
                Literal::Time(parse_iso(&t).ok_or_else(|| {
                    format!("'{t}' is not an ISO 8601 UTC datetime such as 2026-11-30T12:00:00Z.")
                })?)
            }
            (Kind::Time, _) => {
                return Err(format!(
                    "'{field}' is compared with an unquoted datetime such as 2026-11-30T12:00:00Z."
                ))
            }
            (_, _) if op != Op::Eq => {
                return Err(format!("Only 'eq' is supported on '{field}'."));
            }
            (_, Some(Token::Text(s))) => Literal::Text(s),
            (_, Some(Token::Name(n))) if n == "null" => Literal::Null,
            (_, _) => return Err(format!("'{field}' is compared with a quoted string.")),
        };
        Ok(Expr::Compare {
            field,
            kind,
            op,
            value,
        })
    }
}

impl Expr {
    /// Does `entity` (a JSON object) satisfy the filter? Missing or odd-typed fields
    /// match nothing but `eq null`.
    pub fn matches(&self, entity: &Value) -> bool {
        match self {
            Expr::And(a, b) => a.matches(entity) && b.matches(entity),
            Expr::Or(a, b) => a.matches(entity) || b.matches(entity),
            Expr::StartsWith { field, prefix } => entity
                .get(field)
                .and_then(Value::as_str)
                .is_some_and(|s| s.to_lowercase().starts_with(&prefix.to_lowercase())),
            Expr::Compare {
                field,
                kind,
                op,
                value,
            } => {
                let actual = entity.get(field).unwrap_or(&Value::Null);
                match (value, actual) {
                    (Literal::Null, v) => v.is_null(),
                    (Literal::Text(want), Value::String(s)) => match kind {
                        Kind::TextNoCase | Kind::Prefix => s.to_lowercase() == want.to_lowercase(),
                        _ => s == want,
                    },
                    (Literal::Time(want), Value::String(s)) => {
                        parse_iso(s).is_some_and(|t| match op {
                            Op::Eq => t == *want,
                            Op::Ge => t >= *want,
                            Op::Gt => t > *want,
                            Op::Le => t <= *want,
                            Op::Lt => t < *want,
                        })
                    }
                    _ => false,
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "odata_tests.rs"]
mod tests;
