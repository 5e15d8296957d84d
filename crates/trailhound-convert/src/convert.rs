//! The conversion pipeline: list sources, decode them on worker threads, route rows to
//! partitions, drop exact duplicates, buffer within a memory budget, write sorted Parquet into
//! staging, and commit in checkpoints.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, BooleanArray, RecordBatch, UInt32Array};
use arrow_select::filter::filter_record_batch;
use arrow_select::take::take_record_batch;
use sha2::{Digest, Sha256};
use trailhound_model::layout::{parse_key, sanitize_partition_value, KeyInfo, LogKind};
use trailhound_model::schema::{
    record_schema, AWS_REGION, COL_RECORD_HASH, EVENT_TIME, RECIPIENT_ACCOUNT_ID,
};
use trailhound_model::time::date_of;

use crate::error::{Error, IoContext, Result};
use crate::lake::{Lake, QUARANTINE_DIR};
use crate::manifest::{partition_dir, Commit, DataFile, LakeState, SourceEntry, SourceStatus};
use crate::source::{list_sources, SourceFilter, SourceObject};
use crate::window::now_micros;
use crate::writer::{read_parquet, sort_by_time, write_parquet};

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
}

impl Default for ConvertOptions {
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            memory_limit: 512 << 20,
            checkpoint_bytes: 1 << 30,
            filter: SourceFilter::default(),
            retry_quarantined: false,
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
    /// Objects that changed since they were converted: reported, not converted again.
    pub changed: Vec<String>,
    /// `(key, reason)` of each quarantined object.
    pub quarantined: Vec<(String, String)>,
    /// `(key, reason)` of objects that could not be read at all (retried next run).
    pub failed: Vec<(String, String)>,
    pub events_in: u64,
    pub events_out: u64,
    pub duplicates: u64,
    pub bytes_in: u64,
    pub json_bytes: u64,
    pub bytes_out: u64,
    pub files_written: u64,
    pub commits: u64,
    pub elapsed: Duration,
}

/// Converts the CloudTrail logs below `src` into the lake at `dest`.
pub fn convert(
    src: &Path,
    dest: &Path,
    opts: &ConvertOptions,
    progress: &dyn Progress,
) -> Result<ConvertSummary> {
    let started = Instant::now();
    let mut lake = Lake::open_for_write(dest)?;
    let sources = list_sources(src, &opts.filter)?;
    let mut summary = ConvertSummary {
        objects_listed: sources.len() as u64,
        ..Default::default()
    };

    let mut todo = Vec::new();
    for s in sources {
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
                summary.changed.push(s.key)
            }
            _ => todo.push(s),
        }
    }
    progress.start(todo.len() as u64, todo.iter().map(|s| s.size).sum());

    let dedup = Mutex::new(DedupIndex::default());
    let mut rest = &todo[..];
    while !rest.is_empty() {
        let mut n = 0;
        let mut bytes = 0;
        while n < rest.len() && (n == 0 || bytes < opts.checkpoint_bytes) {
            bytes += rest[n].size;
            n += 1;
        }
        let (chunk, tail) = rest.split_at(n);
        rest = tail;
        convert_chunk(&mut lake, chunk, opts, &dedup, progress, &mut summary)?;
    }
    progress.finish();
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// Partition of a row: dataset and the sanitised Hive values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct PartKey {
    dataset: &'static str,
    account: String,
    region: String,
    date: String,
}

/// Hashes of stored events per partition, loaded lazily from the lake.
#[derive(Default)]
struct DedupIndex {
    seen: HashMap<PartKey, HashSet<u64>>,
}

impl DedupIndex {
    fn partition(
        &mut self,
        key: &PartKey,
        state: &LakeState,
        lake: &Path,
    ) -> Result<&mut HashSet<u64>> {
        if !self.seen.contains_key(key) {
            let dir = partition_dir(key.dataset, &key.account, &key.region, &key.date);
            let mut set = HashSet::new();
            for f in state.files.values().filter(|f| f.partition_dir() == dir) {
                for batch in read_parquet(&lake.join(&f.path), Some(&[COL_RECORD_HASH]))? {
                    set.extend(
                        batch
                            .column(0)
                            .as_primitive::<Int64Type>()
                            .iter()
                            .flatten()
                            .map(|h| h as u64),
                    );
                }
            }
            self.seen.insert(key.clone(), set);
        }
        Ok(self.seen.get_mut(key).expect("inserted above"))
    }
}

/// Rows of one partition waiting to be written by one worker.
#[derive(Default)]
struct Buffer {
    batches: Vec<RecordBatch>,
    bytes: usize,
    sources: BTreeSet<String>,
    /// When rows last arrived (a counter of processed objects).
    touched: u64,
}

/// What a worker reports.
enum Outcome {
    Source(SourceEntry),
    Failed(String, String),
    File(DataFile, BTreeSet<String>),
}

struct Shared<'a> {
    lake_root: &'a Path,
    state: &'a LakeState,
    staging: String,
    dedup: &'a Mutex<DedupIndex>,
    budget_per_worker: usize,
}

fn convert_chunk(
    lake: &mut Lake,
    chunk: &[SourceObject],
    opts: &ConvertOptions,
    dedup: &Mutex<DedupIndex>,
    progress: &dyn Progress,
    summary: &mut ConvertSummary,
) -> Result<()> {
    let version = lake.next_version();
    let threads = opts.threads.max(1);
    let shared = Shared {
        lake_root: lake.root(),
        state: lake.state(),
        staging: lake.staging_for(version),
        dedup,
        budget_per_worker: (opts.memory_limit / threads).max(1 << 20),
    };
    let (job_tx, job_rx) = crossbeam_channel::bounded::<&SourceObject>(threads * 4);
    let (out_tx, out_rx) = crossbeam_channel::unbounded::<Result<Outcome>>();
    let outcomes: Vec<Result<Outcome>> = std::thread::scope(|scope| {
        for worker in 0..threads {
            let job_rx = job_rx.clone();
            let out_tx = out_tx.clone();
            let shared = &shared;
            scope.spawn(move || {
                let mut w = Worker {
                    id: worker,
                    shared,
                    buffers: HashMap::new(),
                    buffered: 0,
                    seq: 0,
                    out: &out_tx,
                    version,
                    json: Vec::new(),
                    clock: 0,
                };
                for obj in job_rx.iter() {
                    let result = w.process(obj, progress);
                    if let Err(e) = result {
                        let _ = out_tx.send(Err(e));
                        return;
                    }
                }
                if let Err(e) = w.flush_all() {
                    let _ = out_tx.send(Err(e));
                }
            });
        }
        drop(out_tx);
        for obj in chunk {
            if job_tx.send(obj).is_err() {
                break;
            }
        }
        drop(job_tx);
        out_rx.iter().collect()
    });

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
    if entries.is_empty() && added.is_empty() {
        return Ok(());
    }
    let commit = Commit {
        version,
        operation: "convert".into(),
        timestamp: now_micros(),
        sources: entries,
        added,
        removed: Vec::new(),
        staging: Some(lake.staging_for(version)),
    };
    lake.commit(commit)?;
    summary.commits += 1;
    Ok(())
}

struct Worker<'a> {
    id: usize,
    shared: &'a Shared<'a>,
    buffers: HashMap<PartKey, Buffer>,
    buffered: usize,
    seq: usize,
    out: &'a crossbeam_channel::Sender<Result<Outcome>>,
    version: u64,
    /// Decompressed JSON of the current object.
    json: Vec<u8>,
    /// Objects processed so far, to age buffers.
    clock: u64,
}

impl Worker<'_> {
    fn send(&self, o: Outcome) {
        let _ = self.out.send(Ok(o));
    }

    fn process(&mut self, obj: &SourceObject, progress: &dyn Progress) -> Result<()> {
        let bytes = match fs::read(&obj.path) {
            Ok(b) => b,
            Err(e) => {
                self.send(Outcome::Failed(
                    obj.key.clone(),
                    format!("cannot read {}: {e}", obj.path.display()),
                ));
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
                write_atomically(&self.shared.lake_root.join(&copy), &bytes)?;
                entry.status = SourceStatus::Quarantined { reason, copy };
                self.send(Outcome::Source(entry));
                progress.object_done(obj.size, 0, 0);
                return Ok(());
            }
        };
        entry.json_bytes = json_bytes;
        entry.records_in = batch.num_rows() as u64;
        let dataset = if kind == LogKind::Insights {
            "insights"
        } else {
            "cloudtrail"
        };
        for (key, rows) in split_by_partition(&batch, dataset, info.as_ref())? {
            let kept = self.drop_duplicates(&key, rows)?;
            entry.records_out += kept.num_rows() as u64;
            if kept.num_rows() > 0 {
                let size = kept.get_array_memory_size();
                let buf = self.buffers.entry(key).or_default();
                buf.batches.push(kept);
                buf.bytes += size;
                buf.sources.insert(obj.key.clone());
                buf.touched = self.clock;
                self.buffered += size;
            }
        }
        entry.duplicates = entry.records_in - entry.records_out;
        progress.object_done(obj.size, json_bytes, entry.records_in);
        self.send(Outcome::Source(entry));
        self.clock += 1;
        // Over budget: write the partitions that went longest without new rows. Sources are
        // listed in key order (account, region, delivery day), so those are the finished ones,
        // and files come out partition-sized rather than budget-sliced.
        if self.buffered > self.shared.budget_per_worker {
            let mut by_age: Vec<(u64, PartKey)> = self.buffers.iter().map(|(k, b)| (b.touched, k.clone())).collect();
            by_age.sort();
            for (_, key) in by_age {
                if self.buffered <= self.shared.budget_per_worker / 2 {
                    break;
                }
                self.flush(&key)?;
            }
        }
        Ok(())
    }

    /// Removes rows whose event is already stored (same eventID, same JSON text).
    fn drop_duplicates(&self, key: &PartKey, rows: RecordBatch) -> Result<RecordBatch> {
        let hashes = rows
            .column_by_name(COL_RECORD_HASH)
            .map(|c| c.as_primitive::<Int64Type>().clone());
        let Some(hashes) = hashes else {
            return Ok(rows);
        };
        let mut index = self
            .shared
            .dedup
            .lock()
            .map_err(|_| Error::Invalid("a worker thread panicked".into()))?;
        let seen = index.partition(key, self.shared.state, self.shared.lake_root)?;
        let keep: BooleanArray = hashes
            .iter()
            .map(|h| Some(h.is_none_or(|h| seen.insert(h as u64))))
            .collect();
        drop(index);
        if keep.true_count() == rows.num_rows() {
            return Ok(rows);
        }
        filter_record_batch(&rows, &keep).at("<memory>")
    }

    fn flush(&mut self, key: &PartKey) -> Result<()> {
        let Some(buf) = self.buffers.remove(key) else {
            return Ok(());
        };
        self.buffered -= buf.bytes;
        let sorted = sort_by_time(&record_schema(), &buf.batches)?;
        drop(buf.batches);
        self.seq += 1;
        let rel = format!(
            "{}/part-{:010}-{}-{:05}.parquet",
            partition_dir(key.dataset, &key.account, &key.region, &key.date),
            self.version,
            self.id,
            self.seq
        );
        let staged = self.shared.lake_root.join(&self.shared.staging).join(&rel);
        let w = write_parquet(&sorted, &staged)?;
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
        self.send(Outcome::File(file, buf.sources));
        Ok(())
    }

    fn flush_all(&mut self) -> Result<()> {
        let mut keys: Vec<PartKey> = self.buffers.keys().cloned().collect();
        keys.sort();
        for k in keys {
            self.flush(&k)?;
        }
        Ok(())
    }
}

/// Decompresses a gzip object into `buf` (reused across objects, so its pages stay mapped), or
/// passes plain JSON through; `Err` is the quarantine reason.
fn inflate<'a>(key: &str, bytes: &'a [u8], buf: &'a mut Vec<u8>) -> std::result::Result<&'a [u8], String> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        buf.clear();
        // The gzip trailer holds the uncompressed size (mod 4 GiB) of the last member.
        if let Some(tail) = bytes.len().checked_sub(4).and_then(|i| bytes.get(i..)) {
            let isize = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]) as usize;
            buf.reserve(isize.min(bytes.len().saturating_mul(64)) + 1);
        }
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(buf)
            .map_err(|e| format!("corrupt or truncated gzip: {e}"))?;
        Ok(buf.as_slice())
    } else if key.ends_with(".gz") {
        Err(if bytes.is_empty() { "empty file (expected gzip)".into() } else { "not a gzip file".into() })
    } else {
        Ok(bytes)
    }
}

/// Groups the rows of a decoded file by partition. Account and region come from the key when it
/// follows CloudTrail's layout, else from the event; the date from `eventtime`, else the key.
fn split_by_partition(batch: &RecordBatch, dataset: &'static str, info: Option<&KeyInfo>) -> Result<Vec<(PartKey, RecordBatch)>> {
    let times = batch.column(EVENT_TIME).as_primitive::<TimestampMicrosecondType>();
    let accounts = batch.column(RECIPIENT_ACCOUNT_ID).as_string::<i32>();
    let regions = batch.column(AWS_REGION).as_string::<i32>();
    let key_date = info.and_then(|i| i.date.clone());
    // Group rows by borrowed values first; build the (allocated) keys once per group.
    let mut groups: Vec<((&str, &str, Option<i64>), Vec<u32>)> = Vec::new();
    for row in 0..batch.num_rows() {
        let (account, region) = match info {
            Some(i) => (i.account.as_str(), i.region.as_str()),
            None => (
                if accounts.is_valid(row) { accounts.value(row) } else { "" },
                if regions.is_valid(row) { regions.value(row) } else { "" },
            ),
        };
        let day = times.is_valid(row).then(|| times.value(row).div_euclid(86_400_000_000));
        let k = (account, region, day);
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, rows)) => rows.push(row as u32),
            None => groups.push((k, vec![row as u32])),
        }
    }
    let single = groups.len() == 1;
    let mut out = Vec::with_capacity(groups.len());
    for ((account, region, day), rows) in groups {
        let date = match day {
            Some(d) => date_of(d * 86_400_000_000),
            None => key_date.clone().unwrap_or_else(|| "unknown".into()),
        };
        let key = PartKey { dataset, account: sanitize_partition_value(account), region: sanitize_partition_value(region), date };
        let part = if single { batch.clone() } else { take_record_batch(batch, &UInt32Array::from(rows)).at("<memory>")? };
        out.push((key, part));
    }
    // Sanitising can map two raw values to one partition: merge those groups.
    out.sort_by(|a, b| a.0.cmp(&b.0));
    let mut merged: Vec<(PartKey, RecordBatch)> = Vec::with_capacity(out.len());
    for (k, b) in out {
        match merged.last_mut() {
            Some((lk, lb)) if *lk == k => {
                *lb = arrow_select::concat::concat_batches(&b.schema(), [&*lb, &b]).at("<memory>")?;
            }
            _ => merged.push((k, b)),
        }
    }
    Ok(merged)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).at(dir)?;
    }
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    fs::write(&tmp, bytes).at(&tmp)?;
    fs::rename(&tmp, path).at(path)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
