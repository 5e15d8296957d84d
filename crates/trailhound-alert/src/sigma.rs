//! Sigma rules (the security community's detection format) run natively over the lake: each rule
//! whose logsource is `product: aws, service: cloudtrail` is translated into one SQL predicate
//! over the lake's typed columns, and a whole folder of rules runs as one scan (a column per
//! rule), not one query per rule.
//!
//! Semantics as the Sigma specification states them: strings match case-insensitively unless
//! `|cased`; `*` and `?` are wildcards, `\` escapes them and itself; a value list is an OR (`|all`:
//! AND); a map is an AND, a list of maps an OR; `null` is a field that is absent or JSON null.
//! Modifiers: contains, startswith, endswith, all, re (with i, m, s), cidr, exists, cased, neq,
//! windash, base64, base64offset, utf16le/utf16be/utf16/wide, fieldref, gt/gte/lt/lte.
//! Conditions: and, or, not, parentheses, `1 of x*`, `all of x*`, `1 of them`, `all of them`.
//! Dotted fields are CloudTrail paths: known keys are typed columns and struct fields, payload
//! keys are read from the JSON text with [`json_values`](trailhound_query::functions::json_values),
//! which reaches into arrays (any element matching is a match). A missing field makes its
//! condition false (so `not filter` holds), never SQL's unknown.
//!
//! Keywords (field-less strings) are searched case-insensitively in the event's text columns.
//! Correlation rules (`event_count`, `value_count`, `temporal`, with `group-by`, `timespan` and
//! `aliases`) are windowed SQL over their rules' matches: a sliding window ending at each match.
//!
//! A construct not supported here (`temporal_ordered`, placeholders, time-part modifiers, other
//! logsources) is named with its rule and file; the other rules still run.

use std::path::{Path, PathBuf};

use trailhound_model::lake::UNKNOWN_DATE;
use trailhound_model::schema::{Kind, RECORD};
use yaml_serde::{Mapping, Value as Y};

use crate::compile::{extra_has, find, quote, resolve, Target};
use crate::pattern::Step;
use crate::{Error, Result};

/// A rule translated to SQL.
#[derive(Debug, Clone)]
pub struct SigmaRule {
    pub file: String,
    pub title: String,
    pub id: Option<String>,
    pub level: String,
    pub tags: Vec<String>,
    pub description: String,
    /// The rule's detection as one SQL predicate over `cloudtrail`.
    pub predicate: String,
    /// The event names (lower case) a match must have, when the rule names them.
    pub event_names: Option<Vec<String>>,
    /// The rule's `name`, by which correlation rules may refer to it (or by its id).
    pub name: Option<String>,
    /// Whether its matches are reported on their own: not for a rule a correlation refers to
    /// (unless the correlation says `generate: true`), as the specification has it.
    pub standalone: bool,
    /// For a correlation rule: the windows it counts over its rules' matches.
    pub correlation: Option<Correlation>,
}

/// A correlation rule (Sigma 2): matches of other rules counted in a sliding window per group.
#[derive(Debug, Clone)]
pub struct Correlation {
    pub kind: CorrelationKind,
    /// The rules it refers to (names or ids), as written.
    pub refs: Vec<String>,
    /// Their predicates once linked: (reference, SQL predicate).
    pub bases: Vec<(String, String)>,
    pub group_by: Vec<String>,
    /// `aliases`: a group-by name to each rule's own field name.
    pub aliases: Vec<(String, Vec<(String, String)>)>,
    pub timespan_secs: i64,
    /// `gt`, `gte`, `lt`, `lte`, `eq` thresholds, all of which must hold.
    pub condition: Vec<(&'static str, i64)>,
    generate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorrelationKind {
    EventCount,
    /// Distinct values of the field.
    ValueCount(String),
    /// Distinct rules matched (all of them unless a condition says otherwise).
    Temporal,
}

/// A rule (or document) that does not run, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub file: String,
    pub rule: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct SigmaSet {
    pub rules: Vec<SigmaRule>,
    pub skipped: Vec<Skipped>,
}

/// Reads every `.yml`/`.yaml` file named or below the folders named, in path order.
pub fn load(paths: &[PathBuf]) -> Result<SigmaSet> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut files)?;
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            return Err(Error::File {
                file: p.display().to_string(),
                message: "no such file or folder".into(),
            });
        }
    }
    let mut set = SigmaSet::default();
    for f in files {
        let shown = f.display().to_string();
        let text = std::fs::read_to_string(&f).map_err(|e| Error::File {
            file: shown.clone(),
            message: e.to_string(),
        })?;
        load_text(&text, &shown, &mut set);
    }
    link(&mut set);
    Ok(set)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::File {
            file: dir.display().to_string(),
            message: e.to_string(),
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(p);
        }
    }
    Ok(())
}

/// Translates the documents of one file into `set` (rules, or skipped with the reason).
pub fn load_text(text: &str, file: &str, set: &mut SigmaSet) {
    let skip = |set: &mut SigmaSet, rule: &str, reason: String| {
        set.skipped.push(Skipped {
            file: file.to_string(),
            rule: rule.to_string(),
            reason,
        })
    };
    let mut global: Option<Mapping> = None;
    let mut previous: Option<Mapping> = None;
    for (n, doc) in yaml_serde::Deserializer::from_str(text).enumerate() {
        let value = match <Y as serde::Deserialize>::deserialize(doc) {
            Ok(v) => v,
            Err(e) => {
                skip(
                    set,
                    &format!("document {}", n + 1),
                    format!("not valid YAML: {e}"),
                );
                // The parser cannot resynchronise after an error.
                return;
            }
        };
        let Y::Mapping(mut m) = value else {
            if !matches!(value, Y::Null) {
                skip(
                    set,
                    &format!("document {}", n + 1),
                    "not a YAML mapping".into(),
                );
            }
            continue;
        };
        // Rule collections (Sigma 1): `action: global | reset | repeat`.
        match m.get("action").and_then(Y::as_str) {
            Some("global") => {
                m.remove("action");
                global = Some(m);
                continue;
            }
            Some("reset") => {
                global = None;
                continue;
            }
            Some("repeat") => {
                m.remove("action");
                let Some(prev) = previous.clone() else {
                    skip(
                        set,
                        &format!("document {}", n + 1),
                        "`action: repeat` with no rule before it".into(),
                    );
                    continue;
                };
                let mut merged = prev;
                deep_merge(&mut merged, &m);
                m = merged;
            }
            Some(other) => {
                skip(
                    set,
                    &format!("document {}", n + 1),
                    format!("unknown action {other:?}"),
                );
                continue;
            }
            None => {
                if let Some(g) = &global {
                    if !m.contains_key("correlation") && !m.contains_key("filter") {
                        let mut merged = m.clone();
                        deep_merge(&mut merged, g);
                        m = merged;
                    }
                }
            }
        }
        previous = Some(m.clone());
        let title = m
            .get("title")
            .and_then(Y::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("document {}", n + 1));
        match translate(&m, file) {
            Ok(rule) => set.rules.push(rule),
            Err(reason) => skip(set, &title, reason),
        }
    }
}

/// Merges `from` into `into`: nested maps recursively, other values replaced (as pySigma does).
fn deep_merge(into: &mut Mapping, from: &Mapping) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (Some(Y::Mapping(a)), Y::Mapping(b)) => deep_merge(a, b),
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

fn text_of(v: Option<&Y>) -> Option<String> {
    match v? {
        Y::String(s) => Some(s.clone()),
        Y::Number(n) => Some(n.to_string()),
        Y::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// One rule document into SQL, or why it cannot run.
pub fn translate(m: &Mapping, file: &str) -> std::result::Result<SigmaRule, String> {
    if let Some(c) = m.get("correlation") {
        return correlation(m, c, file);
    }
    if m.contains_key("filter") {
        return Err("a Sigma filter document: not supported".into());
    }
    let title = text_of(m.get("title")).ok_or("no title")?;
    let logsource = match m.get("logsource") {
        Some(Y::Mapping(l)) => l,
        _ => return Err("no logsource".into()),
    };
    let product = text_of(logsource.get("product"))
        .unwrap_or_default()
        .to_ascii_lowercase();
    let service = text_of(logsource.get("service"))
        .unwrap_or_default()
        .to_ascii_lowercase();
    if product != "aws" || service != "cloudtrail" {
        let category = text_of(logsource.get("category"))
            .map(|c| format!(", category: {c}"))
            .unwrap_or_default();
        return Err(format!(
            "logsource product: {}, service: {}{category} is not AWS CloudTrail",
            if product.is_empty() { "-" } else { &product },
            if service.is_empty() { "-" } else { &service }
        ));
    }
    let detection = match m.get("detection") {
        Some(Y::Mapping(d)) => d,
        _ => return Err("no detection".into()),
    };
    let mut idents: Vec<(String, Pred)> = Vec::new();
    let mut condition: Vec<String> = Vec::new();
    for (k, v) in detection {
        let Some(k) = k.as_str() else {
            return Err("a detection key that is not a string".into());
        };
        match k {
            "condition" => match v {
                Y::String(s) => condition.push(s.clone()),
                Y::Sequence(list) => {
                    for c in list {
                        condition.push(
                            c.as_str()
                                .ok_or("a condition that is not a string")?
                                .to_string(),
                        );
                    }
                }
                _ => return Err("condition must be a string or a list of strings".into()),
            },
            "timeframe" => return Err(
                "timeframe (a Sigma 1 aggregation window): not supported; use a correlation rule"
                    .into(),
            ),
            _ => {
                let sql = search(v).map_err(|e| format!("detection {k}: {e}"))?;
                idents.push((k.to_string(), sql));
            }
        }
    }
    if condition.is_empty() {
        return Err("detection has no condition".into());
    }
    let mut parts = Vec::new();
    for c in &condition {
        parts.push(
            Condition::new(c, &idents)
                .parse()
                .map_err(|e| format!("condition {c:?}: {e}"))?,
        );
    }
    let pred = Pred::join(parts, "OR");
    let tags = match m.get("tags") {
        Some(Y::Sequence(t)) => t.iter().filter_map(|x| text_of(Some(x))).collect(),
        _ => Vec::new(),
    };
    Ok(SigmaRule {
        file: file.to_string(),
        title,
        id: text_of(m.get("id")),
        level: text_of(m.get("level")).unwrap_or_else(|| "medium".into()),
        tags,
        description: text_of(m.get("description")).unwrap_or_default(),
        predicate: pred.full,
        event_names: pred.names.map(|n| n.into_iter().collect()),
        name: text_of(m.get("name")),
        standalone: true,
        correlation: None,
    })
}

/// `5m`, `1h`, `30s`, `2d`, `1w` in seconds.
fn timespan(t: &str) -> std::result::Result<i64, String> {
    let t = t.trim();
    let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: i64 = n
        .parse()
        .map_err(|_| format!("timespan {t:?} is not a number and a unit (30s, 5m, 1h, 1d)"))?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(format!("timespan {t:?}: the unit must be s, m, h, d or w")),
    };
    if n <= 0 {
        return Err(format!("timespan {t:?} must be positive"));
    }
    Ok(n * secs)
}

/// A correlation document into a rule whose predicate is filled in by [`link`].
fn correlation(m: &Mapping, c: &Y, file: &str) -> std::result::Result<SigmaRule, String> {
    let title = text_of(m.get("title")).ok_or("no title")?;
    let Y::Mapping(c) = c else {
        return Err("correlation must be a map".into());
    };
    let kind = text_of(c.get("type")).ok_or("correlation has no type")?;
    let strings = |v: Option<&Y>| -> Vec<String> {
        match v {
            Some(Y::Sequence(l)) => l.iter().filter_map(|x| text_of(Some(x))).collect(),
            Some(v) => text_of(Some(v)).into_iter().collect(),
            None => Vec::new(),
        }
    };
    let refs = strings(c.get("rules"));
    if refs.is_empty() {
        return Err("correlation names no rules".into());
    }
    let timespan_secs = timespan(
        &text_of(c.get("timespan").or_else(|| c.get("timeframe")))
            .ok_or("correlation has no timespan")?,
    )?;
    let mut condition = Vec::new();
    let mut field = None;
    match c.get("condition") {
        Some(Y::Mapping(cond)) => {
            for (k, v) in cond {
                let k = k.as_str().unwrap_or("");
                if k == "field" {
                    field = text_of(Some(v));
                    continue;
                }
                let op = match k {
                    "gt" => ">",
                    "gte" => ">=",
                    "lt" => "<",
                    "lte" => "<=",
                    "eq" => "=",
                    other => {
                        return Err(format!(
                            "correlation condition {other:?} (gt, gte, lt, lte, eq)"
                        ))
                    }
                };
                let n = text_of(Some(v))
                    .and_then(|t| t.parse::<i64>().ok())
                    .ok_or_else(|| format!("correlation condition {k}: not a whole number"))?;
                condition.push((op, n));
            }
        }
        None => {}
        Some(_) => return Err("correlation condition must be a map".into()),
    }
    let kind = match kind.as_str() {
        "event_count" => CorrelationKind::EventCount,
        "value_count" => CorrelationKind::ValueCount(
            field.ok_or("a value_count correlation needs condition.field")?,
        ),
        "temporal" => CorrelationKind::Temporal,
        "temporal_ordered" => {
            return Err("a temporal_ordered correlation: not supported (temporal is)".into())
        }
        other => {
            return Err(format!(
                "correlation type {other:?} is not one Sigma defines"
            ))
        }
    };
    if condition.is_empty() {
        if kind == CorrelationKind::Temporal {
            condition.push((">=", refs.len() as i64));
        } else {
            return Err("correlation has no condition".into());
        }
    }
    let mut aliases = Vec::new();
    if let Some(Y::Mapping(a)) = c.get("aliases") {
        for (alias, per_rule) in a {
            let Y::Mapping(per_rule) = per_rule else {
                return Err("correlation aliases: each alias maps rules to fields".into());
            };
            aliases.push((
                text_of(Some(alias)).unwrap_or_default(),
                per_rule
                    .iter()
                    .filter_map(|(r, f)| Some((text_of(Some(r))?, text_of(Some(f))?)))
                    .collect(),
            ));
        }
    }
    let tags = match m.get("tags") {
        Some(Y::Sequence(t)) => t.iter().filter_map(|x| text_of(Some(x))).collect(),
        _ => Vec::new(),
    };
    Ok(SigmaRule {
        file: file.to_string(),
        title,
        id: text_of(m.get("id")),
        level: text_of(m.get("level")).unwrap_or_else(|| "medium".into()),
        tags,
        description: text_of(m.get("description")).unwrap_or_default(),
        predicate: String::new(),
        event_names: None,
        name: text_of(m.get("name")),
        standalone: true,
        correlation: Some(Correlation {
            kind,
            refs,
            bases: Vec::new(),
            group_by: strings(c.get("group-by")),
            aliases,
            timespan_secs,
            condition,
            generate: matches!(c.get("generate"), Some(Y::Bool(true))),
        }),
    })
}

/// Links each correlation to the rules it names (by `name` or `id`, in any file loaded); a
/// correlation whose rules are missing is moved to `skipped`. Rules a correlation refers to are
/// not reported on their own unless it says `generate: true`.
pub fn link(set: &mut SigmaSet) {
    let find = |rules: &[SigmaRule], r: &str| {
        rules.iter().position(|x| {
            x.correlation.is_none() && (x.name.as_deref() == Some(r) || x.id.as_deref() == Some(r))
        })
    };
    let mut keep = Vec::new();
    // Rules referred to, and those a `generate: true` correlation asks to report anyway.
    let mut hidden = Vec::new();
    let mut shown = Vec::new();
    let rules = std::mem::take(&mut set.rules);
    for rule in &rules {
        let Some(c) = &rule.correlation else {
            keep.push(rule.clone());
            continue;
        };
        let mut c = c.clone();
        let mut missing = Vec::new();
        for r in &c.refs {
            match find(&rules, r) {
                Some(k) => {
                    c.bases.push((r.clone(), rules[k].predicate.clone()));
                    if c.generate {
                        shown.push(k);
                    } else {
                        hidden.push(k);
                    }
                }
                None => missing.push(r.clone()),
            }
        }
        if !missing.is_empty() {
            set.skipped.push(Skipped {
                file: rule.file.clone(),
                rule: rule.title.clone(),
                reason: format!(
                    "a correlation of rules not loaded (or not runnable): {}",
                    missing.join(", ")
                ),
            });
            continue;
        }
        let mut linked = rule.clone();
        linked.correlation = Some(c);
        keep.push(linked);
    }
    // Hide the base rules, found again by identity in `keep`.
    for k in hidden.into_iter().filter(|k| !shown.contains(k)) {
        let (name, id, file) = (&rules[k].name, &rules[k].id, &rules[k].file);
        for r in keep.iter_mut() {
            if r.correlation.is_none() && &r.name == name && &r.id == id && &r.file == file {
                r.standalone = false;
            }
        }
    }
    set.rules = keep;
}

/// The SQL of one correlation over `[from, until)`: its rules' matches (from `timespan` before
/// `from`, so a window ending early in the period is whole), a sliding window per group ending
/// at each match, and per group the window that counts most among those meeting the condition:
/// its end, its count, and every event id in it.
pub fn correlation_sql(rule: &SigmaRule, from: i64, until: i64) -> Option<String> {
    let c = rule.correlation.as_ref()?;
    let group_expr = |name: &str, base: &str| -> String {
        let field = c
            .aliases
            .iter()
            .find(|(a, _)| a == name)
            .and_then(|(_, per)| per.iter().find(|(r, _)| r == base).map(|(_, f)| f.clone()))
            .unwrap_or_else(|| name.to_string());
        match access(&field) {
            Access::One { sql, .. } | Access::Many { sql } => format!("CAST({sql} AS VARCHAR)"),
            Access::Object { .. } | Access::Nothing => "CAST(NULL AS VARCHAR)".into(),
        }
    };
    let start = from - c.timespan_secs * 1_000_000;
    let mut arms = Vec::new();
    for (k, (base, pred)) in c.bases.iter().enumerate() {
        let mut cols = vec![
            "eventid".to_string(),
            "eventtime".to_string(),
            format!("{k} AS r"),
            "to_char(eventtime, '%Y-%m-%dT%H:%M:%SZ') AS t".to_string(),
            "eventname".to_string(),
            "eventsource".to_string(),
            "user_display_name(useridentity) AS principal".to_string(),
            "sourceipaddress".to_string(),
            "account".to_string(),
            "region".to_string(),
        ];
        for (g, name) in c.group_by.iter().enumerate() {
            cols.push(format!("{} AS g{g}", group_expr(name, base)));
        }
        let mut filter = String::new();
        if let CorrelationKind::ValueCount(f) = &c.kind {
            let v = group_expr(f, base);
            cols.push(format!("{v} AS v"));
            filter = format!(" AND {v} IS NOT NULL");
        }
        arms.push(format!(
            "SELECT {} FROM cloudtrail WHERE eventtime >= to_timestamp_micros({start}) \
             AND eventtime < to_timestamp_micros({until}) AND ({pred}){filter}",
            cols.join(", ")
        ));
    }
    let groups: Vec<String> = (0..c.group_by.len()).map(|g| format!("g{g}")).collect();
    let partition = if groups.is_empty() {
        String::new()
    } else {
        format!("PARTITION BY {} ", groups.join(", "))
    };
    let frame = format!(
        "({partition}ORDER BY eventtime RANGE BETWEEN INTERVAL '{} seconds' PRECEDING AND CURRENT ROW)",
        c.timespan_secs
    );
    let measure = match &c.kind {
        // Distinct events: one matching two of the rules counts once.
        CorrelationKind::EventCount => {
            format!("cardinality(array_distinct(array_agg(eventid) OVER {frame}))")
        }
        CorrelationKind::ValueCount(_) => {
            format!("cardinality(array_distinct(array_agg(v) OVER {frame}))")
        }
        CorrelationKind::Temporal => {
            format!("cardinality(array_distinct(array_agg(r) OVER {frame}))")
        }
    };
    let cond: Vec<String> = c
        .condition
        .iter()
        .map(|(op, n)| format!("n {op} {n}"))
        .collect();
    let group_cols = if groups.is_empty() {
        String::new()
    } else {
        format!("{}, ", groups.join(", "))
    };
    let rank_partition = if groups.is_empty() {
        String::new()
    } else {
        format!("PARTITION BY {} ", groups.join(", "))
    };
    Some(format!(
        "WITH m AS ({arms}), \
         w AS (SELECT {group_cols}eventid, eventtime, t, eventname, eventsource, principal, \
               sourceipaddress, account, region, {measure} AS n, \
               array_agg(eventid) OVER {frame} AS ids FROM m), \
         k AS (SELECT *, row_number() OVER ({rank_partition}ORDER BY n DESC, eventtime, eventid) AS rn \
               FROM w WHERE {cond} AND eventtime >= to_timestamp_micros({from})) \
         SELECT t AS eventtime, eventid, eventname, eventsource, principal, sourceipaddress, \
               account, region, array_to_string(array_sort(array_distinct(k.ids)), ' ') AS ids \
         FROM k WHERE rn = 1 ORDER BY 1, 2",
        arms = arms.join(" UNION ALL "),
        cond = cond.join(" AND "),
    ))
}

/// A search identifier's body: a map (AND), a list of maps (OR), or keywords (refused).
fn search(v: &Y) -> std::result::Result<Pred, String> {
    match v {
        Y::Mapping(m) => {
            let mut items = Vec::new();
            for (k, val) in m {
                let k = k.as_str().ok_or("a field name that is not a string")?;
                // `'|all': [a, b]`: keywords that must all be present.
                if let Some(modifiers) = k.strip_prefix('|') {
                    let list = match val {
                        Y::Sequence(l) => l.clone(),
                        v => vec![v.clone()],
                    };
                    match modifiers {
                        "all" => items.push(keywords(&list, true)?),
                        "" => items.push(keywords(&list, false)?),
                        other => {
                            return Err(format!("modifier {other:?} on keywords: not supported"))
                        }
                    }
                    continue;
                }
                items.push(item(k, val)?);
            }
            if items.is_empty() {
                return Err("an empty map".into());
            }
            Ok(Pred::join(items, "AND"))
        }
        Y::Sequence(list)
            if !list.is_empty() && list.iter().all(|x| matches!(x, Y::Mapping(_))) =>
        {
            let parts: std::result::Result<Vec<Pred>, String> = list.iter().map(search).collect();
            Ok(Pred::join(parts?, "OR"))
        }
        // Keywords: strings searched anywhere in the event's text (a list: any of them).
        Y::String(_) | Y::Number(_) => keywords(std::slice::from_ref(v), false),
        Y::Sequence(list)
            if list
                .iter()
                .all(|x| matches!(x, Y::String(_) | Y::Number(_))) =>
        {
            keywords(list, false)
        }
        _ => Err("a search that is neither a map, a list of maps nor keywords".into()),
    }
}

/// The event's text for keyword searches: every text and JSON-text column, the caller's identity
/// and `_extra`, joined by spaces. Read from the columns as they are, no JSON rebuilt.
fn event_text() -> String {
    let mut cols: Vec<String> = RECORD
        .iter()
        .filter(|f| matches!(f.kind, Kind::Str | Kind::Json))
        .map(|f| f.key.to_ascii_lowercase())
        .collect();
    for k in [
        "type",
        "principalid",
        "arn",
        "accountid",
        "accesskeyid",
        "username",
        "invokedby",
    ] {
        cols.push(format!("useridentity['{k}']"));
    }
    for k in ["arn", "username"] {
        cols.push(format!(
            "useridentity['sessioncontext']['sessionissuer']['{k}']"
        ));
    }
    cols.push(trailhound_model::schema::COL_EXTRA.to_string());
    format!("concat_ws(' ', {})", cols.join(", "))
}

/// Keywords as one predicate: each (with `*`/`?` wildcards) found case-insensitively anywhere
/// in [`event_text`]; any of them, or with `|all` every one.
fn keywords(values: &[Y], all: bool) -> std::result::Result<Pred, String> {
    let text = event_text();
    let mut tests = Vec::new();
    for v in values {
        let Some(k) = scalar(v)? else {
            return Err("a null keyword".into());
        };
        let mut p = parts(&k);
        if p.first() != Some(&Part::Any) {
            p.insert(0, Part::Any);
        }
        if p.last() != Some(&Part::Any) {
            p.push(Part::Any);
        }
        tests.push(format!(
            "{text} ILIKE {} ESCAPE '\\'",
            quote(&like_pattern(&p))
        ));
    }
    if tests.is_empty() {
        return Err("an empty keyword list".into());
    }
    Ok(Pred {
        full: format!("({})", tests.join(if all { " AND " } else { " OR " })),
        names: None,
    })
}

/// A predicate, and the event names a match must have when the rule names them (`eventName:
/// X` or a list, in an AND or in every branch of an OR): a necessary condition that one hashed
/// `IN` per batch tests for a whole folder of rules, before the rules run on the rows it keeps.
#[derive(Debug, Clone)]
struct Pred {
    full: String,
    /// Lower-cased event names; `None`: any.
    names: Option<std::collections::BTreeSet<String>>,
}

impl Pred {
    fn join(mut parts: Vec<Pred>, op: &str) -> Pred {
        if parts.len() == 1 {
            return parts.remove(0);
        }
        let names = if op == "AND" {
            // Any conjunct's names are necessary; the smallest set keeps fewest rows.
            parts
                .iter()
                .filter_map(|p| p.names.clone())
                .min_by_key(|n| n.len())
        } else if parts.iter().all(|p| p.names.is_some()) {
            Some(
                parts
                    .iter()
                    .flat_map(|p| p.names.clone().unwrap_or_default())
                    .collect(),
            )
        } else {
            None
        };
        Pred {
            full: format!(
                "({})",
                parts
                    .iter()
                    .map(|p| p.full.as_str())
                    .collect::<Vec<_>>()
                    .join(&format!(" {op} "))
            ),
            names,
        }
    }

    fn not(self) -> Pred {
        Pred {
            full: format!("(NOT {})", self.full),
            names: None,
        }
    }
}

/// Parsed value modifiers.
#[derive(Default)]
struct Mods {
    contains: bool,
    startswith: bool,
    endswith: bool,
    all: bool,
    re: Option<String>,
    cidr: bool,
    exists: bool,
    cased: bool,
    neq: bool,
    fieldref: bool,
    cmp: Option<&'static str>,
    /// Encodings and expansions, applied in order.
    transforms: Vec<String>,
}

fn mods(names: &[&str]) -> std::result::Result<Mods, String> {
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
                flags.push(n.chars().next().unwrap_or('i'));
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
enum Access {
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

fn access(field: &str) -> Access {
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

fn dotted(path: &[Step]) -> String {
    path.iter()
        .map(|s| match s {
            Step::Key(k) => k.clone(),
            Step::Index(i) => i.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// A Sigma string: literal runs and wildcards.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Lit(String),
    Any,
    One,
}

/// `\*`, `\?` and `\\` are literals; a `\` before anything else stays (Windows paths).
fn parts(s: &str) -> Vec<Part> {
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

fn plain(p: &[Part]) -> Option<String> {
    match p {
        [] => Some(String::new()),
        [Part::Lit(s)] => Some(s.clone()),
        _ => None,
    }
}

fn like_pattern(p: &[Part]) -> String {
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

fn regex_escape(s: &str) -> String {
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
fn element_regex(p: &[Part], cased: bool) -> String {
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
fn transform(values: Vec<String>, t: &str) -> std::result::Result<Vec<String>, String> {
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

fn scalar(v: &Y) -> std::result::Result<Option<String>, String> {
    Ok(match v {
        Y::Null => None,
        Y::String(s) => Some(s.clone()),
        Y::Number(n) => Some(n.to_string()),
        Y::Bool(b) => Some(b.to_string()),
        _ => return Err("a value that is a list or map".into()),
    })
}

fn leaf(s: String) -> String {
    format!("coalesce({s}, false)")
}

/// One `field|modifiers: value(s)` item.
fn item(key: &str, value: &Y) -> std::result::Result<Pred, String> {
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

fn item_sql(key: &str, value: &Y) -> std::result::Result<String, String> {
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
fn literal_list(acc: &Access, m: &Mods, values: &[Option<String>]) -> Option<String> {
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
fn value_predicate(
    field: &str,
    acc: &Access,
    m: &Mods,
    v: Option<String>,
) -> std::result::Result<String, String> {
    value_inner(field, acc, m, v).map(leaf)
}

fn value_inner(
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
        return Ok(format!(
            "regexp_like({sql}, {})",
            quote(&format!("{prefix}{v}"))
        ));
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
fn string_match(sql: &str, many: bool, p: &[Part], cased: bool) -> String {
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

/// The condition: `and`, `or`, `not`, parentheses, `1 of x*`, `all of them`.
struct Condition<'a> {
    tokens: Vec<String>,
    i: usize,
    idents: &'a [(String, Pred)],
}

impl<'a> Condition<'a> {
    fn new(text: &str, idents: &'a [(String, Pred)]) -> Self {
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

    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.i).map(String::as_str)
    }

    fn parse(mut self) -> std::result::Result<Pred, String> {
        if self.tokens.iter().any(|t| t.contains('|')) {
            return Err("aggregation pipes (Sigma 1 `| count()`, `| near`) are not supported; use a correlation rule".into());
        }
        let e = self.or()?;
        match self.peek() {
            None => Ok(e),
            Some(t) => Err(format!("unexpected {t:?}")),
        }
    }

    fn or(&mut self) -> std::result::Result<Pred, String> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some("or") {
            self.i += 1;
            parts.push(self.and()?);
        }
        Ok(Pred::join(parts, "OR"))
    }

    fn and(&mut self) -> std::result::Result<Pred, String> {
        let mut parts = vec![self.not()?];
        while self.peek() == Some("and") {
            self.i += 1;
            parts.push(self.not()?);
        }
        Ok(Pred::join(parts, "AND"))
    }

    fn not(&mut self) -> std::result::Result<Pred, String> {
        if self.peek() == Some("not") {
            self.i += 1;
            return Ok(self.not()?.not());
        }
        self.atom()
    }

    fn atom(&mut self) -> std::result::Result<Pred, String> {
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
fn glob(pattern: &str, name: &str) -> bool {
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

/// Rules per scan: one query evaluates them all, a column per rule.
const RULES_PER_SCAN: usize = 128;

/// The scans [`run`] makes, each with the indexes of its rules: the rules that name their
/// event names in scans of at most [`RULES_PER_SCAN`] that first keep only those names (one
/// hashed lookup per row, before any payload is decoded), the others in scans of their own.
pub fn scans(rules: &[SigmaRule], from: i64, until: i64) -> Vec<(Vec<usize>, String)> {
    // Correlations run on their own; rules only a correlation refers to are not reported.
    let (named, other): (Vec<usize>, Vec<usize>) = (0..rules.len())
        .filter(|&i| rules[i].correlation.is_none() && rules[i].standalone)
        .partition(|&i| rules[i].event_names.is_some());
    let day = |t: i64| -> String {
        trailhound_model::time::format_event_time(t)
            .chars()
            .take(10)
            .collect()
    };
    let (first_day, last_day) = (day(from), day(until.saturating_sub(1).max(from)));
    let mut out = Vec::new();
    for (group, filtered) in [(named, true), (other, false)] {
        for chunk in group.chunks(RULES_PER_SCAN) {
            let pre = if filtered {
                let names: std::collections::BTreeSet<&str> = chunk
                    .iter()
                    .flat_map(|&i| rules[i].event_names.iter().flatten().map(String::as_str))
                    .collect();
                let list: Vec<String> = names.iter().map(|n| quote(n)).collect();
                // NULL: a name the column could not hold is in `_extra` (the rules read it).
                format!(
                    " AND (eventname IS NULL OR lower(eventname) IN ({}))",
                    list.join(", ")
                )
            } else {
                String::new()
            };
            let flags: Vec<String> = chunk
                .iter()
                .enumerate()
                .map(|(k, &i)| format!("{} AS r{k}", rules[i].predicate))
                .collect();
            // With the names' filter the rules are evaluated on its rows only, as columns (not
            // also as a filter the scan would try to prune with: a large OR prunes nothing and
            // costs its evaluation per row group); without it they filter the scan.
            let any = if filtered {
                String::new()
            } else {
                let p: Vec<&str> = chunk.iter().map(|&i| rules[i].predicate.as_str()).collect();
                format!(" AND ({})", p.join(" OR "))
            };
            // Events without an `eventTime` are placed on the day of their log's delivery
            // folder (their `date` partition, or `unknown` outside CloudTrail's layout): a
            // second scan finds those of the window's days, and every `unknown` one, so that
            // the windowed scan stays pruned by date.
            let select = format!(
                "SELECT to_char(eventtime, '%Y-%m-%dT%H:%M:%SZ') AS eventtime, eventid, eventname, eventsource, \
                   user_display_name(useridentity) AS principal, sourceipaddress, account, region, {} \
                 FROM cloudtrail WHERE",
                flags.join(", "),
            );
            let sql = format!(
                "{select} eventtime >= to_timestamp_micros({from}) \
                   AND eventtime < to_timestamp_micros({until}){pre}{any} \
                 UNION ALL \
                 {select} eventtime IS NULL AND (\"date\" = '{UNKNOWN_DATE}' \
                   OR (\"date\" >= '{first_day}' AND \"date\" <= '{last_day}')){pre}{any}",
            );
            out.push((chunk.to_vec(), sql));
        }
    }
    out
}

/// Runs `rules` over `[from, until)` in as few scans as [`RULES_PER_SCAN`] allows, and each
/// correlation in a query of its own; one row per rule and matching event (per correlation and
/// group), in time order: rule, level, eventtime, eventid, eventname, eventsource, principal,
/// sourceipaddress, account, region, tags, rule id, file, and `eventids` (the event, or every
/// event of the correlation's window).
pub async fn run(
    engine: &trailhound_query::Engine,
    rules: &[SigmaRule],
    from: i64,
    until: i64,
) -> Result<trailhound_query::QueryOutput> {
    use datafusion::arrow::array::{
        Array, ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray,
    };
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;

    const EVENT_COLUMNS: [&str; 8] = [
        "eventtime",
        "eventid",
        "eventname",
        "eventsource",
        "principal",
        "sourceipaddress",
        "account",
        "region",
    ];
    // (time, rule, event columns, the ids of a correlation's window)
    type Found = (String, usize, Vec<Option<String>>, Option<Vec<String>>);
    let mut rows: Vec<Found> = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let Some(sql) = correlation_sql(rule, from, until) else {
            continue;
        };
        let out = engine.run(&sql).await.map_err(|source| Error::Query {
            what: format!("the correlation {:?} ({})", rule.title, rule.file),
            source,
        })?;
        for o in out {
            for b in &o.batches {
                let text: Vec<ArrayRef> = (0..=EVENT_COLUMNS.len())
                    .map(|c| datafusion::arrow::compute::cast(b.column(c), &DataType::Utf8))
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|e| Error::Invalid(e.to_string()))?;
                for row in 0..b.num_rows() {
                    let mut event: Vec<Option<String>> = text
                        .iter()
                        .map(|a| {
                            let a = a.as_string::<i32>();
                            a.is_valid(row).then(|| a.value(row).to_string())
                        })
                        .collect();
                    let ids = event
                        .pop()
                        .flatten()
                        .map(|t| t.split(' ').map(str::to_string).collect());
                    let time = event[0].clone().unwrap_or_default();
                    rows.push((time, i, event, ids));
                }
            }
        }
    }
    for (chunk, sql) in scans(rules, from, until) {
        let out = engine.run(&sql).await.map_err(|source| Error::Query {
            what: format!(
                "the scan of {} Sigma rules (from {})",
                chunk.len(),
                rules[chunk[0]].file
            ),
            source,
        })?;
        for o in out {
            for b in &o.batches {
                let text: Vec<ArrayRef> = (0..EVENT_COLUMNS.len())
                    .map(|c| datafusion::arrow::compute::cast(b.column(c), &DataType::Utf8))
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|e| Error::Invalid(e.to_string()))?;
                let flags: Vec<&BooleanArray> = (0..chunk.len())
                    .map(|k| b.column(EVENT_COLUMNS.len() + k).as_boolean())
                    .collect();
                for row in 0..b.num_rows() {
                    if !flags.iter().any(|f| f.is_valid(row) && f.value(row)) {
                        continue;
                    }
                    let event: Vec<Option<String>> = text
                        .iter()
                        .map(|a| {
                            let a = a.as_string::<i32>();
                            a.is_valid(row).then(|| a.value(row).to_string())
                        })
                        .collect();
                    for (k, &rule) in chunk.iter().enumerate() {
                        let flag = flags[k];
                        if flag.is_valid(row) && flag.value(row) {
                            let time = event[0].clone().unwrap_or_default();
                            rows.push((time, rule, event.clone(), None));
                        }
                    }
                }
            }
        }
    }
    rows.sort_by(|a, b| (&a.0, a.1, &a.2[1]).cmp(&(&b.0, b.1, &b.2[1])));
    let names = [
        "rule",
        "level",
        "eventtime",
        "eventid",
        "eventname",
        "eventsource",
        "principal",
        "sourceipaddress",
        "account",
        "region",
        "tags",
        "rule_id",
        "file",
    ];
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(rows.len()); names.len()];
    let mut eventids =
        datafusion::arrow::array::ListBuilder::new(datafusion::arrow::array::StringBuilder::new());
    for (_, r, event, ids) in &rows {
        // Every row names its events: the one event, or a correlation's window.
        let ids = ids
            .clone()
            .unwrap_or_else(|| event[1].clone().into_iter().collect());
        for id in ids {
            eventids.values().append_value(id);
        }
        eventids.append(true);
        let rule = &rules[*r];
        columns[0].push(Some(rule.title.clone()));
        columns[1].push(Some(rule.level.clone()));
        for (c, v) in event.iter().enumerate() {
            columns[2 + c].push(v.clone());
        }
        columns[10].push(Some(rule.tags.join(" ")));
        columns[11].push(rule.id.clone());
        columns[12].push(Some(rule.file.clone()));
    }
    let eventids = eventids.finish();
    let mut fields: Vec<Field> = names
        .iter()
        .map(|n| Field::new(*n, DataType::Utf8, true))
        .collect();
    fields.push(Field::new("eventids", eventids.data_type().clone(), true));
    let schema = Arc::new(Schema::new(fields));
    let mut arrays: Vec<ArrayRef> = columns
        .into_iter()
        .map(|c| Arc::new(StringArray::from(c)) as ArrayRef)
        .collect();
    arrays.push(Arc::new(eventids));
    let batch =
        RecordBatch::try_new(schema.clone(), arrays).map_err(|e| Error::Invalid(e.to_string()))?;
    Ok(trailhound_query::QueryOutput {
        schema,
        batches: vec![batch],
    })
}

/// ATT&CK technique ids among a rule's tags: `attack.t1078.004` is `T1078.004`.
pub fn techniques(tags: &[String]) -> Vec<String> {
    tags.iter()
        .filter_map(|t| t.strip_prefix("attack.t"))
        .filter(|t| {
            t.split('.')
                .next()
                .is_some_and(|n| n.len() == 4 && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(|t| format!("T{}", t.to_ascii_uppercase()))
        .collect()
}

/// One report section per rule that reports (its findings from `out`, the output of [`run`]),
/// in the rules' order: for `report … --sigma`.
pub fn sections(
    rules: &[SigmaRule],
    out: &trailhound_query::QueryOutput,
    max_rows: usize,
) -> Result<Vec<trailhound_query::report::Section>> {
    let rows = trailhound_query::output::text_rows(&out.batches)
        .map_err(|e| Error::Invalid(e.to_string()))?;
    let columns: Vec<String> = out
        .schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let col = |name: &str| columns.iter().position(|c| c == name).unwrap_or(0);
    let (title_c, file_c, id_c, time_c) =
        (col("rule"), col("file"), col("rule_id"), col("eventtime"));
    let mut out_sections = Vec::new();
    for r in rules.iter().filter(|r| r.standalone) {
        let mine: Vec<&Vec<String>> = rows
            .iter()
            .filter(|row| {
                row[title_c] == r.title
                    && row[file_c] == r.file
                    && row[id_c] == r.id.clone().unwrap_or_default()
            })
            .collect();
        let mut per_day = std::collections::BTreeMap::new();
        for row in &mine {
            if let Some(day) = row[time_c].get(..10) {
                *per_day.entry(day.to_string()).or_insert(0u64) += 1;
            }
        }
        out_sections.push(trailhound_query::report::Section {
            name: format!("sigma:{}", r.id.clone().unwrap_or_else(|| r.file.clone())),
            title: r.title.clone(),
            severity: match r.level.as_str() {
                "informational" => "info".to_string(),
                l => l.to_string(),
            },
            description: if r.description.is_empty() {
                format!("Sigma rule from {}.", r.file)
            } else {
                format!("{} (Sigma rule from {}.)", r.description.trim(), r.file)
            },
            references: r.tags.clone(),
            attack: techniques(&r.tags),
            status: if mine.is_empty() { "none" } else { "findings" }.into(),
            count: mine.len(),
            columns: columns.clone(),
            rows: mine.iter().take(max_rows).map(|r| (*r).clone()).collect(),
            error: None,
            time_column: Some("eventtime".into()),
            per_day,
        });
    }
    Ok(out_sections)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(yaml: &str) -> std::result::Result<SigmaRule, String> {
        let m: Mapping = yaml_serde::from_str(yaml).unwrap();
        translate(&m, "t.yml")
    }

    const HEAD: &str = "title: t\nlogsource: {product: aws, service: cloudtrail}\n";

    #[test]
    fn strings_wildcards_and_escapes() {
        assert_eq!(
            parts(r"a\*b*c?\\d\x"),
            vec![
                Part::Lit("a*b".into()),
                Part::Any,
                Part::Lit("c".into()),
                Part::One,
                Part::Lit(r"\d\x".into())
            ]
        );
        assert_eq!(like_pattern(&parts("a_%*")), r"a\_\%%");
    }

    #[test]
    fn equality_keeps_a_prunable_range() {
        let r = rule(&format!(
            "{HEAD}detection:\n  sel:\n    eventName: ConsoleLogin\n  condition: sel\n"
        ))
        .unwrap();
        assert!(
            r.predicate
                .contains("eventname >= 'CONSOLELOGIN' AND eventname <= 'consolelogin'"),
            "{}",
            r.predicate
        );
        assert!(r.predicate.contains("lower((CASE WHEN"), "{}", r.predicate);
    }

    #[test]
    fn event_names_are_collected_where_they_are_necessary() {
        let names = |det: &str| {
            rule(&format!("{HEAD}detection:\n{det}"))
                .unwrap()
                .event_names
        };
        assert_eq!(
            names("  sel: {eventName: [RunTask, StartTask], requestParameters.x: y}\n  filter: {eventName: Other}\n  condition: sel and not filter\n"),
            Some(vec!["runtask".to_string(), "starttask".to_string()])
        );
        assert_eq!(
            names("  a: {eventName: A}\n  b: {eventName: B}\n  condition: 1 of them\n"),
            Some(vec!["a".to_string(), "b".to_string()])
        );
        // An OR branch without names, a wildcard, or a negation: any name.
        assert_eq!(
            names("  a: {eventName: A}\n  b: {userAgent: x}\n  condition: a or b\n"),
            None
        );
        assert_eq!(names("  a: {eventName: Get*}\n  condition: a\n"), None);
        assert_eq!(names("  a: {eventName: A}\n  condition: not a\n"), None);
    }

    #[test]
    fn what_is_not_supported_is_named() {
        let e = rule(&format!(
            "{HEAD}detection:\n  keywords: [x, {{a: b}}]\n  condition: keywords\n"
        ))
        .unwrap_err();
        assert!(
            e.contains("neither a map, a list of maps nor keywords"),
            "{e}"
        );
        let e =
            rule("title: t\ncorrelation: {type: temporal_ordered, rules: [a, b], timespan: 5m}\n")
                .unwrap_err();
        assert!(e.contains("temporal_ordered"), "{e}");
        let e = rule("title: t\ncorrelation: {type: event_count, rules: [a], timespan: 5x, condition: {gte: 2}}\n")
            .unwrap_err();
        assert!(e.contains("the unit must be s, m, h, d or w"), "{e}");
        let e = rule("title: t\nlogsource: {product: windows, category: process_creation}\ndetection: {s: {Image: x}, condition: s}\n").unwrap_err();
        assert!(
            e.contains(
                "product: windows, service: -, category: process_creation is not AWS CloudTrail"
            ),
            "{e}"
        );
        let e = rule(&format!(
            "{HEAD}detection:\n  s: {{eventName|foo: x}}\n  condition: s\n"
        ))
        .unwrap_err();
        assert!(e.contains("unknown modifier \"foo\""), "{e}");
        let e = rule(&format!(
            "{HEAD}detection:\n  s: {{eventName: x}}\n  condition: s | count() > 5\n"
        ))
        .unwrap_err();
        assert!(e.contains("aggregation"), "{e}");
        let e = rule(&format!(
            "{HEAD}detection:\n  s: {{eventName: x}}\n  condition: 1 of f*\n"
        ))
        .unwrap_err();
        assert!(e.contains("names no search identifier"), "{e}");
        let e = rule(&format!(
            "{HEAD}detection:\n  s: {{eventName: x}}\n  condition: s and t\n"
        ))
        .unwrap_err();
        assert!(
            e.contains("\"t\", which the detection does not define"),
            "{e}"
        );
    }

    #[test]
    fn encodings_give_the_alternatives_sigma_defines() {
        assert_eq!(
            transform(vec!["ab".into()], "base64").unwrap(),
            vec!["YWI="]
        );
        // The three alignments of "ping" in a longer base64 text.
        assert_eq!(
            transform(vec!["ping".into()], "base64offset").unwrap(),
            vec!["cGluZ", "Bpbm", "waW5n"]
        );
        let w = transform(vec!["a -x /y".into()], "windash").unwrap();
        assert_eq!(w.len(), 25);
        assert!(w.contains(&"a /x -y".to_string()));
        assert!(glob("sel_*", "sel_a") && !glob("sel_*", "filter") && glob("*", "x"));
    }
}
