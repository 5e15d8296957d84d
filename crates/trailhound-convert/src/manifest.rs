//! The lake's manifest: an append-only log of commits under `_trailhound/log/`, one JSON file per
//! conversion or compaction, replayed to know which source objects were converted and which data
//! files are live.
//!
//! A commit is written to a temporary name and hard-linked to its numbered name, so it appears
//! whole or not at all, and two writers can never both take the same number. Data files are
//! staged first and moved into place only after the commit that names them exists; the commit
//! records the staging folder so an interrupted move is rolled forward by the next run.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::PathBuf;

use futures::StreamExt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, IoContext, Result};
use trailhound_model::lake::{partition_dir, LOG_DIR};
use trailhound_store::location::block_on;
use trailhound_store::Location;

/// What became of one source object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SourceStatus {
    /// Its records are in the lake.
    Converted,
    /// It could not be read as a CloudTrail log; a copy is kept at `copy` (relative to the lake).
    Quarantined { reason: String, copy: String },
    /// A digest file: recognised, not events.
    Digest,
}

/// One source object as the manifest remembers it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceEntry {
    /// Key below the source root, `/`-separated.
    pub key: String,
    /// Size of the object as stored (compressed).
    pub size: u64,
    /// Modification time (local files) or ETag (object stores): with `size`, what tells a changed object.
    pub version: String,
    /// SHA-256 of the object's bytes, hex.
    pub sha256: String,
    #[serde(flatten)]
    pub status: SourceStatus,
    /// Size of its JSON once decompressed.
    pub json_bytes: u64,
    pub records_in: u64,
    pub records_out: u64,
    /// Records dropped because the same event (same eventID, same JSON text) was already stored.
    pub duplicates: u64,
    /// Data files (relative to the lake) holding its records.
    pub outputs: Vec<String>,
    /// What digest validation said of it when it was converted with `--verify`: `valid`,
    /// `modified` or `not_covered`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<String>,
}

/// One live Parquet file of the lake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataFile {
    /// Path relative to the lake root, `/`-separated.
    pub path: String,
    /// `cloudtrail` or `insights`.
    pub dataset: String,
    pub account: String,
    pub region: String,
    pub date: String,
    pub rows: u64,
    pub bytes: u64,
    /// Smallest and largest `eventtime` (microseconds), when any row has one.
    pub min_time: Option<i64>,
    pub max_time: Option<i64>,
}

impl DataFile {
    /// The partition folder this file lives in, relative to the lake.
    pub fn partition_dir(&self) -> String {
        partition_dir(&self.dataset, &self.account, &self.region, &self.date)
    }
}

/// One entry of the log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Commit {
    pub version: u64,
    /// `convert` or `compact`.
    pub operation: String,
    /// Microseconds since the epoch.
    pub timestamp: i64,
    #[serde(default)]
    pub sources: Vec<SourceEntry>,
    #[serde(default)]
    pub added: Vec<DataFile>,
    #[serde(default)]
    pub removed: Vec<String>,
    /// Sources whose entries this commit drops (their records were retracted).
    #[serde(default)]
    pub forgotten: Vec<String>,
    /// Where `added` files were staged (relative to the lake), until they are moved into place.
    pub staging: Option<String>,
    /// Per region folder of the source, the delivery day (`YYYY/MM/DD`) through which every
    /// object has been listed and taken: the next incremental listing starts there.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub listed_through: BTreeMap<String, String>,
}

/// The state of a lake: the replay of its log.
#[derive(Debug, Clone, Default)]
pub struct LakeState {
    pub version: u64,
    pub sources: BTreeMap<String, SourceEntry>,
    pub files: BTreeMap<String, DataFile>,
    /// The latest `listed_through` of each region folder.
    pub listed_through: BTreeMap<String, String>,
}

impl LakeState {
    /// Applies one commit.
    pub fn apply(&mut self, commit: &Commit) {
        self.version = commit.version;
        for path in &commit.removed {
            self.files.remove(path);
        }
        for key in &commit.forgotten {
            self.sources.remove(key);
        }
        for f in &commit.added {
            self.files.insert(f.path.clone(), f.clone());
        }
        for s in &commit.sources {
            self.sources.insert(s.key.clone(), s.clone());
        }
        for (dir, day) in &commit.listed_through {
            self.listed_through.insert(dir.clone(), day.clone());
        }
    }
}

/// Reads every commit in order.
pub fn read_log(lake: &Location) -> Result<Vec<Commit>> {
    read_log_after(lake, 0)
}

/// The lake's current version (0 for a lake without commits), from the log's listing alone.
pub fn latest_version(lake: &Location) -> Result<u64> {
    Ok(log_versions(lake)?.into_iter().max().unwrap_or(0))
}

/// The version numbers the log holds, from its listing, in listing order.
fn log_versions(lake: &Location) -> Result<Vec<u64>> {
    Ok(lake
        .list(LOG_DIR)?
        .iter()
        .filter_map(|e| {
            e.rel
                .rsplit('/')
                .next()?
                .strip_suffix(".json")?
                .parse::<u64>()
                .ok()
        })
        .collect())
}

/// The commits after version `after`, in order (what `watch` has not looked at yet).
pub fn read_log_after(lake: &Location, after: u64) -> Result<Vec<Commit>> {
    let mut versions = log_versions(lake)?;
    versions.sort_unstable();
    for (i, v) in versions.iter().enumerate() {
        if *v != i as u64 + 1 {
            return Err(Error::Manifest {
                path: PathBuf::from(lake.show(&commit_rel(*v))),
                reason: format!("expected version {} (a commit is missing)", i + 1),
            });
        }
    }
    versions.retain(|v| *v > after);
    // Fetched a few at a time: a lake in S3 may have thousands of commits.
    let texts: Vec<Result<(u64, bytes::Bytes)>> = block_on(
        futures::stream::iter(versions.iter().copied())
            .map(|v| async move {
                lake.get_async(&commit_rel(v))
                    .await
                    .map(|b| (v, b))
                    .map_err(Error::from)
            })
            .buffered(16)
            .collect(),
    );
    let mut commits = Vec::with_capacity(versions.len());
    for t in texts {
        let (v, text) = t?;
        let commit: Commit = serde_json::from_slice(&text).map_err(|e| Error::Manifest {
            path: PathBuf::from(lake.show(&commit_rel(v))),
            reason: e.to_string(),
        })?;
        commits.push(commit);
    }
    Ok(commits)
}

fn commit_rel(version: u64) -> String {
    format!("{LOG_DIR}/{version:010}.json")
}

/// Writes `commit` as the next entry of the log; fails if another writer took its number.
pub fn write_commit(lake: &Location, commit: &Commit) -> Result<()> {
    let rel = commit_rel(commit.version);
    let text = serde_json::to_vec_pretty(commit).map_err(|e| Error::Manifest {
        path: PathBuf::from(lake.show(&rel)),
        reason: e.to_string(),
    })?;
    let Some(root) = lake.local_root() else {
        return if lake.put_new(&rel, text)? {
            Ok(())
        } else {
            Err(Error::Manifest {
                path: PathBuf::from(lake.show(&rel)),
                reason: "another writer committed this version first".into(),
            })
        };
    };
    // Locally: written, synced, then hard-linked to its number, so a power cut leaves it whole
    // or absent.
    let log = root.join(LOG_DIR);
    fs::create_dir_all(&log).at(&log)?;
    let path = root.join(&rel);
    let tmp = log.join(format!(".tmp-{}-{}", commit.version, std::process::id()));
    {
        let mut f = fs::File::create(&tmp).at(&tmp)?;
        f.write_all(&text).at(&tmp)?;
        f.sync_all().at(&tmp)?;
    }
    let linked = fs::hard_link(&tmp, &path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::Manifest {
                path,
                reason: "another writer committed this version first".into(),
            })
        }
        Err(e) => return Err(Error::Io { path, source: e }),
    }
    if let Ok(dir) = fs::File::open(&log) {
        let _ = dir.sync_all();
    }
    Ok(())
}
