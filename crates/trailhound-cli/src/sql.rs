//! `trailhound sql`: SQL over the lake, from `-c`, `-f`, standard input or the interactive shell.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use trailhound_query::output::Format;
use trailhound_query::QueryOutput;

use crate::args::SqlArgs;
use crate::context::{lake_opt, locator, open_engine, runtime, window};
use crate::output::ResultSink;
use crate::printer::Printer;

pub fn run_sql(a: SqlArgs, printer: &Printer) -> Result<ExitCode> {
    let lake = lake_opt(a.lake_pos.clone(), a.lake.clone())?;
    if lake.is_none() && a.raw.is_none() {
        bail!("no lake given: pass it as an argument, with --lake, set TRAILHOUND_LAKE, or set lake in the config file (or query raw logs with --raw DIR)");
    }
    let raw = a.raw.as_deref().map(locator).transpose()?;
    let rt = runtime()?;
    let _guard = rt.enter();
    let engine = open_engine(lake, raw, window(&a.window)?, &a.engine, printer)?;
    let sink = ResultSink::new(a.format, a.max_width, a.max_rows, a.output.clone());
    sink.start()?;
    let mut scripts: Vec<String> = a.commands.clone();
    for f in &a.files {
        scripts.push(
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?,
        );
    }
    if scripts.is_empty() {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            return crate::repl::run(rt, engine, sink, a.timing, printer);
        }
        let mut text = String::new();
        stdin
            .lock()
            .read_to_string(&mut text)
            .context("cannot read SQL from standard input")?;
        scripts.push(text);
    }
    if sink.format == Format::Parquet && sink.output.is_none() {
        bail!("--format parquet needs --output FILE");
    }
    for script in scripts {
        rt.block_on(async {
            for df in engine.plan(&script).await? {
                let start = Instant::now();
                let schema = std::sync::Arc::new(df.schema().as_arrow().clone());
                let batches = engine.collect(df).await?;
                let result = QueryOutput { schema, batches };
                sink.print(&result)?;
                if a.timing {
                    eprintln!("Time: {:.3} s", start.elapsed().as_secs_f64());
                }
            }
            anyhow::Ok(())
        })?;
    }
    Ok(ExitCode::SUCCESS)
}
