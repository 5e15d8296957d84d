//! Listing the source objects of a conversion: CloudTrail's layout anywhere below a folder, or
//! single files, pruned by account, region and delivery date while walking.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::error::{IoContext, Result};
use crate::window::{parse_date, TimeWindow};

/// One object to convert.
#[derive(Debug, Clone)]
pub struct SourceObject {
    /// Key below the source root, `/`-separated (the file name for a single-file source).
    pub key: String,
    pub path: PathBuf,
    pub size: u64,
    /// Modification time as `seconds.nanoseconds`: with the size, what tells a changed object.
    pub version: String,
}

/// Which objects a conversion takes.
#[derive(Debug, Clone, Default)]
pub struct SourceFilter {
    /// Accounts to keep (empty: all).
    pub accounts: Vec<String>,
    /// Regions to keep (empty: all).
    pub regions: Vec<String>,
    /// Event times wanted; delivery-date folders that cannot hold such events are not read.
    pub window: TimeWindow,
}

impl SourceFilter {
    /// Whether a folder (its segments below the root) may hold wanted objects.
    fn admits(&self, segs: &[&str]) -> bool {
        let Some(logs) = segs.iter().rposition(|s| *s == "AWSLogs") else {
            return true;
        };
        let rest = &segs[logs + 1..];
        let (account_at, kind_at) = match rest.first() {
            Some(s) if s.starts_with("o-") => (1, 2),
            _ => (0, 1),
        };
        if let Some(account) = rest.get(account_at) {
            if !self.accounts.is_empty() && !self.accounts.iter().any(|a| a == account) {
                return false;
            }
        }
        if !rest
            .get(kind_at)
            .is_some_and(|k| k.starts_with("CloudTrail"))
        {
            return true;
        }
        if let Some(region) = rest.get(kind_at + 1) {
            if !self.regions.is_empty() && !self.regions.iter().any(|r| r == region) {
                return false;
            }
        }
        if let Some([y, m, d]) = rest.get(kind_at + 2..kind_at + 5) {
            if let Some(start) = parse_date(&format!("{y}-{m}-{d}")) {
                // Events are delivered up to a day after they happen: a delivery day may hold
                // events from the day before.
                let day = 86_400_000_000;
                let from_ok = self.window.from.is_none_or(|f| start + day > f);
                let until_ok = self.window.until.is_none_or(|u| start < u + day);
                return from_ok && until_ok;
            }
        }
        true
    }
}

/// CloudTrail writes `.json.gz`; plain `.json` is taken only inside its layout, so that other
/// JSON files lying about (manifests, notes) are not mistaken for logs.
fn is_log_key(key: &str) -> bool {
    key.ends_with(".json.gz")
        || (key.ends_with(".json") && trailhound_model::layout::parse_key(key).is_some())
}

/// Lists the log objects below `root` (or `root` itself when it is a file), sorted by key.
pub fn list_sources(root: &Path, filter: &SourceFilter) -> Result<Vec<SourceObject>> {
    let meta = fs::metadata(root).at(root)?;
    let mut out = Vec::new();
    if meta.is_file() {
        let key = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push(object(key, root.to_path_buf(), &meta));
        return Ok(out);
    }
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        for entry in fs::read_dir(&dir).at(&dir)? {
            let entry = entry.at(&dir)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let key = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let path = entry.path();
            let meta = fs::metadata(&path).at(&path)?;
            if meta.is_dir() {
                let segs: Vec<&str> = key.split('/').collect();
                if filter.admits(&segs) {
                    stack.push((path, key));
                }
            } else if meta.is_file() && is_log_key(&key) {
                out.push(object(key, path, &meta));
            }
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

fn object(key: String, path: PathBuf, meta: &fs::Metadata) -> SourceObject {
    let version = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| format!("{}.{:09}", d.as_secs(), d.subsec_nanos()))
        .unwrap_or_default();
    SourceObject {
        key,
        path,
        size: meta.len(),
        version,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::parse_instant;

    #[test]
    fn prunes_folders_by_account_region_and_date() {
        let f = SourceFilter {
            accounts: vec!["111".into()],
            regions: vec!["us-east-1".into()],
            window: TimeWindow {
                from: Some(parse_instant("2024-07-30").unwrap()),
                until: Some(parse_instant("2024-07-31").unwrap()),
            },
        };
        let ok = |p: &str| f.admits(&p.split('/').collect::<Vec<_>>());
        assert!(ok("x/AWSLogs"));
        assert!(ok("AWSLogs/111/CloudTrail/us-east-1/2024/07"));
        assert!(!ok("AWSLogs/222"));
        assert!(ok("AWSLogs/o-abc/111/CloudTrail"));
        assert!(!ok("AWSLogs/o-abc/222"));
        assert!(!ok("AWSLogs/111/CloudTrail/eu-west-1"));
        assert!(ok("AWSLogs/111/CloudTrail/us-east-1/2024/07/30"));
        assert!(
            ok("AWSLogs/111/CloudTrail/us-east-1/2024/07/31"),
            "next-day delivery"
        );
        assert!(!ok("AWSLogs/111/CloudTrail/us-east-1/2024/08/01"));
        assert!(!ok("AWSLogs/111/CloudTrail/us-east-1/2024/07/29"));
    }
}
