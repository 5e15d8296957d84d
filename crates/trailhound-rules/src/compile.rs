//! A filter pattern compiled into one SQL predicate over the lake's typed columns.
//!
//! A selector is resolved against the CloudTrail schema: known keys become column and struct
//! field accesses (`useridentity['sessioncontext']['sessionissuer']['username']`), array indexes
//! list elements, and keys below a payload kept as JSON text (`requestParameters`, …) JSON lookups
//! in that text (`json_get_str(requestparameters, 'bucketName')`). So `eventName` and
//! `eventSource` equalities are plain column predicates the Parquet scan prunes with. Keys are
//! matched case-sensitively, as CloudWatch does. A value the typed columns could not hold exactly
//! (a JSON `null`, another type, an unknown key) is in `_extra` with its top-level key: for rows
//! where `_extra` has that key, the condition is evaluated on that JSON text instead.

use trailhound_model::schema::{Field, Kind, RECORD};

use crate::pattern::{Condition, Op, Pattern, Step, Test, Value};

/// The SQL predicate of a pattern (to put in a `WHERE`).
pub fn to_sql(p: &Pattern) -> String {
    match p {
        Pattern::And(a, b) => format!("({} AND {})", to_sql(a), to_sql(b)),
        Pattern::Or(a, b) => format!("({} OR {})", to_sql(a), to_sql(b)),
        Pattern::Cond(c) => condition(c),
    }
}

/// Where a selector's value lives.
pub(crate) enum Target {
    /// A typed column or struct field: its SQL and how it is stored.
    Typed(String, Kind),
    /// A path inside JSON text held by the column `column`.
    Json { column: String, path: Vec<Step> },
    /// Below a scalar: no value can exist there.
    Nothing,
}

pub(crate) fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub(crate) fn find<'a>(fields: &'a [Field], key: &str) -> Option<&'a Field> {
    fields.iter().find(|f| f.key == key)
}

/// Whether `_extra` holds the top-level key `top` (a value its column could not hold). Most
/// rows' `_extra` is NULL or holds other keys (real trails put `"responseElements":null` there on
/// most reads): a substring test rules those out, batch by batch, before any JSON is parsed.
pub(crate) fn extra_has(top: &str) -> String {
    format!(
        "(_extra IS NOT NULL AND strpos(_extra, {}) > 0 AND json_contains(_extra, {}))",
        quote(&format!("\"{top}\"")),
        quote(top)
    )
}

/// Resolves a selector against the typed schema (without the `_extra` fallback).
pub(crate) fn resolve(steps: &[Step]) -> Target {
    let Some(Step::Key(top)) = steps.first() else {
        return Target::Nothing;
    };
    let Some(field) = find(RECORD, top) else {
        return Target::Json {
            column: "_extra".into(),
            path: steps.to_vec(),
        };
    };
    let mut sql = field.key.to_ascii_lowercase();
    let mut kind = field.kind;
    for (n, step) in steps.iter().enumerate().skip(1) {
        match (kind, step) {
            (Kind::Json, _) => {
                return Target::Json {
                    column: sql,
                    path: steps[n..].to_vec(),
                }
            }
            (Kind::Struct(children), Step::Key(k)) => match find(children, k) {
                Some(child) => {
                    sql = format!("{sql}[{}]", quote(&child.key.to_ascii_lowercase()));
                    kind = child.kind;
                }
                // An unknown key inside a typed object: such an object is kept whole in `_extra`.
                None => return Target::Nothing,
            },
            (Kind::List(children), Step::Index(i)) => {
                // SQL arrays count from 1.
                sql = format!("{sql}[{}]", i + 1);
                kind = Kind::Struct(children);
            }
            _ => return Target::Nothing,
        }
    }
    Target::Typed(sql, kind)
}

fn json_args(column: &str, path: &[Step]) -> String {
    let mut s = column.to_string();
    for step in path {
        s.push_str(", ");
        match step {
            Step::Key(k) => s.push_str(&quote(k)),
            Step::Index(i) => s.push_str(&i.to_string()),
        }
    }
    s
}

/// A string equality: a `*` at either end is a wildcard (LIKE), elsewhere a literal star.
fn text_match(sql: &str, text: &str) -> String {
    let (lead, rest) = match text.strip_prefix('*') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (trail, core) = match rest.strip_suffix('*') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    if !lead && !trail {
        return format!("{sql} = {}", quote(text));
    }
    let mut like = String::new();
    if lead {
        like.push('%');
    }
    for c in core.chars() {
        if matches!(c, '%' | '_' | '\\') {
            like.push('\\');
        }
        like.push(c);
    }
    if trail {
        like.push('%');
    }
    format!("{sql} LIKE {} ESCAPE '\\'", quote(&like))
}

/// A number as SQL.
fn num(n: f64) -> String {
    format!("CAST({n:?} AS DOUBLE)")
}

/// `=`/`!=` on a string value: `!=` holds only where a string is there and differs.
fn compare_text(leaf: &str, op: Op, value: &Value) -> Option<String> {
    let matches = match value {
        Value::Text(t) if t == "*" => format!("{leaf} IS NOT NULL"),
        Value::Text(t) => text_match(leaf, t),
        Value::Number(_, t) => format!("{leaf} = {}", quote(t)),
        Value::Regex(r) => format!("regexp_like({leaf}, {})", quote(r)),
    };
    match op {
        Op::Eq => Some(matches),
        Op::Ne => Some(format!("({leaf} IS NOT NULL AND NOT ({matches}))")),
        _ => None,
    }
}

/// The test on a typed value. `None`: the test can never hold there.
fn typed_test(sql: &str, kind: Kind, test: &Test) -> Option<String> {
    let leaf_text = match kind {
        Kind::Str => Some(sql.to_string()),
        Kind::Time => Some(format!("to_char({sql}, '%Y-%m-%dT%H:%M:%SZ')")),
        _ => None,
    };
    match test {
        Test::NotExists => Some(format!("{sql} IS NULL")),
        // A JSON null never reaches a typed column (it is kept in `_extra`).
        Test::IsNull => None,
        Test::IsTrue => matches!(kind, Kind::Bool).then(|| format!("{sql} = true")),
        Test::IsFalse => matches!(kind, Kind::Bool).then(|| format!("{sql} = false")),
        // `*` alone with `!=` never holds (there is no value that is not a value).
        Test::Compare(Op::Ne, Value::Text(t)) if t == "*" => None,
        // Typed columns hold strings (and times): numbers compare with them as the text written,
        // and only for equality.
        Test::Compare(op, v) => compare_text(&leaf_text?, *op, v),
    }
}

/// The test on a value inside JSON text.
fn json_test(column: &str, path: &[Step], test: &Test) -> Option<String> {
    let args = json_args(column, path);
    let text = format!("json_get_str({args})");
    // Only a JSON number (json_get_float also reads numbers out of strings).
    let number = format!("(CASE WHEN {text} IS NULL THEN json_get_float({args}) END)");
    Some(match test {
        Test::NotExists => format!("NOT json_contains({args})"),
        Test::IsNull => format!("json_get_json({args}) = 'null'"),
        Test::IsTrue => format!("json_get_bool({args}) = true"),
        Test::IsFalse => format!("json_get_bool({args}) = false"),
        Test::Compare(Op::Ne, Value::Text(t)) if t == "*" => return None,
        // Any string or number.
        Test::Compare(Op::Eq, Value::Text(t)) if t == "*" => {
            format!("({text} IS NOT NULL OR {number} IS NOT NULL)")
        }
        Test::Compare(op @ (Op::Eq | Op::Ne), Value::Number(n, t)) => format!(
            "coalesce({number} {} {}, {text} {} {})",
            op.sql(),
            num(*n),
            op.sql(),
            quote(t)
        ),
        Test::Compare(op, Value::Number(n, _)) => format!("{number} {} {}", op.sql(), num(*n)),
        Test::Compare(op, v) => compare_text(&text, *op, v)?,
    })
}

/// `!=` holds only where the value exists (and differs); a missing or unusable comparison is
/// false rather than SQL's unknown, so `NOT`, `OR` and `AND` combine as the pattern means.
fn condition(c: &Condition) -> String {
    let typed = match resolve(&c.selector) {
        Target::Typed(sql, kind) => typed_test(&sql, kind, &c.test),
        Target::Json { column, path } => json_test(&column, &path, &c.test),
        Target::Nothing => match c.test {
            Test::NotExists => Some("true".to_string()),
            _ => None,
        },
    };
    let typed = typed.map_or("false".to_string(), |s| format!("coalesce({s}, false)"));
    // The same test on the raw JSON text where the typed column could not hold the value.
    let Some(Step::Key(top)) = c.selector.first() else {
        return typed;
    };
    if find(RECORD, top).is_none() {
        return typed;
    }
    let raw = json_test("_extra", &c.selector, &c.test)
        .map_or("false".to_string(), |s| format!("coalesce({s}, false)"));
    let both = format!("(CASE WHEN {} THEN {raw} ELSE {typed} END)", extra_has(top));
    // The CASE hides the column from the scan's pruning: an exact string on a top-level column
    // also gets a guard the scan can prune row groups and pages with (NULL: the value, if any,
    // is in `_extra`).
    match (&c.test, resolve(&c.selector)) {
        (Test::Compare(Op::Eq, Value::Text(t)), Target::Typed(col, Kind::Str))
            if !col.contains('[') && !t.starts_with('*') && !t.ends_with('*') =>
        {
            format!("(({col} IS NULL OR {col} = {}) AND {both})", quote(t))
        }
        (Test::Compare(Op::Eq, Value::Number(_, t)), Target::Typed(col, Kind::Str))
            if !col.contains('[') =>
        {
            format!("(({col} IS NULL OR {col} = {}) AND {both})", quote(t))
        }
        _ => both,
    }
}

fn json_number(args: &str) -> String {
    format!("(CASE WHEN json_get_str({args}) IS NULL THEN json_get_float({args}) END)")
}

/// The number at a selector, as SQL (NULL where the value is not a JSON number): a metric
/// filter's `metricValue` when it names a field.
pub fn number_sql(steps: &[Step]) -> String {
    let typed = match resolve(steps) {
        Target::Json { column, path } => json_number(&json_args(&column, &path)),
        // Typed columns hold strings, booleans and times: never JSON numbers.
        _ => "CAST(NULL AS DOUBLE)".to_string(),
    };
    match steps.first() {
        Some(Step::Key(top)) if find(RECORD, top).is_some() => format!(
            "(CASE WHEN {} THEN {} ELSE {typed} END)",
            extra_has(top),
            json_number(&json_args("_extra", steps))
        ),
        _ => typed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::parse;

    fn sql(p: &str) -> String {
        to_sql(&parse(p).unwrap())
    }

    #[test]
    fn known_keys_are_columns_and_payloads_are_json_lookups() {
        let s = sql("{ $.eventName = ConsoleLogin }");
        assert!(
            s.contains("ELSE coalesce(eventname = 'ConsoleLogin', false)"),
            "{s}"
        );
        let s = sql("{ $.userIdentity.sessionContext.sessionIssuer.userName = \"a*\" }");
        assert!(
            s.contains("useridentity['sessioncontext']['sessionissuer']['username'] LIKE 'a%'"),
            "{s}"
        );
        let s = sql("{ $.requestParameters.ipPermissions.items[0].ipRanges.items[0].cidrIp = \"0.0.0.0/0\" }");
        assert!(
            s.contains("json_get_str(requestparameters, 'ipPermissions', 'items', 0, 'ipRanges', 'items', 0, 'cidrIp') = '0.0.0.0/0'"),
            "{s}"
        );
        let s = sql("{ $.resources[0].ARN = x }");
        assert!(s.contains("resources[1]['arn'] = 'x'"), "{s}");
        let s = sql("{ $.someNewKey = 3 }");
        assert_eq!(
            s,
            "coalesce(coalesce((CASE WHEN json_get_str(_extra, 'someNewKey') IS NULL THEN json_get_float(_extra, 'someNewKey') END) = CAST(3.0 AS DOUBLE), json_get_str(_extra, 'someNewKey') = '3'), false)"
        );
    }

    #[test]
    fn wildcards_become_like_with_escapes() {
        let s = sql("{ $.errorCode = \"*Unauthorized_Op\" }");
        assert!(
            s.contains("errorcode LIKE '%Unauthorized\\_Op' ESCAPE '\\'"),
            "{s}"
        );
        // A star in the middle is a literal star.
        assert!(sql(r#"{ $.errorCode = "a*b" }"#).contains("errorcode = 'a*b'"));
        assert!(sql(r#"{ $.errorCode = *a*b* }"#).contains("errorcode LIKE '%a*b%'"));
    }
}
