//! Saved queries: `queries/<category>/<name>.sql`, one query per file with a header of `-- key:
//! value` lines, compiled into the binary; folders given by the user add to them or replace them
//! by name. Parameters are bound as typed values through DataFusion's parameter binding
//! (`$name` placeholders), never pasted into the SQL text.
//!
//! ```sql
//! -- title: Console sign-in without MFA
//! -- severity: medium
//! -- description: ConsoleLogin events where additionalEventData.MFAUsed is not "Yes".
//! -- references: CIS 4.2; MITRE ATT&CK T1078
//! -- param: principal string % | LIKE pattern on the principal's ARN
//! SELECT eventid, eventtime, … FROM cloudtrail WHERE eventtime >= $from AND eventtime < $until …
//! ```
//!
//! Every query gets `$from` and `$until` (the time window: the last 7 days unless `--since`,
//! `--from` or `--until` say otherwise) and `$baseline_from` (`$from` minus the look-back, 30 days
//! by default) for "never seen before" questions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use datafusion::common::ScalarValue;

/// The built-in catalog: (path below `queries/`, text), embedded at build time.
mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_queries.rs"));
}

/// The window a saved query runs over when none is given.
pub const DEFAULT_WINDOW_DAYS: i64 = 7;
/// How far before the window "never seen before" queries look.
pub const DEFAULT_LOOKBACK_DAYS: i64 = 30;
const DAY_US: i64 = trailhound_model::time::DAY_MICROS;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{0}")]
    Param(String),
    #[error("no saved query named {name:?}{hint}")]
    Unknown { name: String, hint: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    String,
    Int,
    Float,
    Bool,
    Timestamp,
}

impl ParamKind {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "string" => Self::String,
            "int" => Self::Int,
            "float" => Self::Float,
            "bool" => Self::Bool,
            "timestamp" => Self::Timestamp,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Int => "int",
            Self::Float => "float",
            Self::Bool => "bool",
            Self::Timestamp => "timestamp",
        }
    }

    /// The typed value of a parameter given as text.
    pub fn value(self, text: &str) -> Result<ScalarValue, String> {
        Ok(match self {
            Self::String => ScalarValue::Utf8(Some(text.to_string())),
            Self::Int => ScalarValue::Int64(Some(
                text.parse()
                    .map_err(|_| format!("{text:?} is not an integer"))?,
            )),
            Self::Float => ScalarValue::Float64(Some(
                text.parse()
                    .map_err(|_| format!("{text:?} is not a number"))?,
            )),
            Self::Bool => ScalarValue::Boolean(Some(match text {
                "true" | "yes" | "1" => true,
                "false" | "no" | "0" => false,
                _ => return Err(format!("{text:?} is not true or false")),
            })),
            Self::Timestamp => {
                timestamp(trailhound_model::window::parse_instant(text).map_err(|e| e.to_string())?)
            }
        })
    }
}

/// A timestamp value comparable with `eventtime`.
pub fn timestamp(micros: i64) -> ScalarValue {
    ScalarValue::TimestampMicrosecond(Some(micros), Some("UTC".into()))
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    pub name: String,
    pub kind: ParamKind,
    /// `None`: the parameter is required.
    pub default: Option<String>,
    pub doc: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SavedQuery {
    pub name: String,
    pub category: String,
    pub title: String,
    pub severity: String,
    pub description: String,
    pub references: Vec<String>,
    /// MITRE ATT&CK (Enterprise) technique ids the detection evidences: `T1098`, `T1098.001`.
    pub attack: Vec<String>,
    pub params: Vec<ParamSpec>,
    /// The SQL after the header.
    pub sql: String,
    /// The whole file.
    pub text: String,
    /// Where it came from: `built-in queries/…` or a user file.
    pub origin: String,
}

/// `T` and four digits, optionally `.` and three (a sub-technique).
fn is_technique_id(id: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match id.strip_prefix('T') {
        Some(rest) => match rest.split_once('.') {
            Some((t, sub)) => digits(t, 4) && digits(sub, 3),
            None => digits(rest, 4),
        },
        None => false,
    }
}

const SEVERITIES: &[&str] = &["info", "low", "medium", "high", "critical"];
const STANDARD_PARAMS: &[&str] = &["from", "until", "baseline_from"];

impl SavedQuery {
    /// Parses a query file; `rel` is its path below the catalog folder (`category/name.sql`).
    pub fn parse(rel: &str, text: &str, origin: &str) -> Result<Self, CatalogError> {
        let err = |m: String| CatalogError::Invalid {
            file: origin.to_string(),
            message: m,
        };
        let rel = rel.replace('\\', "/");
        let (category, file) = rel
            .rsplit_once('/')
            .ok_or_else(|| err("a saved query lives in queries/<category>/<name>.sql".into()))?;
        let category = category.rsplit('/').next().unwrap_or(category).to_string();
        let name = file
            .strip_suffix(".sql")
            .ok_or_else(|| err("the file name must end in .sql".into()))?
            .to_string();
        let mut q = SavedQuery {
            name,
            category,
            title: String::new(),
            severity: String::new(),
            description: String::new(),
            references: Vec::new(),
            attack: Vec::new(),
            params: Vec::new(),
            sql: String::new(),
            text: text.to_string(),
            origin: origin.to_string(),
        };
        let mut body = Vec::new();
        let mut in_header = true;
        let mut last_key = String::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if in_header {
                if let Some(rest) = trimmed.strip_prefix("--") {
                    let rest = rest.trim();
                    const KEYS: &[&str] = &[
                        "name",
                        "category",
                        "title",
                        "severity",
                        "description",
                        "references",
                        "attack",
                        "param",
                    ];
                    let header = rest.split_once(':').filter(|(k, _)| {
                        KEYS.contains(k)
                            || (last_key != "description" && !k.is_empty() && !k.contains(' '))
                    });
                    if let Some((key, value)) = header {
                        let value = value.trim();
                        last_key = key.to_string();
                        match key {
                            "name" if value != q.name => {
                                return Err(err(format!(
                                    "name {value:?} differs from the file name {:?}",
                                    q.name
                                )))
                            }
                            "name" => {}
                            "category" if value != q.category => {
                                return Err(err(format!(
                                    "category {value:?} differs from the folder {:?}",
                                    q.category
                                )))
                            }
                            "category" => {}
                            "title" => q.title = value.to_string(),
                            "severity" => {
                                if !SEVERITIES.contains(&value) {
                                    return Err(err(format!(
                                        "severity {value:?} is not one of {}",
                                        SEVERITIES.join(", ")
                                    )));
                                }
                                q.severity = value.to_string();
                            }
                            "description" => q.description = value.to_string(),
                            "references" => {
                                q.references = value
                                    .split(';')
                                    .map(|r| r.trim().to_string())
                                    .filter(|r| !r.is_empty())
                                    .collect()
                            }
                            "attack" => {
                                for id in value.split(';').map(str::trim).filter(|i| !i.is_empty())
                                {
                                    if !is_technique_id(id) {
                                        return Err(err(format!(
                                            "attack: {id:?} is not an ATT&CK technique id (T1234 or T1234.001)"
                                        )));
                                    }
                                    q.attack.push(id.to_string());
                                }
                            }
                            "param" => q.params.push(parse_param(value).map_err(err)?),
                            other => {
                                return Err(err(format!(
                                    "unknown header key {other:?} (name, category, title, severity, description, references, attack, param)"
                                )))
                            }
                        }
                    } else if last_key == "description" && !rest.is_empty() {
                        // A description may continue on the following comment lines.
                        q.description.push(' ');
                        q.description.push_str(rest);
                    }
                    continue;
                }
                if trimmed.is_empty() {
                    continue;
                }
                in_header = false;
            }
            body.push(line);
        }
        q.sql = body.join("\n").trim().to_string();
        for (what, v) in [
            ("title", &q.title),
            ("severity", &q.severity),
            ("description", &q.description),
        ] {
            if v.is_empty() {
                return Err(err(format!("the header has no {what}")));
            }
        }
        if q.sql.is_empty() {
            return Err(err("no SQL after the header".into()));
        }
        for p in &q.params {
            if STANDARD_PARAMS.contains(&p.name.as_str()) {
                return Err(err(format!(
                    "parameter {} is always bound (from the time window); do not declare it",
                    p.name
                )));
            }
        }
        Ok(q)
    }

    /// The typed values of every placeholder: the window and look-back, then the declared
    /// parameters from `given` (`name=value`) or their defaults.
    pub fn bind(
        &self,
        given: &BTreeMap<String, String>,
        from: i64,
        until: i64,
        lookback_days: i64,
    ) -> Result<Vec<(String, ScalarValue)>, CatalogError> {
        for k in given.keys() {
            if !self.params.iter().any(|p| &p.name == k) {
                let known: Vec<&str> = self.params.iter().map(|p| p.name.as_str()).collect();
                return Err(CatalogError::Param(format!(
                    "{} takes no parameter {k:?}{}",
                    self.name,
                    if known.is_empty() {
                        " (it takes none besides the time window)".to_string()
                    } else {
                        format!(" (it takes {})", known.join(", "))
                    }
                )));
            }
        }
        let mut out = vec![
            ("from".to_string(), timestamp(from)),
            ("until".to_string(), timestamp(until)),
            (
                "baseline_from".to_string(),
                timestamp(from - lookback_days * DAY_US),
            ),
        ];
        for p in &self.params {
            let text = match (given.get(&p.name), &p.default) {
                (Some(v), _) => v.as_str(),
                (None, Some(d)) => d.as_str(),
                (None, None) => {
                    return Err(CatalogError::Param(format!(
                        "{} needs --param {}=<{}> ({})",
                        self.name,
                        p.name,
                        p.kind.name(),
                        p.doc
                    )))
                }
            };
            let v = p.kind.value(text).map_err(|e| {
                CatalogError::Param(format!("{}: parameter {}: {e}", self.name, p.name))
            })?;
            out.push((p.name.clone(), v));
        }
        Ok(out)
    }
}

/// For running several queries with one set of `--param`s: each query's own share of them. A
/// parameter no query of the set declares is an error (a typo must not be silently ignored).
pub fn split_params(
    queries: &[&SavedQuery],
    given: &BTreeMap<String, String>,
) -> Result<Vec<BTreeMap<String, String>>, CatalogError> {
    for k in given.keys() {
        if !queries
            .iter()
            .any(|q| q.params.iter().any(|p| &p.name == k))
        {
            return Err(CatalogError::Param(format!(
                "no query of this set takes a parameter {k:?}"
            )));
        }
    }
    Ok(queries
        .iter()
        .map(|q| {
            given
                .iter()
                .filter(|(k, _)| q.params.iter().any(|p| &p.name == *k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .collect())
}

/// `NAME TYPE [DEFAULT|required] | doc`.
fn parse_param(v: &str) -> Result<ParamSpec, String> {
    let (spec, doc) = v.split_once(" | ").unwrap_or((v, ""));
    let parts: Vec<&str> = spec.split_whitespace().collect();
    let (name, kind, default) = match parts.as_slice() {
        [n, k] => (*n, *k, None),
        [n, k, "required"] => (*n, *k, None),
        [n, k, d] => (*n, *k, Some(d.to_string())),
        _ => {
            return Err(format!(
                "param {v:?} is not `NAME TYPE [DEFAULT|required] | doc`"
            ))
        }
    };
    let kind = ParamKind::parse(kind).ok_or_else(|| {
        format!("param {name}: unknown type {kind:?} (string, int, float, bool, timestamp)")
    })?;
    if let Some(d) = &default {
        kind.value(d)
            .map_err(|e| format!("param {name}: default {e}"))?;
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("param {name:?}: names are letters, digits and _"));
    }
    Ok(ParamSpec {
        name: name.to_string(),
        kind,
        default,
        doc: doc.trim().to_string(),
    })
}

/// All saved queries by name.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    queries: BTreeMap<String, SavedQuery>,
}

impl Catalog {
    /// The built-in queries.
    pub fn builtin() -> Result<Self, CatalogError> {
        let mut c = Catalog::default();
        for (rel, text) in builtin::QUERIES {
            let q = SavedQuery::parse(rel, text, &format!("built-in queries/{rel}"))?;
            c.queries.insert(q.name.clone(), q);
        }
        Ok(c)
    }

    /// The built-in queries, then each folder's (`<category>/<name>.sql`), later ones replacing
    /// earlier ones of the same name. A folder that does not exist adds nothing.
    pub fn load(dirs: &[PathBuf]) -> Result<Self, CatalogError> {
        let mut c = Self::builtin()?;
        for dir in dirs {
            if !dir.is_dir() {
                continue;
            }
            let mut files = Vec::new();
            walk(dir, &mut files)?;
            files.sort();
            for f in files {
                let rel = f
                    .strip_prefix(dir)
                    .unwrap_or(&f)
                    .to_string_lossy()
                    .into_owned();
                let text = std::fs::read_to_string(&f).map_err(|source| CatalogError::Io {
                    path: f.clone(),
                    source,
                })?;
                let q = SavedQuery::parse(&rel, &text, &f.display().to_string())?;
                c.queries.insert(q.name.clone(), q);
            }
        }
        Ok(c)
    }

    pub fn get(&self, name: &str) -> Result<&SavedQuery, CatalogError> {
        self.queries.get(name).ok_or_else(|| {
            let close: Vec<&str> = self
                .queries
                .keys()
                .filter(|k| k.contains(name) || name.contains(k.as_str()))
                .map(String::as_str)
                .take(5)
                .collect();
            CatalogError::Unknown {
                name: name.to_string(),
                hint: if close.is_empty() {
                    " (`trailhound queries` lists them)".into()
                } else {
                    format!("; did you mean {}?", close.join(", "))
                },
            }
        })
    }

    /// Every query, by category then name.
    pub fn all(&self) -> Vec<&SavedQuery> {
        let mut v: Vec<&SavedQuery> = self.queries.values().collect();
        v.sort_by(|a, b| (&a.category, &a.name).cmp(&(&b.category, &b.name)));
        v
    }

    /// The detections mapped to an ATT&CK technique: `T1098` also names its sub-techniques.
    pub fn technique(&self, id: &str) -> Vec<&SavedQuery> {
        self.all()
            .into_iter()
            .filter(|q| {
                q.attack.iter().any(|a| {
                    a.eq_ignore_ascii_case(id)
                        || (a.len() > id.len()
                            && a[..id.len()].eq_ignore_ascii_case(id)
                            && a.as_bytes()[id.len()] == b'.')
                })
            })
            .collect()
    }

    pub fn category(&self, category: &str) -> Vec<&SavedQuery> {
        self.all()
            .into_iter()
            .filter(|q| q.category == category)
            .collect()
    }

    pub fn categories(&self) -> Vec<String> {
        let mut v: Vec<String> = self.queries.values().map(|q| q.category.clone()).collect();
        v.sort();
        v.dedup();
        v
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CatalogError> {
    let rd = std::fs::read_dir(dir).map_err(|source| CatalogError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "sql") {
            out.push(p);
        }
    }
    Ok(())
}

/// The `[from, until)` a saved query runs over: the given window's ends, else the last
/// [`DEFAULT_WINDOW_DAYS`] days up to `now`.
pub fn window_bounds(window: &trailhound_model::TimeWindow, now: i64) -> (i64, i64) {
    // Whole seconds: the period is printed in reports.
    let until = window.until.unwrap_or(now - now.rem_euclid(1_000_000));
    let from = window.from.unwrap_or(until - DEFAULT_WINDOW_DAYS * DAY_US);
    (from, until)
}
