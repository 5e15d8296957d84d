//! Writing sorted, zstd-compressed Parquet files that readers can prune by time and probe by
//! `eventid`, and reading them back.

use std::fs;
use std::path::Path;
use std::sync::OnceLock;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, RecordBatch};
use arrow_ord::sort::{sort_to_indices, SortOptions};
use arrow_select::concat::concat_batches;
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

/// One row group's rows grouped by `eventname`, by time within a name. Row groups follow each
/// other in time (their `eventtime` statistics stay tight for time pruning); inside one, the
/// pages of a name are contiguous, so the page index skips the others for every column.
fn cluster_by_name(
    group: &RecordBatch,
) -> std::result::Result<RecordBatch, arrow_schema::ArrowError> {
    let Ok(name) = group.schema().index_of(EVENT_NAME) else {
        return Ok(group.clone());
    };
    let options = Some(SortOptions {
        descending: false,
        nulls_first: false,
    });
    let idx = arrow_ord::sort::lexsort_to_indices(
        &[
            arrow_ord::sort::SortColumn {
                values: group.column(name).clone(),
                options,
            },
            arrow_ord::sort::SortColumn {
                values: group.column(EVENT_TIME).clone(),
                options,
            },
        ],
        None,
    )?;
    take_record_batch(group, &idx)
}

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

/// Writes one sorted batch to `path` (created new, synced to disk before returning), in the
/// lake's schema: the conversion-only duplicate key is left out.
pub fn write_parquet(batch: &RecordBatch, path: &Path) -> Result<Written> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).at(dir)?;
    }
    let file = fs::File::create_new(path).at(path)?;
    let (w, file) = write_parquet_to(batch, file, &path.display().to_string())?;
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

/// Writes one sorted batch as Parquet into `out` (`at` names it in errors); `bytes` of the
/// result counts what was written.
pub fn write_parquet_to<W: std::io::Write + Send>(
    batch: &RecordBatch,
    out: W,
    at: &str,
) -> Result<(Written, W)> {
    let path = Path::new(at);
    let lake = lake_schema();
    let keep: Vec<usize> = lake
        .fields()
        .iter()
        .filter_map(|f| batch.schema().index_of(f.name()).ok())
        .collect();
    let batch = &batch.project(&keep).at(path)?;
    // The Parquet schema says all a reader needs; the embedded Arrow schema would add 5 KB to
    // every file's footer.
    let options = ArrowWriterOptions::new()
        .with_properties(properties(batch.num_rows()))
        .with_skip_arrow_metadata(true);
    let out = Counting { inner: out, n: 0 };
    let mut writer = ArrowWriter::try_new_with_options(out, batch.schema(), options).at(path)?;
    let mut offset = 0;
    while offset < batch.num_rows() {
        let len = ROW_GROUP_ROWS.min(batch.num_rows() - offset);
        let group = cluster_by_name(&batch.slice(offset, len)).at(path)?;
        writer.write(&group).at(path)?;
        writer.flush().at(path)?;
        offset += len;
    }
    let Counting {
        inner: out,
        n: bytes,
    } = writer.into_inner().at(path)?;
    let times = batch
        .column(EVENT_TIME)
        .as_primitive::<TimestampMicrosecondType>();
    let valid = times.len() - times.null_count();
    let w = Written {
        rows: batch.num_rows() as u64,
        bytes,
        min_time: (valid > 0).then(|| times.value(0)),
        max_time: (valid > 0).then(|| times.value(valid - 1)),
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
