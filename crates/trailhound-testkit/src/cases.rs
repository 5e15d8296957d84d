//! The saved queries' detection cases, as data: `testdata/cases/<query>/` holds
//!
//! - `found.json`: the events the query must name (in its `eventid`, `eventids` or
//!   `example_eventids` column);
//! - `near-misses.json`: events that look alike and that it must not name;
//! - `context.json` (optional): events the case needs around them (baselines, a burst's other
//!   calls), which it may name or not;
//! - `expected.csv`: the rows it returns, in order;
//! - `params` (optional): `NAME=VALUE` lines, as `--param` takes them.
//!
//! The event files are CloudTrail log files (`{"Records":[...]}`), one event per line. The period
//! searched is [`FROM`] to [`UNTIL`]; the days before it hold the baselines of "never seen
//! before" queries. Adding a detection's tests is adding such a folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The period the cases are searched over.
pub const FROM: &str = "2024-09-01";
pub const UNTIL: &str = "2024-09-08";

/// One query's cases, read from its folder.
#[derive(Debug, Clone)]
pub struct Case {
    /// The saved query's name, which is the folder's.
    pub query: String,
    pub dir: PathBuf,
    /// `--param NAME=VALUE` to run it with.
    pub params: BTreeMap<String, String>,
    pub found: Vec<Value>,
    pub near_misses: Vec<Value>,
    pub context: Vec<Value>,
}

impl Case {
    /// Every event of the case, in the files' order.
    pub fn events(&self) -> impl Iterator<Item = &Value> {
        self.found
            .iter()
            .chain(&self.near_misses)
            .chain(&self.context)
    }

    /// The `eventID`s of `found.json`.
    pub fn found_ids(&self) -> Vec<String> {
        ids(&self.found)
    }

    /// The `eventID`s of `near-misses.json`.
    pub fn near_miss_ids(&self) -> Vec<String> {
        ids(&self.near_misses)
    }

    /// `expected.csv`'s path.
    pub fn expected_path(&self) -> PathBuf {
        self.dir.join("expected.csv")
    }

    /// The case's events written as a CloudTrail archive in a new folder (kept for the run).
    pub fn archive(&self) -> PathBuf {
        let dir = tempfile::tempdir().unwrap().keep().join("trail");
        let events: Vec<Value> = self.events().cloned().collect();
        write_archive(&dir, &events, "cases");
        dir
    }
}

/// Every case's events as CloudTrail archives in a new folder (kept for the run), one
/// sub-folder per query: what converting all the cases at once reads.
pub fn archive_all() -> PathBuf {
    let dir = tempfile::tempdir().unwrap().keep().join("cases");
    for c in all() {
        let events: Vec<Value> = c.events().cloned().collect();
        write_archive(&dir.join(&c.query), &events, "cases");
    }
    dir
}

fn ids(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["eventID"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// `testdata/cases`.
pub fn cases_dir() -> PathBuf {
    crate::repo_root().join("testdata/cases")
}

/// Every folder of `testdata/cases`, in name order.
pub fn all() -> Vec<Case> {
    let root = cases_dir();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.iter().map(|d| load(d)).collect()
}

/// One case folder; panics naming the file and line at fault.
pub fn load(dir: &Path) -> Case {
    let query = dir
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let events = |name: &str, required: bool| -> Vec<Value> {
        let path = dir.join(name);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
            Err(e) => panic!("{}: {e}", path.display()),
        };
        let doc: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let records = doc
            .get("Records")
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("{}: no \"Records\" array", path.display()));
        for (i, r) in records.iter().enumerate() {
            assert!(
                r.get("eventID").and_then(Value::as_str).is_some()
                    && r.get("eventTime").and_then(Value::as_str).is_some(),
                "{}: record {} has no eventID or eventTime",
                path.display(),
                i + 1
            );
        }
        records.clone()
    };
    let mut params = BTreeMap::new();
    let params_path = dir.join("params");
    if let Ok(text) = std::fs::read_to_string(&params_path) {
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (k, v) = line
                .split_once('=')
                .unwrap_or_else(|| panic!("{}:{}: not NAME=VALUE", params_path.display(), n + 1));
            params.insert(k.trim().to_string(), v.to_string());
        }
    }
    Case {
        query,
        dir: dir.to_path_buf(),
        params,
        found: events("found.json", true),
        near_misses: events("near-misses.json", true),
        context: events("context.json", false),
    }
}

/// Writes `events` below `dir` as CloudTrail log files, one per account, region and day of their
/// `eventTime` (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/…T0000Z_<suffix>.json.gz`),
/// each keeping the events in the order given.
pub fn write_archive(dir: &Path, events: &[Value], suffix: &str) {
    for (key, text) in trailhound_synth::events::archive(events, suffix) {
        let path = dir.join(key);
        trailhound_synth::events::write_gz(&path, &text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}
