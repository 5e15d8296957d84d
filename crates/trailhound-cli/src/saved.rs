//! `trailhound queries`, `run` and `report`: the saved-query catalog from the command line.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use trailhound_model::window::TimeWindow;
use trailhound_query::output::Format;
use trailhound_rules::catalog::{split_params, SavedQuery};

use crate::args::{QueriesAction, QueriesArgs, ReportArgs, ReportFormat, RunArgs};
use crate::context::{bounds, catalog, category, lake, open_engine, runtime, sigma_rules};
use crate::output::ResultSink;
use crate::printer::Printer;

pub fn run_queries(a: QueriesArgs) -> Result<ExitCode> {
    let cat = catalog(&a.catalog)?;
    let mut out = std::io::stdout().lock();
    match a.action {
        Some(QueriesAction::Show { name }) => {
            let q = cat.get(&name)?;
            show(q, &mut out)?;
        }
        None => {
            let list = match &a.category {
                Some(c) => category(&cat, c)?,
                None => cat.all(),
            };
            let list = match &a.attack {
                Some(t) => {
                    let l: Vec<&SavedQuery> = list
                        .into_iter()
                        .filter(|q| cat.technique(t).iter().any(|m| m.name == q.name))
                        .collect();
                    if l.is_empty() {
                        bail!("no saved query is mapped to ATT&CK technique {t:?}");
                    }
                    l
                }
                None => list,
            };
            let w = list.iter().map(|q| q.name.len()).max().unwrap_or(4);
            writeln!(
                out,
                "{:w$}  {:11}  {:8}  title",
                "name", "category", "severity"
            )?;
            for q in list {
                writeln!(
                    out,
                    "{:w$}  {:11}  {:8}  {}",
                    q.name, q.category, q.severity, q.title
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(q: &SavedQuery, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "{} — {}", q.name, q.title)?;
    writeln!(
        out,
        "category: {}   severity: {}   from: {}",
        q.category, q.severity, q.origin
    )?;
    if !q.references.is_empty() {
        writeln!(out, "references: {}", q.references.join("; "))?;
    }
    if !q.attack.is_empty() {
        writeln!(out, "ATT&CK: {}", q.attack.join(", "))?;
    }
    writeln!(out, "\n{}\n", q.description)?;
    writeln!(out, "parameters:")?;
    writeln!(
        out,
        "  --since/--from/--until  the period searched ($from, $until; default the last 7 days)"
    )?;
    writeln!(
        out,
        "  --lookback              history before the period ($baseline_from; default 30d)"
    )?;
    for p in &q.params {
        writeln!(
            out,
            "  --param {}=<{}>  {} [{}]",
            p.name,
            p.kind.name(),
            p.doc,
            p.default
                .as_deref()
                .map_or("required".to_string(), |d| format!("default {d}"))
        )?;
    }
    writeln!(out, "\n{}", q.sql)?;
    Ok(())
}

pub fn params(list: &[String]) -> Result<BTreeMap<String, String>> {
    let mut m = BTreeMap::new();
    for p in list {
        let (k, v) = p
            .split_once('=')
            .with_context(|| format!("--param {p:?}: expected NAME=VALUE"))?;
        m.insert(k.trim().to_string(), v.to_string());
    }
    Ok(m)
}

pub fn run_run(a: RunArgs, printer: &Printer) -> Result<ExitCode> {
    if !a.sigma.is_empty() {
        return run_sigma(a, printer);
    }
    let cat = catalog(&a.catalog)?;
    let queries: Vec<&SavedQuery> = match (&a.name, &a.category) {
        (Some(n), _) => vec![cat.get(n)?],
        (None, Some(c)) => category(&cat, c)?,
        (None, None) => bail!("name a saved query or a --category"),
    };
    let given = params(&a.params)?;
    if queries.len() == 1 {
        // Checked before the lake is opened: a typo costs nothing.
        queries[0].bind(&given, 0, 1, 1)?;
    }
    let (from, until, lookback) = bounds(&a.window, &a.lookback)?;
    let lake = lake(None, a.lake.clone())?;
    let rt = runtime()?;
    let _guard = rt.enter();
    // The engine sees the whole lake: the queries bound themselves with $from/$until (and look
    // further back with $baseline_from).
    let engine = open_engine(Some(lake), None, TimeWindow::default(), &a.engine, printer)?;
    let sink = ResultSink::new(a.format, a.max_width, 0, a.output.clone());
    sink.start()?;
    let many = queries.len() > 1;
    // One query: all of --param is its own (an unknown name is its error, naming what it takes).
    let shares = if many {
        split_params(&queries, &given)?
    } else {
        vec![given.clone()]
    };
    // Several queries in a machine format: one document of findings (each row names its
    // detection), not one document per query.
    let merged = many && sink.format != Format::Table;
    let mut findings = Vec::new();
    let mut found = 0;
    for (q, given) in queries.into_iter().zip(shares) {
        let values = q.bind(&given, from, until, lookback)?;
        let out = rt
            .block_on(engine.run_bound(&q.sql, values))
            .with_context(|| format!("saved query {} ({})", q.name, q.origin))?;
        let rows: usize = out.batches.iter().map(|b| b.num_rows()).sum();
        found += rows;
        printer.detail(format_args!("{}: {rows} finding(s)", q.name));
        if merged {
            findings.extend(trailhound_alert::finding::findings_of(q, &out.batches)?);
            continue;
        }
        if many {
            sink.write_raw(&format!(
                "== {} [{}]: {} — {} finding(s)\n",
                q.name, q.severity, q.title, rows
            ))?;
        }
        sink.print(&out)?;
    }
    if merged {
        print_findings(&sink, &findings)?;
    }
    if found == 0 {
        say_where_events_are(&rt, &engine, from, until, printer)?;
    }
    Ok(if a.fail_on_findings && found > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Findings of several detections as one document: JSON an array of findings (detection,
/// title, severity, category, references, key, eventids, and the detection's row), NDJSON one per
/// line; CSV, TSV and Parquet one table whose `row` column holds the row as JSON.
fn print_findings(
    sink: &ResultSink,
    findings: &[trailhound_alert::finding::Finding],
) -> Result<()> {
    use std::sync::Arc;
    use trailhound_query::arrow::array::{ArrayRef, RecordBatch, StringArray};
    use trailhound_query::arrow::datatypes::{DataType, Field, Schema};
    match sink.format {
        Format::Json => {
            return sink.write_raw(&format!("{}\n", serde_json::to_string_pretty(findings)?));
        }
        Format::Ndjson => {
            let mut text = String::new();
            for f in findings {
                text.push_str(&serde_json::to_string(f)?);
                text.push('\n');
            }
            return sink.write_raw(&text);
        }
        _ => {}
    }
    let column = |f: &dyn Fn(&trailhound_alert::finding::Finding) -> String| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(findings.iter().map(f)))
    };
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("detection", column(&|f| f.detection.clone())),
        ("title", column(&|f| f.title.clone())),
        ("severity", column(&|f| f.severity.clone())),
        ("category", column(&|f| f.category.clone())),
        ("key", column(&|f| f.key.clone())),
        ("eventids", column(&|f| f.eventids.join(" "))),
        (
            "row",
            column(&|f| serde_json::Value::Object(f.row.clone()).to_string()),
        ),
    ];
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(n, _)| Field::new(*n, DataType::Utf8, false))
            .collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(
        schema.clone(),
        columns.into_iter().map(|(_, c)| c).collect(),
    )?;
    sink.print(&trailhound_query::QueryOutput {
        schema,
        batches: vec![batch],
    })
}

/// When nothing was found: one line if the window holds no events at all, saying which days the
/// lake holds (a 2021 lake searched over the last 7 days finds nothing, rightly). The count is
/// bounded by the window, so it reads only the window's partitions; the lake's extent (partition
/// values only) is asked for only when the window is empty.
fn say_where_events_are(
    rt: &tokio::runtime::Runtime,
    engine: &trailhound_query::Engine,
    from: i64,
    until: i64,
    printer: &Printer,
) -> Result<()> {
    let bound = |sql: &str| {
        rt.block_on(engine.run_bound(
            sql,
            vec![
                (
                    "from".to_string(),
                    trailhound_rules::catalog::timestamp(from),
                ),
                (
                    "until".to_string(),
                    trailhound_rules::catalog::timestamp(until),
                ),
            ],
        ))
    };
    let first_row = |out: &trailhound_query::QueryOutput| -> Result<Vec<String>> {
        Ok(trailhound_query::output::text_rows(&out.batches)?
            .into_iter()
            .next()
            .unwrap_or_default())
    };
    let n = first_row(&bound(
        "SELECT count(*) FROM cloudtrail WHERE eventtime >= $from AND eventtime < $until",
    )?)?;
    if n.first().map(String::as_str) != Some("0") {
        return Ok(());
    }
    let extent = first_row(&bound(
        r#"SELECT min("date"), max("date") FROM cloudtrail"#,
    )?)?;
    let day = |i: usize| match extent.get(i).map(String::as_str) {
        None | Some("") => "-".to_string(),
        Some(d) => d.to_string(),
    };
    let show = trailhound_model::time::format_event_time;
    printer.warn(format_args!(
        "no events between {} and {}; the lake holds the days {} to {} (widen with --since or --from)",
        show(from),
        show(until),
        day(0),
        day(1)
    ));
    Ok(())
}

/// `run --sigma PATH…`: every CloudTrail rule in one scan, one row per rule and event.
fn run_sigma(a: RunArgs, printer: &Printer) -> Result<ExitCode> {
    let set = sigma_rules(&a.sigma, printer)?;
    let (from, until, _) = bounds(&a.window, &a.lookback)?;
    if a.explain {
        for (rules, sql) in trailhound_rules::sigma::scans(&set.rules, from, until) {
            println!("-- {} rules\n{sql};", rules.len());
        }
        for r in &set.rules {
            if let Some(sql) = trailhound_rules::sigma::correlation_sql(r, from, until) {
                println!("-- correlation {} ({})\n{sql};", r.title, r.file);
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let lake = lake(None, a.lake.clone())?;
    let rt = runtime()?;
    let _guard = rt.enter();
    let engine = open_engine(Some(lake), None, TimeWindow::default(), &a.engine, printer)?;
    let out = rt.block_on(trailhound_query::sigma::run(
        &engine, &set.rules, from, until,
    ))?;
    let found = out.num_rows();
    printer.status(format_args!(
        "{} Sigma rules ran ({} not): {found} findings",
        set.rules.len(),
        set.skipped.len()
    ));
    let sink = ResultSink::new(a.format, a.max_width, 0, a.output.clone());
    sink.start()?;
    sink.print(&out)?;
    Ok(if a.fail_on_findings && found > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn run_report(a: ReportArgs, printer: &Printer) -> Result<ExitCode> {
    let cat = catalog(&a.catalog)?;
    let framework = trailhound_rules::frameworks::framework(&a.kind);
    let queries = match framework {
        Some(fw) => fw
            .queries()
            .into_iter()
            .map(|q| cat.get(q))
            .collect::<std::result::Result<Vec<_>, _>>()?,
        // `cis` is the compliance category (the CIS AWS Foundations checks and their evidence).
        None if a.kind == "cis" => cat.category("compliance"),
        None if a.kind == "sigma" && !a.sigma.is_empty() => Vec::new(),
        None => cat.category(&a.kind),
    };
    if queries.is_empty() && a.kind != "sigma" {
        bail!(
            "no report {:?}: reports are the frameworks (cis, {}) and the query categories ({})",
            a.kind,
            trailhound_rules::frameworks::FRAMEWORKS
                .iter()
                .map(|f| f.name)
                .collect::<Vec<_>>()
                .join(", "),
            cat.categories().join(", ")
        );
    }
    let given = params(&a.params)?;
    let (from, until, lookback) = bounds(&a.window, "30d")?;
    let lake = lake(None, a.lake.clone())?;
    let rt = runtime()?;
    let _guard = rt.enter();
    let engine = open_engine(Some(lake), None, TimeWindow::default(), &a.engine, printer)?;
    let mut report = rt.block_on(trailhound_query::report::build(
        &engine,
        &a.kind,
        &queries,
        &given,
        (from, until, lookback),
        a.max_findings,
    ))?;
    if !a.sigma.is_empty() {
        let set = trailhound_rules::sigma::load(&a.sigma)?;
        for s in &set.skipped {
            printer.detail(format_args!("{}: {}: {}", s.file, s.rule, s.reason));
        }
        if !set.skipped.is_empty() {
            printer.status(format_args!(
                "{} Sigma rules or documents skipped (-v lists them)",
                set.skipped.len()
            ));
        }
        let out = rt.block_on(trailhound_query::sigma::run(
            &engine, &set.rules, from, until,
        ))?;
        report.sections.extend(trailhound_query::sigma::sections(
            &set.rules,
            &out,
            a.max_findings,
        )?);
    }
    if let Some(fw) = framework {
        let data = rt.block_on(trailhound_query::report::data_events(&engine, from, until))?;
        report.framework = Some(trailhound_rules::frameworks::evaluate(fw, &report, data));
    }
    let text = match a.format {
        ReportFormat::Md => trailhound_rules::report::markdown(&report),
        ReportFormat::Html => trailhound_pages::report(&report)?,
        ReportFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    match &a.output {
        Some(p) => {
            std::fs::write(p, text).with_context(|| format!("cannot write {}", p.display()))?
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    // A check that could not run is an error even though the report was written: a nightly
    // job must not look green when its checks did not run.
    if report.errors() > 0 {
        for s in report.sections.iter().filter(|s| s.error.is_some()) {
            printer.error(format_args!(
                "check {} could not run: {}",
                s.name,
                s.error.as_deref().unwrap_or("")
            ));
        }
        return Ok(ExitCode::from(1));
    }
    // In a framework report, rows that are evidence are not findings: controls to review are,
    // and so is what leaves the report proving less than it seems to: gaps in the record, a
    // control that could not be checked, a period without events.
    let findings = match &report.framework {
        Some(f) => {
            f.count("review")
                + f.count("gap")
                + f.count("error")
                + usize::from(report.coverage.events == 0)
        }
        None => report.with_findings(),
    };
    Ok(if a.fail_on_findings && findings > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
