//! `trailhound convert`, `compact` and `export`: the commands that write or rebuild the lake.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use trailhound_convert::compact::{compact, CompactSummary};
use trailhound_convert::convert::convert_at;
use trailhound_convert::export::{export_cloudtrail, export_ndjson};
use trailhound_convert::{ConvertOptions, Lake};
use trailhound_model::lake::Dataset;
use trailhound_store::{Source, SourceFilter};

use crate::args::{CompactArgs, ConvertArgs, ExportArgs, ExportFormat};
use crate::context::{lake, lake_filter, locator, open_lake, show_window, window};
use crate::printer::Printer;

/// Exit code of a run that worked but quarantined some input.
const QUARANTINED: u8 = 3;

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

pub fn run_convert(a: ConvertArgs, printer: &Printer) -> Result<ExitCode> {
    let mut opts = ConvertOptions {
        memory_limit: a.memory_limit as usize,
        checkpoint_bytes: a.checkpoint,
        filter: SourceFilter {
            accounts: a.scope.accounts,
            regions: a.scope.regions,
            window: window(&a.window)?,
        },
        retry_quarantined: a.retry_quarantined,
        fetch_concurrency: a.fetch_concurrency.max(1),
        relist: a.relist,
        ..Default::default()
    };
    let s3 = a.s3.options();
    let src_at = locator(&a.src)?;
    let dest_at = locator(&a.dest)?;
    let src = Source::open(&src_at, &s3)?;
    if let Some(keys) = &a.verify {
        if src_at.is_s3() {
            bail!("--verify reads a local copy of the logs and digests; with an S3 source run `trailhound verify` on a synced copy");
        }
        let keys = trailhound_verify::PublicKeys::load(keys)?;
        let (by_source, report) = trailhound_verify::status_by_source(&src, &keys, &opts.filter)?;
        if !report.is_clean() {
            printer.important(format_args!(
                "verify: {} findings (run `trailhound verify` for the list); results recorded per file",
                report.findings.len()
            ));
        }
        opts.integrity = Some(std::sync::Arc::new(by_source));
    }
    if let Some(t) = crate::context::threads(a.threads)? {
        opts.threads = t;
    }
    printer.detail(format_args!(
        "converting {src_at} into {dest_at} ({} threads, window {})",
        opts.threads,
        show_window(&opts.filter.window)
    ));
    let bar = printer.progress();
    let dest = dest_at.open(&s3, true)?;
    let s = convert_at(&src, dest, &opts, &bar)?;
    let secs = s.elapsed.as_secs_f64().max(1e-6);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "converted {} of {} objects ({} unchanged, {} digests, {} quarantined, {} failed)",
        s.objects_converted,
        s.objects_listed,
        s.objects_unchanged,
        s.digests,
        s.quarantined.len(),
        s.failed.len()
    )?;
    writeln!(
        out,
        "events: {} in, {} stored, {} duplicates dropped",
        s.events_in, s.events_out, s.duplicates
    )?;
    writeln!(
        out,
        "bytes: {:.1} MB gzipped, {:.1} MB JSON in; {:.1} MB Parquet out in {} files",
        mb(s.bytes_in),
        mb(s.json_bytes),
        mb(s.bytes_out),
        s.files_written
    )?;
    writeln!(
        out,
        "time: {:.2} s ({:.0} MB/s of JSON, {:.0} events/s)",
        secs,
        mb(s.json_bytes) / secs,
        s.events_in as f64 / secs
    )?;
    if src_at.is_s3() || dest_at.is_s3() {
        writeln!(
            out,
            "requests: {} to the source, {} to the lake",
            s.source_requests, s.lake_requests
        )?;
    } else {
        printer.detail(format_args!(
            "requests: {} to the source, {} to the lake",
            s.source_requests, s.lake_requests
        ));
    }
    drop(out);
    for k in &s.changed {
        printer.important(format_args!(
            "note: {k}: changed since it was converted; its records were replaced"
        ));
    }
    for (k, reason) in &s.failed {
        printer.problem("failed", format_args!("{k}: {reason}"));
    }
    for (k, reason) in &s.quarantined {
        printer.problem("quarantined", format_args!("{k}: {reason}"));
    }
    if !s.failed.is_empty() {
        printer.important(format_args!(
            "{} objects could not be read; the {} converted are committed, and running the same command again converts the rest",
            s.failed.len(),
            s.objects_converted
        ));
        return Ok(ExitCode::FAILURE);
    }
    if !s.quarantined.is_empty() {
        return Ok(ExitCode::from(QUARANTINED));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_compact(a: CompactArgs, printer: &Printer) -> Result<ExitCode> {
    let root = lake(a.lake_pos, a.lake)?;
    let w = window(&a.window)?;
    // Opened to read first: a folder that is no lake is not turned into one.
    let loc = open_lake(&root, &a.s3.options())?.location().clone();
    let mut lake = Lake::open_for_write_at(loc)?;
    let mut total = CompactSummary::default();
    for dataset in Dataset::ALL {
        let s = compact(
            &mut lake,
            &lake_filter(a.scope.clone(), w, dataset),
            a.max_rows,
        )?;
        printer.detail(format_args!(
            "{}: {} partitions, {} files into {}",
            dataset.dir(),
            s.partitions,
            s.files_before,
            s.files_after
        ));
        total.partitions += s.partitions;
        total.files_before += s.files_before;
        total.files_after += s.files_after;
        total.rows += s.rows;
    }
    println!(
        "compacted {} partitions: {} files into {} ({} rows)",
        total.partitions, total.files_before, total.files_after, total.rows
    );
    Ok(ExitCode::SUCCESS)
}

pub fn run_export(a: ExportArgs, printer: &Printer) -> Result<ExitCode> {
    let root = lake(a.lake_pos, a.lake)?;
    let s3 = a.s3.options();
    let lake = open_lake(&root, &s3)?;
    let dataset = if a.insights {
        Dataset::Insights
    } else {
        Dataset::Events
    };
    let filter = lake_filter(a.scope, window(&a.window)?, dataset);
    let summary = match (a.format, a.output) {
        (ExportFormat::Ndjson, Some(path)) => {
            if locator(&path)?.is_s3() {
                bail!("--format ndjson writes a local file or standard output; for S3 use --format cloudtrail");
            }
            let file =
                std::fs::File::create(&path).with_context(|| format!("cannot create {}", path))?;
            let mut w = std::io::BufWriter::new(file);
            export_ndjson(&lake, &filter, &mut w)?
        }
        (ExportFormat::Ndjson, None) => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            export_ndjson(&lake, &filter, &mut w)?
        }
        (ExportFormat::Cloudtrail, Some(dir)) => {
            export_cloudtrail(&lake, &filter, &locator(&dir)?.open(&s3, true)?)?
        }
        (ExportFormat::Cloudtrail, None) => bail!("--format cloudtrail needs --output DIR"),
    };
    printer.status(format_args!("exported {} events", summary.events));
    Ok(ExitCode::SUCCESS)
}
