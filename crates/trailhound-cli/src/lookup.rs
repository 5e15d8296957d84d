//! `trailhound lookup`: `aws cloudtrail lookup-events`, answered from the lake.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use trailhound_model::window::parse_instant;
use trailhound_query::lookup::{lookup, parse_attribute, to_aws_events, Category, Lookup};
use trailhound_query::output::{write_text, Format, TableStyle};
use trailhound_query::QueryOutput;

use crate::args::{EventCategory, LookupArgs, LookupOutput};
use crate::context::{lake, open_engine, runtime, window};
use crate::printer::Printer;

pub fn run_lookup(a: LookupArgs, printer: &Printer) -> Result<ExitCode> {
    let lake = lake(a.lake_pos.clone(), a.lake.clone())?;
    let mut l = Lookup {
        max_items: a.max_items.map(|n| n as usize),
        starting_token: a.starting_token.clone(),
        category: match (a.event_category, a.include_data_events) {
            (Some(EventCategory::Insight), _) => Category::Insight,
            (None, true) => Category::ManagementAndData,
            (None, false) => Category::Management,
        },
        ..Default::default()
    };
    for attr in &a.attributes {
        l.attributes
            .push(parse_attribute(attr).map_err(anyhow::Error::msg)?);
    }
    l.start = a
        .start_time
        .as_deref()
        .map(parse_instant)
        .transpose()
        .context("--start-time")?;
    l.end = a
        .end_time
        .as_deref()
        .map(parse_instant)
        .transpose()
        .context("--end-time")?;
    let rt = runtime()?;
    let _guard = rt.enter();
    let engine = open_engine(Some(lake), None, window(&a.window)?, &a.engine, printer)?;
    let page = rt.block_on(lookup(&engine, &l))?;
    let batches = page.batches;
    let mut out = std::io::stdout().lock();
    match a.output {
        LookupOutput::Json => {
            let mut v = to_aws_events(&batches)?;
            v.next_token = page.next_token;
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        LookupOutput::Table => {
            let sql_cols = [
                "eventtime",
                "eventname",
                "eventsource",
                "readonly",
                "eventid",
            ];
            let mut shown = Vec::new();
            let mut schema = None;
            for b in &batches {
                let idx: Vec<usize> = sql_cols
                    .iter()
                    .filter_map(|c| b.schema().index_of(c).ok())
                    .collect();
                let p = b.project(&idx)?;
                schema = Some(p.schema());
                shown.push(p);
            }
            if let Some(schema) = schema {
                let result = QueryOutput {
                    schema,
                    batches: shown,
                };
                // Every event: a lookup's size is chosen with --max-items, not cut by the table.
                let style = TableStyle {
                    max_rows: 0,
                    ..TableStyle::default()
                };
                write_text(&mut out, &result, Format::Table, &style)?;
            } else {
                writeln!(out, "(0 rows)")?;
            }
            if let Some(token) = &page.next_token {
                writeln!(out, "NextToken: {token}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
