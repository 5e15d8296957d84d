//! A folder that is either on local disk or at `s3://bucket/prefix`, reached through one
//! object_store interface, so the converter, the lake, export, verify, cost and the query
//! engine's manifest and raw-log tables have one code path for both.
//!
//! The converter is synchronous (worker threads): these methods block on a shared I/O runtime,
//! also when called from inside another tokio runtime (the query engine's), where they step out
//! of it with `block_in_place`. Every request is counted, for the benchmarks' request figures.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjPath;
use object_store::{
    Attribute, GetOptions, ObjectMeta, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload,
};

use crate::error::{Error, Result};
use crate::locator::Locator;
use crate::s3::{describe, s3_store, S3Location, S3Options};

/// The runtime the synchronous callers block on.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("trailhound-io")
            .enable_all()
            .build()
            .expect("cannot start the I/O runtime")
    })
}

/// Runs `f` to completion from synchronous code.
pub fn block_on<F: Future + Send>(f: F) -> F::Output
where
    F::Output: Send,
{
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| runtime().block_on(f))
        }
        // A current-thread runtime cannot lend its thread: run on another one.
        Ok(_) => std::thread::scope(|s| {
            s.spawn(|| runtime().block_on(f))
                .join()
                .expect("I/O thread panicked")
        }),
        Err(_) => runtime().block_on(f),
    }
}

/// An object being written in the background ([`Location::put_in_background`]).
#[derive(Debug)]
pub struct Upload(tokio::task::JoinHandle<Result<()>>);

impl Upload {
    /// Waits until the object is written, or why it was not.
    pub fn wait(self) -> Result<()> {
        match block_on(self.0) {
            Ok(r) => r,
            Err(e) => Err(Error::Invalid(format!("an upload task failed: {e}"))),
        }
    }
}

/// One object found by a listing.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Key below the location, `/`-separated.
    pub rel: String,
    pub size: u64,
    /// Local: modification time `seconds.nanoseconds`; S3: the ETag.
    pub version: String,
    pub modified: i64,
}

/// A folder, local or in S3.
#[derive(Debug, Clone)]
pub struct Location {
    store: Arc<dyn ObjectStore>,
    prefix: ObjPath,
    local: Option<PathBuf>,
    display: String,
    requests: Arc<AtomicU64>,
}

impl Location {
    /// `s3://bucket/prefix` or a local folder (see [`Locator::parse`]). A local folder is
    /// created when `create` is set, and must exist otherwise.
    pub fn parse(s: &str, s3: &S3Options, create: bool) -> Result<Location> {
        Locator::parse(s)?.open(s3, create)
    }

    /// The prefix `loc` of an S3 bucket.
    pub fn s3(loc: &S3Location, s3: &S3Options) -> Result<Location> {
        let store = s3_store(loc, s3).map_err(|e| Error::Invalid(e.to_string()))?;
        Ok(Location {
            store,
            prefix: ObjPath::from(loc.prefix.as_str()),
            local: None,
            display: loc.url(),
            requests: Arc::default(),
        })
    }

    /// A local folder.
    pub fn local(path: &Path, create: bool) -> Result<Location> {
        if create {
            std::fs::create_dir_all(path).map_err(|e| Error::Io {
                path: path.to_path_buf(),
                source: e,
            })?;
        } else if !path.is_dir() {
            let why = if path.exists() {
                "not a folder"
            } else {
                "no such folder"
            };
            return Err(Error::Invalid(format!("{}: {why}", path.display())));
        }
        let fs = LocalFileSystem::new_with_prefix(path)
            .map_err(|e| Error::Invalid(format!("{}: {}", path.display(), describe(&e))))?;
        Ok(Location {
            store: Arc::new(fs),
            prefix: ObjPath::default(),
            local: Some(path.to_path_buf()),
            display: path.display().to_string(),
            requests: Arc::default(),
        })
    }

    /// Whether this is a prefix in S3.
    pub fn is_s3(&self) -> bool {
        self.local.is_none()
    }

    /// The object store behind this folder (for engines that register the store themselves).
    pub fn store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
    }

    /// How this folder is shown to users: its path or `s3://` URL.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// Whether this location lies inside `other` (or is it).
    pub fn is_within(&self, other: &Location) -> bool {
        match (&self.local, &other.local) {
            (Some(a), Some(b)) => {
                let a = std::fs::canonicalize(a).unwrap_or_else(|_| a.clone());
                let b = std::fs::canonicalize(b).unwrap_or_else(|_| b.clone());
                a.starts_with(b)
            }
            (None, None) => {
                format!("{}/", self.display).starts_with(&format!("{}/", other.display))
            }
            _ => false,
        }
    }

    /// The local folder, if this is one.
    pub fn local_root(&self) -> Option<&Path> {
        self.local.as_deref()
    }

    /// Requests made so far (a listing page counts as one).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn count(&self, n: u64) {
        self.requests.fetch_add(n, Ordering::Relaxed);
    }

    /// How a key below this location is shown to users: a path or an `s3://` URL.
    pub fn show(&self, rel: &str) -> String {
        match &self.local {
            Some(p) => p.join(rel).display().to_string(),
            None if rel.is_empty() => self.display.clone(),
            None => format!("{}/{rel}", self.display.trim_end_matches('/')),
        }
    }

    /// The store key of `rel`.
    pub fn key(&self, rel: &str) -> ObjPath {
        let rel = rel.trim_matches('/');
        if self.prefix.as_ref().is_empty() {
            ObjPath::from(rel)
        } else if rel.is_empty() {
            self.prefix.clone()
        } else {
            ObjPath::from(format!("{}/{rel}", self.prefix.as_ref()))
        }
    }

    /// `rel` of a store key below this location.
    pub fn rel(&self, key: &ObjPath) -> String {
        let k = key.as_ref();
        let p = self.prefix.as_ref();
        if p.is_empty() {
            k.to_string()
        } else {
            k.strip_prefix(p)
                .map(|r| r.trim_start_matches('/').to_string())
                .unwrap_or_else(|| k.to_string())
        }
    }

    fn err(&self, rel: &str, e: &object_store::Error) -> Error {
        Error::Store {
            at: self.show(rel),
            reason: describe(e),
        }
    }

    pub(crate) fn entry(&self, meta: &ObjectMeta) -> Entry {
        let version = if self.local.is_some() {
            format!(
                "{}.{:09}",
                meta.last_modified.timestamp(),
                meta.last_modified.timestamp_subsec_nanos()
            )
        } else {
            meta.e_tag
                .clone()
                .unwrap_or_else(|| meta.last_modified.to_rfc3339())
        };
        Entry {
            rel: self.rel(&meta.location),
            size: meta.size,
            version,
            modified: meta.last_modified.timestamp(),
        }
    }

    /// Reads a whole object. Transient failures the store did not already retry (a body cut
    /// short) are tried again twice.
    pub async fn get_async(&self, rel: &str) -> Result<Bytes> {
        let key = self.key(rel);
        let mut attempt = 0;
        loop {
            self.count(1);
            let r = match self.store.get(&key).await {
                Ok(g) => g.bytes().await,
                Err(e) => Err(e),
            };
            match r {
                Ok(b) => return Ok(b),
                Err(e) if attempt < 2 && transient(&e) => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                }
                Err(e) => return Err(self.err(rel, &e)),
            }
        }
    }

    pub fn get(&self, rel: &str) -> Result<Bytes> {
        // A local file is read on the calling thread: handing the read to the I/O runtime and
        // its blocking pool costs more than the read itself for a log of a few hundred KB.
        // Any failure takes the store's path, which words the error.
        if let Some(root) = &self.local {
            if let Ok(bytes) = std::fs::read(root.join(rel)) {
                self.count(1);
                return Ok(Bytes::from(bytes));
            }
        }
        block_on(self.get_async(rel))
    }

    /// The object's metadata, or `None` when there is none.
    pub fn head(&self, rel: &str) -> Result<Option<Entry>> {
        block_on(self.head_async(rel))
    }

    /// [`Location::head`], for async callers.
    pub async fn head_async(&self, rel: &str) -> Result<Option<Entry>> {
        self.count(1);
        match self.store.head(&self.key(rel)).await {
            Ok(m) => Ok(Some(self.entry(&m))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.err(rel, &e)),
        }
    }

    /// The user-defined metadata of an S3 object (`x-amz-meta-NAME` headers, by `NAME`), read
    /// with a HEAD request; `None` for a local folder, which keeps none.
    pub fn user_metadata(&self, rel: &str) -> Result<Option<Vec<(String, String)>>> {
        if self.local.is_some() {
            return Ok(None);
        }
        block_on(async {
            self.count(1);
            let opts = GetOptions {
                head: true,
                ..Default::default()
            };
            let got = self
                .store
                .get_opts(&self.key(rel), opts)
                .await
                .map_err(|e| self.err(rel, &e))?;
            let mut out: Vec<(String, String)> = got
                .attributes
                .iter()
                .filter_map(|(k, v)| match k {
                    Attribute::Metadata(name) => Some((name.to_string(), v.to_string())),
                    _ => None,
                })
                .collect();
            out.sort();
            Ok(Some(out))
        })
    }

    /// Writes an object whole: readers see the old one or the new one, never a part.
    pub fn put(&self, rel: &str, bytes: impl Into<Bytes> + Send) -> Result<()> {
        block_on(async {
            self.count(1);
            self.store
                .put(&self.key(rel), PutPayload::from(bytes.into()))
                .await
                .map(|_| ())
                .map_err(|e| self.err(rel, &e))
        })
    }

    /// Starts writing an object whole on the I/O runtime and returns at once: the caller goes
    /// on with its work while the upload waits on the network. [`Upload::wait`] tells how it
    /// went.
    pub fn put_in_background(&self, rel: &str, bytes: impl Into<Bytes>) -> Upload {
        let this = self.clone();
        let rel = rel.to_string();
        let payload = PutPayload::from(bytes.into());
        Upload(runtime().spawn(async move {
            this.count(1);
            this.store
                .put(&this.key(&rel), payload)
                .await
                .map(|_| ())
                .map_err(|e| this.err(&rel, &e))
        }))
    }

    /// Writes an object only if none exists at `rel`; `false` when one did.
    pub fn put_new(&self, rel: &str, bytes: impl Into<Bytes> + Send) -> Result<bool> {
        block_on(async {
            self.count(1);
            let opts = PutOptions {
                mode: PutMode::Create,
                ..Default::default()
            };
            match self
                .store
                .put_opts(&self.key(rel), PutPayload::from(bytes.into()), opts)
                .await
            {
                Ok(_) => Ok(true),
                Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
                Err(object_store::Error::Precondition { .. }) => Ok(false),
                Err(e) => Err(self.err(rel, &e)),
            }
        })
    }

    /// Every object below `rel` (recursively).
    pub fn list(&self, rel: &str) -> Result<Vec<Entry>> {
        block_on(async {
            let prefix = self.key(rel);
            let mut s = self.store.list(Some(&prefix));
            let mut out = Vec::new();
            self.count(1);
            while let Some(m) = s.next().await {
                let m = m.map_err(|e| self.err(rel, &e))?;
                out.push(self.entry(&m));
                if out.len().is_multiple_of(1000) {
                    self.count(1);
                }
            }
            out.sort_by(|a, b| a.rel.cmp(&b.rel));
            Ok(out)
        })
    }

    /// Objects directly in `rel` and the names of its sub-folders (each `rel`-relative).
    pub async fn list_dir(&self, rel: &str) -> Result<(Vec<Entry>, Vec<String>)> {
        self.count(1);
        let prefix = self.key(rel);
        let r = self
            .store
            .list_with_delimiter((!prefix.as_ref().is_empty()).then_some(&prefix))
            .await
            .map_err(|e| self.err(rel, &e))?;
        self.count((r.objects.len() + r.common_prefixes.len()) as u64 / 1000);
        let objects = r.objects.iter().map(|m| self.entry(m)).collect();
        let dirs = r.common_prefixes.iter().map(|p| self.rel(p)).collect();
        Ok((objects, dirs))
    }

    /// Objects below `rel` whose keys sort after `after` and not after `until` (keys relative
    /// to this location). S3 lists in key order from `after` on and stops paging past `until`.
    pub async fn list_after(
        &self,
        rel: &str,
        after: &str,
        until: Option<&str>,
    ) -> Result<Vec<Entry>> {
        self.count(1);
        let prefix = self.key(rel);
        let offset = self.key(after);
        let mut s = self.store.list_with_offset(Some(&prefix), &offset);
        let mut out: Vec<Entry> = Vec::new();
        let mut seen = 0u64;
        while let Some(m) = s.next().await {
            let e = self.entry(&m.map_err(|e| self.err(rel, &e))?);
            seen += 1;
            if seen.is_multiple_of(1000) {
                self.count(1);
            }
            if until.is_some_and(|u| e.rel.as_str() > u) {
                // Local listings come in no particular order; S3's are sorted.
                if self.local.is_none() {
                    break;
                }
                continue;
            }
            out.push(e);
        }
        Ok(out)
    }

    /// Moves objects, `(from, to)`, up to `concurrency` at once: in S3 each move is two round
    /// trips, and a commit moves every file it wrote. Stops at the first failure.
    pub fn rename_all(&self, moves: &[(String, String)], concurrency: usize) -> Result<()> {
        self.run_all(
            moves
                .iter()
                .map(|(from, to)| {
                    Box::pin(async move {
                        self.count(2);
                        self.store
                            .rename(&self.key(from), &self.key(to))
                            .await
                            .map_err(|e| self.err(from, &e))
                    }) as _
                })
                .collect(),
            concurrency,
        )
    }

    /// Deletes objects, up to `concurrency` at once; one that is not there is not an error.
    pub fn delete_all(&self, rels: &[String], concurrency: usize) -> Result<()> {
        self.run_all(
            rels.iter()
                .map(|rel| {
                    Box::pin(async move {
                        self.count(1);
                        match self.store.delete(&self.key(rel)).await {
                            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                            Err(e) => Err(self.err(rel, &e)),
                        }
                    }) as _
                })
                .collect(),
            concurrency,
        )
    }

    /// Runs requests up to `concurrency` at once, stopping at the first failure. (Boxed by the
    /// callers: a stream of closures' futures is not provably `Send` to the compiler.)
    fn run_all(
        &self,
        requests: Vec<futures::future::BoxFuture<'_, Result<()>>>,
        concurrency: usize,
    ) -> Result<()> {
        block_on(async {
            let mut done = futures::stream::iter(requests).buffer_unordered(concurrency.max(1));
            while let Some(r) = done.next().await {
                r?;
            }
            Ok(())
        })
    }

    /// Deletes an object; one that is not there is not an error.
    pub fn delete(&self, rel: &str) -> Result<()> {
        block_on(async {
            self.count(1);
            match self.store.delete(&self.key(rel)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(self.err(rel, &e)),
            }
        })
    }
}

/// Whether an error may go away when tried again.
fn transient(e: &object_store::Error) -> bool {
    !matches!(
        e,
        object_store::Error::NotFound { .. }
            | object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. }
            | object_store::Error::InvalidPath { .. }
    )
}
