//! `trailhound sql`: SQL over the lake, from `-c`, `-f`, standard input or the interactive shell.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use trailhound_query::output::{write_parquet, write_text, Format, TableStyle};
use trailhound_query::{Engine, EngineOptions, QueryOutput};

use crate::args::{EngineArgs, OutputFormat, SqlArgs, WindowArgs};
use crate::commands::{lake_path_opt, window};

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

/// A multi-threaded runtime for the engine.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the query runtime")
}

/// Opens the engine on the lake (and raw folder) the arguments name.
pub fn open_engine(
    lake: Option<PathBuf>,
    raw: Option<PathBuf>,
    w: &WindowArgs,
    e: &EngineArgs,
) -> Result<Engine> {
    if e.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    let opts = EngineOptions {
        lake,
        raw,
        memory_limit: e.memory_limit.map(|m| m as usize),
        threads: e.threads,
        window: window(w)?,
        s3: e.s3.options(),
    };
    let engine = Engine::new(&opts)?;
    // Callers have entered the runtime; a lake in S3 is checked once, before any query.
    if opts
        .lake
        .as_deref()
        .is_some_and(trailhound_convert::store::is_s3)
    {
        tokio::runtime::Handle::current().block_on(engine.check_location())?;
    }
    Ok(engine)
}

/// Where and how results go.
pub struct Printer {
    pub format: Format,
    pub style: TableStyle,
    pub output: Option<PathBuf>,
}

impl Printer {
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

pub fn run_sql(a: SqlArgs) -> Result<ExitCode> {
    let lake = lake_path_opt(a.lake_pos.clone(), a.lake.clone())?;
    if lake.is_none() && a.raw.is_none() {
        bail!("no lake given: pass it as an argument, with --lake, set TRAILHOUND_LAKE, or set lake in the config file (or query raw logs with --raw DIR)");
    }
    let rt = runtime()?;
    let _guard = rt.enter();
    let engine = open_engine(lake, a.raw.clone(), &a.window, &a.engine)?;
    let printer = Printer {
        format: format_of(a.format),
        style: TableStyle {
            max_cell_width: a.max_width.max(4),
            max_rows: a.max_rows,
            terminal_width: None,
            expanded: false,
        },
        output: a.output.clone(),
    };
    if let Some(path) = &a.output {
        // One run, one file: start it empty.
        std::fs::write(path, b"").with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut scripts: Vec<String> = a.commands.clone();
    for f in &a.files {
        scripts.push(
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?,
        );
    }
    if scripts.is_empty() {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            return crate::repl::run(rt, engine, printer, a.timing);
        }
        let mut text = String::new();
        stdin
            .lock()
            .read_to_string(&mut text)
            .context("cannot read SQL from standard input")?;
        scripts.push(text);
    }
    if printer.format == Format::Parquet && printer.output.is_none() {
        bail!("--format parquet needs --output FILE");
    }
    for script in scripts {
        rt.block_on(async {
            for df in engine.plan(&script).await? {
                let start = Instant::now();
                let schema = std::sync::Arc::new(df.schema().as_arrow().clone());
                let batches = df
                    .collect()
                    .await
                    .map_err(trailhound_query::QueryError::from)?;
                let result = QueryOutput { schema, batches };
                printer.print(&result)?;
                if a.timing {
                    eprintln!("Time: {:.3} s", start.elapsed().as_secs_f64());
                }
            }
            anyhow::Ok(())
        })?;
    }
    Ok(ExitCode::SUCCESS)
}
