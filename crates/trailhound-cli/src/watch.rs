//! `trailhound watch`: convert new logs, run detections over what was committed, deliver each
//! finding once. A status line per cycle on standard error; findings go to the sinks (or, with
//! --dry-run, to standard output).

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use trailhound_alert::sink::{Sender, Sink};
use trailhound_alert::sqs::Queue;
use trailhound_alert::watch::{CycleReport, Detection, QueueSource, Watch, WatchConfig};
use trailhound_convert::ConvertOptions;
use trailhound_model::window::{parse_duration, TimeWindow};
use trailhound_rules::catalog::{split_params, SavedQuery};
use trailhound_store::{Locator, Source};

use crate::args::WatchArgs;
use crate::context::{
    catalog, category, engine_options, lake, locator, lookback_days, runtime, sigma_rules, threads,
};
use crate::printer::Printer;
use crate::saved::params;

fn duration(flag: &str, s: &str) -> Result<Duration> {
    let micros = parse_duration(s).with_context(|| flag.to_string())?;
    if micros <= 0 {
        bail!("{flag} must be more than 0");
    }
    Ok(Duration::from_micros(micros as u64))
}

pub fn run_watch(a: WatchArgs, printer: &Printer) -> Result<ExitCode> {
    let cat = catalog(&a.catalog)?;
    let mut queries: Vec<&SavedQuery> = Vec::new();
    let categories = if a.category.is_empty() && a.query.is_empty() && a.sigma.is_empty() {
        vec!["threats".to_string()]
    } else {
        a.category.clone()
    };
    for c in &categories {
        queries.extend(category(&cat, c)?);
    }
    for n in &a.query {
        queries.push(cat.get(n)?);
    }
    queries.sort_by(|x, y| x.name.cmp(&y.name));
    queries.dedup_by(|x, y| x.name == y.name);
    let sigma = if a.sigma.is_empty() {
        Vec::new()
    } else {
        sigma_rules(&a.sigma, printer)?.rules
    };
    let given = params(&a.params)?;
    let shares = split_params(&queries, &given)?;
    let lookback_days = lookback_days(&a.lookback)?;
    let every = duration("--every", &a.every)?;
    let timeout = duration("--timeout", &a.timeout)?;
    let sinks = a
        .notify
        .iter()
        .map(|n| Sink::parse(n))
        .collect::<Result<Vec<_>, _>>()?;
    let s3 = a.engine.s3.options();
    let sns = if sinks.iter().any(|s| matches!(s, Sink::Sns { .. })) {
        let settings = trailhound_store::service_settings(&s3, "SNS")
            .map_err(|e| anyhow::anyhow!("AWS sign-in for SNS: {e}"))?;
        Some(trailhound_alert::sns::Publisher::new(&settings, timeout))
    } else {
        None
    };
    let rt = runtime()?;
    let _guard = rt.enter();
    let sender = Sender::new(timeout, a.attempts, Duration::from_secs(1), sns)?;
    let lake_at = lake(None, a.lake.clone())?;
    let src_at = locator(&a.src)?;
    let src = Source::open(&src_at, &s3)?;
    let dest = lake_at.open(&s3, true)?;
    let queue = match &a.sqs_queue {
        None => None,
        Some(url) => {
            let Locator::S3(at) = &src_at else {
                bail!("--sqs-queue: S3 event notifications name objects in a bucket; SRC must be an s3:// prefix");
            };
            let settings = trailhound_store::service_settings(&s3, "SQS")
                .map_err(|e| anyhow::anyhow!("AWS sign-in for SQS: {e}"))?;
            Some(QueueSource {
                queue: Queue::new(&settings, url),
                bucket: at.bucket.clone(),
                prefix: at.prefix.clone(),
                // --once drains what is there; a loop waits for the next messages.
                wait: if a.once {
                    Duration::from_secs(1)
                } else {
                    every
                },
            })
        }
    };
    let by_queue = queue.is_some();
    let mut convert = ConvertOptions::default();
    if let Some(t) = threads(a.engine.threads)? {
        convert.threads = t;
    }
    let cfg = WatchConfig {
        detections: queries
            .into_iter()
            .zip(shares)
            .map(|(q, params)| Detection {
                query: q.clone(),
                params,
            })
            .collect(),
        sigma,
        sinks,
        lookback_days,
        window_margin: parse_duration(&a.window_lookback).context("--window-lookback")?,
        dry_run: a.dry_run,
        skip_backlog: a.skip_backlog,
        convert,
        engine: engine_options(
            Some(lake_at.clone()),
            None,
            TimeWindow::default(),
            &a.engine,
            printer,
        )?,
        queue,
    };
    printer.detail(format_args!(
        "watch {}: {} into {lake_at}, {} detections, to {}",
        a.name,
        src_at,
        cfg.detections.len(),
        cfg.sinks
            .iter()
            .map(Sink::name)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let mut watch = Watch::new(cfg, src, dest, &a.name, sender)?;
    loop {
        match watch.cycle(&rt) {
            Ok(r) => {
                status(&r, a.dry_run, printer);
                if a.dry_run {
                    let mut out = std::io::stdout().lock();
                    for f in &r.findings {
                        writeln!(out, "{}", serde_json::to_string(f)?)?;
                    }
                }
                if a.once {
                    return Ok(if !r.failed.is_empty() {
                        ExitCode::FAILURE
                    } else if r.sent > 0 || (a.dry_run && !r.findings.is_empty()) {
                        ExitCode::from(2)
                    } else if !r.convert.quarantined.is_empty() {
                        ExitCode::from(3)
                    } else {
                        ExitCode::SUCCESS
                    });
                }
            }
            Err(e) if a.once => return Err(e.into()),
            // A source or lake that cannot be reached now may be reachable next cycle.
            Err(e) => printer.error(format_args!("{e} (trying again in {})", a.every)),
        }
        // With a queue, waiting for its messages is the pause between cycles.
        if !by_queue {
            std::thread::sleep(every);
        }
    }
}

fn status(r: &CycleReport, dry_run: bool, printer: &Printer) {
    let c = &r.convert;
    let mut line = String::from("watch: ");
    if r.notices > 0 {
        line.push_str(&format!("{} notifications, ", r.notices));
    }
    line.push_str(&format!(
        "{} new objects ({} events stored, {} duplicates), {} new events checked, {} findings",
        c.objects_converted,
        c.events_out,
        c.duplicates,
        r.new_events,
        r.findings.len()
    ));
    if dry_run {
        line.push_str(" (dry run: nothing sent)");
    } else {
        line.push_str(&format!(
            ": {} sent, {} already sent, {} failed",
            r.sent,
            r.already_sent,
            r.failed.len()
        ));
    }
    line.push_str(&format!(" in {:.1} s", r.elapsed.as_secs_f64()));
    printer.status(line);
    for (k, why) in &c.quarantined {
        printer.problem("quarantined", format_args!("{k}: {why}"));
    }
    for k in &c.not_logs {
        printer.warn(format_args!(
            "{k}: notified, but not a CloudTrail log object of SRC (or gone): not converted"
        ));
    }
    for (k, why) in &c.failed {
        printer.problem(
            "not read",
            format_args!("{k}: {why} (next cycle tries again)"),
        );
    }
    for m in &r.unreadable {
        printer.problem(
            "not a notification",
            format_args!("{m} (left on the queue)"),
        );
    }
    for o in &r.foreign {
        printer.warn(format_args!(
            "{o} is not below SRC: its notification was deleted"
        ));
    }
    for f in &r.failed {
        printer.problem(
            "not delivered",
            format_args!("{f} (next cycle tries again)"),
        );
    }
}
