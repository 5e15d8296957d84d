//! A lake on local disk: its root, its manifest state, the writer's lock, and the commit
//! protocol (stage, commit, move into place; roll forward after a crash).

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, IoContext, Result};
use crate::manifest::{read_log, write_commit, Commit, DataFile, LakeState};
use crate::window::TimeWindow;

/// Folder of staged data files, per commit version.
pub const STAGING_DIR: &str = "_trailhound/staging";
/// Folder of quarantined source objects.
pub const QUARANTINE_DIR: &str = "_trailhound/quarantine";

/// An open lake.
pub struct Lake {
    root: PathBuf,
    state: LakeState,
    _lock: Option<fs::File>,
}

/// Which data files an operation reads.
#[derive(Debug, Clone, Default)]
pub struct LakeFilter {
    /// `cloudtrail` or `insights`; `None` for both.
    pub dataset: Option<String>,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub window: TimeWindow,
}

impl LakeFilter {
    pub fn admits(&self, f: &DataFile) -> bool {
        self.dataset.as_ref().is_none_or(|d| *d == f.dataset)
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
    /// Opens a lake to read it. It must exist.
    pub fn open(root: &Path) -> Result<Lake> {
        if !root.join(crate::manifest::LOG_DIR).is_dir() {
            return Err(Error::Invalid(format!(
                "{} is not a trailhound lake (no {} folder): run `trailhound convert` first",
                root.display(),
                crate::manifest::LOG_DIR
            )));
        }
        let mut state = LakeState::default();
        for c in read_log(root)? {
            state.apply(&c);
        }
        Ok(Lake {
            root: root.to_path_buf(),
            state,
            _lock: None,
        })
    }

    /// Opens (creating if needed) a lake to write it: takes the writer's lock, then finishes any
    /// commit a crashed writer left half moved into place and drops uncommitted staging.
    pub fn open_for_write(root: &Path) -> Result<Lake> {
        let meta = root.join("_trailhound");
        fs::create_dir_all(&meta).at(&meta)?;
        let lock_path = meta.join("lock");
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .at(&lock_path)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(Error::Invalid(format!(
                    "{}: another trailhound process is writing this lake",
                    root.display()
                )))
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(Error::Io {
                    path: lock_path,
                    source: e,
                })
            }
        }
        let commits = read_log(root)?;
        let mut state = LakeState::default();
        for c in &commits {
            state.apply(c);
        }
        let lake = Lake {
            root: root.to_path_buf(),
            state,
            _lock: Some(lock),
        };
        if let Some(last) = commits.last() {
            lake.roll_forward(last)?;
        }
        let staging = root.join(STAGING_DIR);
        if staging.exists() {
            fs::remove_dir_all(&staging).at(&staging)?;
        }
        Ok(lake)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn state(&self) -> &LakeState {
        &self.state
    }

    /// The live data files that `filter` admits, in path order.
    pub fn files<'a>(&'a self, filter: &'a LakeFilter) -> impl Iterator<Item = &'a DataFile> + 'a {
        self.state.files.values().filter(move |f| filter.admits(f))
    }

    /// Absolute path of a lake-relative path.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Version the next commit takes.
    pub fn next_version(&self) -> u64 {
        self.state.version + 1
    }

    /// Lake-relative staging folder of a commit version.
    pub fn staging_for(&self, version: u64) -> String {
        format!("{STAGING_DIR}/{version:010}")
    }

    /// Writes the commit, then moves its staged files into place and deletes what it removes.
    pub fn commit(&mut self, commit: Commit) -> Result<()> {
        if commit.version != self.next_version() {
            return Err(Error::Invalid(format!(
                "commit version {} is not the next one ({})",
                commit.version,
                self.next_version()
            )));
        }
        write_commit(&self.root, &commit)?;
        self.roll_forward(&commit)?;
        self.state.apply(&commit);
        Ok(())
    }

    /// Makes the files of a written commit visible: idempotent, so a crash at any point of it is
    /// finished by the next writer.
    fn roll_forward(&self, commit: &Commit) -> Result<()> {
        if let Some(staging) = &commit.staging {
            for f in &commit.added {
                let target = self.root.join(&f.path);
                let staged = self.root.join(staging).join(&f.path);
                if !target.exists() && staged.exists() {
                    if let Some(dir) = target.parent() {
                        fs::create_dir_all(dir).at(dir)?;
                    }
                    fs::rename(&staged, &target).at(&staged)?;
                }
            }
        }
        for rel in &commit.removed {
            let p = self.root.join(rel);
            match fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::Io { path: p, source: e }),
            }
        }
        if let Some(staging) = &commit.staging {
            let dir = self.root.join(staging);
            if dir.exists() {
                fs::remove_dir_all(&dir).at(&dir)?;
            }
        }
        Ok(())
    }
}
