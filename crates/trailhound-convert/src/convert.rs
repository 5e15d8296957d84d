//! The conversion pipeline: list sources, decode them on worker threads, route rows to
//! partitions, drop exact duplicates, buffer within a memory budget, write sorted Parquet into
//! staging, and commit in checkpoints.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, RecordBatch, UInt32Array};
use arrow_select::filter::filter_record_batch;
use arrow_select::take::take_record_batch;
use bytes::Bytes;
use futures::StreamExt;
use sha2::{Digest, Sha256};
use trailhound_model::integrity::LogStatus;
use trailhound_model::lake::{partition_dir, partition_of, Dataset, QUARANTINE_DIR};
use trailhound_model::layout::{parse_key, KeyInfo, LogKind};
use trailhound_model::schema::{AWS_REGION, EVENT_TIME, RECIPIENT_ACCOUNT_ID};
use trailhound_model::time::DAY_MICROS;
use trailhound_model::window::now_micros;
use trailhound_store::location::block_on;
use trailhound_store::{inflate, Location, S3Options, Source, SourceFilter, SourceObject};

use crate::dedup::DedupIndex;
use crate::error::{Error, IoContext, Result};
use crate::lake::Lake;
use crate::manifest::{Commit, DataFile, SourceEntry, SourceStatus};

/// How a conversion runs.
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Budget for rows buffered before they are written, across all workers.
    pub memory_limit: usize,
    /// Commit after this many bytes of source objects, so a long run keeps its progress.
    pub checkpoint_bytes: u64,
    pub filter: SourceFilter,
    /// Try again sources that an earlier run quarantined, even if unchanged.
    pub retry_quarantined: bool,
    /// Digest validation results by source key, recorded in the manifest (`convert --verify`).
    pub integrity: Option<std::sync::Arc<HashMap<String, LogStatus>>>,
    /// Source objects fetched at once (S3 round trips overlap; local reads too).
    pub fetch_concurrency: usize,
    /// List every delivery day again instead of starting where the last run's listing ended:
    /// finds objects added to old days and objects changed since.
    pub relist: bool,
    /// Convert only these source keys (as S3 event notifications name them) instead of listing
    /// the source; the listing watermarks stay where they are.
    pub objects: Option<Vec<String>>,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            memory_limit: 384 << 20,
            checkpoint_bytes: 512 << 20,
            filter: SourceFilter::default(),
            retry_quarantined: false,
            integrity: None,
            fetch_concurrency: 16,
            relist: false,
            objects: None,
        }
    }
}

/// Told about progress; the CLI draws a bar with it.
pub trait Progress: Send + Sync {
    /// The work is known: this many objects of this many bytes.
    fn start(&self, _objects: u64, _bytes: u64) {}
    /// One object is done.
    fn object_done(&self, _bytes: u64, _json_bytes: u64, _events: u64) {}
    fn finish(&self) {}
}

/// Progress that nobody watches.
pub struct NoProgress;
impl Progress for NoProgress {}

/// What a conversion did.
#[derive(Debug, Clone, Default)]
pub struct ConvertSummary {
    /// Log objects found (after filters).
    pub objects_listed: u64,
    /// Already converted and unchanged.
    pub objects_unchanged: u64,
    pub objects_converted: u64,
    pub digests: u64,
    /// Objects that changed since they were converted: their old records were replaced.
    pub changed: Vec<String>,
    /// Records removed because their object changed.
    pub retracted: u64,
    /// `(key, reason)` of each quarantined object.
    pub quarantined: Vec<(String, String)>,
    /// `(key, reason)` of objects that could not be read at all (retried next run).
    pub failed: Vec<(String, String)>,
    /// Keys given in [`ConvertOptions::objects`] that are no log objects of the source (or no
    /// longer exist).
    pub not_logs: Vec<String>,
    pub events_in: u64,
    pub events_out: u64,
    pub duplicates: u64,
    pub bytes_in: u64,
    pub json_bytes: u64,
    pub bytes_out: u64,
    pub files_written: u64,
    pub commits: u64,
    /// Requests made to the source and to the lake (a listing page counts as one).
    pub source_requests: u64,
    pub lake_requests: u64,
    pub elapsed: Duration,
}

/// Converts the CloudTrail logs below the local folder (or file) `src` into the local lake at
/// `dest`.
pub fn convert(
    src: &Path,
    dest: &Path,
    opts: &ConvertOptions,
    progress: &dyn Progress,
) -> Result<ConvertSummary> {
    let src = Source::open(&src.into(), &S3Options::default())?;
    convert_at(&src, Location::local(dest, true)?, opts, progress)
}

/// Converts the CloudTrail logs of `src` (local or S3) into the lake at `dest` (local or S3).
/// The source is only read.
pub fn convert_at(
    src: &Source,
    dest: Location,
    opts: &ConvertOptions,
    progress: &dyn Progress,
) -> Result<ConvertSummary> {
    let started = Instant::now();
    if dest.is_within(src.location()) {
        return Err(Error::Invalid(format!(
            "the lake {} lies inside the source {}: nothing is ever written under the source; choose another destination",
            dest.show(""),
            src.location().show("")
        )));
    }
    let mut lake = Lake::open_for_write_at(dest)?;
    let no_resume = BTreeMap::new();
    let resume = if opts.relist {
        &no_resume
    } else {
        &lake.state().listed_through
    };
    let (listing, not_logs) = match &opts.objects {
        Some(keys) => src.named(keys, &opts.filter)?,
        None => (src.list(&opts.filter, resume)?, Vec::new()),
    };
    let mut summary = ConvertSummary {
        objects_listed: listing.objects.len() as u64,
        not_logs,
        ..Default::default()
    };

    let mut todo = Vec::new();
    for s in listing.objects {
        match lake.state().sources.get(&s.key) {
            Some(old) if old.size == s.size && old.version == s.version => {
                let retry = opts.retry_quarantined
                    && matches!(old.status, SourceStatus::Quarantined { .. });
                if !retry {
                    summary.objects_unchanged += 1;
                    continue;
                }
                todo.push(s);
            }
            Some(old) if matches!(old.status, SourceStatus::Converted) => {
                summary.changed.push(s.key.clone());
                todo.push(s);
            }
            _ => todo.push(s),
        }
    }
    progress.start(todo.len() as u64, todo.iter().map(|s| s.size).sum());

    // A changed object's old records go first, in their own commit; it then converts as new.
    if !summary.changed.is_empty() {
        let keys = summary.changed.iter().cloned().collect();
        summary.retracted = crate::compact::retract(&mut lake, &keys)?;
        summary.commits += 1;
    }
    let mut rest = &todo[..];
    let mut watermarks = Some(listing.listed_through);
    loop {
        let mut n = 0;
        let mut bytes = 0;
        while n < rest.len() && (n == 0 || bytes < opts.checkpoint_bytes) {
            bytes += rest[n].size;
            n += 1;
        }
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        // The last commit of the run records how far the listing is complete.
        let last = if rest.is_empty() {
            watermarks.take()
        } else {
            None
        };
        convert_chunk(&mut lake, src, chunk, opts, progress, &mut summary, last)?;
        if rest.is_empty() {
            break;
        }
    }
    progress.finish();
    summary.source_requests = src.location().requests();
    summary.lake_requests = lake.location().requests();
    summary.elapsed = started.elapsed();
    Ok(summary)
}

async fn fetch_one<'a>(
    src: &'a Source,
    obj: &'a SourceObject,
) -> (&'a SourceObject, Result<Bytes>) {
    (obj, src.fetch(obj).await.map_err(Error::from))
}

/// The listing watermarks worth recording: not past a day holding an object that failed (the
/// next run must list it again), and only those that move.
fn new_watermarks(
    listed: BTreeMap<String, String>,
    failed: &[(String, String)],
    known: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (dir, mut day) in listed {
        let prefix = format!("{dir}/");
        for (key, _) in failed {
            if let Some(rest) = key.strip_prefix(&prefix) {
                let d: String = rest.split('/').take(3).collect::<Vec<_>>().join("/");
                if d < day {
                    day = d;
                }
            }
        }
        if known.get(&dir) != Some(&day) {
            out.insert(dir, day);
        }
    }
    out
}

/// Partition of a row: dataset and the sanitised Hive values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct PartKey {
    dataset: &'static str,
    account: String,
    region: String,
    date: String,
}

/// Rows of one partition waiting to be written.
#[derive(Default)]
struct Buffer {
    batches: Vec<RecordBatch>,
    bytes: usize,
    sources: BTreeSet<String>,
    /// When rows last arrived (a counter of processed objects).
    touched: u64,
}

/// The partition buffers all workers append to, so that a partition becomes one file per flush
/// whatever the number of threads.
#[derive(Default)]
struct Buffers {
    map: HashMap<PartKey, Buffer>,
    /// Bytes buffered in `map`.
    bytes: usize,
    /// Bytes taken out of `map` that a worker is writing: they count against the budget until
    /// written, so that memory stays bounded whatever the partitions' sizes.
    in_flight: usize,
    clock: u64,
}

/// What a worker does about the budget after adding its rows.
enum Take {
    /// Under budget: decode on.
    Nothing,
    /// Write these partitions (already counted in flight).
    Write(Vec<(PartKey, Buffer)>),
    /// Over budget with nothing to take but partitions still receiving rows, while another
    /// worker writes: wait for that write to free memory.
    Wait,
}

impl Buffers {
    /// Decides what to write when buffered and in-flight rows exceed `budget`: the partitions
    /// that went longest without new rows, until under half of it. Sources are listed in key
    /// order (account, region, delivery day), so those are the finished ones, and files come out
    /// partition-sized rather than budget-sliced. Partitions that got rows within the last
    /// `settle` objects are still filling: they are only cut short when nothing else is being
    /// written (one large partition can exceed the budget on its own).
    fn take(&mut self, budget: usize, settle: u64) -> Take {
        if self.bytes + self.in_flight <= budget {
            return Take::Nothing;
        }
        let mut by_age: Vec<(u64, PartKey)> = self
            .map
            .iter()
            .map(|(k, b)| (b.touched, k.clone()))
            .collect();
        by_age.sort();
        let recent = self.clock.saturating_sub(settle);
        let mut out = Vec::new();
        for (touched, key) in &by_age {
            if self.bytes + self.in_flight <= budget / 2 || *touched > recent {
                break;
            }
            self.take_one(key, &mut out);
        }
        if !out.is_empty() {
            return Take::Write(out);
        }
        if self.in_flight > 0 {
            return Take::Wait;
        }
        for (_, key) in &by_age {
            if self.bytes <= budget / 2 {
                break;
            }
            self.take_one(key, &mut out);
        }
        Take::Write(out)
    }

    fn take_one(&mut self, key: &PartKey, out: &mut Vec<(PartKey, Buffer)>) {
        if let Some(buf) = self.map.remove(key) {
            self.bytes -= buf.bytes;
            self.in_flight += buf.bytes;
            out.push((key.clone(), buf));
        }
    }
}

/// What a worker reports.
enum Outcome {
    Source(SourceEntry),
    Failed(String, String),
    File(DataFile, BTreeSet<String>),
}

struct Shared<'a> {
    lake: &'a Lake,
    source: &'a Source,
    staging: String,
    version: u64,
    dedup: &'a Mutex<DedupIndex>,
    buffers: Mutex<Buffers>,
    /// Signalled when a write ends (memory in flight is freed).
    written: std::sync::Condvar,
    /// Objects after which a partition without new rows counts as finished: as many as are
    /// being decoded at once, twice over.
    settle: u64,
    budget: usize,
    files: AtomicUsize,
    out: crossbeam_channel::Sender<Result<Outcome>>,
    integrity: Option<&'a HashMap<String, LogStatus>>,
}

fn convert_chunk(
    lake: &mut Lake,
    src: &Source,
    chunk: &[SourceObject],
    opts: &ConvertOptions,
    progress: &dyn Progress,
    summary: &mut ConvertSummary,
    watermarks: Option<BTreeMap<String, String>>,
) -> Result<()> {
    let version = lake.next_version();
    let threads = opts.threads.max(1);
    let (out_tx, out_rx) = crossbeam_channel::unbounded::<Result<Outcome>>();
    // One index per chunk: what earlier chunks stored is in the lake by now and is looked up
    // there, so the index's memory is bounded by the checkpoint size, not the archive's.
    let dedup = Mutex::new(DedupIndex::default());
    let shared = Shared {
        lake,
        source: src,
        staging: lake.staging_for(version),
        version,
        dedup: &dedup,
        buffers: Mutex::new(Buffers::default()),
        written: std::sync::Condvar::new(),
        settle: 2 * threads as u64,
        budget: opts.memory_limit.max(1 << 20),
        files: AtomicUsize::new(0),
        out: out_tx,
        integrity: opts.integrity.as_deref(),
    };
    // Objects are fetched ahead, a bounded number at once, in key order (so the first copy of
    // a duplicated event is the one kept, whatever the timing).
    type Job<'o> = (&'o SourceObject, Result<Bytes>);
    let (job_tx, job_rx) = crossbeam_channel::bounded::<Job>(threads * 2);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let job_rx = job_rx.clone();
            let shared = &shared;
            scope.spawn(move || {
                let mut w = Worker {
                    shared,
                    json: Vec::new(),
                };
                for (obj, bytes) in job_rx.iter() {
                    if let Err(e) = w.process(obj, bytes, progress) {
                        shared.report(Err(e));
                        return;
                    }
                }
            });
        }
        drop(job_rx);
        type Fetch<'o> = std::pin::Pin<Box<dyn std::future::Future<Output = Job<'o>> + Send + 'o>>;
        let fetches: Vec<Fetch> = chunk
            .iter()
            .map(|obj| Box::pin(fetch_one(src, obj)) as Fetch)
            .collect();
        block_on(async {
            let mut fetched =
                futures::stream::iter(fetches).buffered(opts.fetch_concurrency.max(1));
            while let Some(job) = fetched.next().await {
                // A blocking send: the workers set the pace, and memory stays bounded.
                if job_tx.send(job).is_err() {
                    break;
                }
            }
        });
        drop(job_tx);
    });
    // The workers are done (the scope joined them): write what is still buffered.
    let errors = shared.flush_all(threads);
    drop(shared);
    let outcomes: Vec<Result<Outcome>> = out_rx.try_iter().chain(errors).collect();

    let mut sources: HashMap<String, SourceEntry> = HashMap::new();
    let mut added = Vec::new();
    let mut outputs: HashMap<String, Vec<String>> = HashMap::new();
    for o in outcomes {
        match o? {
            Outcome::Source(e) => {
                sources.insert(e.key.clone(), e);
            }
            Outcome::Failed(key, reason) => summary.failed.push((key, reason)),
            Outcome::File(file, keys) => {
                for k in keys {
                    outputs.entry(k).or_default().push(file.path.clone());
                }
                summary.files_written += 1;
                summary.bytes_out += file.bytes;
                added.push(file);
            }
        }
    }
    let mut entries: Vec<SourceEntry> = sources.into_values().collect();
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    for e in &mut entries {
        if let Some(mut o) = outputs.remove(&e.key) {
            o.sort();
            e.outputs = o;
        }
        summary.bytes_in += e.size;
        summary.json_bytes += e.json_bytes;
        summary.events_in += e.records_in;
        summary.events_out += e.records_out;
        summary.duplicates += e.duplicates;
        match &e.status {
            SourceStatus::Converted => summary.objects_converted += 1,
            SourceStatus::Digest => summary.digests += 1,
            SourceStatus::Quarantined { reason, .. } => {
                summary.quarantined.push((e.key.clone(), reason.clone()))
            }
        }
    }
    added.sort_by(|a, b| a.path.cmp(&b.path));
    let listed_through = watermarks
        .map(|w| new_watermarks(w, &summary.failed, &lake.state().listed_through))
        .unwrap_or_default();
    if entries.is_empty() && added.is_empty() && listed_through.is_empty() {
        return Ok(());
    }
    let commit = Commit {
        version,
        operation: "convert".into(),
        timestamp: now_micros(),
        sources: entries,
        added,
        removed: Vec::new(),
        forgotten: Vec::new(),
        staging: Some(lake.staging_for(version)),
        listed_through,
    };
    lake.commit(commit)?;
    summary.commits += 1;
    Ok(())
}

impl Shared<'_> {
    fn report(&self, o: Result<Outcome>) {
        let _ = self.out.send(o);
    }

    fn lock_buffers(&self) -> Result<std::sync::MutexGuard<'_, Buffers>> {
        self.buffers
            .lock()
            .map_err(|_| Error::Invalid("a worker thread panicked".into()))
    }

    /// Writes a partition taken out of the buffers, then frees its share of the budget (also
    /// when the write fails, so that no worker waits for it forever).
    fn write_taken(&self, key: &PartKey, buf: Buffer) -> Result<()> {
        struct Release<'s, 'a>(&'s Shared<'a>, usize);
        impl Drop for Release<'_, '_> {
            fn drop(&mut self) {
                if let Ok(mut b) = self.0.buffers.lock() {
                    b.in_flight -= self.1;
                }
                self.0.written.notify_all();
            }
        }
        let _release = Release(self, buf.bytes);
        self.write(key, buf)
    }

    /// Writes one partition's rows into a staged file (sorted on the way).
    fn write(&self, key: &PartKey, buf: Buffer) -> Result<()> {
        let n = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        let rel = format!(
            "{}/part-{:010}-{n:05}.parquet",
            partition_dir(key.dataset, &key.account, &key.region, &key.date),
            self.version
        );
        let w = self
            .lake
            .write_parquet(&format!("{}/{rel}", self.staging), &buf.batches)?;
        drop(buf.batches);
        let file = DataFile {
            path: rel,
            dataset: key.dataset.to_string(),
            account: key.account.clone(),
            region: key.region.clone(),
            date: key.date.clone(),
            rows: w.rows,
            bytes: w.bytes,
            min_time: w.min_time,
            max_time: w.max_time,
        };
        self.report(Ok(Outcome::File(file, buf.sources)));
        Ok(())
    }

    /// Writes every partition still buffered, on `threads` threads.
    fn flush_all(&self, threads: usize) -> Vec<Result<Outcome>> {
        let rest: Vec<(PartKey, Buffer)> = match self.lock_buffers() {
            Ok(mut b) => {
                b.bytes = 0;
                let mut v: Vec<_> = b.map.drain().collect();
                v.sort_by(|x, y| x.0.cmp(&y.0));
                v
            }
            Err(e) => return vec![Err(e)],
        };
        let queue = Mutex::new(rest.into_iter());
        let errors = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| loop {
                    let next = queue.lock().ok().and_then(|mut q| q.next());
                    let Some((k, buf)) = next else { return };
                    if let Err(e) = self.write(&k, buf) {
                        if let Ok(mut errs) = errors.lock() {
                            errs.push(Err(e));
                        }
                        return;
                    }
                });
            }
        });
        errors.into_inner().unwrap_or_default()
    }
}

struct Worker<'a> {
    shared: &'a Shared<'a>,
    /// Decompressed JSON of the current object, reused.
    json: Vec<u8>,
}

impl Worker<'_> {
    fn send(&self, o: Outcome) {
        self.shared.report(Ok(o));
    }

    fn process(
        &mut self,
        obj: &SourceObject,
        fetched: Result<Bytes>,
        progress: &dyn Progress,
    ) -> Result<()> {
        let bytes = match fetched {
            Ok(b) => b,
            Err(e) => {
                self.send(Outcome::Failed(obj.key.clone(), e.to_string()));
                progress.object_done(obj.size, 0, 0);
                return Ok(());
            }
        };
        let sha256 = hex(&Sha256::digest(&bytes));
        let mut entry = SourceEntry {
            key: obj.key.clone(),
            size: bytes.len() as u64,
            version: obj.version.clone(),
            sha256,
            status: SourceStatus::Converted,
            json_bytes: 0,
            records_in: 0,
            records_out: 0,
            duplicates: 0,
            outputs: Vec::new(),
            integrity: self
                .shared
                .integrity
                .and_then(|m| m.get(&obj.key))
                .map(|s| s.as_str().to_string()),
        };
        let info = parse_key(&obj.key);
        let kind = info
            .as_ref()
            .map(|i| i.kind)
            .unwrap_or_else(|| LogKind::of_key(&obj.key));
        if kind == LogKind::Digest {
            entry.status = SourceStatus::Digest;
            self.send(Outcome::Source(entry));
            progress.object_done(obj.size, 0, 0);
            return Ok(());
        }
        let decoded = inflate(&obj.key, &bytes, &mut self.json).and_then(|json| {
            let n = json.len() as u64;
            trailhound_model::decode_log(json, &obj.key)
                .map(|b| (b, n))
                .map_err(|e| e.to_string())
        });
        let (batch, json_bytes) = match decoded {
            Ok(v) => v,
            Err(reason) => {
                let copy = format!("{QUARANTINE_DIR}/{}", obj.key);
                self.shared.lake.put(&copy, bytes.to_vec())?;
                entry.status = SourceStatus::Quarantined { reason, copy };
                self.send(Outcome::Source(entry));
                progress.object_done(obj.size, 0, 0);
                return Ok(());
            }
        };
        entry.json_bytes = json_bytes;
        entry.records_in = batch.num_rows() as u64;
        let dataset = if kind == LogKind::Insights {
            Dataset::Insights
        } else {
            Dataset::Events
        }
        .dir();
        let mut parts = Vec::new();
        for (key, rows) in split_by_partition(&batch, dataset, info.as_ref())? {
            let kept = self.drop_duplicates(&key, rows)?;
            entry.records_out += kept.num_rows() as u64;
            if kept.num_rows() > 0 {
                parts.push((key, kept));
            }
        }
        entry.duplicates = entry.records_in - entry.records_out;
        let cold = {
            let mut buffers = self.shared.lock_buffers()?;
            buffers.clock += 1;
            let clock = buffers.clock;
            for (key, kept) in parts {
                let size = kept.get_array_memory_size();
                let buf = buffers.map.entry(key).or_default();
                buf.batches.push(kept);
                buf.bytes += size;
                buf.sources.insert(obj.key.clone());
                buf.touched = clock;
                buffers.bytes += size;
            }
            let settle = self.shared.settle;
            loop {
                match buffers.take(self.shared.budget, settle) {
                    Take::Nothing => break Vec::new(),
                    Take::Write(cold) => break cold,
                    Take::Wait => {
                        buffers = self
                            .shared
                            .written
                            .wait(buffers)
                            .map_err(|_| Error::Invalid("a worker thread panicked".into()))?;
                    }
                }
            }
        };
        progress.object_done(obj.size, json_bytes, entry.records_in);
        self.send(Outcome::Source(entry));
        for (key, buf) in cold {
            self.shared.write_taken(&key, buf)?;
        }
        Ok(())
    }

    /// Removes rows whose event is already stored or already seen in this run.
    fn drop_duplicates(&self, key: &PartKey, rows: RecordBatch) -> Result<RecordBatch> {
        let dir = partition_dir(key.dataset, &key.account, &key.region, &key.date);
        let keep = {
            let mut index = self
                .shared
                .dedup
                .lock()
                .map_err(|_| Error::Invalid("a worker thread panicked".into()))?;
            let reread = |key: &str| -> Result<RecordBatch> {
                let bytes = self.shared.source.location().get(key)?;
                let mut json = Vec::new();
                let json = inflate(key, &bytes, &mut json).map_err(Error::Invalid)?;
                trailhound_model::decode_log(json, key).map_err(|e| Error::Invalid(e.to_string()))
            };
            index.keep(&dir, &rows, self.shared.lake, &reread)?
        };
        if keep.true_count() == rows.num_rows() {
            return Ok(rows);
        }
        filter_record_batch(&rows, &keep).at("<memory>")
    }
}

/// Groups the rows of a decoded file by partition. Account and region come from the key when it
/// follows CloudTrail's layout, else from the event; the date from `eventtime`, else the key.
fn split_by_partition(
    batch: &RecordBatch,
    dataset: &'static str,
    info: Option<&KeyInfo>,
) -> Result<Vec<(PartKey, RecordBatch)>> {
    let times = batch
        .column(EVENT_TIME)
        .as_primitive::<TimestampMicrosecondType>();
    let accounts = batch.column(RECIPIENT_ACCOUNT_ID).as_string::<i32>();
    let regions = batch.column(AWS_REGION).as_string::<i32>();
    // Group rows by borrowed values first; build the (allocated) keys once per group.
    // (account, region, day) → rows.
    type Group<'a> = ((&'a str, &'a str, Option<i64>), Vec<u32>);
    let mut groups: Vec<Group> = Vec::new();
    for row in 0..batch.num_rows() {
        let (account, region) = match info {
            Some(i) => (i.account.as_str(), i.region.as_str()),
            None => (
                if accounts.is_valid(row) {
                    accounts.value(row)
                } else {
                    ""
                },
                if regions.is_valid(row) {
                    regions.value(row)
                } else {
                    ""
                },
            ),
        };
        let day = times
            .is_valid(row)
            .then(|| times.value(row).div_euclid(DAY_MICROS));
        let k = (account, region, day);
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, rows)) => rows.push(row as u32),
            None => groups.push((k, vec![row as u32])),
        }
    }
    let single = groups.len() == 1;
    let mut out = Vec::with_capacity(groups.len());
    for ((account, region, day), rows) in groups {
        let (account, region, date) = partition_of(
            info,
            Some(account),
            Some(region),
            day.map(|d| d * DAY_MICROS),
        );
        let key = PartKey {
            dataset,
            account,
            region,
            date,
        };
        let part = if single {
            batch.clone()
        } else {
            take_record_batch(batch, &UInt32Array::from(rows)).at("<memory>")?
        };
        out.push((key, part));
    }
    // Sanitising can map two raw values to one partition: merge those groups.
    out.sort_by(|a, b| a.0.cmp(&b.0));
    let mut merged: Vec<(PartKey, RecordBatch)> = Vec::with_capacity(out.len());
    for (k, b) in out {
        match merged.last_mut() {
            Some((lk, lb)) if *lk == k => {
                *lb =
                    arrow_select::concat::concat_batches(&b.schema(), [&*lb, &b]).at("<memory>")?;
            }
            _ => merged.push((k, b)),
        }
    }
    Ok(merged)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(date: &str) -> PartKey {
        PartKey {
            dataset: "cloudtrail",
            account: "1".into(),
            region: "r".into(),
            date: date.into(),
        }
    }

    /// Buffers holding partitions of these sizes, touched at these clock ticks.
    fn buffers(parts: &[(&str, usize, u64)], clock: u64) -> Buffers {
        let mut b = Buffers {
            clock,
            ..Default::default()
        };
        for &(date, bytes, touched) in parts {
            b.map.insert(
                key(date),
                Buffer {
                    bytes,
                    touched,
                    ..Default::default()
                },
            );
            b.bytes += bytes;
        }
        b
    }

    fn taken(t: Take) -> Vec<String> {
        match t {
            Take::Write(v) => v.into_iter().map(|(k, _)| k.date).collect(),
            Take::Nothing => vec!["nothing".into()],
            Take::Wait => vec!["wait".into()],
        }
    }

    #[test]
    fn the_budget_counts_partitions_being_written() {
        // Under budget: nothing to write.
        let mut b = buffers(&[("a", 40, 1), ("b", 40, 9)], 10);
        assert_eq!(taken(b.take(100, 2)), ["nothing"]);
        // Over it: the partitions longest without rows, until under half of it; what is taken
        // counts as in flight.
        let mut b = buffers(&[("a", 40, 1), ("b", 30, 2), ("c", 40, 10)], 10);
        assert_eq!(taken(b.take(100, 2)), ["a", "b"]);
        assert_eq!((b.bytes, b.in_flight), (40, 70));
        // Still over budget with those in flight, and only a partition still filling: wait for
        // the write instead of growing.
        b.map.get_mut(&key("c")).unwrap().bytes += 40;
        b.bytes += 40;
        assert_eq!(taken(b.take(100, 2)), ["wait"]);
        // Written: the in-flight bytes are freed, and one partition over budget on its own is
        // cut short rather than grown further.
        b.in_flight = 0;
        assert_eq!(taken(b.take(60, 2)), ["c"]);
        assert_eq!((b.bytes, b.in_flight), (0, 80));
    }

    #[test]
    fn watermarks_stop_at_a_failed_day_and_record_only_moves() {
        let listed: BTreeMap<String, String> = [
            ("AWSLogs/1/CloudTrail/us-east-1", "2024/08/06"),
            ("AWSLogs/1/CloudTrail/eu-west-1", "2024/08/05"),
            ("AWSLogs/2/CloudTrail/us-east-1", "2024/08/06"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .into();
        let failed = vec![(
            "AWSLogs/1/CloudTrail/us-east-1/2024/08/02/x.json.gz".to_string(),
            "reset".to_string(),
        )];
        let known: BTreeMap<String, String> = [(
            "AWSLogs/2/CloudTrail/us-east-1".to_string(),
            "2024/08/06".to_string(),
        )]
        .into();
        let w = new_watermarks(listed, &failed, &known);
        assert_eq!(w.len(), 2, "{w:?}");
        assert_eq!(w["AWSLogs/1/CloudTrail/us-east-1"], "2024/08/02");
        assert_eq!(w["AWSLogs/1/CloudTrail/eu-west-1"], "2024/08/05");
    }
}
