//! Export: CloudTrail JSON rebuilt from the lake, as NDJSON or as CloudTrail's own gzipped
//! `{"Records":[...]}` files in its S3 layout, for SIEM hand-off.

use std::io::Write;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::Array;
use flate2::write::GzEncoder;
use trailhound_model::schema::EVENT_TIME;
use trailhound_model::Rebuilder;

use crate::error::{IoContext, Result};
use crate::lake::{Lake, LakeFilter};
use trailhound_model::lake::Dataset;
use trailhound_store::Location;

/// How a CloudTrail log file begins.
const RECORDS_OPEN: &[u8] = b"{\"Records\":[";

/// Output format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON event per line.
    Ndjson,
    /// Gzipped `{"Records":[...]}` files under `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/`.
    CloudTrail,
}

/// Counts of an export.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportSummary {
    pub events: u64,
    pub files: u64,
}

/// Whether a row's time lies in the filter's window (rows without a time only when unbounded).
fn in_window(
    filter: &LakeFilter,
    times: &arrow_array::TimestampMicrosecondArray,
    row: usize,
) -> bool {
    if times.is_valid(row) {
        filter.window.contains(times.value(row))
    } else {
        filter.window.is_unbounded()
    }
}

/// Calls `emit(out, rebuilder, row)` for every event of the data file `rel` that lies in the
/// filter's window; returns how many.
fn for_each_event(
    lake: &Lake,
    rel: &str,
    filter: &LakeFilter,
    mut emit: impl FnMut(&Rebuilder, usize) -> Result<()>,
) -> Result<u64> {
    let path = lake.show(rel);
    let mut n = 0;
    for batch in lake.read_parquet(rel, None)? {
        let rebuild = Rebuilder::new(&batch).at(&path)?;
        let times = batch
            .column(EVENT_TIME)
            .as_primitive::<TimestampMicrosecondType>();
        for row in 0..batch.num_rows() {
            if in_window(filter, times, row) {
                emit(&rebuild, row)?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// Writes the events `filter` admits as NDJSON to `out`.
pub fn export_ndjson(
    lake: &Lake,
    filter: &LakeFilter,
    out: &mut dyn Write,
) -> Result<ExportSummary> {
    let mut summary = ExportSummary::default();
    let mut line = Vec::with_capacity(4096);
    for f in lake.files(filter) {
        summary.events += for_each_event(lake, &f.path, filter, |rebuild, row| {
            line.clear();
            rebuild.write_row(row, &mut line).at(lake.show(&f.path))?;
            line.push(b'\n');
            out.write_all(&line).at("<output>")
        })?;
    }
    out.flush().at("<output>")?;
    Ok(summary)
}

/// Writes the events `filter` admits as CloudTrail log files below `dir` (a local folder or
/// `s3://`), one per data file, each written whole.
pub fn export_cloudtrail(
    lake: &Lake,
    filter: &LakeFilter,
    dir: &Location,
) -> Result<ExportSummary> {
    let mut summary = ExportSummary::default();
    for (n, f) in lake.files(filter).enumerate() {
        let path = lake.show(&f.path);
        let (y, m, d) = (
            f.date.get(0..4).unwrap_or("0000"),
            f.date.get(5..7).unwrap_or("00"),
            f.date.get(8..10).unwrap_or("00"),
        );
        let folder = if f.dataset == Dataset::Insights.dir() {
            "CloudTrail-Insight"
        } else {
            "CloudTrail"
        };
        let name = format!(
            "{a}_{folder}_{r}_{y}{m}{d}T0000Z_trailhound{n:06}.json.gz",
            a = f.account,
            r = f.region
        );
        let target = format!(
            "AWSLogs/{}/{folder}/{}/{y}/{m}/{d}/{name}",
            f.account, f.region
        );
        let mut body = Vec::with_capacity(f.bytes as usize * 8);
        body.extend_from_slice(RECORDS_OPEN);
        let events = for_each_event(lake, &f.path, filter, |rebuild, row| {
            if body.len() > RECORDS_OPEN.len() {
                body.push(b',');
            }
            rebuild.write_row(row, &mut body).at(&path)
        })?;
        body.extend_from_slice(b"]}");
        if events == 0 {
            continue;
        }
        let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&body).at(dir.show(&target))?;
        dir.put(&target, gz.finish().at(dir.show(&target))?)?;
        summary.events += events;
        summary.files += 1;
    }
    Ok(summary)
}
