//! Where query results go and in which format: standard output, or one file per run that every
//! result of the run is appended to (`--output`), shared by `sql`, `run` and the shell.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use trailhound_query::output::{write_parquet, write_text, Format, TableStyle};
use trailhound_query::QueryOutput;

use crate::args::OutputFormat;

pub fn format_of(f: OutputFormat) -> Format {
    match f {
        OutputFormat::Table => Format::Table,
        OutputFormat::Csv => Format::Csv,
        OutputFormat::Tsv => Format::Tsv,
        OutputFormat::Json => Format::Json,
        OutputFormat::Ndjson => Format::Ndjson,
        OutputFormat::Parquet => Format::Parquet,
    }
}

/// Writes a whole document (a report or page) to `path`, or to standard output.
pub fn write_document(path: Option<&std::path::Path>, text: &str) -> Result<()> {
    match path {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            Ok(out.flush()?)
        }
    }
}

/// Where and how results go.
pub struct ResultSink {
    pub format: Format,
    pub style: TableStyle,
    pub output: Option<PathBuf>,
}

impl ResultSink {
    /// A sink for `format`, tables cut at `max_cell_width` and `max_rows` (0: all).
    pub fn new(
        format: OutputFormat,
        max_cell_width: usize,
        max_rows: usize,
        output: Option<PathBuf>,
    ) -> ResultSink {
        ResultSink {
            format: format_of(format),
            style: TableStyle {
                max_cell_width: max_cell_width.max(4),
                max_rows,
                terminal_width: None,
                expanded: false,
            },
            output,
        }
    }

    /// Starts a run: one run, one file, so the output file starts empty.
    pub fn start(&self) -> Result<()> {
        if let Some(path) = &self.output {
            std::fs::write(path, b"")
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }

    /// Text between results (a heading), in the same place as the results.
    pub fn write_raw(&self, text: &str) -> Result<()> {
        match &self.output {
            Some(p) => {
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .open(p)
                    .with_context(|| format!("cannot write {}", p.display()))?;
                f.write_all(text.as_bytes())?;
            }
            None => std::io::stdout().lock().write_all(text.as_bytes())?,
        }
        Ok(())
    }

    pub fn print(&self, result: &QueryOutput) -> Result<()> {
        // Statements such as CREATE VIEW or SET have no columns: nothing to show.
        if result.schema.fields().is_empty() {
            return Ok(());
        }
        if self.format == Format::Parquet {
            let Some(path) = &self.output else {
                bail!("--format parquet needs --output FILE");
            };
            return Ok(write_parquet(path, result)?);
        }
        match &self.output {
            Some(path) => {
                let mut f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                write_text(&mut f, result, self.format, &self.style)?;
            }
            None => {
                let mut out = std::io::stdout().lock();
                write_text(&mut out, result, self.format, &self.style)?;
                out.flush()?;
            }
        }
        Ok(())
    }
}
