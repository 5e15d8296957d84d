//! Streaming decoder: a CloudTrail log file's `{"Records":[...]}` envelope straight into Arrow
//! builders, one record at a time, without building a DOM of the file.
//!
//! Each record's values are taken as raw JSON text slices of the input and routed to typed column
//! builders. Anything that does not fit its column exactly (an unknown key, a JSON `null`, a value
//! of another type, an `eventTime` in another spelling, an unknown key inside `userIdentity`) is
//! also kept verbatim in the `_extra` column, so [`crate::rebuild`] gives back the source event.

use std::fmt;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, ListArray, RecordBatch, StructArray};
use arrow_buffer::{NullBufferBuilder, OffsetBuffer};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::json::{
    array_items, object_entries, one_line, string_value, write_str, Entries, EntriesDe,
};
use crate::scan::{self, Scanner};
use crate::schema::{self, Field, Kind, EVENT_ID, RECORD};
use crate::time::{format_event_time, parse_event_time};

/// Why a log file could not be decoded. The file is then quarantined as a whole.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("the file is empty")]
    Empty,
    #[error("invalid UTF-8 at byte {offset}")]
    Utf8 { offset: usize },
    #[error("not a CloudTrail log: {0}")]
    Json(#[from] serde_json::Error),
    #[error("record #{index}: {reason}")]
    Record { index: usize, reason: String },
    #[error("cannot build Arrow arrays: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
}

/// Decodes one whole log file (already decompressed) into a batch with [`schema::record_schema`].
///
/// `source` is recorded in the `_source` column of every row. The file must be exactly one object
/// with one key, `Records`, holding an array of objects; anything else is an error and nothing of
/// the file is returned.
pub fn decode_log(json: &[u8], source: &str) -> Result<RecordBatch, DecodeError> {
    decode_log_projected(json, source, &Projection::all())
}

/// Which columns a decode builds; the others come back as all-null columns of the right type.
/// A query reading three columns of a raw log then skips typing the other thirty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection {
    /// One flag per [`RECORD`] column.
    pub columns: [bool; RECORD.len()],
    /// `_extra`: what did not fit (needed for a lossless copy, not for most queries).
    pub extra: bool,
    /// `_record_hash`.
    pub record_hash: bool,
}

impl Projection {
    pub fn all() -> Self {
        Self {
            columns: [true; RECORD.len()],
            extra: true,
            record_hash: true,
        }
    }

    pub fn none() -> Self {
        Self {
            columns: [false; RECORD.len()],
            extra: false,
            record_hash: false,
        }
    }
}

/// [`decode_log`], building only the columns of `projection` (still checking the whole file).
pub fn decode_log_projected(
    json: &[u8],
    source: &str,
    projection: &Projection,
) -> Result<RecordBatch, DecodeError> {
    let json = std::str::from_utf8(json).map_err(|e| DecodeError::Utf8 {
        offset: e.valid_up_to(),
    })?;
    if json.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    if let Some(batch) = decode_fast(json, source, projection) {
        return batch;
    }
    decode_general(json, source, projection)
}

/// The scanner's fast path ([`crate::scan`]); `None` when it declines the file.
fn decode_fast(
    json: &str,
    source: &str,
    projection: &Projection,
) -> Option<Result<RecordBatch, DecodeError>> {
    // Only JSON's own whitespace (not Unicode's) may surround the envelope.
    let text = json.trim_matches(|c| matches!(c, ' ' | '\n' | '\r' | '\t'));
    if !scan::is_plain(text.as_bytes()) {
        return None;
    }
    let mut builder = RecordBuilder::new(source, projection);
    let mut s = Scanner::new(text);
    s.envelope_start()?;
    let mut entries = Vec::with_capacity(64);
    let mut first = true;
    while s.next_record(first)? {
        first = false;
        s.object_entries(&mut entries)?;
        builder.push_entries(&entries);
    }
    s.at_end().then(|| builder.finish())
}

/// The general path: serde_json's deserializer, which accepts any valid JSON and names what is
/// wrong with the rest. Public for the benchmarks and the differential tests only.
#[doc(hidden)]
pub fn decode_general(
    json: &str,
    source: &str,
    projection: &Projection,
) -> Result<RecordBatch, DecodeError> {
    let mut builder = RecordBuilder::new(source, projection);
    let mut de = serde_json::Deserializer::from_str(json);
    EnvelopeSeed(&mut builder).deserialize(&mut de)?;
    de.end()?;
    builder.finish()
}

/// Both decoding paths on one file, for the differential tests: the fast path's batch (`None`
/// when it declines) and the general path's result.
#[doc(hidden)]
pub fn decode_both_paths(
    json: &[u8],
    projection: &Projection,
) -> (
    Option<Result<RecordBatch, DecodeError>>,
    Result<RecordBatch, DecodeError>,
) {
    match std::str::from_utf8(json) {
        Ok(text) => (
            decode_fast(text, "k", projection),
            decode_general(text, "k", projection),
        ),
        Err(e) => (
            None,
            Err(DecodeError::Utf8 {
                offset: e.valid_up_to(),
            }),
        ),
    }
}

/// Decodes standalone record objects (for example NDJSON lines) into a batch.
pub fn decode_records<'a>(
    records: impl IntoIterator<Item = &'a str>,
    source: &str,
) -> Result<RecordBatch, DecodeError> {
    let mut builder = RecordBuilder::new(source, &Projection::all());
    for (i, r) in records.into_iter().enumerate() {
        builder
            .push(r.trim())
            .map_err(|reason| DecodeError::Record {
                index: i + 1,
                reason,
            })?;
    }
    builder.finish()
}

struct EnvelopeSeed<'b>(&'b mut RecordBuilder);

impl<'de> DeserializeSeed<'de> for EnvelopeSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(r#"an object {"Records":[...]}"#)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        while let Some(key) = map.next_key::<String>()? {
            if key != "Records" {
                return Err(de::Error::custom(format!(
                    "unexpected key {key:?} in the envelope (expected only \"Records\")"
                )));
            }
            if seen {
                return Err(de::Error::custom("\"Records\" appears twice"));
            }
            seen = true;
            map.next_value_seed(RecordsSeed(&mut *self.0))?;
        }
        if !seen {
            return Err(de::Error::custom("no \"Records\" array"));
        }
        Ok(())
    }
}

struct RecordsSeed<'b>(&'b mut RecordBuilder);

impl<'de> DeserializeSeed<'de> for RecordsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RecordsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("\"Records\" to be an array of event objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut n = 0usize;
        loop {
            n += 1;
            // Each record's entries are taken in one pass over its text, values left raw.
            let entries = seq
                .next_element::<EntriesDe<'de>>()
                .map_err(|e| de::Error::custom(format!("record #{n}: {e}")))?;
            match entries {
                Some(EntriesDe(entries)) => self.0.push_entries(&entries),
                None => return Ok(()),
            }
        }
    }
}

/// Appends CloudTrail records to Arrow builders.
struct RecordBuilder {
    columns: Vec<Column>,
    extra: StringBuilder,
    source: StringBuilder,
    source_name: String,
    event_bytes: Int64Builder,
    record_hash: Int64Builder,
    extra_buf: Vec<u8>,
    projection: Projection,
    rows: usize,
    /// The column of each key position in the last record: records of one log mostly share
    /// their key order, so one comparison usually finds a key's column.
    key_columns: Vec<usize>,
}

impl RecordBuilder {
    fn new(source: &str, projection: &Projection) -> Self {
        Self {
            columns: RECORD.iter().map(|f| Column::new(f.kind)).collect(),
            extra: StringBuilder::new(),
            source: StringBuilder::new(),
            source_name: source.to_owned(),
            event_bytes: Int64Builder::new(),
            record_hash: Int64Builder::new(),
            extra_buf: Vec::new(),
            projection: projection.clone(),
            rows: 0,
            key_columns: Vec::new(),
        }
    }

    /// Appends one record given as the JSON text of an object.
    fn push(&mut self, raw: &str) -> Result<(), String> {
        if !raw.starts_with('{') {
            return Err("not a JSON object".into());
        }
        let entries = object_entries(raw).map_err(|e| e.to_string())?;
        self.push_entries(&entries);
        Ok(())
    }

    /// Appends one record given as its entries.
    fn push_entries(&mut self, entries: &Entries<'_>) {
        // Size of the record as minified JSON, and a hash of its content (keys and raw values,
        // in order): the duplicate-detection key.
        self.rows += 1;
        let mut size = 2 + entries.len().saturating_sub(1);
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let hash = self.projection.record_hash;
        for (k, v) in entries {
            size += k.len() + 3 + v.len();
            if hash {
                hasher.update(k.as_bytes());
                hasher.update(&[0xff]);
                hasher.update(v.as_bytes());
                hasher.update(&[0xfe]);
            }
        }
        let mut slots: [Option<&str>; RECORD.len()] = [None; RECORD.len()];
        let mut extras: Vec<(&str, &str)> = Vec::new();
        for (j, (key, value)) in entries.iter().enumerate() {
            let guess = self.key_columns.get(j).copied();
            let column = match guess {
                Some(g) if RECORD.get(g).is_some_and(|f| f.key == key.as_ref()) => Some(g),
                _ => {
                    let found = field_index(RECORD, key);
                    if let Some(i) = found {
                        match self.key_columns.get_mut(j) {
                            Some(slot) => *slot = i,
                            None => self.key_columns.push(i),
                        }
                    }
                    found
                }
            };
            match column {
                Some(i) => slots[i] = Some(*value),
                None => extras.push((key.as_ref(), *value)),
            }
        }
        for (i, (column, slot)) in self.columns.iter_mut().zip(slots).enumerate() {
            if !self.projection.columns[i] {
                continue;
            }
            if !column.append(slot) {
                if let Some(v) = slot {
                    extras.push((RECORD[i].key, v));
                }
            }
        }
        if extras.is_empty() || !self.projection.extra {
            self.extra.append_null();
        } else {
            let buf = &mut self.extra_buf;
            buf.clear();
            buf.push(b'{');
            for (i, (k, v)) in extras.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                write_str(buf, k);
                buf.push(b':');
                buf.extend_from_slice(one_line(v).as_bytes());
            }
            buf.push(b'}');
            // The buffer is made of valid UTF-8 pieces only.
            self.extra.append_value(String::from_utf8_lossy(buf));
        }
        self.source.append_value(&self.source_name);
        self.event_bytes.append_value(size as i64);
        if hash && slots[EVENT_ID].is_some() {
            self.record_hash.append_value(hasher.digest() as i64);
        } else {
            self.record_hash.append_null();
        }
    }

    fn finish(mut self) -> Result<RecordBatch, DecodeError> {
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(RECORD.len() + 4);
        for (i, column) in self.columns.iter_mut().enumerate() {
            if self.projection.columns[i] {
                arrays.push(column.finish()?);
            } else {
                arrays.push(arrow_array::new_null_array(
                    &schema::data_type(RECORD[i].kind),
                    self.rows,
                ));
            }
        }
        arrays.push(Arc::new(self.extra.finish()));
        arrays.push(Arc::new(self.source.finish()));
        arrays.push(Arc::new(self.event_bytes.finish()));
        arrays.push(Arc::new(self.record_hash.finish()));
        Ok(RecordBatch::try_new(schema::record_schema(), arrays)?)
    }
}

/// The most keys a struct kind of the schema has.
pub(crate) const MAX_STRUCT_FIELDS: usize = 16;

/// Position of `key` among `fields`, matched exactly (CloudTrail's own spelling).
pub(crate) fn field_index(fields: &[Field], key: &str) -> Option<usize> {
    fields
        .iter()
        .position(|f| f.key.len() == key.len() && f.key == key)
}

/// Whether `s` is exactly how [`format_event_time`] spells `t`. The common spelling
/// (`YYYY-MM-DDTHH:MM:SSZ`, parsed without loss) is recognised without formatting.
fn is_canonical_time(s: &str, t: i64) -> bool {
    if s.len() == 20 && t % 1_000_000 == 0 && s.get(17..19) != Some("60") {
        return true;
    }
    s == format_event_time(t)
}

/// A builder for one column of a given [`Kind`].
enum Column {
    Str(StringBuilder),
    Bool(BooleanBuilder),
    Time(TimestampMicrosecondBuilder),
    Json(StringBuilder),
    Struct(StructColumn),
    List(ListColumn),
}

struct StructColumn {
    fields: &'static [Field],
    children: Vec<Column>,
    validity: NullBufferBuilder,
}

struct ListColumn {
    fields: &'static [Field],
    offsets: Vec<i32>,
    validity: NullBufferBuilder,
    items: StructColumn,
}

impl StructColumn {
    fn new(fields: &'static [Field]) -> Self {
        Self {
            fields,
            children: fields.iter().map(|f| Column::new(f.kind)).collect(),
            validity: NullBufferBuilder::new(0),
        }
    }

    fn append_null(&mut self) {
        self.validity.append_null();
        self.children.iter_mut().for_each(Column::append_null);
    }

    /// Appends an object; false when it had anything the typed children cannot hold exactly.
    fn append_object(&mut self, raw: &str) -> bool {
        let Ok(entries) = object_entries(raw) else {
            self.append_null();
            return false;
        };
        let mut clean = true;
        // Structs have at most MAX_STRUCT_FIELDS keys (checked by a test of the schema).
        let mut slots: [Option<&str>; MAX_STRUCT_FIELDS] = [None; MAX_STRUCT_FIELDS];
        for (key, value) in entries {
            match field_index(self.fields, &key) {
                Some(i) => slots[i] = Some(value),
                None => clean = false,
            }
        }
        for (child, slot) in self.children.iter_mut().zip(slots) {
            clean &= child.append(slot);
        }
        self.validity.append_non_null();
        clean
    }

    fn finish(&mut self) -> Result<StructArray, arrow_schema::ArrowError> {
        let arrays = self
            .children
            .iter_mut()
            .map(Column::finish)
            .collect::<Result<Vec<_>, _>>()?;
        StructArray::try_new(
            schema::struct_fields(self.fields),
            arrays,
            self.validity.finish(),
        )
    }
}

impl Column {
    fn new(kind: Kind) -> Self {
        match kind {
            Kind::Str => Column::Str(StringBuilder::new()),
            Kind::Bool => Column::Bool(BooleanBuilder::new()),
            Kind::Time => Column::Time(TimestampMicrosecondBuilder::new().with_timezone("UTC")),
            Kind::Json => Column::Json(StringBuilder::new()),
            Kind::Struct(fields) => Column::Struct(StructColumn::new(fields)),
            Kind::List(fields) => Column::List(ListColumn {
                fields,
                offsets: vec![0],
                validity: NullBufferBuilder::new(0),
                items: StructColumn::new(fields),
            }),
        }
    }

    fn append_null(&mut self) {
        match self {
            Column::Str(b) | Column::Json(b) => b.append_null(),
            Column::Bool(b) => b.append_null(),
            Column::Time(b) => b.append_null(),
            Column::Struct(s) => s.append_null(),
            Column::List(l) => {
                l.validity.append_null();
                l.offsets.push(*l.offsets.last().unwrap_or(&0));
            }
        }
    }

    /// Appends a value (`None`: the key is absent). Returns false when the value was not stored
    /// exactly (the caller then keeps the raw text in `_extra`); a JSON `null` counts as such.
    fn append(&mut self, value: Option<&str>) -> bool {
        let Some(raw) = value else {
            self.append_null();
            return true;
        };
        match self {
            Column::Str(b) => match string_value(raw) {
                Some(s) => {
                    b.append_value(s);
                    true
                }
                None => {
                    b.append_null();
                    false
                }
            },
            Column::Bool(b) => match raw {
                "true" => {
                    b.append_value(true);
                    true
                }
                "false" => {
                    b.append_value(false);
                    true
                }
                _ => {
                    b.append_null();
                    false
                }
            },
            Column::Time(b) => {
                let text = string_value(raw);
                match text.as_deref().and_then(parse_event_time) {
                    Some(t) => {
                        b.append_value(t);
                        // A spelling other than the canonical one is kept verbatim in `_extra`.
                        text.as_deref().is_some_and(|s| is_canonical_time(s, t))
                    }
                    None => {
                        b.append_null();
                        false
                    }
                }
            }
            Column::Json(b) => {
                if raw == "null" {
                    b.append_null();
                    false
                } else {
                    b.append_value(one_line(raw));
                    true
                }
            }
            Column::Struct(s) => {
                if raw.starts_with('{') {
                    s.append_object(raw)
                } else {
                    s.append_null();
                    false
                }
            }
            Column::List(l) => {
                let items = if raw.starts_with('[') {
                    array_items(raw).ok()
                } else {
                    None
                };
                let Some(items) = items else {
                    l.validity.append_null();
                    l.offsets.push(*l.offsets.last().unwrap_or(&0));
                    return false;
                };
                let mut clean = true;
                for item in &items {
                    if item.starts_with('{') {
                        clean &= l.items.append_object(item);
                    } else {
                        l.items.append_null();
                        clean = false;
                    }
                }
                l.validity.append_non_null();
                let last = *l.offsets.last().unwrap_or(&0);
                l.offsets.push(last + items.len() as i32);
                clean
            }
        }
    }

    fn finish(&mut self) -> Result<ArrayRef, arrow_schema::ArrowError> {
        Ok(match self {
            Column::Str(b) | Column::Json(b) => Arc::new(b.finish()),
            Column::Bool(b) => Arc::new(b.finish()),
            Column::Time(b) => Arc::new(b.finish()),
            Column::Struct(s) => Arc::new(s.finish()?),
            Column::List(l) => {
                let offsets = OffsetBuffer::new(std::mem::take(&mut l.offsets).into());
                l.offsets.push(0);
                Arc::new(ListArray::try_new(
                    Arc::new(schema::list_item(l.fields)),
                    offsets,
                    Arc::new(l.items.finish()?),
                    l.validity.finish(),
                )?)
            }
        })
    }
}
