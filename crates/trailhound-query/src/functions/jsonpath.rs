//! The JSONPath subset Trino's `json_extract` and `json_extract_scalar` take: `$`, `.key`,
//! `["key"]` / `['key']`, `[index]`. Values are looked up with serde_json.

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// Parses a path such as `$.ipPermissions.items[0].ipRanges` or `$["x-amz-acl"]`.
pub fn parse(path: &str) -> Result<Vec<Step>, String> {
    let bad = |why: &str| format!("invalid JSON path {path:?}: {why}");
    let rest = path
        .trim()
        .strip_prefix('$')
        .ok_or_else(|| bad("it must start with $"))?;
    let b = rest.as_bytes();
    let mut steps = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'.' => {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && b[end] != b'.' && b[end] != b'[' {
                    end += 1;
                }
                if end == start {
                    return Err(bad("empty key after '.'"));
                }
                steps.push(Step::Key(rest[start..end].to_string()));
                i = end;
            }
            b'[' => {
                let close = rest[i..]
                    .find(']')
                    .map(|p| p + i)
                    .ok_or_else(|| bad("unclosed '['"))?;
                let inner = rest[i + 1..close].trim();
                let quoted = inner.len() >= 2
                    && ((inner.starts_with('"') && inner.ends_with('"'))
                        || (inner.starts_with('\'') && inner.ends_with('\'')));
                if quoted {
                    steps.push(Step::Key(inner[1..inner.len() - 1].to_string()));
                } else {
                    let n = inner
                        .parse::<usize>()
                        .map_err(|_| bad("a subscript must be a number or a quoted key"))?;
                    steps.push(Step::Index(n));
                }
                i = close + 1;
            }
            _ => return Err(bad("expected '.' or '['")),
        }
    }
    Ok(steps)
}

/// The value at `steps` in `root`, if any.
pub fn lookup<'a>(root: &'a Value, steps: &[Step]) -> Option<&'a Value> {
    let mut v = root;
    for s in steps {
        v = match (s, v) {
            (Step::Key(k), Value::Object(m)) => m.get(k)?,
            (Step::Index(n), Value::Array(a)) => a.get(*n)?,
            _ => return None,
        };
    }
    Some(v)
}

/// Trino's `json_extract_scalar`: a string's value, a number's or boolean's text; NULL for
/// objects, arrays, JSON null and missing paths.
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Object(_) | Value::Array(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_paths_trino_takes() {
        assert_eq!(parse("$").unwrap(), vec![]);
        assert_eq!(
            parse("$.a.b[2]['c d'][\"e\"]").unwrap(),
            vec![
                Step::Key("a".into()),
                Step::Key("b".into()),
                Step::Index(2),
                Step::Key("c d".into()),
                Step::Key("e".into())
            ]
        );
        assert!(parse("a.b").is_err());
        assert!(parse("$.").is_err());
        assert!(parse("$[x]").is_err());
        assert!(parse("$[0").is_err());
    }

    #[test]
    fn looks_up_values() {
        let v: Value = serde_json::from_str(r#"{"a":{"b":[1,{"c":"x"}]},"n":null}"#).unwrap();
        let at = |p: &str| lookup(&v, &parse(p).unwrap()).and_then(scalar_text);
        assert_eq!(at("$.a.b[0]").as_deref(), Some("1"));
        assert_eq!(at("$.a.b[1].c").as_deref(), Some("x"));
        assert_eq!(at("$.a.b"), None);
        assert_eq!(at("$.n"), None);
        assert_eq!(at("$.zz"), None);
        assert_eq!(at("$.a.b[9]"), None);
    }
}
