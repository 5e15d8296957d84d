//! Writing results: aligned tables that stay readable with wide JSON columns (cells truncated
//! with a marker, a row limit with the total count, fitted to the terminal), expanded records
//! (`\x`), CSV, TSV, JSON, NDJSON and Parquet.
//!
//! Nested columns (`useridentity`, `resources`) are shown as JSON in every text format, and times
//! in CloudTrail's own spelling (`2024-08-01T12:00:00Z`).

use std::io::Write;
use std::str::FromStr;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::engine::QueryOutput;
use crate::error::{QueryError, Result};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Tsv,
    Json,
    Ndjson,
    Parquet,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "table" => Format::Table,
            "csv" => Format::Csv,
            "tsv" => Format::Tsv,
            "json" => Format::Json,
            "ndjson" | "jsonl" => Format::Ndjson,
            "parquet" => Format::Parquet,
            other => {
                return Err(format!(
                    "unknown format {other:?}: use table, csv, tsv, json, ndjson or parquet"
                ))
            }
        })
    }
}

/// How tables look.
#[derive(Debug, Clone)]
pub struct TableStyle {
    /// Widest a cell may be before it is cut (with `…`).
    pub max_cell_width: usize,
    /// Most rows shown; the total is still counted. 0: all.
    pub max_rows: usize,
    /// Terminal width to fit the table into, if known.
    pub terminal_width: Option<usize>,
    /// One block per record, one line per column (psql's `\x`).
    pub expanded: bool,
}

impl Default for TableStyle {
    fn default() -> Self {
        Self {
            max_cell_width: 60,
            max_rows: 100,
            terminal_width: None,
            expanded: false,
        }
    }
}

const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.fZ";

fn format_options() -> FormatOptions<'static> {
    FormatOptions::default()
        .with_null("NULL")
        .with_timestamp_tz_format(Some(TIME_FORMAT))
}

/// Replaces nested columns by their JSON text, so that every text format can show them.
pub fn nested_as_json(batch: &RecordBatch) -> Result<RecordBatch> {
    if !batch
        .schema()
        .fields()
        .iter()
        .any(|f| f.data_type().is_nested())
    {
        return Ok(batch.clone());
    }
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
        if f.data_type().is_nested() {
            fields.push(Field::new(f.name(), DataType::Utf8, true));
            columns.push(Arc::new(json_strings(f, c)?));
        } else {
            fields.push(f.as_ref().clone());
            columns.push(c.clone());
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .map_err(|e| QueryError::Output(e.to_string()))
}

/// Each value of a nested column as compact JSON (NULL stays NULL).
fn json_strings(field: &Field, column: &ArrayRef) -> Result<StringArray> {
    let one = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new(
            "v",
            field.data_type().clone(),
            true,
        )])),
        vec![column.clone()],
    )
    .map_err(|e| QueryError::Output(e.to_string()))?;
    let mut buf = Vec::new();
    {
        let mut w = datafusion::arrow::json::LineDelimitedWriter::new(&mut buf);
        w.write(&one)
            .map_err(|e| QueryError::Output(e.to_string()))?;
        w.finish().map_err(|e| QueryError::Output(e.to_string()))?;
    }
    let text = String::from_utf8_lossy(&buf);
    let mut out = Vec::with_capacity(column.len());
    // Each line is `{"v":<value>}`, or `{}` for NULL; the value's text keeps the field order.
    for line in text.lines() {
        out.push(
            line.strip_prefix("{\"v\":")
                .and_then(|l| l.strip_suffix('}'))
                .map(str::to_string),
        );
    }
    Ok(StringArray::from(out))
}

/// Writes one result set in a text format.
pub fn write_text(
    out: &mut dyn Write,
    result: &QueryOutput,
    format: Format,
    style: &TableStyle,
) -> Result<()> {
    let io = |e: std::io::Error| QueryError::Output(e.to_string());
    let batches: Vec<RecordBatch> = result
        .batches
        .iter()
        .map(nested_as_json)
        .collect::<Result<_>>()?;
    match format {
        Format::Table if style.expanded => {
            write_expanded(out, &result.schema, &batches, style).map_err(io)
        }
        Format::Table => write_table(out, &result.schema, &batches, style).map_err(io),
        Format::Csv | Format::Tsv => {
            let delimiter = if format == Format::Csv { b',' } else { b'\t' };
            let mut w = datafusion::arrow::csv::WriterBuilder::new()
                .with_header(true)
                .with_delimiter(delimiter)
                .with_timestamp_tz_format(TIME_FORMAT.to_string())
                .build(out);
            if batches.is_empty() {
                let header: Vec<&str> = result
                    .schema
                    .fields()
                    .iter()
                    .map(|f| f.name().as_str())
                    .collect();
                return w_header(w.into_inner(), &header, delimiter).map_err(io);
            }
            for b in &batches {
                w.write(b).map_err(|e| QueryError::Output(e.to_string()))?;
            }
            Ok(())
        }
        Format::Json | Format::Ndjson => {
            write_json(out, &result.schema, &batches, format == Format::Ndjson)
        }
        Format::Parquet => Err(QueryError::Output(
            "parquet output needs a file: add --output FILE".into(),
        )),
    }
}

fn w_header(out: &mut dyn Write, header: &[&str], delimiter: u8) -> std::io::Result<()> {
    writeln!(out, "{}", header.join(&(delimiter as char).to_string()))
}

/// JSON rows with nested values as real JSON (not strings) and times as CloudTrail writes them.
fn write_json(
    out: &mut dyn Write,
    original: &SchemaRef,
    batches: &[RecordBatch],
    lines: bool,
) -> Result<()> {
    let io = |e: std::io::Error| QueryError::Output(e.to_string());
    let mut first = true;
    if !lines {
        out.write_all(b"[").map_err(io)?;
    }
    for b in batches {
        let cells = cell_strings(b)?;
        let schema = b.schema();
        #[allow(clippy::needless_range_loop)] // `row` indexes every column's cells
        for row in 0..b.num_rows() {
            // Written by hand so that keys keep the column order.
            let mut obj = String::from("{");
            for (c, f) in schema.fields().iter().enumerate() {
                let col = b.column(c);
                let text = &cells[c][row];
                let v = if col.is_null(row) {
                    "null".to_string()
                } else {
                    match f.data_type() {
                        _ if original.field(c).data_type().is_nested() => text.clone(),
                        DataType::Boolean => text.clone(),
                        t if t.is_numeric()
                            && serde_json::from_str::<serde_json::Number>(text).is_ok() =>
                        {
                            text.clone()
                        }
                        _ => serde_json::Value::String(text.clone()).to_string(),
                    }
                };
                if c > 0 {
                    obj.push(',');
                }
                obj.push_str(&serde_json::Value::String(f.name().clone()).to_string());
                obj.push(':');
                obj.push_str(&v);
            }
            obj.push('}');
            let sep: &[u8] = if lines {
                b""
            } else if first {
                b"\n"
            } else {
                b",\n"
            };
            out.write_all(sep).map_err(io)?;
            out.write_all(obj.as_bytes()).map_err(io)?;
            if lines {
                out.write_all(b"\n").map_err(io)?;
            }
            first = false;
        }
    }
    if !lines {
        out.write_all(if first { b"]\n" } else { b"\n]\n" })
            .map_err(io)?;
    }
    Ok(())
}

/// Every row as display text (nested values as JSON, NULL as `NULL`): for tests and tools.
pub fn text_rows(batches: &[RecordBatch]) -> Result<Vec<Vec<String>>> {
    let mut rows = Vec::new();
    for b in batches {
        let b = nested_as_json(b)?;
        let cells = cell_strings(&b)?;
        for r in 0..b.num_rows() {
            rows.push(cells.iter().map(|c| c[r].clone()).collect());
        }
    }
    Ok(rows)
}

/// Every cell of a batch as display text, per column.
fn cell_strings(b: &RecordBatch) -> Result<Vec<Vec<String>>> {
    let opts = format_options();
    b.columns()
        .iter()
        .map(|c| {
            let f = ArrayFormatter::try_new(c.as_ref(), &opts)
                .map_err(|e| QueryError::Output(e.to_string()))?;
            Ok((0..c.len()).map(|i| f.value(i).to_string()).collect())
        })
        .collect()
}

/// Cuts `s` to `width` display columns, marking the cut with `…`; control characters become
/// visible escapes so that one value stays on one line and a forged log cannot send escape
/// sequences to the terminal (nor reorder the line with bidirectional overrides).
fn fit(s: &str, width: usize) -> String {
    let s = visible(s);
    if s.width() <= width {
        return s;
    }
    let mut out = String::new();
    let mut w = 0;
    for ch in s.chars() {
        let cw = ch.width().unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(ch);
        w += cw;
    }
    out.push('…');
    out
}

/// `s` with control characters and bidirectional controls as escapes (`\n`, `\u{1b}`).
pub fn visible(s: &str) -> String {
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(hidden) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if hidden(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(s.width()));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

fn footer(total: usize, shown: usize) -> String {
    let noun = if total == 1 { "row" } else { "rows" };
    if shown < total {
        format!("({total} {noun}, first {shown} shown)")
    } else {
        format!("({total} {noun})")
    }
}

/// The rows to show: the first `max_rows` (all when 0), as text.
fn shown_rows(batches: &[RecordBatch], max_rows: usize) -> Result<(Vec<Vec<String>>, usize)> {
    let total: usize = batches.iter().map(|b| b.num_rows()).sum();
    let limit = if max_rows == 0 {
        total
    } else {
        max_rows.min(total)
    };
    let mut rows = Vec::with_capacity(limit);
    for b in batches {
        if rows.len() >= limit {
            break;
        }
        let take = (limit - rows.len()).min(b.num_rows());
        let cells = cell_strings(&b.slice(0, take))?;
        for r in 0..take {
            rows.push(cells.iter().map(|c| c[r].clone()).collect());
        }
    }
    Ok((rows, total))
}

fn write_table(
    out: &mut dyn Write,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    style: &TableStyle,
) -> std::io::Result<()> {
    let (rows, total) = shown_rows(batches, style.max_rows).map_err(std::io::Error::other)?;
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let right: Vec<bool> = schema
        .fields()
        .iter()
        .map(|f| f.data_type().is_numeric())
        .collect();
    let mut widths: Vec<usize> = names.iter().map(|n| n.width()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.width().min(style.max_cell_width));
        }
    }
    // Fit to the terminal: narrow the widest column until the table fits (not below 12).
    if let Some(tw) = style.terminal_width {
        let total_width = |w: &[usize]| w.iter().sum::<usize>() + 3 * w.len() + 1;
        while total_width(&widths) > tw {
            let Some((i, &w)) = widths.iter().enumerate().max_by_key(|(_, w)| **w) else {
                break;
            };
            if w <= 12 {
                break;
            }
            widths[i] = w - 1;
        }
    }
    let rule: String = {
        let mut s = String::from("+");
        for w in &widths {
            s.push_str(&"-".repeat(w + 2));
            s.push('+');
        }
        s
    };
    writeln!(out, "{rule}")?;
    let header: Vec<String> = names
        .iter()
        .zip(&widths)
        .map(|(n, w)| pad(&fit(n, *w), *w, false))
        .collect();
    writeln!(out, "| {} |", header.join(" | "))?;
    writeln!(out, "{rule}")?;
    for r in &rows {
        let cells: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, c)| pad(&fit(c, widths[i]), widths[i], right[i]))
            .collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    if !rows.is_empty() {
        writeln!(out, "{rule}")?;
    }
    writeln!(out, "{}", footer(total, rows.len()))
}

fn write_expanded(
    out: &mut dyn Write,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    style: &TableStyle,
) -> std::io::Result<()> {
    let (rows, total) = shown_rows(batches, style.max_rows).map_err(std::io::Error::other)?;
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let name_width = names.iter().map(|n| n.width()).max().unwrap_or(0);
    // Values get the rest of the terminal, and at least the usual cell width.
    let value_width = style
        .terminal_width
        .map(|t| t.saturating_sub(name_width + 3))
        .unwrap_or(usize::MAX)
        .max(style.max_cell_width);
    for (i, r) in rows.iter().enumerate() {
        let title = format!("-[ RECORD {} ]", i + 1);
        writeln!(
            out,
            "{title}{}",
            "-".repeat((name_width + 3).saturating_sub(title.len()).max(1))
        )?;
        for (n, v) in names.iter().zip(r) {
            writeln!(
                out,
                "{} | {}",
                pad(n, name_width, false),
                fit(v, value_width)
            )?;
        }
    }
    writeln!(out, "{}", footer(total, rows.len()))
}

/// Writes result sets as one Parquet file (zstd), with their schema as it is.
pub fn write_parquet(path: &std::path::Path, result: &QueryOutput) -> Result<()> {
    let fail = |e: String| QueryError::Output(format!("{}: {e}", path.display()));
    let file = std::fs::File::create(path).map_err(|e| fail(e.to_string()))?;
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, result.schema.clone(), Some(props))
        .map_err(|e| fail(e.to_string()))?;
    for b in &result.batches {
        w.write(b).map_err(|e| fail(e.to_string()))?;
    }
    w.close().map_err(|e| fail(e.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_cells() {
        assert_eq!(fit("abc", 5), "abc");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("a\nb", 10), "a\\nb");
        assert_eq!(fit("日本語テキスト", 5), "日本…");
    }

    #[test]
    fn escape_sequences_never_reach_the_terminal() {
        assert_eq!(fit("\u{1b}[2Jgone", 40), "\\u{1b}[2Jgone");
        assert_eq!(fit("a\u{202e}cba", 40), "a\\u{202e}cba");
        assert_eq!(fit("\u{7}\u{9b}x", 40), "\\u{7}\\u{9b}x");
    }

    #[test]
    fn formats_parse() {
        assert_eq!("CSV".parse::<Format>().unwrap(), Format::Csv);
        assert!("xml".parse::<Format>().is_err());
    }
}
