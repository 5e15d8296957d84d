//! What each subcommand does: turn arguments into library calls and results into output.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use trailhound_convert::compact::compact;
use trailhound_convert::convert::convert_at;
use trailhound_convert::export::{export_cloudtrail, export_ndjson};
use trailhound_convert::location::Location;
use trailhound_convert::source::Source;
use trailhound_convert::source::SourceFilter;
use trailhound_convert::window::now_micros;
use trailhound_convert::{ConvertOptions, Lake, LakeFilter, TimeWindow};

use crate::args::{
    Cli, Command, CompactArgs, ConvertArgs, ExportArgs, ExportFormat, LakeArg, WindowArgs,
};
use crate::progress::Bar;

/// Exit code of a run that worked but quarantined some input.
const QUARANTINED: u8 = 3;

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Convert(a) => run_convert(a),
        Command::Compact(a) => run_compact(a),
        Command::Export(a) => run_export(a),
        Command::Sql(a) => crate::sql::run_sql(a),
        Command::Lookup(a) => crate::lookup::run_lookup(a),
        Command::Verify(a) => run_verify(a),
        Command::Cost(a) => crate::cost::run_cost(a),
        Command::Queries(a) => crate::saved::run_queries(a),
        Command::Run(a) => crate::saved::run_run(a),
        Command::Report(a) => crate::saved::run_report(a),
    }
}

pub fn window(w: &WindowArgs) -> Result<TimeWindow> {
    Ok(TimeWindow::from_args(
        w.since.as_deref(),
        w.from.as_deref(),
        w.until.as_deref(),
        now_micros(),
    )?)
}

/// The lake if one is named: the positional argument, else `--lake` / `TRAILHOUND_LAKE`, else
/// the config file.
pub fn lake_path_opt(positional: Option<PathBuf>, flag: LakeArg) -> Result<Option<PathBuf>> {
    if let Some(p) = positional.or(flag.lake) {
        return Ok(Some(p));
    }
    Ok(crate::config::load()?.lake)
}

/// The lake, which must be named somewhere (see [`lake_path_opt`]).
pub fn lake_path(positional: Option<PathBuf>, flag: LakeArg) -> Result<PathBuf> {
    match lake_path_opt(positional, flag)? {
        Some(p) => Ok(p),
        None => bail!(
            "no lake given: pass it as an argument, with --lake, set TRAILHOUND_LAKE, or set lake in {}",
            crate::config::path()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "the config file".into())
        ),
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn run_convert(a: ConvertArgs) -> Result<ExitCode> {
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
    let src = Source::open(&a.src, &s3)?;
    if let Some(keys) = &a.verify {
        if Location::is_s3(&a.src) {
            bail!("--verify reads a local copy of the logs and digests; with an S3 source run `trailhound verify` on a synced copy");
        }
        opts.integrity = Some(std::sync::Arc::new(integrity_by_source(
            std::path::Path::new(&a.src),
            keys,
            &opts.filter,
        )?));
    }
    if let Some(t) = a.threads {
        if t == 0 {
            bail!("--threads must be at least 1");
        }
        opts.threads = t;
    }
    let bar = Bar::new(a.quiet);
    let dest = Location::parse(&a.dest, &s3, true)?;
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
    if Location::is_s3(&a.src) || Location::is_s3(&a.dest) {
        writeln!(
            out,
            "requests: {} to the source, {} to the lake",
            s.source_requests, s.lake_requests
        )?;
    }
    drop(out);
    for k in &s.changed {
        eprintln!("note: {k}: changed since it was converted; its records were replaced");
    }
    for (k, reason) in &s.failed {
        eprintln!("failed: {k}: {reason}");
    }
    for (k, reason) in &s.quarantined {
        eprintln!("quarantined: {k}: {reason}");
    }
    if !s.failed.is_empty() {
        eprintln!(
            "{} objects could not be read; the {} converted are committed, and running the same command again converts the rest",
            s.failed.len(),
            s.objects_converted
        );
        return Ok(ExitCode::FAILURE);
    }
    if !s.quarantined.is_empty() {
        return Ok(ExitCode::from(QUARANTINED));
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens a lake, local or in S3, to read it.
fn open_lake(root: &std::path::Path, s3: &trailhound_convert::store::S3Options) -> Result<Lake> {
    let text = root.to_string_lossy();
    Ok(if Location::is_s3(&text) {
        Lake::open_at(Location::parse(&text, s3, false)?)?
    } else {
        Lake::open(root)?
    })
}

fn lake_filter(scope: crate::args::ScopeArgs, w: &WindowArgs, dataset: &str) -> Result<LakeFilter> {
    Ok(LakeFilter {
        dataset: Some(dataset.into()),
        accounts: scope.accounts,
        regions: scope.regions,
        window: window(w)?,
    })
}

fn run_compact(a: CompactArgs) -> Result<ExitCode> {
    let root = lake_path(a.lake_pos, a.lake)?;
    // Opened to read first: a folder that is no lake is not turned into one.
    let loc = open_lake(&root, &a.s3.options())?.location().clone();
    let mut lake = Lake::open_for_write_at(loc)?;
    let mut total = trailhound_convert::compact::CompactSummary::default();
    for dataset in ["cloudtrail", "insights"] {
        let s = compact(
            &mut lake,
            &lake_filter(a.scope.clone(), &a.window, dataset)?,
            a.max_rows,
        )?;
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

fn run_export(a: ExportArgs) -> Result<ExitCode> {
    let root = lake_path(a.lake_pos, a.lake)?;
    let s3 = a.s3.options();
    let lake = open_lake(&root, &s3)?;
    let filter = lake_filter(
        a.scope,
        &a.window,
        if a.insights { "insights" } else { "cloudtrail" },
    )?;
    let summary = match (a.format, a.output) {
        (ExportFormat::Ndjson, Some(path)) => {
            if Location::is_s3(&path) {
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
            export_cloudtrail(&lake, &filter, &Location::parse(&dir, &s3, true)?)?
        }
        (ExportFormat::Cloudtrail, None) => bail!("--format cloudtrail needs --output DIR"),
    };
    eprintln!("exported {} events", summary.events);
    Ok(ExitCode::SUCCESS)
}

/// Exit code of a verification that found something wrong.
const FINDINGS: u8 = 2;

fn run_verify(a: crate::args::VerifyArgs) -> Result<ExitCode> {
    let keys = trailhound_verify::PublicKeys::load(&a.public_keys)?;
    let opts = trailhound_verify::VerifyOptions {
        window: window(&a.window)?,
    };
    let src = Source::open(&a.src, &a.s3.options())?;
    let report = trailhound_verify::verify_at(&src, &keys, &opts)?;
    let mut out = std::io::stdout().lock();
    match a.format {
        crate::args::VerifyFormat::Table => report.write_table(&mut out, a.verbose)?,
        crate::args::VerifyFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FINDINGS)
    })
}

/// `convert --verify`: each source object's digest validation result, by source key.
fn integrity_by_source(
    src: &std::path::Path,
    keys: &std::path::Path,
    filter: &SourceFilter,
) -> Result<std::collections::HashMap<String, String>> {
    use trailhound_verify::report::LogStatus;
    let keys = trailhound_verify::PublicKeys::load(keys)?;
    let report =
        trailhound_verify::verify(src, &keys, &trailhound_verify::VerifyOptions::default())?;
    let by_logs_key: std::collections::HashMap<&str, LogStatus> = report
        .logs
        .iter()
        .map(|l| (l.key.as_str(), l.status))
        .collect();
    let mut out = std::collections::HashMap::new();
    for o in trailhound_convert::source::list_sources(src, filter)? {
        let status = match by_logs_key.get(trailhound_verify::digest::logs_key(&o.key)) {
            Some(LogStatus::Valid) => "valid",
            Some(LogStatus::Modified) => "modified",
            Some(LogStatus::Missing) => continue,
            Some(LogStatus::NotCovered) | None => "not_covered",
        };
        out.insert(o.key, status.to_string());
    }
    if !report.is_clean() {
        eprintln!(
            "verify: {} findings (run `trailhound verify` for the list); results recorded per file",
            report.findings.len()
        );
    }
    Ok(out)
}
