//! Values to SQL: wildcards and escapes, encodings (base64, UTF-16, windash), and each
//! modifier's comparison against the field's SQL, a missing field never matching.

use super::*;

/// A Sigma string: literal runs and wildcards.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Part {
    Lit(String),
    Any,
    One,
}

/// `\*`, `\?` and `\\` are literals; a `\` before anything else stays (Windows paths).
pub(super) fn parts(s: &str) -> Vec<Part> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&n @ ('*' | '?' | '\\')) => {
                    lit.push(n);
                    chars.next();
                }
                _ => lit.push('\\'),
            },
            '*' | '?' => {
                if !lit.is_empty() {
                    out.push(Part::Lit(std::mem::take(&mut lit)));
                }
                out.push(if c == '*' { Part::Any } else { Part::One });
            }
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        out.push(Part::Lit(lit));
    }
    out
}

pub(super) fn plain(p: &[Part]) -> Option<String> {
    match p {
        [] => Some(String::new()),
        [Part::Lit(s)] => Some(s.clone()),
        _ => None,
    }
}

pub(super) fn like_pattern(p: &[Part]) -> String {
    let mut s = String::new();
    for part in p {
        match part {
            Part::Any => s.push('%'),
            Part::One => s.push('_'),
            Part::Lit(l) => {
                for c in l.chars() {
                    if matches!(c, '%' | '_' | '\\') {
                        s.push('\\');
                    }
                    s.push(c);
                }
            }
        }
    }
    s
}

pub(super) fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~ ".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Per-element regex for the U+001F-separated values of [`Access::Many`].
pub(super) fn element_regex(p: &[Part], cased: bool) -> String {
    let mut s = String::from(if cased { "" } else { "(?i)" });
    s.push_str("(?:^|\u{1f})");
    for part in p {
        match part {
            Part::Any => s.push_str("[^\u{1f}]*"),
            Part::One => s.push_str("[^\u{1f}]"),
            Part::Lit(l) => s.push_str(&regex_escape(l)),
        }
    }
    s.push_str("(?:\u{1f}|$)");
    s
}

/// The encodings and expansions of a plain value (base64, utf16, windash), in modifier order.
pub(super) fn transform(values: Vec<String>, t: &str) -> std::result::Result<Vec<String>, String> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut out = Vec::new();
    for v in values {
        match t {
            "base64" => out.push(b64.encode(v.as_bytes())),
            "base64offset" => {
                // The three alignments of the value inside a longer encoded text, without the
                // characters that depend on its neighbours.
                let starts = [0usize, 2, 3];
                let ends = [0usize, 3, 2];
                for (i, start) in starts.iter().enumerate() {
                    let padded = format!("{}{v}", " ".repeat(i));
                    let enc = b64.encode(padded.as_bytes());
                    let end_cut = ends[(v.len() + i) % 3];
                    let end = enc.len().saturating_sub(end_cut);
                    if *start < end {
                        out.push(enc[*start..end].to_string());
                    }
                }
            }
            "utf16le" | "wide" => out.push(
                v.encode_utf16()
                    .flat_map(|u| u.to_le_bytes())
                    .map(char::from)
                    .collect(),
            ),
            "utf16be" => out.push(
                v.encode_utf16()
                    .flat_map(|u| u.to_be_bytes())
                    .map(char::from)
                    .collect(),
            ),
            "utf16" => {
                let mut s: String = ['\u{ff}', '\u{fe}'].iter().collect();
                s.extend(
                    v.encode_utf16()
                        .flat_map(|u| u.to_le_bytes())
                        .map(char::from),
                );
                out.push(s);
            }
            "windash" => {
                let chars: Vec<char> = v.chars().collect();
                let spots: Vec<usize> = (0..chars.len())
                    .filter(|&i| {
                        matches!(chars[i], '-' | '/')
                            && (i == 0 || !chars[i - 1].is_alphanumeric())
                            && chars.get(i + 1).is_some_and(|c| c.is_alphanumeric())
                    })
                    .collect();
                if spots.len() > 4 {
                    return Err("windash on a value with more than 4 dashes".into());
                }
                const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];
                for combo in 0..DASHES.len().pow(spots.len() as u32) {
                    let mut c = chars.clone();
                    let mut k = combo;
                    for &s in &spots {
                        c[s] = DASHES[k % DASHES.len()];
                        k /= DASHES.len();
                    }
                    out.push(c.into_iter().collect());
                }
            }
            _ => out.push(v),
        }
    }
    Ok(out)
}

pub(super) fn scalar(v: &Y) -> std::result::Result<Option<String>, String> {
    Ok(match v {
        Y::Null => None,
        Y::String(s) => Some(s.clone()),
        Y::Number(n) => Some(n.to_string()),
        Y::Bool(b) => Some(b.to_string()),
        _ => return Err("a value that is a list or map".into()),
    })
}

pub(super) fn leaf(s: String) -> String {
    format!("coalesce({s}, false)")
}

/// One `field|modifiers: value(s)` item.
pub(super) fn item(key: &str, value: &Y) -> std::result::Result<Pred, String> {
    let full = item_sql(key, value)?;
    // `eventName: X` or a list of plain names: the names a match must have.
    let names = (key == "eventName" || key == "eventName|cased")
        .then(|| {
            let values: Vec<&Y> = match value {
                Y::Sequence(l) => l.iter().collect(),
                v => vec![v],
            };
            values
                .into_iter()
                .map(|v| plain(&parts(v.as_str()?)).map(|l| l.to_lowercase()))
                .collect::<Option<std::collections::BTreeSet<String>>>()
        })
        .flatten()
        .filter(|n| !n.is_empty());
    Ok(Pred { full, names })
}

pub(super) fn item_sql(key: &str, value: &Y) -> std::result::Result<String, String> {
    let names: Vec<&str> = key.split('|').collect();
    let field = names[0];
    if field.is_empty() {
        return Err(
            "keyword (field-less) searches are not supported: the lake keeps fields, not log lines"
                .into(),
        );
    }
    let m = mods(&names[1..])?;
    let values: Vec<Option<String>> = match value {
        Y::Sequence(list) if list.is_empty() => vec![None],
        Y::Sequence(list) => list
            .iter()
            .map(scalar)
            .collect::<std::result::Result<_, _>>()?,
        v => vec![scalar(v)?],
    };
    let acc = access(field);
    if m.exists {
        let want = match value {
            Y::Bool(b) => *b,
            _ => return Err(format!("{field}|exists takes true or false")),
        };
        let present = match &acc {
            Access::One { sql, .. } | Access::Many { sql } | Access::Object { sql } => {
                format!("({sql} IS NOT NULL)")
            }
            Access::Nothing => "false".into(),
        };
        return Ok(if want {
            leaf(present)
        } else {
            format!("NOT {}", leaf(present))
        });
    }
    if let Some(sql) = literal_list(&acc, &m, &values) {
        return Ok(if m.neq { format!("NOT {sql}") } else { sql });
    }
    let mut preds = Vec::new();
    for v in values {
        preds.push(value_predicate(field, &acc, &m, v)?);
    }
    let joined = if preds.len() == 1 {
        preds.remove(0)
    } else {
        format!("({})", preds.join(if m.all { " AND " } else { " OR " }))
    };
    Ok(if m.neq {
        format!("NOT {joined}")
    } else {
        joined
    })
}

/// The common case, `eventName: [A, B, C]`: plain ASCII strings on a column of its own, as one
/// `IN` list. The casing range of each value is a guard the scan prunes with, and the
/// lower-casing only runs on the rows inside it (a CASE evaluates its THEN on those rows only),
/// which keeps a folder of rules about as cheap as plain comparisons.
pub(super) fn literal_list(acc: &Access, m: &Mods, values: &[Option<String>]) -> Option<String> {
    let Access::One {
        sql,
        prune: Some(col),
    } = acc
    else {
        return None;
    };
    let simple = m.re.is_none()
        && !m.contains
        && !m.startswith
        && !m.endswith
        && !m.all
        && !m.cidr
        && !m.fieldref
        && m.cmp.is_none()
        && m.transforms.is_empty();
    if !simple {
        return None;
    }
    let mut lits = Vec::new();
    for v in values {
        let lit = plain(&parts(v.as_deref()?))?;
        if !lit.is_ascii() {
            return None;
        }
        lits.push(lit);
    }
    if m.cased {
        let list: Vec<String> = lits.iter().map(|l| quote(l)).collect();
        return Some(format!(
            "(({col} IS NULL OR {col} IN ({list})) AND coalesce({sql} IN ({list}), false))",
            list = list.join(", ")
        ));
    }
    let ranges: Vec<String> = lits
        .iter()
        .map(|l| {
            format!(
                "({col} >= {} AND {col} <= {})",
                quote(&l.to_uppercase()),
                quote(&l.to_lowercase())
            )
        })
        .collect();
    let guard = format!("({col} IS NULL OR {})", ranges.join(" OR "));
    let lowered: Vec<String> = lits.iter().map(|l| quote(&l.to_lowercase())).collect();
    Some(format!(
        "({guard} AND coalesce(CASE WHEN {guard} THEN lower({sql}) IN ({}) ELSE false END, false))",
        lowered.join(", ")
    ))
}

/// One value's predicate, never NULL (a missing field is false, not unknown).
pub(super) fn value_predicate(
    field: &str,
    acc: &Access,
    m: &Mods,
    v: Option<String>,
) -> std::result::Result<String, String> {
    value_inner(field, acc, m, v).map(leaf)
}

pub(super) fn value_inner(
    field: &str,
    acc: &Access,
    m: &Mods,
    v: Option<String>,
) -> std::result::Result<String, String> {
    let Some(v) = v else {
        // null: absent or JSON null.
        return Ok(match acc {
            Access::One { sql, .. } | Access::Many { sql } | Access::Object { sql } => {
                format!("{sql} IS NULL")
            }
            Access::Nothing => "true".into(),
        });
    };
    let (sql, many) = match acc {
        Access::Nothing => return Ok("false".into()),
        Access::Object { .. } => {
            return Err(format!("{field} is an object; match one of its fields"))
        }
        Access::One { sql, .. } => (sql.as_str(), false),
        Access::Many { sql } => (sql.as_str(), true),
    };
    if let Some(op) = m.cmp {
        let n: f64 = v
            .parse()
            .map_err(|_| format!("{field}|{op}: {v:?} is not a number"))?;
        if many {
            return Ok(format!(
                "TRY_CAST(CASE WHEN strpos({sql}, chr(31)) = 0 THEN {sql} END AS DOUBLE) {op} {n:?}"
            ));
        }
        return Ok(format!("TRY_CAST({sql} AS DOUBLE) {op} {n:?}"));
    }
    if let Some(flags) = &m.re {
        let prefix = if flags.is_empty() {
            String::new()
        } else {
            format!("(?{flags})")
        };
        // Checked here, with the engine's own regex syntax: a pattern it rejects (a look-ahead,
        // a back-reference) skips this rule, named, instead of failing the scan of every rule.
        let pattern = format!("{prefix}{v}");
        if let Err(e) = regex::Regex::new(&pattern) {
            let why = e.to_string();
            let why = why.lines().last().unwrap_or_default().trim().to_string();
            return Err(format!(
                "{field}|re: {v:?} is not a regular expression the engine accepts ({why})"
            ));
        }
        return Ok(format!("regexp_like({sql}, {})", quote(&pattern)));
    }
    if m.cidr {
        if many {
            return Err(format!(
                "{field}|cidr: only on a field of its own column (sourceIPAddress)"
            ));
        }
        return Ok(format!("ip_in_cidr({sql}, {})", quote(&v)));
    }
    if m.fieldref {
        let other = match access(&v) {
            Access::One { sql, .. } | Access::Many { sql } => sql,
            _ => return Err(format!("{field}|fieldref: {v} is not a field with a value")),
        };
        let (a, b) = if m.cased {
            (sql.to_string(), other)
        } else {
            (format!("lower({sql})"), format!("lower({other})"))
        };
        let b = if m.contains {
            format!("'%' || {b} || '%'")
        } else if m.startswith {
            format!("{b} || '%'")
        } else if m.endswith {
            format!("'%' || {b}")
        } else {
            return Ok(format!("{a} = {b}"));
        };
        return Ok(format!("{a} LIKE {b}"));
    }
    // Encodings and expansions give alternatives; each is a plain string again.
    let mut alternatives = vec![v];
    for t in &m.transforms {
        alternatives = transform(alternatives, t)?;
    }
    let encoded = !m.transforms.iter().all(|t| t == "windash");
    let mut ors = Vec::new();
    for alt in alternatives {
        let mut p = if encoded {
            // Encoded values are literal text.
            vec![Part::Lit(alt)]
        } else {
            parts(&alt)
        };
        if (m.contains || m.endswith) && p.first() != Some(&Part::Any) {
            p.insert(0, Part::Any);
        }
        if (m.contains || m.startswith) && p.last() != Some(&Part::Any) {
            p.push(Part::Any);
        }
        ors.push(string_match(sql, many, &p, m.cased));
    }
    Ok(if ors.len() == 1 {
        ors.remove(0)
    } else {
        format!("({})", ors.join(" OR "))
    })
}

/// A string (with wildcards) against one value or each of many.
pub(super) fn string_match(sql: &str, many: bool, p: &[Part], cased: bool) -> String {
    if many {
        return format!("regexp_like({sql}, {})", quote(&element_regex(p, cased)));
    }
    match plain(p) {
        Some(lit) if cased => format!("{sql} = {}", quote(&lit)),
        // (Plain values on a column of their own take `literal_list`, with its pruning range.)
        Some(lit) => format!("lower({sql}) = {}", quote(&lit.to_lowercase())),
        None if cased => format!("{sql} LIKE {} ESCAPE '\\'", quote(&like_pattern(p))),
        None => format!("{sql} ILIKE {} ESCAPE '\\'", quote(&like_pattern(p))),
    }
}
