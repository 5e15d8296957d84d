//! CloudWatch Logs filter patterns for JSON log events (`{ $.eventName = ConsoleLogin && … }`),
//! parsed into a tree with the position of every condition, so an error names where it is.
//!
//! The grammar, as the CloudWatch Logs user guide documents it:
//! `{ EXPR }` where `EXPR` is conditions joined by `&&` and `||` (with `&&` binding tighter, as in
//! the expression languages the syntax is modelled on) and grouped by parentheses. A condition is
//! a selector (`$.a.b`, `$.a[0].b`, `$.['key.with.dots']`) then `=`, `!=`, `<`, `<=`, `>`, `>=`
//! and a value (a number, a double-quoted string, a bare word, or a `%regex%`), or `IS TRUE`,
//! `IS FALSE`, `IS NULL`, `NOT EXISTS`. A `*` at the start or end of a string matches any text
//! there (one in the middle is a literal star); `*` alone matches any value.

use std::fmt;

/// A parsed filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    And(Box<Pattern>, Box<Pattern>),
    Or(Box<Pattern>, Box<Pattern>),
    Cond(Condition),
}

/// One `selector test` of a pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub selector: Vec<Step>,
    pub test: Test,
    /// Character offset of the condition in the pattern text (0-based).
    pub at: usize,
}

/// One step of a selector: a key (`.name`) or an array index (`[0]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    pub fn sql(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "<>",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A number, and its text as written (compared as a number with JSON numbers, as that text
    /// with strings).
    Number(f64, String),
    /// A string; a `*` at either end is a wildcard.
    Text(String),
    /// `%regex%`: matches strings in which the regular expression finds a match.
    Regex(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Compare(Op, Value),
    IsTrue,
    IsFalse,
    IsNull,
    NotExists,
}

/// A pattern that cannot be parsed: what was expected and where (1-based character position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub position: usize,
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.position, self.message)
    }
}

impl std::error::Error for PatternError {}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Key(k) => write!(f, ".{k}"),
            Step::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// `$.a.b[0]` as written.
pub fn selector_text(steps: &[Step]) -> String {
    let mut s = String::from("$");
    for step in steps {
        s.push_str(&step.to_string());
    }
    s
}

/// Parses a JSON filter pattern.
pub fn parse(text: &str) -> Result<Pattern, PatternError> {
    let chars: Vec<char> = text.chars().collect();
    let mut p = Parser { chars, i: 0 };
    p.skip_ws();
    if p.peek() != Some('{') {
        let what = if p.peek().is_none() {
            "the pattern is empty"
        } else {
            "only JSON filter patterns (`{ $.field = value }`) select CloudTrail events; \
             term and space-delimited patterns do not apply to them"
        };
        return Err(p.error(what.to_string()));
    }
    p.i += 1;
    let pattern = p.or_expr()?;
    p.skip_ws();
    p.expect('}')?;
    p.skip_ws();
    if p.peek().is_some() {
        return Err(p.error("unexpected text after the closing `}`".into()));
    }
    Ok(pattern)
}

struct Parser {
    chars: Vec<char>,
    i: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.i + n).copied()
    }

    fn error(&self, message: String) -> PatternError {
        PatternError {
            position: self.i + 1,
            message,
        }
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the pattern".into(),
            Some(c) => format!("{c:?}"),
        }
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: char) -> Result<(), PatternError> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected `{c}`, found {}", self.found())))
        }
    }

    fn eat2(&mut self, a: char, b: char) -> bool {
        if self.peek() == Some(a) && self.peek_at(1) == Some(b) {
            self.i += 2;
            true
        } else {
            false
        }
    }

    fn or_expr(&mut self) -> Result<Pattern, PatternError> {
        let mut left = self.and_expr()?;
        loop {
            self.skip_ws();
            if self.eat2('|', '|') {
                let right = self.and_expr()?;
                left = Pattern::Or(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn and_expr(&mut self) -> Result<Pattern, PatternError> {
        let mut left = self.primary()?;
        loop {
            self.skip_ws();
            if self.eat2('&', '&') {
                let right = self.primary()?;
                left = Pattern::And(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn primary(&mut self) -> Result<Pattern, PatternError> {
        self.skip_ws();
        match self.peek() {
            Some('(') => {
                self.i += 1;
                let inner = self.or_expr()?;
                self.skip_ws();
                self.expect(')')?;
                Ok(inner)
            }
            Some('$') => self.condition().map(Pattern::Cond),
            _ => Err(self.error(format!(
                "expected a condition (`$.field …`) or `(`, found {}",
                self.found()
            ))),
        }
    }

    fn condition(&mut self) -> Result<Condition, PatternError> {
        let at = self.i;
        let selector = self.selector()?;
        self.skip_ws();
        let test = match self.peek() {
            Some('=') => {
                self.i += 1;
                // `==` is not CloudWatch syntax, but a slip worth a precise message.
                if self.peek() == Some('=') {
                    return Err(self.error("`==` is not an operator; use `=`".into()));
                }
                Test::Compare(Op::Eq, self.value()?)
            }
            Some('!') if self.peek_at(1) == Some('=') => {
                self.i += 2;
                Test::Compare(Op::Ne, self.value()?)
            }
            Some('<') => {
                self.i += 1;
                let op = if self.peek() == Some('=') {
                    self.i += 1;
                    Op::Le
                } else {
                    Op::Lt
                };
                Test::Compare(op, self.number_value()?)
            }
            Some('>') => {
                self.i += 1;
                let op = if self.peek() == Some('=') {
                    self.i += 1;
                    Op::Ge
                } else {
                    Op::Gt
                };
                Test::Compare(op, self.number_value()?)
            }
            Some(c) if c.is_ascii_alphabetic() => self.keyword_test()?,
            _ => {
                return Err(self.error(format!(
                    "expected an operator (=, !=, <, <=, >, >=, IS, NOT EXISTS) after {}, found {}",
                    selector_text(&selector),
                    self.found()
                )))
            }
        };
        Ok(Condition { selector, test, at })
    }

    fn word(&mut self) -> String {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.i += 1;
        }
        self.chars[start..self.i].iter().collect()
    }

    fn keyword_test(&mut self) -> Result<Test, PatternError> {
        let start = self.i;
        let first = self.word().to_ascii_uppercase();
        let at_first = |_: &Self, m: String| PatternError {
            position: start + 1,
            message: m,
        };
        match first.as_str() {
            "IS" => {
                self.skip_ws();
                let at = self.i;
                match self.word().to_ascii_uppercase().as_str() {
                    "TRUE" => Ok(Test::IsTrue),
                    "FALSE" => Ok(Test::IsFalse),
                    "NULL" => Ok(Test::IsNull),
                    _ => Err(PatternError {
                        position: at + 1,
                        message: "expected TRUE, FALSE or NULL after IS".into(),
                    }),
                }
            }
            "NOT" => {
                self.skip_ws();
                let at = self.i;
                if self.word().eq_ignore_ascii_case("EXISTS") {
                    Ok(Test::NotExists)
                } else {
                    Err(PatternError {
                        position: at + 1,
                        message: "expected EXISTS after NOT".into(),
                    })
                }
            }
            "EXISTS" => Err(at_first(
                self,
                "EXISTS is not CloudWatch syntax; `$.field = *` matches any value".into(),
            )),
            _ => Err(at_first(
                self,
                format!(
                    "expected an operator (=, !=, <, <=, >, >=, IS, NOT EXISTS), found {first:?}"
                ),
            )),
        }
    }

    fn number_value(&mut self) -> Result<Value, PatternError> {
        self.skip_ws();
        let at = self.i;
        match self.value()? {
            v @ Value::Number(..) => Ok(v),
            Value::Text(t) | Value::Regex(t) => Err(PatternError {
                position: at + 1,
                message: format!("<, <=, > and >= compare numbers; {t:?} is not a number"),
            }),
        }
    }

    /// A number, a double-quoted string or a bare word.
    fn value(&mut self) -> Result<Value, PatternError> {
        self.skip_ws();
        let start = self.i;
        match self.peek() {
            Some('"') => {
                self.i += 1;
                let mut s = String::new();
                loop {
                    match self.peek() {
                        None => {
                            return Err(PatternError {
                                position: start + 1,
                                message: "unterminated string (no closing `\"`)".into(),
                            })
                        }
                        Some('"') => {
                            self.i += 1;
                            break;
                        }
                        Some('\\') => {
                            // `\"` and `\\`: the character itself (as AWS's own pattern builder writes them).
                            match self.peek_at(1) {
                                Some(c @ ('"' | '\\')) => s.push(c),
                                Some(c) => {
                                    s.push('\\');
                                    s.push(c);
                                }
                                None => {
                                    self.i += 1;
                                    continue;
                                }
                            }
                            self.i += 2;
                        }
                        Some(c) => {
                            s.push(c);
                            self.i += 1;
                        }
                    }
                }
                Ok(Value::Text(s))
            }
            Some('%') => {
                self.i += 1;
                let body = self.i;
                while self.peek().is_some_and(|c| c != '%') {
                    self.i += 1;
                }
                if self.peek().is_none() {
                    return Err(PatternError {
                        position: start + 1,
                        message: "unterminated regular expression (no closing `%`)".into(),
                    });
                }
                let re: String = self.chars[body..self.i].iter().collect();
                self.i += 1;
                Ok(Value::Regex(re))
            }
            Some(c) if is_bare(c) => {
                while self.peek().is_some_and(is_bare) {
                    self.i += 1;
                }
                let word: String = self.chars[start..self.i].iter().collect();
                Ok(match number(&word) {
                    Some(n) => Value::Number(n, word),
                    None => Value::Text(word),
                })
            }
            _ => Err(self.error(format!(
                "expected a value (a number, a \"string\" or a word), found {}",
                self.found()
            ))),
        }
    }

    fn selector(&mut self) -> Result<Vec<Step>, PatternError> {
        self.expect('$')?;
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                Some('.') if self.peek_at(1) == Some('*') => {
                    return Err(self.error(
                        "wildcard selectors (`$.*`, `[*]`) are not supported; name the field or index".into(),
                    ));
                }
                Some('.') if self.peek_at(1) == Some('[') => {
                    // `$.['key.with.dots']`
                    self.i += 1;
                }
                Some('.') => {
                    self.i += 1;
                    let start = self.i;
                    while self.peek().is_some_and(is_key_char) {
                        self.i += 1;
                    }
                    if self.i == start {
                        return Err(self.error(format!(
                            "expected a field name after `.`, found {}",
                            self.found()
                        )));
                    }
                    steps.push(Step::Key(self.chars[start..self.i].iter().collect()));
                }
                Some('[') if matches!(self.peek_at(1), Some('\'' | '"')) => {
                    let quote = self.peek_at(1).unwrap_or('\'');
                    self.i += 2;
                    let start = self.i;
                    while self.peek().is_some_and(|c| c != quote) {
                        self.i += 1;
                    }
                    let key: String = self.chars[start..self.i].iter().collect();
                    self.expect(quote)?;
                    self.expect(']')?;
                    steps.push(Step::Key(key));
                }
                Some('[') if self.peek_at(1) == Some('*') => {
                    return Err(self.error(
                        "wildcard selectors (`$.*`, `[*]`) are not supported; name the field or index".into(),
                    ));
                }
                Some('[') => {
                    self.i += 1;
                    let start = self.i;
                    while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        self.i += 1;
                    }
                    let digits: String = self.chars[start..self.i].iter().collect();
                    let Ok(n) = digits.parse::<usize>() else {
                        return Err(self.error(format!(
                            "expected an array index (`[0]`), found {}",
                            self.found()
                        )));
                    };
                    self.expect(']')?;
                    steps.push(Step::Index(n));
                }
                _ => break,
            }
        }
        if steps.is_empty() {
            return Err(self.error("expected `.field` after `$`".into()));
        }
        Ok(steps)
    }
}

/// Characters of a field name in a selector.
fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '@' | ':')
}

/// Characters of an unquoted value: anything but white space, the pattern's punctuation and quotes.
fn is_bare(c: char) -> bool {
    !c.is_whitespace()
        && !matches!(
            c,
            '(' | ')' | '{' | '}' | '&' | '|' | '"' | '=' | '!' | '<' | '>' | '%'
        )
}

/// A numeric literal: optional sign, digits, optional fraction and exponent.
fn number(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let starts_digit = body.chars().next().is_some_and(|c| c.is_ascii_digit());
    let plain = body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    if !starts_digit || !plain {
        return None;
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(p: &Pattern) -> &Condition {
        match p {
            Pattern::Cond(c) => c,
            _ => panic!("not a condition: {p:?}"),
        }
    }

    #[test]
    fn conditions_and_values() {
        let p = parse(r#"{ $.eventName = ConsoleLogin }"#).unwrap();
        let c = cond(&p);
        assert_eq!(c.selector, vec![Step::Key("eventName".into())]);
        assert_eq!(
            c.test,
            Test::Compare(Op::Eq, Value::Text("ConsoleLogin".into()))
        );
        let p = parse(r#"{$.a[0].b>=-1.5e3}"#).unwrap();
        let c = cond(&p);
        assert_eq!(
            c.selector,
            vec![Step::Key("a".into()), Step::Index(0), Step::Key("b".into())]
        );
        assert_eq!(
            c.test,
            Test::Compare(Op::Ge, Value::Number(-1500.0, "-1.5e3".into()))
        );
        let p = parse(r#"{ $.x != "say \"hi\" \\" }"#).unwrap();
        assert_eq!(
            cond(&p).test,
            Test::Compare(Op::Ne, Value::Text("say \"hi\" \\".into()))
        );
        let p = parse(r#"{ $.['a.b'][2] = %^Get[A-Z]% }"#).unwrap();
        assert_eq!(
            cond(&p).selector,
            vec![Step::Key("a.b".into()), Step::Index(2)]
        );
        assert_eq!(
            cond(&p).test,
            Test::Compare(Op::Eq, Value::Regex("^Get[A-Z]".into()))
        );
        assert_eq!(cond(&parse("{ $.x IS true }").unwrap()).test, Test::IsTrue);
        assert_eq!(cond(&parse("{ $.x is NULL }").unwrap()).test, Test::IsNull);
        assert_eq!(
            cond(&parse("{ $.x NOT EXISTS }").unwrap()).test,
            Test::NotExists
        );
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let p = parse("{ $.a = 1 || $.b = 2 && $.c = 3 }").unwrap();
        let Pattern::Or(_, right) = p else {
            panic!("{p:?}")
        };
        assert!(matches!(*right, Pattern::And(_, _)));
        let p = parse("{ ($.a = 1 || $.b = 2) && $.c = 3 }").unwrap();
        assert!(matches!(p, Pattern::And(_, _)));
    }

    #[test]
    fn errors_name_the_position() {
        let e = |s: &str| parse(s).unwrap_err();
        assert_eq!(e("{ $.a = 1 ").position, 11);
        assert_eq!(e("{ $.a == 1 }").position, 8);
        assert_eq!(e("{ $.a < abc }").position, 9);
        assert_eq!(e("{ $. = 1 }").position, 5);
        assert_eq!(e("{ $.a IS maybe }").position, 10);
        assert_eq!(e("{ $.a = \"x }").position, 9);
        assert_eq!(e("{ ($.a = 1 }").position, 12);
        assert_eq!(e("{ $.a = 1 } x").position, 13);
        assert_eq!(e("{ $.a[x] = 1 }").position, 7);
        assert_eq!(e("{ $.a = 1 && }").position, 14);
        assert!(e("ERROR").message.contains("only JSON filter patterns"));
        assert!(e("{ $.a EXISTS }").message.contains("`$.field = *`"));
        assert_eq!(e("{ $.a[*] = 1 }").position, 6);
        assert_eq!(e("{ $.a = %x }").position, 9);
        assert_eq!(e("").message, "the pattern is empty");
    }
}
