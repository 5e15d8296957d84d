//! Listing the source objects of a conversion, local or in S3: CloudTrail's layout anywhere
//! below a folder, or single files. Folders are pruned by account, region and delivery date
//! while walking; below a region folder one listing starts at the first delivery day wanted
//! (the window's, or the day the previous run's listing reached) and stops after the last,
//! so an incremental run over a large bucket asks for a few pages, not the whole bucket.

use std::collections::BTreeMap;

use bytes::Bytes;
use futures::stream::{FuturesUnordered, StreamExt};
use trailhound_model::time::{civil_from_days, days_from_civil, DAY_MICROS};
use trailhound_model::window::{parse_date, TimeWindow};

use crate::error::{Error, Result};
use crate::location::{block_on, Entry, Location};
use crate::locator::Locator;
use crate::s3::S3Options;

/// One object to convert.
#[derive(Debug, Clone)]
pub struct SourceObject {
    /// Key below the source root, `/`-separated (the file name for a single-file source).
    pub key: String,
    pub size: u64,
    /// Modification time (local) or ETag (S3): with the size, what tells a changed object.
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
                let day = DAY_MICROS;
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

fn hidden(rel: &str) -> bool {
    rel.split('/').any(|s| s.starts_with('.'))
}

/// `YYYY/MM/DD` of a day number.
fn day_path(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}/{m:02}/{d:02}")
}

/// Day number of the `YYYY/MM/DD` that starts `rest`.
fn day_of_path(rest: &str) -> Option<i64> {
    let mut it = rest.split('/');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let d = it.next()?.parse().ok()?;
    Some(days_from_civil(y, m, d))
}

/// Whether a folder is a region folder of CloudTrail's layout
/// (`…/AWSLogs/[o-…/]ACCOUNT/CloudTrail*/REGION`).
fn is_region_dir(rel: &str) -> bool {
    let segs: Vec<&str> = rel.split('/').collect();
    let Some(logs) = segs.iter().rposition(|s| *s == "AWSLogs") else {
        return false;
    };
    let rest = &segs[logs + 1..];
    let kind_at = if rest.first().is_some_and(|s| s.starts_with("o-")) {
        2
    } else {
        1
    };
    rest.len() == kind_at + 2 && rest[kind_at].starts_with("CloudTrail")
}

/// A conversion's source: a folder or one object.
#[derive(Debug, Clone)]
pub struct Source {
    loc: Location,
    single: Option<String>,
}

/// The listing of a source.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub objects: Vec<SourceObject>,
    /// Per region folder, the last delivery day (`YYYY/MM/DD`) up to which everything was
    /// listed from the start: where the next incremental listing may begin.
    pub listed_through: BTreeMap<String, String>,
}

impl Source {
    /// A local folder or file, or an S3 prefix (a prefix naming one log object is that
    /// object).
    pub fn open(at: &Locator, s3: &S3Options) -> Result<Source> {
        let path = match at {
            Locator::S3(loc) => {
                let url = loc.url();
                if is_log_key(&url) {
                    if let Some((parent, name)) = url.rsplit_once('/') {
                        if parent.len() > "s3://".len() {
                            let loc = Location::parse(parent, s3, false)?;
                            if loc.head(name)?.is_some() {
                                return Ok(Source {
                                    loc,
                                    single: Some(name.to_string()),
                                });
                            }
                        }
                    }
                }
                return Ok(Source {
                    loc: at.open(s3, false)?,
                    single: None,
                });
            }
            Locator::Local(path) => path.as_path(),
        };
        let meta = std::fs::metadata(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })?;
        if meta.is_file() {
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => std::path::Path::new("."),
            };
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            return Ok(Source {
                loc: Location::local(parent, false)?,
                single: Some(name),
            });
        }
        Ok(Source {
            loc: Location::local(path, false)?,
            single: None,
        })
    }

    pub fn location(&self) -> &Location {
        &self.loc
    }

    /// The objects `filter` admits, sorted by key. `resume` holds, per region folder, the day
    /// an earlier listing reached (see [`Listing::listed_through`]); its region folders are
    /// listed from the day before it on.
    pub fn list(
        &self,
        filter: &SourceFilter,
        resume: &BTreeMap<String, String>,
    ) -> Result<Listing> {
        if let Some(name) = &self.single {
            let e = self.loc.head(name)?.ok_or_else(|| Error::Store {
                at: self.loc.show(name),
                reason: "not found".into(),
            })?;
            return Ok(Listing {
                objects: vec![SourceObject {
                    key: name.clone(),
                    size: e.size,
                    version: e.version,
                }],
                listed_through: BTreeMap::new(),
            });
        }
        block_on(self.walk(filter, resume))
    }

    /// The log objects among `keys` (below the root, as S3 event notifications name them),
    /// without listing: one HEAD each, a few at a time. Keys that are not log objects, or no
    /// longer exist, are left out and returned apart.
    pub fn named(&self, keys: &[String], filter: &SourceFilter) -> Result<(Listing, Vec<String>)> {
        let (wanted, mut skipped): (Vec<String>, Vec<String>) = keys
            .iter()
            .cloned()
            .partition(|k| is_log_key(k) && !hidden(k) && self.admits_object(filter, k));
        let loc = self.loc.clone();
        let heads: Vec<(String, Result<Option<Entry>>)> = block_on(async move {
            futures::stream::iter(wanted)
                .map(|k| {
                    let loc = loc.clone();
                    async move {
                        let head = loc.head_async(&k).await;
                        (k, head)
                    }
                })
                .buffer_unordered(16)
                .collect()
                .await
        });
        let mut listing = Listing::default();
        for (key, head) in heads {
            match head? {
                Some(e) => listing.objects.push(SourceObject {
                    key,
                    size: e.size,
                    version: e.version,
                }),
                None => skipped.push(key),
            }
        }
        listing.objects.sort_by(|a, b| a.key.cmp(&b.key));
        listing.objects.dedup_by(|a, b| a.key == b.key);
        Ok((listing, skipped))
    }

    async fn walk(
        &self,
        filter: &SourceFilter,
        resume: &BTreeMap<String, String>,
    ) -> Result<Listing> {
        /// Folder listings in flight at once.
        const CONCURRENT: usize = 16;
        let mut listing = Listing::default();
        let mut queue = vec![String::new()];
        let mut running = FuturesUnordered::new();
        loop {
            while running.len() < CONCURRENT {
                let Some(dir) = queue.pop() else { break };
                running.push(self.list_folder(dir, filter, resume));
            }
            let Some(done) = running.next().await else {
                break;
            };
            let (entries, dirs, through) = done?;
            for e in entries {
                if is_log_key(&e.rel) && !hidden(&e.rel) && self.admits_object(filter, &e.rel) {
                    listing.objects.push(SourceObject {
                        key: e.rel,
                        size: e.size,
                        version: e.version,
                    });
                }
            }
            if let Some((dir, day)) = through {
                listing.listed_through.insert(dir, day);
            }
            for d in dirs {
                let segs: Vec<&str> = d.split('/').collect();
                if !hidden(&d) && filter.admits(&segs) {
                    queue.push(d);
                }
            }
        }
        listing.objects.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(listing)
    }

    fn admits_object(&self, filter: &SourceFilter, rel: &str) -> bool {
        let segs: Vec<&str> = rel.split('/').collect();
        filter.admits(&segs[..segs.len().saturating_sub(1)])
    }

    /// Lists one folder: its objects and sub-folders, or for a region folder every object of
    /// the delivery days wanted, and the day the listing is complete through.
    async fn list_folder(
        &self,
        dir: String,
        filter: &SourceFilter,
        resume: &BTreeMap<String, String>,
    ) -> Result<(Vec<Entry>, Vec<String>, Option<(String, String)>)> {
        if !is_region_dir(&dir) {
            let (objects, dirs) = self.loc.list_dir(&dir).await?;
            return Ok((objects, dirs, None));
        }
        const DAY: i64 = DAY_MICROS;
        let from_window = filter.window.from.map(|f| f.div_euclid(DAY) - 1);
        let from_resume = resume.get(&dir).and_then(|d| day_of_path(d)).map(|d| d - 1);
        let start = from_window.max(from_resume);
        let end = filter.window.until.map(|u| u.div_euclid(DAY) + 1);
        let after = match start {
            Some(s) => format!("{dir}/{}", day_path(s)),
            None => format!("{dir}/"),
        };
        let until = end.map(|e| format!("{dir}/{}0", day_path(e)));
        let entries = self.loc.list_after(&dir, &after, until.as_deref()).await?;
        // Complete from the start when nothing before was skipped, or skipped only what an
        // earlier complete listing covered: it reached day r + 1, and the window admits delivery
        // days from w + 1 on, so there is no gap while w <= r + 1.
        let complete_from_start =
            from_window.is_none_or(|w| from_resume.is_some_and(|r| w <= r + 1));
        let through = if complete_from_start && end.is_none() {
            let last = entries
                .iter()
                .filter_map(|e| e.rel.strip_prefix(&format!("{dir}/")).and_then(day_of_path))
                .max()
                .or(from_resume.map(|r| r + 1));
            last.map(|d| (dir.clone(), day_path(d)))
        } else {
            None
        };
        Ok((entries, Vec::new(), through))
    }

    /// Reads one object whole.
    pub async fn fetch(&self, obj: &SourceObject) -> Result<Bytes> {
        self.loc.get_async(&obj.key).await
    }

    /// How an object is named to users.
    pub fn show(&self, key: &str) -> String {
        self.loc.show(key)
    }
}

/// Lists the log objects of the local folder or file `root`, sorted by key.
pub fn list_sources(root: &std::path::Path, filter: &SourceFilter) -> Result<Vec<SourceObject>> {
    let src = Source::open(&Locator::from(root), &S3Options::default())?;
    Ok(src.list(filter, &BTreeMap::new())?.objects)
}

#[cfg(test)]
mod tests {
    use super::*;
    use trailhound_model::window::parse_instant;

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
