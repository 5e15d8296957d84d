//! A rule's `detection` to one SQL predicate: its searches (maps, lists of maps, keywords) each a
//! predicate with the event names it requires, combined by the condition.

use super::*;

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

/// A search identifier's body: a map (AND), a list of maps (OR), or keywords (refused).
pub(super) fn search(v: &Y) -> std::result::Result<Pred, String> {
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
pub(super) fn event_text() -> String {
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
pub(super) fn keywords(values: &[Y], all: bool) -> std::result::Result<Pred, String> {
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
pub(super) struct Pred {
    pub(super) full: String,
    /// Lower-cased event names; `None`: any.
    pub(super) names: Option<std::collections::BTreeSet<String>>,
}

impl Pred {
    pub(super) fn join(mut parts: Vec<Pred>, op: &str) -> Pred {
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

    pub(super) fn not(self) -> Pred {
        Pred {
            full: format!("(NOT {})", self.full),
            names: None,
        }
    }
}
