//! Rebuilds CloudTrail JSON records from rows of the record schema: the proof that conversion
//! loses nothing, and the source of `trailhound export`.
//!
//! Typed columns are written back under their CloudTrail key; then every key kept in `_extra`
//! is written with its verbatim text, replacing a typed value of the same key.

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{Array, ArrayRef, RecordBatch, StructArray};
use arrow_schema::ArrowError;

use crate::json::{object_entries, write_str};
use crate::schema::{Field, Kind, COL_EXTRA, RECORD};
use crate::time::format_event_time;

/// Writes CloudTrail records from a batch that holds the record columns (by name; other
/// columns, such as partition columns, are ignored).
pub struct Rebuilder {
    columns: Vec<Option<ArrayRef>>,
    extra: Option<ArrayRef>,
}

impl Rebuilder {
    /// Prepares to rebuild the rows of `batch`. Fails if a record column has an unexpected type.
    pub fn new(batch: &RecordBatch) -> Result<Self, ArrowError> {
        let schema = batch.schema();
        let mut columns = Vec::with_capacity(RECORD.len());
        for field in RECORD {
            let name = field.key.to_ascii_lowercase();
            columns.push(schema.index_of(&name).ok().map(|i| batch.column(i).clone()));
        }
        let extra = schema
            .index_of(COL_EXTRA)
            .ok()
            .map(|i| batch.column(i).clone());
        if let Some(e) = &extra {
            if e.as_string_opt::<i32>().is_none() {
                return Err(ArrowError::SchemaError(format!(
                    "{COL_EXTRA} is not a string column"
                )));
            }
        }
        Ok(Self { columns, extra })
    }

    /// Appends the JSON object of row `row` to `out`.
    pub fn write_row(&self, row: usize, out: &mut Vec<u8>) -> Result<(), ArrowError> {
        let extras = match &self.extra {
            Some(e) if e.is_valid(row) => {
                let text = e.as_string::<i32>().value(row);
                object_entries(text).map_err(|err| {
                    ArrowError::ParseError(format!(
                        "{COL_EXTRA} of row {row} is not a JSON object: {err}"
                    ))
                })?
            }
            _ => Vec::new(),
        };
        out.push(b'{');
        let mut first = true;
        for (field, column) in RECORD.iter().zip(&self.columns) {
            let Some(column) = column else { continue };
            if column.is_null(row) || extras.iter().any(|(k, _)| k == field.key) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            write_str(out, field.key);
            out.push(b':');
            write_value(column.as_ref(), field.kind, row, out)?;
        }
        for (key, value) in &extras {
            if !first {
                out.push(b',');
            }
            first = false;
            write_str(out, key);
            out.push(b':');
            out.extend_from_slice(value.as_bytes());
        }
        out.push(b'}');
        Ok(())
    }

    /// The JSON text of row `row`.
    pub fn row_json(&self, row: usize) -> Result<String, ArrowError> {
        let mut out = Vec::with_capacity(2048);
        self.write_row(row, &mut out)?;
        String::from_utf8(out).map_err(|e| ArrowError::ParseError(e.to_string()))
    }
}

fn type_error(kind: Kind, array: &dyn Array) -> ArrowError {
    ArrowError::SchemaError(format!(
        "expected a column for {kind:?}, found {}",
        array.data_type()
    ))
}

fn write_value(
    array: &dyn Array,
    kind: Kind,
    row: usize,
    out: &mut Vec<u8>,
) -> Result<(), ArrowError> {
    match kind {
        Kind::Str => {
            let a = array
                .as_string_opt::<i32>()
                .ok_or_else(|| type_error(kind, array))?;
            write_str(out, a.value(row));
        }
        Kind::Json => {
            let a = array
                .as_string_opt::<i32>()
                .ok_or_else(|| type_error(kind, array))?;
            out.extend_from_slice(a.value(row).as_bytes());
        }
        Kind::Bool => {
            let a = array
                .as_boolean_opt()
                .ok_or_else(|| type_error(kind, array))?;
            out.extend_from_slice(if a.value(row) { b"true" } else { b"false" });
        }
        Kind::Time => {
            let a = array
                .as_primitive_opt::<TimestampMicrosecondType>()
                .ok_or_else(|| type_error(kind, array))?;
            write_str(out, &format_event_time(a.value(row)));
        }
        Kind::Struct(fields) => {
            let a = array
                .as_struct_opt()
                .ok_or_else(|| type_error(kind, array))?;
            write_struct(a, fields, row, out)?;
        }
        Kind::List(fields) => {
            let a = array
                .as_list_opt::<i32>()
                .ok_or_else(|| type_error(kind, array))?;
            let items = a
                .values()
                .as_struct_opt()
                .ok_or_else(|| type_error(kind, array))?;
            let offsets = a.value_offsets();
            out.push(b'[');
            for (n, i) in (offsets[row] as usize..offsets[row + 1] as usize).enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                if items.is_null(i) {
                    out.extend_from_slice(b"null");
                } else {
                    write_struct(items, fields, i, out)?;
                }
            }
            out.push(b']');
        }
    }
    Ok(())
}

fn write_struct(
    a: &StructArray,
    fields: &[Field],
    row: usize,
    out: &mut Vec<u8>,
) -> Result<(), ArrowError> {
    out.push(b'{');
    let mut first = true;
    for (field, child) in fields.iter().zip(a.columns()) {
        if child.is_null(row) {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        write_str(out, field.key);
        out.push(b':');
        write_value(child.as_ref(), field.kind, row, out)?;
    }
    out.push(b'}');
    Ok(())
}
