//! Writing sorted, zstd-compressed Parquet files that readers can prune by time and probe by
//! `eventid`, and reading them back.

use std::fs;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, RecordBatch, StringArray};
use arrow_ord::sort::{sort_to_indices, SortOptions};
use arrow_schema::ArrowError;
use arrow_select::concat::concat_batches;
use arrow_select::interleave::interleave_record_batch;
use arrow_select::take::take_record_batch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::arrow::{ArrowSchemaConverter, ArrowWriter, ProjectionMask};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::SortingColumn;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use trailhound_model::schema::{lake_schema, record_schema, EVENT_TIME};

use crate::error::{Error, IoContext, Result};

/// Rows per row group: small enough that a time predicate skips most of a large file.
pub const ROW_GROUP_ROWS: usize = 64 * 1024;
/// Rows per data page: with the page index, a query for a few event names reads only the pages
/// holding them (rows are grouped by name inside each row group).
pub const PAGE_ROWS: usize = 4 * 1024;

/// What was written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Written {
    pub rows: u64,
    pub bytes: u64,
    pub min_time: Option<i64>,
    pub max_time: Option<i64>,
}

/// Parquet leaf index of a top-level column of the record schema.
fn leaf_of(name: &str) -> usize {
    ArrowSchemaConverter::new()
        .convert(&record_schema())
        .ok()
        .and_then(|d| d.columns().iter().position(|c| c.path().string() == name))
        .unwrap_or(0)
}

/// Parquet leaf index of `eventtime` (after the leaves of `useridentity`).
fn event_time_leaf() -> usize {
    static LEAF: OnceLock<usize> = OnceLock::new();
    *LEAF.get_or_init(|| leaf_of(record_schema().field(EVENT_TIME).name()))
}

/// Parquet leaf index of `eventname`.
fn event_name_leaf() -> usize {
    static LEAF: OnceLock<usize> = OnceLock::new();
    *LEAF.get_or_init(|| leaf_of(EVENT_NAME))
}

const EVENT_NAME: &str = "eventname";

/// Columns whose values are nearly all distinct: a dictionary would only cost time.
const HIGH_CARDINALITY: &[&str] = &[
    "eventid",
    "requestid",
    "requestparameters",
    "responseelements",
    "additionaleventdata",
    "serviceeventdetails",
    "_event_bytes",
];

/// Columns worth zstd (level 1 unless set otherwise): large text, ids, ARNs.
const ZSTD_COLUMNS: &[&str] = &[
    "eventid",
    "requestid",
    "responseelements",
    "additionaleventdata",
    "serviceeventdetails",
    "edgedevicedetails",
    "insightdetails",
    "_extra",
    "_source",
    "errormessage",
    "vpcendpointid",
    "useridentity.arn",
    "useridentity.principalid",
    "useridentity.accesskeyid",
    "useridentity.sessioncontext.attributes.creationdate",
    "tlsdetails.clientprovidedhostheader",
    "resources.list.item.accountid",
    "resources.list.item.type",
    "resources.list.item.arnprefix",
    "readonly",
    "managementevent",
];

/// JSON text columns: min/max statistics of JSON documents prune nothing.
const JSON_TEXT: &[&str] = &[
    "requestparameters",
    "responseelements",
    "additionaleventdata",
    "serviceeventdetails",
    "edgedevicedetails",
    "insightdetails",
    "_extra",
];

fn zstd(level: i32) -> Compression {
    Compression::ZSTD(ZstdLevel::try_new(level).unwrap_or_default())
}

fn properties(rows: usize) -> WriterProperties {
    let event_id = ColumnPath::from("eventid");
    let mut b = WriterProperties::builder();
    for c in HIGH_CARDINALITY {
        b = b.set_column_dictionary_enabled(ColumnPath::from(*c), false);
    }
    // Sorted times delta-encode to a byte or two per row.
    for c in ["eventtime", "_event_bytes"] {
        b = b
            .set_column_dictionary_enabled(ColumnPath::from(c), false)
            .set_column_encoding(
                ColumnPath::from(c),
                parquet::basic::Encoding::DELTA_BINARY_PACKED,
            );
    }
    // Lengths apart from the bytes: the bytes of random ids compress to their entropy.
    for c in [
        "eventid",
        "requestid",
        "requestparameters",
        "responseelements",
        "additionaleventdata",
    ] {
        b = b.set_column_encoding(
            ColumnPath::from(c),
            parquet::basic::Encoding::DELTA_LENGTH_BYTE_ARRAY,
        );
    }
    for c in JSON_TEXT {
        // Larger pages give zstd more of the repetitive JSON to work with.
        b = b
            .set_column_statistics_enabled(ColumnPath::from(*c), EnabledStatistics::None)
            .set_column_data_page_size_limit(ColumnPath::from(*c), 8 << 20);
    }
    b = b
        .set_data_page_row_count_limit(PAGE_ROWS)
        // Statistics prune on prefixes; 32 bytes of an ARN or user agent are plenty.
        .set_statistics_truncate_length(Some(32))
        .set_column_index_truncate_length(Some(32));
    // Request parameters repeat their structure from event to event: zstd's lazy matching
    // (level 5 and up) finds it, 20% smaller for 4% more time; elsewhere the fast levels win.
    b = b.set_column_compression(ColumnPath::from("requestparameters"), zstd(6));
    b = b.set_column_compression(
        ColumnPath::new(
            ["resources", "list", "item", "arn"]
                .map(String::from)
                .to_vec(),
        ),
        zstd(6),
    );
    // zstd 1 where bytes are (text, ids, ARNs): on CloudTrail's columns as small as level 3,
    // and faster. The small dictionary-encoded columns queries filter on all the time (names,
    // sources, regions, IPs, times) gain nothing from zstd but pay for it on every read: the
    // Parquet reader builds a zstd context per column chunk, ~10% of a short query's CPU.
    // Snappy (cheap to set up, read by every engine) for those.
    for c in ZSTD_COLUMNS {
        b = b.set_column_compression(
            ColumnPath::new(c.split('.').map(String::from).collect()),
            zstd(1),
        );
    }
    b.set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_sorting_columns(Some(vec![
            SortingColumn {
                column_idx: event_name_leaf() as i32,
                descending: false,
                nulls_first: false,
            },
            SortingColumn {
                column_idx: event_time_leaf() as i32,
                descending: false,
                nulls_first: false,
            },
        ]))
        .set_column_bloom_filter_enabled(event_id.clone(), true)
        .set_column_bloom_filter_fpp(event_id.clone(), 0.01)
        .set_column_bloom_filter_max_ndv(event_id, rows.clamp(1, ROW_GROUP_ROWS) as u64)
        .set_created_by(format!("trailhound {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Sorts `batches` (of one schema) by `eventtime` (rows without a time last) into one batch.
pub fn sort_by_time(batches: &[RecordBatch]) -> Result<RecordBatch> {
    let here = Path::new("<memory>");
    let schema = batches
        .first()
        .map(|b| b.schema())
        .unwrap_or_else(lake_schema);
    let all = concat_batches(&schema, batches).at(here)?;
    let options = SortOptions {
        descending: false,
        nulls_first: false,
    };
    let idx = sort_to_indices(all.column(EVENT_TIME), Some(options), None).at(here)?;
    take_record_batch(&all, &idx).at(here)
}

/// Writes `batches` (of one schema, in any order) to `path` (created new, synced to disk before
/// returning) in the lake's layout ([`write_parquet_to`]).
pub fn write_parquet(batches: &[RecordBatch], path: &Path) -> Result<Written> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).at(dir)?;
    }
    let file = fs::File::create_new(path).at(path)?;
    let (w, file) = write_parquet_to(batches, file, &path.display().to_string())?;
    file.sync_all().at(path)?;
    Ok(w)
}

/// A writer that counts the bytes through it.
struct Counting<W> {
    inner: W,
    n: u64,
}

impl<W: std::io::Write> std::io::Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let k = self.inner.write(buf)?;
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Where each output row comes from, `(batch, row)`, in `eventtime` order (rows without a time
/// last). Only the time columns are concatenated to sort: 8 bytes a row, not the rows.
fn time_order(batches: &[RecordBatch]) -> std::result::Result<Vec<(usize, usize)>, ArrowError> {
    let times: Vec<&dyn Array> = batches
        .iter()
        .map(|b| b.column(EVENT_TIME).as_ref())
        .collect();
    let times = arrow_select::concat::concat(&times)?;
    let options = SortOptions {
        descending: false,
        nulls_first: false,
    };
    let sorted = sort_to_indices(&times, Some(options), None)?;
    // The batch and row of each concatenated position.
    let mut origin = Vec::with_capacity(times.len());
    for (b, batch) in batches.iter().enumerate() {
        origin.extend((0..batch.num_rows()).map(|r| (b, r)));
    }
    Ok(sorted
        .values()
        .iter()
        .map(|&i| origin[i as usize])
        .collect())
}

/// Orders one row group's rows (given in time order) by `eventname`, keeping time order within
/// a name (a stable sort), rows without a name last. Row groups follow each other in time (their
/// `eventtime` statistics stay tight for time pruning); inside one, the pages of a name are
/// contiguous, so the page index skips the others for every column.
fn cluster_by_name(group: &mut [(usize, usize)], names: &[Option<&StringArray>]) {
    let name = |(b, r): (usize, usize)| names[b].filter(|a| a.is_valid(r)).map(|a| a.value(r));
    group.sort_by(|x, y| match (name(*x), name(*y)) {
        (Some(a), Some(b)) => a.cmp(b),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

/// Writes `batches` (of one schema, in any order) as Parquet into `out`, sorted by `eventtime`,
/// in row groups of [`ROW_GROUP_ROWS`] each grouped by `eventname`, in the lake's schema (the
/// conversion-only duplicate key is left out). Each row is copied once, straight into its row
/// group: no sorted copy of the whole file is ever held. `at` names `out` in errors; `bytes` of
/// the result counts what was written.
pub fn write_parquet_to<W: std::io::Write + Send>(
    batches: &[RecordBatch],
    out: W,
    at: &str,
) -> Result<(Written, W)> {
    let path = Path::new(at);
    let lake = lake_schema();
    let schema = batches.first().map_or_else(lake_schema, |b| b.schema());
    let keep: Vec<usize> = lake
        .fields()
        .iter()
        .filter_map(|f| schema.index_of(f.name()).ok())
        .collect();
    let batches: Vec<RecordBatch> = batches
        .iter()
        .map(|b| b.project(&keep))
        .collect::<std::result::Result<_, _>>()
        .at(path)?;
    let schema = Arc::new(schema.project(&keep).at(path)?);
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let order = time_order(&batches).at(path)?;
    // The Parquet schema says all a reader needs; the embedded Arrow schema would add 5 KB to
    // every file's footer.
    let options = ArrowWriterOptions::new()
        .with_properties(properties(rows))
        .with_skip_arrow_metadata(true);
    let out = Counting { inner: out, n: 0 };
    let mut writer = ArrowWriter::try_new_with_options(out, schema.clone(), options).at(path)?;
    let name_col = schema.index_of(EVENT_NAME).ok();
    let names: Vec<Option<&StringArray>> = batches
        .iter()
        .map(|b| name_col.and_then(|i| b.column(i).as_string_opt::<i32>()))
        .collect();
    let refs: Vec<&RecordBatch> = batches.iter().collect();
    for chunk in order.chunks(ROW_GROUP_ROWS) {
        let mut group = chunk.to_vec();
        cluster_by_name(&mut group, &names);
        let group = interleave_record_batch(&refs, &group).at(path)?;
        writer.write(&group).at(path)?;
        writer.flush().at(path)?;
    }
    let Counting {
        inner: out,
        n: bytes,
    } = writer.into_inner().at(path)?;
    let time_at = |&(b, r): &(usize, usize)| {
        let t = batches[b]
            .column(EVENT_TIME)
            .as_primitive::<TimestampMicrosecondType>();
        t.is_valid(r).then(|| t.value(r))
    };
    let w = Written {
        rows: rows as u64,
        bytes,
        min_time: order.first().and_then(time_at),
        // Rows without a time sort last: the last row with one.
        max_time: order.iter().rev().find_map(time_at),
    };
    Ok((w, out))
}

/// Reads a Parquet file of the lake, optionally only some top-level columns.
pub fn read_parquet(path: &Path, columns: Option<&[&str]>) -> Result<Vec<RecordBatch>> {
    let file = fs::File::open(path).at(path)?;
    read_parquet_from(file, columns, &path.display().to_string())
}

/// [`read_parquet`] of a file's bytes (`at` names it in errors).
pub fn read_parquet_bytes(
    bytes: bytes::Bytes,
    columns: Option<&[&str]>,
    at: &str,
) -> Result<Vec<RecordBatch>> {
    read_parquet_from(bytes, columns, at)
}

fn read_parquet_from<R: parquet::file::reader::ChunkReader + 'static>(
    r: R,
    columns: Option<&[&str]>,
    at: &str,
) -> Result<Vec<RecordBatch>> {
    let path = Path::new(at);
    let mut builder = ParquetRecordBatchReaderBuilder::try_new(r).at(path)?;
    if let Some(columns) = columns {
        let schema = builder.schema().clone();
        let mut roots = Vec::new();
        for c in columns {
            roots.push(
                schema
                    .index_of(c)
                    .map_err(|_| Error::Invalid(format!("{at}: no column {c}")))?,
            );
        }
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        builder = builder.with_projection(mask);
    }
    let reader = builder.with_batch_size(8192).build().at(path)?;
    reader.collect::<std::result::Result<Vec<_>, _>>().at(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{new_null_array, ArrayRef, Int64Array, TimestampMicrosecondArray};
    use trailhound_model::schema::record_schema;

    /// Rows with these times and names, the other columns empty.
    fn rows(times: &[Option<i64>], names: &[Option<&str>]) -> RecordBatch {
        let schema = record_schema();
        let n = times.len();
        let columns: Vec<ArrayRef> = schema
            .fields()
            .iter()
            .map(|f| -> ArrayRef {
                match f.name().as_str() {
                    "eventtime" => Arc::new(
                        TimestampMicrosecondArray::from(times.to_vec()).with_timezone("UTC"),
                    ),
                    "eventname" => Arc::new(StringArray::from(names.to_vec())),
                    "eventid" => Arc::new(StringArray::from_iter_values(
                        times.iter().map(|t| format!("{t:?}")),
                    )),
                    "_source" => Arc::new(StringArray::from(vec!["k"; n])),
                    "_event_bytes" => Arc::new(Int64Array::from(vec![1; n])),
                    _ => new_null_array(f.data_type(), n),
                }
            })
            .collect();
        RecordBatch::try_new(schema, columns).unwrap()
    }

    #[test]
    fn files_are_sorted_by_time_and_grouped_by_name_within_row_groups() {
        // More rows than a row group, in three batches, times in no order (some missing).
        let total = ROW_GROUP_ROWS + 5_000;
        let mut x: u64 = 7;
        let mut times = Vec::new();
        let mut names = Vec::new();
        for i in 0..total {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            times.push((i % 997 != 0).then_some((x >> 20) as i64 % 1_000_000_000));
            names.push(
                ["GetObject", "PutObject", "AssumeRole"]
                    .get((x >> 50) as usize % 4)
                    .copied(),
            );
        }
        let cut = [0, 20_000, 50_000, total];
        let batches: Vec<RecordBatch> = cut
            .windows(2)
            .map(|w| rows(&times[w[0]..w[1]], &names[w[0]..w[1]]))
            .collect();
        let (w, bytes) = write_parquet_to(&batches, Vec::new(), "<test>").unwrap();
        assert_eq!(w.rows as usize, total);
        assert_eq!(w.min_time, times.iter().flatten().min().copied());
        assert_eq!(w.max_time, times.iter().flatten().max().copied());
        // The conversion-only duplicate key is not written.
        let back = read_parquet_bytes(bytes.into(), None, "<test>").unwrap();
        assert!(back[0].schema().index_of("_record_hash").is_err());
        let all = concat_batches(&back[0].schema(), &back).unwrap();
        assert_eq!(all.num_rows(), total);
        let t = all
            .column_by_name("eventtime")
            .unwrap()
            .as_primitive::<TimestampMicrosecondType>();
        let n = all.column_by_name("eventname").unwrap().as_string::<i32>();
        let key = |r: usize| {
            (
                n.is_null(r),
                n.is_valid(r).then(|| n.value(r)),
                t.is_null(r),
                t.is_valid(r).then(|| t.value(r)),
            )
        };
        let group = |r: usize| r / ROW_GROUP_ROWS;
        for r in 1..total {
            if group(r) == group(r - 1) {
                // Within a row group: by name (missing last), by time within a name.
                assert!(key(r - 1) <= key(r), "rows {} and {r}", r - 1);
            }
        }
        // Across row groups, time order: the first group holds the earliest times.
        let latest_first = (0..ROW_GROUP_ROWS)
            .filter(|&r| t.is_valid(r))
            .map(|r| t.value(r))
            .max();
        let earliest_second = (ROW_GROUP_ROWS..total)
            .filter(|&r| t.is_valid(r))
            .map(|r| t.value(r))
            .min();
        assert!(latest_first <= earliest_second);
        // Rows without a time come last: all in the last row group.
        let untimed = times.iter().filter(|t| t.is_none()).count();
        assert_eq!(
            (ROW_GROUP_ROWS..total).filter(|&r| t.is_null(r)).count(),
            untimed
        );
    }
}
