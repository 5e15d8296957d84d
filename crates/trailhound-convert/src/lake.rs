//! A lake, on local disk or in S3: its root, its manifest state, the writer's lock (local), and
//! the commit protocol (stage, commit, move into place; roll forward after a crash).
//!
//! In S3 every object is written whole (a single PUT or a completed multipart upload), the
//! commit is created only if its number is free (`If-None-Match`), and data files are staged
//! under `_trailhound/staging/` (ignored by engines, like every `_`-prefixed folder) until the
//! commit naming them exists. There is no lock in S3: a second writer loses the race for the
//! commit number and stops with an error; its staged files are removed a day later.

use std::fs;
use std::path::Path;

use arrow_array::RecordBatch;

use trailhound_model::lake::{Dataset, LOG_DIR, META_DIR, STAGING_DIR};
use trailhound_model::window::TimeWindow;
use trailhound_store::location::Upload;
use trailhound_store::Location;

use crate::error::{Error, IoContext, Result};
use crate::manifest::{read_log, write_commit, Commit, DataFile, LakeState};
use crate::writer::{read_parquet, read_parquet_bytes, write_parquet, write_parquet_to, Written};

/// Requests to the lake's store at once when many files are written or moved (S3: each is a
/// round trip of tens of milliseconds).
const IO_CONCURRENCY: usize = 16;

/// Uploads of data files still under way.
type Uploads = std::sync::Mutex<std::collections::VecDeque<Upload>>;

/// An open lake.
pub struct Lake {
    loc: Location,
    state: LakeState,
    _lock: Option<fs::File>,
    /// This writer's name in staging folders: S3 has no lock, and two writers staging the same
    /// version under one name would overwrite each other's files before either commits.
    writer: String,
    /// Data files written to S3 upload in the background (the workers go on decoding); a
    /// commit waits for all of them first.
    uploads: Uploads,
}

/// A name no other writer picks: the process, the time, and a counter within the process.
fn writer_id() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{:x}-{nanos:x}-{n}", std::process::id())
}

/// Which data files an operation reads.
#[derive(Debug, Clone, Default)]
pub struct LakeFilter {
    /// One dataset; `None` for both.
    pub dataset: Option<Dataset>,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub window: TimeWindow,
}

impl LakeFilter {
    pub fn admits(&self, f: &DataFile) -> bool {
        self.dataset.is_none_or(|d| d.dir() == f.dataset)
            && (self.accounts.is_empty() || self.accounts.contains(&f.account))
            && (self.regions.is_empty() || self.regions.contains(&f.region))
            && match (f.min_time, f.max_time) {
                (Some(lo), Some(hi)) => {
                    self.window.from.is_none_or(|w| hi >= w)
                        && self.window.until.is_none_or(|w| lo < w)
                }
                // A file with no timed rows is kept only when no window is asked for.
                _ => self.window.is_unbounded(),
            }
    }
}

impl Lake {
    /// Opens a local lake to read it. It must exist.
    pub fn open(root: &Path) -> Result<Lake> {
        Self::open_at(
            Location::local(root, false).map_err(|_| not_a_lake(&root.display().to_string()))?,
        )
    }

    /// Opens a lake, local or in S3, to read it. It must exist.
    pub fn open_at(loc: Location) -> Result<Lake> {
        let at = loc.show("");
        Self::try_open_at(loc)?.ok_or_else(|| not_a_lake(&at))
    }

    /// Opens a lake to read it, or `None` when there is no manifest there.
    pub fn try_open_at(loc: Location) -> Result<Option<Lake>> {
        let commits = read_log(&loc)?;
        if commits.is_empty() {
            return Ok(None);
        }
        let mut state = LakeState::default();
        for c in &commits {
            state.apply(c);
        }
        Ok(Some(Lake {
            loc,
            state,
            _lock: None,
            writer: writer_id(),
            uploads: Default::default(),
        }))
    }

    /// Opens (creating if needed) a local lake to write it.
    pub fn open_for_write(root: &Path) -> Result<Lake> {
        Self::open_for_write_at(Location::local(root, true)?)
    }

    /// Opens (creating if needed) a lake to write it: takes the writer's lock (local lakes),
    /// then finishes any commit a crashed writer left half moved into place and drops
    /// uncommitted staging.
    pub fn open_for_write_at(loc: Location) -> Result<Lake> {
        let lock = match loc.local_root() {
            Some(root) => Some(take_lock(root)?),
            None => None,
        };
        let commits = read_log(&loc)?;
        let mut state = LakeState::default();
        for c in &commits {
            state.apply(c);
        }
        let lake = Lake {
            loc,
            state,
            _lock: lock,
            writer: writer_id(),
            uploads: Default::default(),
        };
        if let Some(last) = commits.last() {
            lake.recover(last)?;
        }
        lake.drop_stale_staging()?;
        Ok(lake)
    }

    /// Where the lake is.
    pub fn location(&self) -> &Location {
        &self.loc
    }

    /// The lake's folder when it is on local disk.
    pub fn local_root(&self) -> Option<&Path> {
        self.loc.local_root()
    }

    /// How a lake-relative path is named to users.
    pub fn show(&self, rel: &str) -> String {
        self.loc.show(rel)
    }

    pub fn state(&self) -> &LakeState {
        &self.state
    }

    /// The live data files that `filter` admits, in path order.
    pub fn files<'a>(&'a self, filter: &'a LakeFilter) -> impl Iterator<Item = &'a DataFile> + 'a {
        self.state.files.values().filter(move |f| filter.admits(f))
    }

    /// Reads a Parquet file of the lake, optionally only some top-level columns.
    pub fn read_parquet(&self, rel: &str, columns: Option<&[&str]>) -> Result<Vec<RecordBatch>> {
        match self.loc.local_root() {
            Some(root) => read_parquet(&root.join(rel), columns),
            None => read_parquet_bytes(self.loc.get(rel)?, columns, &self.show(rel)),
        }
    }

    /// Writes rows (in any order: sorted on the way) as a new Parquet file at `rel`, whole or
    /// not at all.
    pub fn write_parquet(&self, rel: &str, batches: &[RecordBatch]) -> Result<Written> {
        match self.loc.local_root() {
            Some(root) => write_parquet(batches, &root.join(rel)),
            None => {
                let (w, bytes) = write_parquet_to(batches, Vec::new(), &self.show(rel))?;
                // At most IO_CONCURRENCY files held in memory for upload: beyond that, wait
                // for the oldest.
                let oldest = {
                    let mut pending = self.lock_uploads()?;
                    pending.push_back(self.loc.put_in_background(rel, bytes));
                    if pending.len() > IO_CONCURRENCY {
                        pending.pop_front()
                    } else {
                        None
                    }
                };
                if let Some(upload) = oldest {
                    upload.wait()?;
                }
                Ok(w)
            }
        }
    }

    /// Writes any object of the lake whole (quarantined copies).
    pub fn put(&self, rel: &str, bytes: Vec<u8>) -> Result<()> {
        Ok(self.loc.put(rel, bytes)?)
    }

    /// Version the next commit takes.
    pub fn next_version(&self) -> u64 {
        self.state.version + 1
    }

    /// Lake-relative staging folder of a commit version, this writer's own.
    pub fn staging_for(&self, version: u64) -> String {
        format!("{STAGING_DIR}/{version:010}-{}", self.writer)
    }

    fn lock_uploads(
        &self,
    ) -> Result<std::sync::MutexGuard<'_, std::collections::VecDeque<Upload>>> {
        self.uploads
            .lock()
            .map_err(|_| Error::Invalid("a worker thread panicked".into()))
    }

    /// Waits for every data file upload started so far; the first failure is the error.
    pub fn finish_uploads(&self) -> Result<()> {
        let pending: Vec<_> = self.lock_uploads()?.drain(..).collect();
        let mut first = Ok(());
        for upload in pending {
            let r = upload.wait().map_err(Error::from);
            if first.is_ok() {
                first = r;
            }
        }
        first
    }

    /// Writes the commit, then moves its staged files into place and deletes what it removes.
    /// Uploads still under way are waited for first: a commit names only files that are there.
    pub fn commit(&mut self, commit: Commit) -> Result<()> {
        self.finish_uploads()?;
        if commit.version != self.next_version() {
            return Err(Error::Invalid(format!(
                "commit version {} is not the next one ({})",
                commit.version,
                self.next_version()
            )));
        }
        if let Err(e) = write_commit(&self.loc, &commit) {
            // Another writer took the version: what we staged will never be committed.
            if let Some(staging) = &commit.staging {
                let _ = self.remove_tree(staging);
            }
            return Err(e);
        }
        // Just staged by us: every file is there and no target is (new names per version).
        self.roll_forward(&commit, false)?;
        self.state.apply(&commit);
        Ok(())
    }

    /// Finishes the last commit if a crashed writer left it half moved into place. Moving
    /// deletes the staging folder last, so when it is gone (the usual case, one listing) there is
    /// nothing to do.
    fn recover(&self, last: &Commit) -> Result<()> {
        let Some(staging) = &last.staging else {
            return Ok(());
        };
        if self.loc.list(staging)?.is_empty() {
            for rel in &last.removed {
                self.loc.delete(rel)?;
            }
            return Ok(());
        }
        self.roll_forward(last, true)
    }

    /// Makes the files of a written commit visible: idempotent when `check`, so a crash at any
    /// point of it is finished by the next writer.
    fn roll_forward(&self, commit: &Commit, check: bool) -> Result<()> {
        if let Some(staging) = &commit.staging {
            let mut moves = Vec::with_capacity(commit.added.len());
            for f in &commit.added {
                let staged = format!("{staging}/{}", f.path);
                if !check
                    || (self.loc.head(&f.path)?.is_none() && self.loc.head(&staged)?.is_some())
                {
                    moves.push((staged, f.path.clone()));
                }
            }
            self.loc.rename_all(&moves, IO_CONCURRENCY)?;
        }
        self.loc.delete_all(&commit.removed, IO_CONCURRENCY)?;
        if let Some(staging) = &commit.staging {
            self.remove_tree(staging)?;
        }
        Ok(())
    }

    /// Deletes every object below `rel` (and, locally, the folders).
    fn remove_tree(&self, rel: &str) -> Result<()> {
        match self.loc.local_root() {
            Some(root) => {
                let dir = root.join(rel);
                match fs::remove_dir_all(&dir) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(Error::Io {
                        path: dir,
                        source: e,
                    }),
                }
            }
            None => {
                let rels: Vec<String> = self.loc.list(rel)?.into_iter().map(|e| e.rel).collect();
                Ok(self.loc.delete_all(&rels, IO_CONCURRENCY)?)
            }
        }
    }

    /// Removes staged files no commit names. Locally the lock guarantees nobody else is
    /// writing; in S3 another writer may be, so only staging older than a day goes.
    fn drop_stale_staging(&self) -> Result<()> {
        if self.loc.local_root().is_some() {
            return self.remove_tree(STAGING_DIR);
        }
        let day_ago = trailhound_model::window::now_micros() / 1_000_000 - 86_400;
        for e in self.loc.list(STAGING_DIR)? {
            if e.modified < day_ago {
                self.loc.delete(&e.rel)?;
            }
        }
        Ok(())
    }
}

fn not_a_lake(at: &str) -> Error {
    Error::Invalid(format!(
        "{at} is not a trailhound lake (no {} folder): run `trailhound convert` first",
        LOG_DIR
    ))
}

/// Takes the local writer's lock.
fn take_lock(root: &Path) -> Result<fs::File> {
    let meta = root.join(META_DIR);
    fs::create_dir_all(&meta).at(&meta)?;
    let lock_path = meta.join("lock");
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .at(&lock_path)?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(fs::TryLockError::WouldBlock) => Err(Error::Invalid(format!(
            "{}: another trailhound process is writing this lake",
            root.display()
        ))),
        Err(fs::TryLockError::Error(e)) => Err(Error::Io {
            path: lock_path,
            source: e,
        }),
    }
}
