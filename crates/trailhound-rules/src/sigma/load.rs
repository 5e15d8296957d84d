//! Reading Sigma rules: YAML files and folders, rule collections (`action: global`, `reset`,
//! `repeat`) merged into documents, each document translated or skipped with its reason.

use super::*;

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

pub(super) fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
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
pub(super) fn deep_merge(into: &mut Mapping, from: &Mapping) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (Some(Y::Mapping(a)), Y::Mapping(b)) => deep_merge(a, b),
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

pub(super) fn text_of(v: Option<&Y>) -> Option<String> {
    match v? {
        Y::String(s) => Some(s.clone()),
        Y::Number(n) => Some(n.to_string()),
        Y::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
