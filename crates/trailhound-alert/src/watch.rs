//! One `watch` cycle: convert what is new in the source into the lake, run the detections over
//! the events this cycle committed, and deliver each finding once to each sink.
//!
//! "New" is what was ingested, not an `eventtime` range: CloudTrail delivers up to 15 minutes
//! late and re-delivers files, so the events of a cycle are those of the source objects
//! committed since the cursor (the `_source` column), whatever their times. Detections run over
//! those events' time span widened by a look-back (bursts and windows see the events before),
//! and a finding is kept when at least one of its events is new. A re-delivered file adds no
//! events (convert drops duplicates), so it finds nothing twice.
//!
//! The cursor moves only when every finding of the cycle reached every sink; a finding that did
//! not is found again next cycle and sent then, and the ones that did are skipped by their
//! markers. Nothing is lost and nothing is sent twice, across restarts and kill -9 too (a kill
//! between a delivery and its marker is the one window where a finding can go out twice; the
//! PagerDuty dedup_key and SNS FIFO deduplication id are the finding key for that reason).

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::DataType;
use serde_json::Value;
use trailhound_convert::convert::convert_at;
use trailhound_convert::manifest::{latest_version, read_log_after, SourceStatus};
use trailhound_convert::{ConvertOptions, ConvertSummary, NoProgress};
use trailhound_query::{Engine, EngineOptions};
use trailhound_rules::catalog::SavedQuery;
use trailhound_store::{Location, Source};

use crate::finding::{findings_of, json_rows, Finding};
use crate::ledger::Ledger;
use crate::sink::{Sender, Sink};
use crate::sqs::Queue;
use crate::{Error, Result};

/// A saved query run as a detection, with its parameters.
#[derive(Debug, Clone)]
pub struct Detection {
    pub query: SavedQuery,
    pub params: BTreeMap<String, String>,
}

pub struct WatchConfig {
    pub detections: Vec<Detection>,
    /// Sigma rules run as detections too (one scan for all of them).
    pub sigma: Vec<trailhound_rules::sigma::SigmaRule>,
    pub sinks: Vec<Sink>,
    /// Days before the period that "first seen" detections compare with.
    pub lookback_days: i64,
    /// How far before the new events detections look (bursts and windows), microseconds.
    pub window_margin: i64,
    /// Findings are returned, not delivered, and nothing is recorded.
    pub dry_run: bool,
    /// Before the first completed cycle, take what the first conversion adds as already seen.
    pub skip_backlog: bool,
    pub convert: ConvertOptions,
    /// The engine over the lake (its `lake` set).
    pub engine: EngineOptions,
    /// S3 event notifications naming the new objects, instead of listing the source.
    pub queue: Option<QueueSource>,
}

/// An SQS queue of the source bucket's notifications.
pub struct QueueSource {
    pub queue: Queue,
    /// The source's bucket and prefix: notified keys below it are converted.
    pub bucket: String,
    pub prefix: String,
    /// How long a cycle waits for the first message.
    pub wait: Duration,
}

pub struct Watch {
    cfg: WatchConfig,
    src: Source,
    lake: Location,
    ledger: Ledger,
    sender: Sender,
}

/// What one cycle did.
#[derive(Debug, Default)]
pub struct CycleReport {
    pub convert: ConvertSummary,
    pub new_events: usize,
    pub findings: Vec<Finding>,
    /// Deliveries made in this cycle.
    pub sent: usize,
    /// Deliveries skipped because an earlier cycle made them.
    pub already_sent: usize,
    /// Deliveries that failed (retried next cycle).
    pub failed: Vec<String>,
    pub elapsed: Duration,
    /// Notifications received from the queue.
    pub notices: usize,
    /// Notifications that could not be read (left on the queue), and objects notified outside
    /// the source (their notifications deleted).
    pub unreadable: Vec<String>,
    pub foreign: Vec<String>,
}

impl Watch {
    pub fn new(
        cfg: WatchConfig,
        src: Source,
        lake: Location,
        name: &str,
        sender: Sender,
    ) -> Result<Watch> {
        let ledger = Ledger::open(lake.clone(), name)?;
        Ok(Watch {
            cfg,
            src,
            lake,
            ledger,
            sender,
        })
    }

    pub fn cycle(&mut self, rt: &tokio::runtime::Runtime) -> Result<CycleReport> {
        let started = Instant::now();
        let mut report = CycleReport::default();
        let lake_err = |what: &str| {
            let what = what.to_string();
            move |source| Error::Convert { what, source }
        };
        let mut cursor = self.ledger.cursor()?;
        if cursor.is_none() && !self.cfg.skip_backlog {
            // Only what watch itself ingests is new: a first cycle on a lake converted before
            // does not page anyone about last year. Recorded before converting, so that a
            // kill during this first cycle (or a --dry-run) loses none of its events.
            let baseline = latest_version(&self.lake).map_err(lake_err("the lake"))?;
            self.ledger.set_cursor(baseline)?;
            cursor = Some(baseline);
        }
        let mut notices = Vec::new();
        let mut convert = true;
        let mut opts = self.cfg.convert.clone();
        if let Some(q) = &self.cfg.queue {
            notices = rt.block_on(q.queue.receive(q.wait))?;
            report.notices = notices.len();
            let mut keys = Vec::new();
            for n in &notices {
                match &n.objects {
                    Ok(objects) => {
                        for (bucket, key) in objects {
                            match below(key, &q.prefix).filter(|_| *bucket == q.bucket) {
                                Some(rel) => keys.push(rel.to_string()),
                                None => report.foreign.push(format!("s3://{bucket}/{key}")),
                            }
                        }
                    }
                    Err(why) => report.unreadable.push(format!("message {}: {why}", n.id)),
                }
            }
            convert = !keys.is_empty();
            opts.objects = Some(keys);
        }
        if convert {
            report.convert = convert_at(&self.src, self.lake.clone(), &opts, &NoProgress)
                .map_err(lake_err("convert"))?;
        }
        if let Some(q) = &self.cfg.queue {
            // Done with a message once its objects are committed (or are not ours); a message
            // naming an object that could not be read comes back after its visibility timeout.
            let failed: HashSet<&str> = report
                .convert
                .failed
                .iter()
                .map(|(k, _)| k.as_str())
                .collect();
            let done: Vec<&crate::sqs::Notice> = notices
                .iter()
                .filter(|n| match &n.objects {
                    Ok(objects) => objects.iter().all(|(b, k)| {
                        below(k, &q.prefix)
                            .filter(|_| *b == q.bucket)
                            .is_none_or(|rel| !failed.contains(rel))
                    }),
                    Err(_) => false,
                })
                .collect();
            rt.block_on(q.queue.delete(&done))?;
        }
        let Some(cursor) = cursor else {
            // --skip-backlog, first cycle: everything so far counts as seen.
            let now = latest_version(&self.lake).map_err(lake_err("the lake"))?;
            self.ledger.set_cursor(now)?;
            report.elapsed = started.elapsed();
            return Ok(report);
        };
        let commits = read_log_after(&self.lake, cursor).map_err(lake_err("the lake's log"))?;
        let Some(latest) = commits.last().map(|c| c.version) else {
            report.elapsed = started.elapsed();
            return Ok(report);
        };
        let mut sources = Vec::new();
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for c in commits.iter().filter(|c| c.operation == "convert") {
            sources.extend(
                c.sources
                    .iter()
                    .filter(|s| s.status == SourceStatus::Converted && s.records_out > 0)
                    .map(|s| s.key.clone()),
            );
            for f in &c.added {
                if let (Some(a), Some(b)) = (f.min_time, f.max_time) {
                    lo = lo.min(a);
                    hi = hi.max(b);
                }
            }
        }
        if !sources.is_empty() && lo <= hi {
            let engine = Engine::new(&self.cfg.engine).map_err(|source| Error::Query {
                what: "the lake".into(),
                source,
            })?;
            let new_ids = rt.block_on(new_event_ids(&engine, &sources, lo, hi))?;
            report.new_events = new_ids.len();
            if !new_ids.is_empty() {
                for d in &self.cfg.detections {
                    let found = rt.block_on(detect(
                        &engine,
                        d,
                        &new_ids,
                        (lo - self.cfg.window_margin, hi + 1),
                        self.cfg.lookback_days,
                    ))?;
                    report.findings.extend(found);
                }
                if !self.cfg.sigma.is_empty() {
                    let out = rt
                        .block_on(trailhound_query::sigma::run(
                            &engine,
                            &self.cfg.sigma,
                            lo - self.cfg.window_margin,
                            hi + 1,
                        ))
                        .map_err(|source| Error::Query {
                            what: "the Sigma rules".into(),
                            source,
                        })?;
                    report
                        .findings
                        .extend(sigma_findings(&out.batches, &new_ids)?);
                }
                // Rows with the same events are one finding (a burst seen by source IP and by
                // user name): sent once.
                let mut keys = HashSet::new();
                report.findings.retain(|f| keys.insert(f.key.clone()));
            }
        }
        if self.cfg.dry_run {
            report.elapsed = started.elapsed();
            return Ok(report);
        }
        for sink in &self.cfg.sinks {
            let id = sink.id();
            let sent = self.ledger.sent(&id)?;
            for f in &report.findings {
                if Ledger::is_sent(&sent, &f.key) {
                    report.already_sent += 1;
                    continue;
                }
                match rt.block_on(self.sender.deliver(sink, f)) {
                    Ok(()) => {
                        self.ledger.mark_sent(&id, &f.key)?;
                        report.sent += 1;
                    }
                    Err(e) => report.failed.push(format!("{}: {e}", f.key)),
                }
            }
        }
        if report.failed.is_empty() {
            self.ledger.set_cursor(latest)?;
        }
        report.elapsed = started.elapsed();
        Ok(report)
    }
}

/// `key` relative to `prefix` (a folder), when it lies below it.
fn below<'a>(key: &'a str, prefix: &str) -> Option<&'a str> {
    let p = prefix.trim_end_matches('/');
    if p.is_empty() {
        return Some(key);
    }
    key.strip_prefix(p)?.strip_prefix('/')
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn query_err(what: String) -> impl FnOnce(trailhound_query::QueryError) -> Error {
    move |source| Error::Query { what, source }
}

/// The eventids of the events that came from `sources` (their times within `[lo, hi]` prune
/// the scan to the partitions they went to).
async fn new_event_ids(
    engine: &Engine,
    sources: &[String],
    lo: i64,
    hi: i64,
) -> Result<HashSet<String>> {
    let list: Vec<String> = sources.iter().map(|s| quote(s)).collect();
    let sql = format!(
        "SELECT eventid FROM cloudtrail WHERE eventtime >= to_timestamp_micros({lo}) \
         AND eventtime <= to_timestamp_micros({hi}) AND eventid IS NOT NULL AND _source IN ({})",
        list.join(", ")
    );
    let out = engine
        .run(&sql)
        .await
        .map_err(query_err("the new events".into()))?;
    let mut ids = HashSet::new();
    for o in out {
        for b in &o.batches {
            let c = datafusion::arrow::compute::cast(b.column(0), &DataType::Utf8)
                .map_err(|e| Error::Invalid(e.to_string()))?;
            let c = c.as_string::<i32>();
            ids.extend(
                (0..c.len())
                    .filter(|&i| c.is_valid(i))
                    .map(|i| c.value(i).to_string()),
            );
        }
    }
    Ok(ids)
}

/// Runs one detection over `[from, until)` and keeps the rows about at least one new event.
async fn detect(
    engine: &Engine,
    d: &Detection,
    new_ids: &HashSet<String>,
    (from, until): (i64, i64),
    lookback_days: i64,
) -> Result<Vec<Finding>> {
    let q = &d.query;
    let what = format!("saved query {} ({})", q.name, q.origin);
    let values = q
        .bind(&d.params, from, until, lookback_days)
        .map_err(|e| Error::Invalid(format!("{what}: {e}")))?;
    let out = engine
        .run_bound(&q.sql, values)
        .await
        .map_err(query_err(what.clone()))?;
    let has = |c: &str| out.schema.fields().iter().any(|f| f.name() == c);
    if !has("eventid") && !has("eventids") {
        return Err(Error::Invalid(format!(
            "{what} returns neither an eventid nor an eventids column: watch sends findings about events"
        )));
    }
    Ok(findings_of(q, &out.batches)?
        .into_iter()
        .filter(|f| f.eventids.iter().any(|id| new_ids.contains(id)))
        .collect())
}

/// Sigma matches about new events as findings: one per rule and event.
fn sigma_findings(batches: &[RecordBatch], new_ids: &HashSet<String>) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    for row in json_rows(batches)? {
        let text = |c: &str| row.get(c).and_then(Value::as_str).unwrap_or("").to_string();
        let id = text("eventid");
        // A correlation's row names every event of its window; a rule's, its one event.
        let mut ids: Vec<String> = match row.get("eventids") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        };
        if ids.is_empty() {
            ids.push(id.clone());
        }
        ids.sort();
        ids.dedup();
        if !ids.iter().any(|i| new_ids.contains(i)) {
            continue;
        }
        let rule_id = text("rule_id");
        let detection = format!(
            "sigma:{}",
            if rule_id.is_empty() {
                text("file")
            } else {
                rule_id
            }
        );
        out.push(Finding {
            key: Finding::key_for(&detection, &ids),
            detection,
            title: text("rule"),
            severity: text("level"),
            category: "sigma".into(),
            references: text("tags")
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            eventids: ids,
            row,
        });
    }
    Ok(out)
}
