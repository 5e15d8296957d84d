//! `trailhound timeline`: one principal's, IP's or resource's events in time order, with their
//! sessions, as a table on the terminal, JSON, or an HTML page.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use trailhound_query::arrow::array::{ArrayRef, RecordBatch, StringArray};
use trailhound_query::arrow::datatypes::{DataType, Field, Schema};
use trailhound_query::output::{visible, write_text, Format, TableStyle};
use trailhound_query::timeline::{timeline, Subject, Timeline};
use trailhound_query::QueryOutput;

use crate::args::{TimelineArgs, TimelineFormat};
use crate::context::{lake, open_engine, runtime, window};
use crate::output::write_document;
use crate::printer::Printer;

pub fn run_timeline(a: TimelineArgs, printer: &Printer) -> Result<ExitCode> {
    let subject = match (&a.principal, &a.ip, &a.resource) {
        (Some(p), _, _) => Subject::Principal(p.clone()),
        (_, Some(ip), _) => Subject::Ip(ip.clone()),
        (_, _, Some(r)) => Subject::Resource(r.clone()),
        // clap's required group makes this unreachable; say what is needed anyway.
        _ => anyhow::bail!("name the subject: --principal, --ip or --resource"),
    };
    if subject.value().trim().is_empty() {
        anyhow::bail!("--{} is empty", subject.kind());
    }
    let w = window(&a.window)?;
    let lake = lake(None, a.lake.clone())?;
    let rt = runtime()?;
    let _guard = rt.enter();
    // The whole lake is registered: the calls that issued a session's credentials may precede
    // the window. The timeline bounds its own events.
    let engine = open_engine(Some(lake), None, Default::default(), &a.engine, printer)?;
    let t = rt.block_on(timeline(&engine, &subject, &w, a.limit))?;
    printer.detail(format_args!(
        "{} event(s), {} error(s), {} session(s)",
        t.total,
        t.errors,
        t.sessions.len()
    ));
    match a.format {
        TimelineFormat::Html => {
            write_document(a.output.as_deref(), &trailhound_pages::timeline(&t)?)?
        }
        TimelineFormat::Json => write_document(
            a.output.as_deref(),
            &(serde_json::to_string_pretty(&t)? + "\n"),
        )?,
        TimelineFormat::Table => {
            let mut buf = Vec::new();
            write_tables(&mut buf, &t)?;
            write_document(a.output.as_deref(), &String::from_utf8_lossy(&buf))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A text table of string columns (cells are cut and control characters made visible by the
/// query crate's table writer: event fields are attacker-controlled).
fn table(out: &mut dyn std::io::Write, columns: &[(&str, Vec<String>)]) -> Result<()> {
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(n, _)| Field::new(*n, DataType::Utf8, false))
            .collect::<Vec<_>>(),
    ));
    let arrays: Vec<ArrayRef> = columns
        .iter()
        .map(|(_, v)| Arc::new(StringArray::from(v.clone())) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays)?;
    let result = QueryOutput {
        schema,
        batches: vec![batch],
    };
    // Every row (`--limit` already bounds them), cells cut at 80 columns.
    let style = TableStyle {
        max_rows: 0,
        max_cell_width: 80,
        ..TableStyle::default()
    };
    write_text(out, &result, Format::Table, &style)?;
    Ok(())
}

fn write_tables(out: &mut dyn std::io::Write, t: &Timeline) -> Result<()> {
    writeln!(
        out,
        "{} {}: {} event(s), {} error(s), {} session(s)",
        t.subject_kind,
        visible(&t.subject),
        t.total,
        t.errors,
        t.sessions.len()
    )?;
    if t.total == 0 {
        return Ok(());
    }
    let ev = &t.events;
    let col = |f: &dyn Fn(&trailhound_query::timeline::TimelineEvent) -> String| {
        ev.iter().map(f).collect::<Vec<_>>()
    };
    table(
        out,
        &[
            ("time", col(&|e| e.time.clone())),
            ("session", col(&|e| (e.session + 1).to_string())),
            (
                "event",
                col(&|e| format!("{} {}", e.event_source, e.event_name)),
            ),
            ("region", col(&|e| e.region.clone())),
            ("source_ip", col(&|e| e.source_ip.clone())),
            (
                "result",
                col(&|e| match &e.error_code {
                    Some(c) => format!("ERROR {c}"),
                    None => "ok".into(),
                }),
            ),
            ("principal", col(&|e| e.principal.clone())),
        ],
    )?;
    if ev.len() < t.total {
        writeln!(
            out,
            "(the first {} of {} events; raise --limit for more)",
            ev.len(),
            t.total
        )?;
    }
    writeln!(out)?;
    let s = &t.sessions;
    let scol = |f: &dyn Fn(&trailhound_query::timeline::Session) -> String| {
        s.iter().map(f).collect::<Vec<_>>()
    };
    table(
        out,
        &[
            ("session", (1..=s.len()).map(|i| i.to_string()).collect()),
            ("principal", scol(&|s| s.principal.clone())),
            ("access_key", scol(&|s| s.key.clone().unwrap_or_default())),
            ("first", scol(&|s| s.first.clone())),
            ("last", scol(&|s| s.last.clone())),
            ("events", scol(&|s| s.events.to_string())),
            ("errors", scol(&|s| s.errors.to_string())),
            (
                "issued_by",
                scol(&|s| match (s.chain.len(), s.key.as_deref()) {
                    (0, Some(k)) if k.starts_with("ASIA") => "not found in the lake".into(),
                    (0, _) => "long-term credentials".into(),
                    (n, _) => format!("{n} call(s), below"),
                }),
            ),
        ],
    )?;
    // The chains in full, one call per line: they are what an investigator follows.
    for (i, s) in t
        .sessions
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.chain.is_empty())
    {
        writeln!(
            out,
            "\nsession {} ({}):",
            i + 1,
            visible(s.key.as_deref().unwrap_or(""))
        )?;
        for c in &s.chain {
            writeln!(
                out,
                "  <- {} {}{} by {}{} from {} at {}",
                visible(&c.event_name),
                visible(c.role_arn.as_deref().unwrap_or("")),
                c.session_name
                    .as_deref()
                    .map(|n| format!(" as {}", visible(n)))
                    .unwrap_or_default(),
                visible(&c.caller),
                c.caller_key
                    .as_deref()
                    .map(|k| format!(" ({})", visible(k)))
                    .unwrap_or_default(),
                visible(&c.source_ip),
                c.time
            )?;
        }
    }
    Ok(())
}
