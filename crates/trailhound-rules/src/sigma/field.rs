//! Field names and modifiers: a dotted CloudTrail path to the SQL that reads it (a typed column,
//! a struct field, or every scalar at a payload path), and the `|modifier` chain parsed.

use super::*;

/// Parsed value modifiers.
#[derive(Default)]
pub(super) struct Mods {
    pub(super) contains: bool,
    pub(super) startswith: bool,
    pub(super) endswith: bool,
    pub(super) all: bool,
    pub(super) re: Option<String>,
    pub(super) cidr: bool,
    pub(super) exists: bool,
    pub(super) cased: bool,
    pub(super) neq: bool,
    pub(super) fieldref: bool,
    pub(super) cmp: Option<&'static str>,
    /// Encodings and expansions, applied in order.
    pub(super) transforms: Vec<String>,
}

pub(super) fn mods(names: &[&str]) -> std::result::Result<Mods, String> {
    let mut m = Mods::default();
    for (i, n) in names.iter().enumerate() {
        match *n {
            "contains" => m.contains = true,
            "startswith" => m.startswith = true,
            "endswith" => m.endswith = true,
            "all" => m.all = true,
            "re" => m.re = Some(String::new()),
            "i" | "ignorecase" | "m" | "multiline" | "s" | "dotall" => {
                let Some(flags) = m.re.as_mut() else {
                    return Err(format!("modifier {n} without re before it"));
                };
                // The flag letter of Rust's regex syntax: `dotall` is `s`, not `d`.
                flags.push(match *n {
                    "i" | "ignorecase" => 'i',
                    "m" | "multiline" => 'm',
                    _ => 's',
                });
            }
            "cidr" => m.cidr = true,
            "exists" => m.exists = true,
            "cased" => m.cased = true,
            "neq" => m.neq = true,
            "fieldref" => m.fieldref = true,
            "gt" => m.cmp = Some(">"),
            "gte" => m.cmp = Some(">="),
            "lt" => m.cmp = Some("<"),
            "lte" => m.cmp = Some("<="),
            "base64" | "base64offset" | "utf16le" | "wide" | "utf16be" | "utf16" | "windash" => {
                m.transforms.push(n.to_string())
            }
            "expand" => return Err("modifier expand (placeholders need a pipeline)".into()),
            "minute" | "hour" | "day" | "week" | "month" | "year" => {
                return Err(format!("modifier {n} (time parts) is not supported yet"))
            }
            other => {
                return Err(format!(
                    "unknown modifier {other:?} (position {} of the field)",
                    i + 1
                ))
            }
        }
    }
    Ok(m)
}

/// How a field is read.
pub(super) enum Access {
    /// One text value (a typed column): equality and LIKE; `prune` is the plain column for a
    /// range the Parquet scan can prune with.
    One { sql: String, prune: Option<String> },
    /// Every scalar at a payload path, separated by U+001F: matched per element.
    Many { sql: String },
    /// A typed object: only null and exists apply.
    Object { sql: String },
    /// A path that cannot hold a value.
    Nothing,
}

pub(super) fn access(field: &str) -> Access {
    let steps: Vec<Step> = field.split('.').map(|s| Step::Key(s.to_string())).collect();
    let target = resolve(&steps);
    // Where the typed value is: when it is not NULL, it is the value (a value the column could
    // not hold leaves it NULL and goes to `_extra`). Times are the exception: a non-canonical
    // spelling is kept in `_extra` beside the parsed time.
    let holder = match &target {
        Target::Typed(_, Kind::Time) => None,
        Target::Typed(sql, _) => Some(sql.clone()),
        Target::Json { column, .. } => Some(column.clone()),
        Target::Nothing => None,
    };
    let typed = match target {
        Target::Typed(sql, Kind::Str) => Access::One {
            prune: Some(sql.clone()),
            sql,
        },
        Target::Typed(sql, Kind::Time) => Access::One {
            sql: format!("to_char({sql}, '%Y-%m-%dT%H:%M:%SZ')"),
            prune: None,
        },
        Target::Typed(sql, Kind::Bool) => Access::One {
            sql: format!("CAST({sql} AS VARCHAR)"),
            prune: None,
        },
        // A payload column itself: its JSON text, matched as one value.
        Target::Typed(sql, Kind::Json) => Access::One { sql, prune: None },
        Target::Typed(sql, _) => Access::Object { sql },
        // The payload object itself: its JSON text, matched as one value.
        Target::Json { column, path } if path.is_empty() => Access::One {
            sql: column,
            prune: None,
        },
        Target::Json { column, path } => Access::Many {
            sql: format!("json_values({column}, {})", quote(&dotted(&path))),
        },
        Target::Nothing => Access::Nothing,
    };
    // Values the typed columns could not hold are in `_extra` under their top-level key.
    let top = field.split('.').next().unwrap_or(field);
    if find(RECORD, top).is_none() {
        return typed;
    }
    let raw = format!("json_values(_extra, {})", quote(field));
    // The JSON is only looked at for rows whose typed value is NULL: a CASE evaluates its
    // condition's second half, and its THEN, on few rows.
    let guard = match &holder {
        Some(h) => format!("({h} IS NULL AND {})", extra_has(top)),
        None => extra_has(top),
    };
    match typed {
        Access::One { sql, prune } => Access::One {
            sql: format!("(CASE WHEN {guard} THEN {raw} ELSE {sql} END)"),
            prune,
        },
        Access::Many { sql } => Access::Many {
            sql: format!("(CASE WHEN {guard} THEN {raw} ELSE {sql} END)"),
        },
        other => other,
    }
}

pub(super) fn dotted(path: &[Step]) -> String {
    path.iter()
        .map(|s| match s {
            Step::Key(k) => k.clone(),
            Step::Index(i) => i.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}
