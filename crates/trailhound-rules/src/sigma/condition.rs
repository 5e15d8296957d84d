//! The `condition` expression: and, or, not, parentheses, `1 of x*`, `all of x*`, `them`, over
//! the named searches' predicates.

use super::*;

/// The condition: `and`, `or`, `not`, parentheses, `1 of x*`, `all of them`.
pub(super) struct Condition<'a> {
    tokens: Vec<String>,
    i: usize,
    idents: &'a [(String, Pred)],
}

impl<'a> Condition<'a> {
    pub(super) fn new(text: &str, idents: &'a [(String, Pred)]) -> Self {
        let mut tokens = Vec::new();
        let mut cur = String::new();
        for c in text.chars() {
            match c {
                '(' | ')' => {
                    if !cur.is_empty() {
                        tokens.push(std::mem::take(&mut cur));
                    }
                    tokens.push(c.to_string());
                }
                c if c.is_whitespace() => {
                    if !cur.is_empty() {
                        tokens.push(std::mem::take(&mut cur));
                    }
                }
                c => cur.push(c),
            }
        }
        if !cur.is_empty() {
            tokens.push(cur);
        }
        Condition {
            tokens,
            i: 0,
            idents,
        }
    }

    pub(super) fn peek(&self) -> Option<&str> {
        self.tokens.get(self.i).map(String::as_str)
    }

    pub(super) fn parse(mut self) -> std::result::Result<Pred, String> {
        if self.tokens.iter().any(|t| t.contains('|')) {
            return Err("aggregation pipes (Sigma 1 `| count()`, `| near`) are not supported; use a correlation rule".into());
        }
        let e = self.or()?;
        match self.peek() {
            None => Ok(e),
            Some(t) => Err(format!("unexpected {t:?}")),
        }
    }

    pub(super) fn or(&mut self) -> std::result::Result<Pred, String> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some("or") {
            self.i += 1;
            parts.push(self.and()?);
        }
        Ok(Pred::join(parts, "OR"))
    }

    pub(super) fn and(&mut self) -> std::result::Result<Pred, String> {
        let mut parts = vec![self.not()?];
        while self.peek() == Some("and") {
            self.i += 1;
            parts.push(self.not()?);
        }
        Ok(Pred::join(parts, "AND"))
    }

    pub(super) fn not(&mut self) -> std::result::Result<Pred, String> {
        if self.peek() == Some("not") {
            self.i += 1;
            return Ok(self.not()?.not());
        }
        self.atom()
    }

    pub(super) fn atom(&mut self) -> std::result::Result<Pred, String> {
        let Some(t) = self.peek().map(str::to_string) else {
            return Err("ends where a search identifier was expected".into());
        };
        self.i += 1;
        match t.as_str() {
            "(" => {
                let e = self.or()?;
                if self.peek() != Some(")") {
                    return Err("a `(` without its `)`".into());
                }
                self.i += 1;
                Ok(e)
            }
            "1" | "any" | "all" if self.peek() == Some("of") => {
                self.i += 1;
                let Some(target) = self.peek().map(str::to_string) else {
                    return Err(format!("`{t} of` without what"));
                };
                self.i += 1;
                let chosen: Vec<Pred> = self
                    .idents
                    .iter()
                    .filter(|(name, _)| {
                        if target == "them" {
                            !name.starts_with('_')
                        } else {
                            glob(&target, name)
                                && (target.starts_with('_') || !name.starts_with('_'))
                        }
                    })
                    .map(|(_, p)| p.clone())
                    .collect();
                if chosen.is_empty() {
                    return Err(format!("`{t} of {target}` names no search identifier"));
                }
                Ok(Pred::join(chosen, if t == "all" { "AND" } else { "OR" }))
            }
            ")" | "and" | "or" | "of" => Err(format!("unexpected {t:?}")),
            name => self
                .idents
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, p)| p.clone())
                .ok_or_else(|| format!("names {name:?}, which the detection does not define")),
        }
    }
}

/// `*` globbing of identifier names.
pub(super) fn glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            let Some(rest) = name.strip_prefix(head) else {
                return false;
            };
            if tail.is_empty() {
                return true;
            }
            (0..=rest.len()).any(|i| rest.is_char_boundary(i) && glob(tail, &rest[i..]))
        }
    }
}
