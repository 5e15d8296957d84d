//! Correlation rules (Sigma 2): `event_count`, `value_count` and `temporal` over the matches of
//! the rules they refer to, linked by name or id, as windowed SQL ending at each match.

use super::*;

/// `5m`, `1h`, `30s`, `2d`, `1w` in seconds.
pub(super) fn timespan(t: &str) -> std::result::Result<i64, String> {
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
pub(super) fn correlation(
    m: &Mapping,
    c: &Y,
    file: &str,
) -> std::result::Result<SigmaRule, String> {
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
