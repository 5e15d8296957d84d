//! What subcommands share, each resolved once from the arguments where they enter: the lake
//! (argument, `--lake`, `TRAILHOUND_LAKE` or the config file, parsed into a [`Locator`]), the
//! time window, the runtime, the query engine and the saved-query catalog. Subcommand modules
//! (and the shell) import from here and from `printer`/`output`, never from each other.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use trailhound_convert::{Lake, LakeFilter};
use trailhound_model::lake::Dataset;
use trailhound_model::time::DAY_MICROS;
use trailhound_model::window::{now_micros, parse_duration, TimeWindow};
use trailhound_query::{Engine, EngineOptions};
use trailhound_rules::catalog::{window_bounds, Catalog, SavedQuery};
use trailhound_rules::sigma::SigmaSet;
use trailhound_store::{Locator, S3Options};

use crate::args::{CatalogArgs, EngineArgs, LakeArg, ScopeArgs, WindowArgs};
use crate::printer::Printer;

/// `--since`/`--from`/`--until` as one window, against the clock read now.
pub fn window(w: &WindowArgs) -> Result<TimeWindow> {
    window_at(w, now_micros())
}

/// `--since`/`--from`/`--until` as one window, `--since` counted back from `now`.
fn window_at(w: &WindowArgs, now: i64) -> Result<TimeWindow> {
    Ok(TimeWindow::from_args(
        w.since.as_deref(),
        w.from.as_deref(),
        w.until.as_deref(),
        now,
    )?)
}

/// A folder or `s3://` URL the user typed, parsed once.
pub fn locator(s: &str) -> Result<Locator> {
    Ok(Locator::parse(s)?)
}

/// The lake if one is named: the positional argument, else `--lake` / `TRAILHOUND_LAKE`, else
/// the config file.
pub fn lake_opt(positional: Option<String>, flag: LakeArg) -> Result<Option<Locator>> {
    match positional.or(flag.lake).or(crate::config::load()?.lake) {
        Some(s) => Ok(Some(locator(&s)?)),
        None => Ok(None),
    }
}

/// The lake, which must be named somewhere (see [`lake_opt`]).
pub fn lake(positional: Option<String>, flag: LakeArg) -> Result<Locator> {
    match lake_opt(positional, flag)? {
        Some(l) => Ok(l),
        None => bail!(
            "no lake given: pass it as an argument, with --lake, set TRAILHOUND_LAKE, or set lake in {}",
            crate::config::path()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "the config file".into())
        ),
    }
}

/// A multi-threaded runtime for the engine.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the query runtime")
}

/// `--threads`, which must be at least 1 when given.
pub fn threads(given: Option<usize>) -> Result<Option<usize>> {
    if given == Some(0) {
        bail!("--threads must be at least 1");
    }
    Ok(given)
}

/// `--lookback` in whole days, at least one.
pub fn lookback_days(lookback: &str) -> Result<i64> {
    let lookback = parse_duration(lookback).context("--lookback")?;
    Ok((lookback / DAY_MICROS).max(1))
}

/// Opens the engine on the lake (and raw folder) given, limited to `window`. Callers have
/// entered the runtime. The lake is checked once here (reachable, a lake), before any query.
pub fn open_engine(
    lake: Option<Locator>,
    raw: Option<Locator>,
    window: TimeWindow,
    e: &EngineArgs,
    printer: &Printer,
) -> Result<Engine> {
    Ok(Engine::new(&engine_options(
        lake, raw, window, e, printer,
    )?)?)
}

/// What [`open_engine`] opens, for callers that open engines later themselves (`watch`, per cycle).
pub fn engine_options(
    lake: Option<Locator>,
    raw: Option<Locator>,
    window: TimeWindow,
    e: &EngineArgs,
    printer: &Printer,
) -> Result<EngineOptions> {
    let threads = threads(e.threads)?;
    if let Some(l) = &lake {
        printer.detail(format_args!("lake: {l}"));
    }
    if let Some(r) = &raw {
        printer.detail(format_args!("raw logs: {r}"));
    }
    if !window.is_unbounded() {
        printer.detail(format_args!("window: {}", show_window(&window)));
    }
    Ok(EngineOptions {
        lake,
        raw,
        memory_limit: e.memory_limit.map(|m| m as usize),
        threads,
        window,
        s3: e.s3.options(),
        remote: crate::cluster::remote(e, printer)?,
    })
}

/// `[2024-08-01T00:00:00Z, 2024-08-02T00:00:00Z)`, for `-v`.
pub fn show_window(w: &TimeWindow) -> String {
    let end = |t: Option<i64>| t.map_or("…".to_string(), trailhound_model::time::format_event_time);
    format!("[{}, {})", end(w.from), end(w.until))
}

/// Opens a lake, local or in S3, to read its manifest and files.
pub fn open_lake(at: &Locator, s3: &S3Options) -> Result<Lake> {
    Ok(match at {
        Locator::Local(path) => Lake::open(path)?,
        Locator::S3(_) => Lake::open_at(at.open(s3, false)?)?,
    })
}

/// Which files of one dataset an operation reads.
pub fn lake_filter(scope: ScopeArgs, window: TimeWindow, dataset: Dataset) -> LakeFilter {
    LakeFilter {
        dataset: Some(dataset),
        accounts: scope.accounts,
        regions: scope.regions,
        window,
    }
}

/// The built-in queries, the user's config folder, then `--queries` folders.
pub fn catalog(a: &CatalogArgs) -> Result<Catalog> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(cfg) = crate::config::path() {
        if let Some(parent) = cfg.parent() {
            dirs.push(parent.join("queries"));
        }
    }
    for d in &a.queries {
        if !d.is_dir() {
            bail!("--queries {}: not a folder", d.display());
        }
        dirs.push(d.clone());
    }
    Ok(Catalog::load(&dirs)?)
}

/// The saved queries of category `c`; an unknown or empty category names the ones there are.
pub fn category<'a>(cat: &'a Catalog, c: &str) -> Result<Vec<&'a SavedQuery>> {
    let l = cat.category(c);
    if l.is_empty() {
        bail!(
            "no saved queries in category {c:?}; categories: {}",
            cat.categories().join(", ")
        );
    }
    Ok(l)
}

/// Sigma rules from `paths`; rules that cannot run are named (other logsources only with `-v`,
/// counted otherwise). Fails when no rule for CloudTrail can run.
pub fn sigma_rules(paths: &[PathBuf], printer: &Printer) -> Result<SigmaSet> {
    let set = trailhound_rules::sigma::load(paths)?;
    let (other, unsupported): (Vec<_>, Vec<_>) = set
        .skipped
        .iter()
        .partition(|s| s.reason.starts_with("logsource"));
    for s in &unsupported {
        printer.warn(format_args!("{}: {}: {}", s.file, s.rule, s.reason));
    }
    for s in &other {
        printer.detail(format_args!("{}: {}: {}", s.file, s.rule, s.reason));
    }
    if !other.is_empty() {
        printer.status(format_args!(
            "{} rules for other logsources skipped (-v lists them)",
            other.len()
        ));
    }
    if set.rules.is_empty() {
        bail!(
            "no Sigma rule for AWS CloudTrail (logsource product: aws, service: cloudtrail) could run from {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(set)
}

/// The period a saved query searches (`$from`, `$until`) and its look-back in days. The clock is
/// read once for both the window's `--since` and its end when `--until` is absent, so `--since
/// 7d` is exactly seven days.
pub fn bounds(w: &WindowArgs, lookback: &str) -> Result<(i64, i64, i64)> {
    let now = now_micros();
    let (from, until) = window_bounds(&window_at(w, now)?, now);
    Ok((from, until, lookback_days(lookback)?))
}
